"""The FastAPI application: builds (or opens) the graph once at start-up and serves it read-only.

>>> from fastapi.testclient import TestClient
>>> with TestClient(create_app()) as client:
...     client.get("/health").json()["status"]
'ok'
"""

import logging
import os
import tempfile
from contextlib import asynccontextmanager

import pyoxigraph as ox
from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from pydantic import BaseModel

from api import cases, errors, page, pathways, patients, questions, salvage, sparql
from api.settings import Settings
from kg import stores
from kg.curation import Curator
from kg.knowledge_graph import KnowledgeGraph
from kg.query_workers import QueryWorkers
from kg.remote import RemoteEngine, RemoteQueries

log = logging.getLogger("salvage_kg.api")

DESCRIPTION = """
A knowledge graph of salvage therapy in relapsed/refractory B-cell precursor ALL, built from published case
reports. Every clinical fact carries its source, the passage it rests on and its evidence level (CIViC C for a
case report). **Evidence, not treatment advice.**

- `/sparql`: SPARQL 1.1 Protocol query endpoint (read-only, time-limited).
- `/questions`: named questions with declared parameters.
- `/salvage-options`: ranked options after an antigen-negative relapse.
- `/patients`: patient summaries and timelines.
- `/cases`: the case reports; curators add, replace and remove them with a bearer token.
"""


class Health(BaseModel):
    status: str
    quads: int | None  # None when the graph is in a remote store
    named_graphs: int
    query_workers: int
    query_timeout_s: float
    writes: bool  # whether this server accepts POST/PUT/DELETE /cases (with the token)


def _describe(state) -> None:
    """What /health and the service description report; refreshed after each write."""
    state.graph_names = [row["graph"] for row in state.graph.ask_internal("named-graphs").rows]
    state.quads = len(state.graph.store) if state.graph.store is not None else None


@asynccontextmanager
async def lifespan(app: FastAPI):
    settings: Settings = app.state.settings
    dump = snapshots = curator = None
    if settings.sparql_endpoint:
        # The graph lives in a remote SPARQL 1.1 store (loaded with `salvage-kg load`); we only forward.
        graph = KnowledgeGraph(None, RemoteEngine(settings.sparql_endpoint))
        workers = RemoteQueries(settings.sparql_endpoint, timeout=settings.query_timeout)
    elif settings.store and settings.write_token:
        # This process is the store's one writer; query workers read snapshots of it, renewed after each commit.
        store = stores.open_writable(settings.store)
        graph = KnowledgeGraph(store)
        snapshots = stores.Snapshots(settings.store)
        load = ("store", snapshots.take(store))

        def committed() -> None:
            graph.changed()
            app.state.workers.reload(("store", snapshots.take(store)))
            _describe(app.state)

        curator = Curator(store, settings.store, committed)
    elif settings.store:
        # Every process opens the same on-disk copy read-only: no graph per worker in memory.
        graph = KnowledgeGraph(stores.open_read_only(settings.store))
        load = ("store", settings.store)
    else:
        graph = KnowledgeGraph.build()
        # Query workers load their own copy from a dump: a killed worker never takes the server's graph with it.
        handle, dump = tempfile.mkstemp(prefix="salvage-kg-", suffix=".nq")
        os.close(handle)
        graph.store.dump(dump, ox.RdfFormat.N_QUADS)
        load = ("nquads", dump)
    if not settings.sparql_endpoint:
        workers = QueryWorkers(load, size=settings.query_workers, timeout=settings.query_timeout,
                               retired=snapshots.discard if snapshots else lambda location: None)
    app.state.graph = graph
    app.state.workers = workers
    app.state.curator = curator
    _describe(app.state)
    log.info("serving %s quads in %d named graphs%s", app.state.quads, len(app.state.graph_names),
             "; writes accepted with the token" if curator else "")
    try:
        yield
    finally:
        workers.close()
        if dump:
            os.unlink(dump)
        if snapshots:
            snapshots.close()


def create_app(settings: Settings | None = None) -> FastAPI:
    app = FastAPI(
        title="salvage-kg",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    app.state.settings = settings or Settings.from_env()
    if app.state.settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=list(app.state.settings.cors_origins),
                           allow_methods=["GET", "POST", "PUT", "DELETE"], allow_headers=["*"])
    errors.install(app)
    app.include_router(sparql.router)
    app.include_router(questions.question_routes())
    app.include_router(questions.router)
    app.include_router(salvage.router)
    app.include_router(patients.router)
    app.include_router(pathways.router)
    app.include_router(cases.router)
    page.install(app)

    @app.get("/health", response_model=Health, tags=["service"], summary="Liveness and size of the graph")
    async def health(request: Request) -> Health:
        state = request.app.state
        return Health(status="ok", quads=state.quads, named_graphs=len(state.graph_names),
                      query_workers=state.workers.size, query_timeout_s=state.settings.query_timeout,
                      writes=state.curator is not None)

    return app
