"""The FastAPI application: builds (or opens) the graph once at start-up and serves it read-only.

>>> from fastapi.testclient import TestClient
>>> with TestClient(create_app()) as client:
...     client.get("/health").json()["status"]
'ok'
"""

import logging
import os
import tempfile
import threading
from collections import Counter
from contextlib import asynccontextmanager

import pyoxigraph as ox
from fastapi import Depends, FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from pydantic import BaseModel

from api import (
    about,
    cases,
    docs,
    encoding,
    errors,
    page,
    pathways,
    patients,
    questions,
    salvage,
    similar,
    sparql,
    time_limits,
)
from api.settings import Settings
from api.single_values import refuse_repeats
from kg.about import version
from kg.backends import stores
from kg.backends.query_workers import PooledEngine, QueryWorkers
from kg.backends.remote import RemoteEngine, RemoteQueries
from kg.build.curation import Curator
from kg.knowledge_graph import KnowledgeGraph
from kg.questions.catalogue import catalogue
from kg.questions.parameters import expand

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
    query_workers_starting: int  # started in place of workers killed at the time limit; not yet ready
    query_timeout_s: float
    writes: bool  # whether this server accepts POST/PUT/DELETE /cases (with the token)


def _describe(state) -> None:
    """What /health, the service description and parameter checks need to know; refreshed after each write."""
    graph = state.graph
    if graph.store is not None:
        # The store lists its graphs directly; the SPARQL look-up scans every quad (17 s at 2M quads).
        state.graph_names = sorted(name.value for name in graph.store.named_graphs())
    else:
        state.graph_names = [row["graph"] for row in graph.ask_internal("named-graphs").rows]
    state.quads = len(graph.store) if graph.store is not None else None
    # Each parameter range's accepted names are looked up in the background, not before the server answers: at
    # 10,000 patients on disk that took minutes. A client asking first shares the look-up under way.
    threading.Thread(target=_look_up_ranges, args=(graph,), daemon=True, name="salvage-kg-ranges").start()


def _look_up_ranges(graph: KnowledgeGraph) -> None:
    for range_name in sorted({p.range for q in catalogue().values() for p in q.params if p.range}):
        try:
            graph.choices(expand(range_name))
        except Exception as exc:  # noqa: BLE001 - in the background; the first client's own look-up tries again
            log.warning("looking up %s in the background failed: %s", range_name, exc)


@asynccontextmanager
async def lifespan(app: FastAPI):
    settings: Settings = app.state.settings
    dump = snapshots = curator = None
    if settings.sparql_endpoint:
        # The graph lives in a remote SPARQL 1.1 store (loaded with `salvage-kg load`); we only forward.
        engine = RemoteEngine(settings.sparql_endpoint)
        graph = KnowledgeGraph(None, engine)
        workers = RemoteQueries(settings.sparql_endpoint, timeout=settings.query_timeout, dataset=engine.dataset)
    elif settings.store and settings.write_token:
        # This process is the store's one writer; query workers read snapshots of it, renewed after each commit.
        store = stores.open_writable(settings.store)
        graph = KnowledgeGraph(store)
        snapshots = stores.Snapshots(settings.store)
        load = ("store", snapshots.take(store))

        def committed() -> None:
            graph.changed()
            snapshot = ("store", snapshots.take(store))
            app.state.workers.reload(snapshot)
            app.state.question_workers.reload(snapshot)
            app.state.cohort.forget()
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
    question_workers = None
    if not settings.sparql_endpoint:
        # Two pools, the same limits: a flood of slow /sparql queries leaves the named questions' latency alone.
        # A snapshot is discarded once neither pool reads it.
        retired: Counter[str] = Counter()

        def retire(location: str) -> None:
            retired[location] += 1
            if snapshots and retired[location] == 2:
                snapshots.discard(location)

        limits = {"timeout": settings.query_timeout, "retired": retire, "memory_mb": settings.query_memory_mb}
        workers = QueryWorkers(load, size=settings.query_workers, nice=10, **limits)
        question_workers = QueryWorkers(load, size=settings.question_workers, name="salvage-kg-question-worker",
                                        **limits)
        graph.engine = PooledEngine(question_workers)
    app.state.graph = graph
    app.state.workers = workers
    app.state.question_workers = question_workers
    app.state.cohort = pathways.SharedCohort(graph)
    app.state.curator = curator
    _describe(app.state)
    log.info("serving %s quads in %d named graphs%s", app.state.quads, len(app.state.graph_names),
             "; writes accepted with the token" if curator else "")
    try:
        yield
    finally:
        workers.close()
        if question_workers:
            question_workers.close()
        if dump:
            os.unlink(dump)
        if snapshots:
            snapshots.close()


def create_app(settings: Settings | None = None) -> FastAPI:
    app = FastAPI(
        title="salvage-kg",
        version=version(),
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # api/docs.py serves /docs and /redoc from assets installed with the package
        redoc_url=None,
    )
    app.state.settings = settings or Settings.from_env()
    if app.state.settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=list(app.state.settings.cors_origins),
                           allow_methods=["GET", "POST", "PUT", "DELETE"], allow_headers=["*"])
    errors.install(app)
    app.add_middleware(time_limits.TimeLimits, seconds=app.state.settings.query_timeout)
    app.add_middleware(encoding.RequireUtf8)
    app.include_router(sparql.router)  # refuses a repeated query= itself, as the SPARQL protocol's 400
    once = [Depends(refuse_repeats)]
    app.include_router(questions.question_routes(), dependencies=once)
    app.include_router(questions.router, dependencies=once)
    app.include_router(salvage.router, dependencies=once)
    app.include_router(patients.router, dependencies=once)
    app.include_router(pathways.router, dependencies=once)
    app.include_router(cases.router, dependencies=once)
    app.include_router(about.router, dependencies=once)
    app.include_router(similar.router, dependencies=once)
    page.install(app)
    docs.install(app)

    @app.get("/health", response_model=Health, tags=["service"], summary="Liveness and size of the graph")
    async def health(request: Request) -> Health:
        state = request.app.state
        return Health(status="ok", quads=state.quads, named_graphs=len(state.graph_names),
                      query_workers=state.workers.size,
                      query_workers_starting=state.workers.starting + (
                          state.question_workers.starting if state.question_workers else 0),
                      query_timeout_s=state.settings.query_timeout,
                      writes=state.curator is not None)

    return app
