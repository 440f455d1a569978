"""`salvage-kg serve`: run the app under uvicorn with the limits given on the command line."""

import dataclasses
import logging
import os
import sys

import uvicorn

from api.settings import Settings


def serve(args) -> int:
    from_env = Settings.from_env()  # what has no command-line flag: the write token, case and memory limits
    if from_env.write_token and args.store and args.workers > 1:
        # RocksDB lets one process write a store: several uvicorn processes could not all open it.
        print("error: a server that accepts writes runs as one process; drop --workers "
              "(--query-workers still runs SPARQL in parallel)", file=sys.stderr)
        return 2
    settings = dataclasses.replace(
        from_env,
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
