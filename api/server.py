"""`salvage-kg serve`: run the app under uvicorn with the limits given on the command line."""

import logging
import os

import uvicorn

from api.settings import Settings


def serve(args) -> int:
    settings = Settings(
        query_timeout=args.query_timeout,
        max_query_length=args.max_query_length,
        max_result_bytes=args.max_result_bytes,
        query_workers=args.query_workers,
        cors_origins=tuple(args.cors_origin),
        store=args.store,
        sparql_endpoint=args.sparql_endpoint,
    )
    os.environ.update(settings.to_env())  # each uvicorn worker process reads the same settings
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    print(f"salvage-kg: serving on http://{args.host}:{args.port} (docs at /docs, SPARQL at /sparql)", flush=True)
    uvicorn.run("api.app:create_app", factory=True, host=args.host, port=args.port, workers=args.workers,
                log_level="info")
    return 0
