"""The FastAPI application: builds (or opens) the graph once at start-up and serves it read-only.

>>> from fastapi.testclient import TestClient
>>> with TestClient(create_app()) as client:
...     client.get("/health").json()["status"]
'ok'
"""

import logging
import time
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from pydantic import BaseModel

from api import (
    about,
    caching,
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
    stored_answers,
    time_limits,
    warming,
)
from api.settings import Settings
from api.single_values import refuse_repeats
from kg.about import version
from kg.backends.open import WorkerLimits, open_backend
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
    quads: int | None  # None when the graph is in a remote store, or on disk and still being counted
    named_graphs: int
    query_workers: int
    query_workers_starting: int  # started in place of workers killed at the time limit; not yet ready
    query_timeout_s: float
    writes: bool  # whether this server accepts POST/PUT/DELETE /cases (with the token)
    warming: list[str]  # background reads still under way (api/warming.py); answers meanwhile may wait for them


def _describe(state) -> None:
    """What /health, the service description and parameter checks need to know; refreshed after each write."""
    state.graph_names = state.backend.graph_names()
    state.described = getattr(state, "described", 0) + 1
    if state.backend.counted_quickly:
        state.quads, state.counting = state.backend.quads(), False
    else:
        # Counting a store on disk scans every quad (7-11 s at 100,000 patients; /health answered after 10.2 s with
        # the count, 3.3 s without): it is done aside, in a process of its own (kg.backends.open.DiskBackend).
        # Meanwhile /health says null and ETags carry a stamp of this process's own, so that a client's cached
        # answer is never vouched for by a count not yet made.
        state.quads, state.counting = None, True
        state.warming.start("quad count", _count_quads, state, state.described)
    state.version = caching.stamp(state)  # in every ETag: a write changes them all
    # Each parameter range's accepted names are looked up in the background, not before the server answers: at
    # 10,000 patients on disk that took minutes. A client asking first shares the look-up under way.
    state.warming.start("accepted names", _look_up_ranges, state.graph)
    # So are the patient roster the keyed questions page by (2.2 s at 100,000 patients) and the groups a grouped
    # question pages by: read at start-up and after each write, so that the first keyed page does not pay for them
    # (one asked sooner shares the read under way).
    state.warming.start("patient roster, groups and words", _read_roster, state.graph)


def _count_quads(state, described: int) -> None:
    started = time.perf_counter()
    try:
        quads = state.backend.quads()
    except Exception as exc:  # noqa: BLE001 - in the background; /health goes on saying null
        log.warning("counting the store's quads failed: %s", exc)
        return
    if state.described == described:  # no write since: the count is of the graph as it is
        state.quads, state.counting = quads, False
        state.version = caching.stamp(state)
        log.info("counted %d quads in %.1f s", quads, time.perf_counter() - started)


def _read_roster(graph: KnowledgeGraph) -> None:
    started = time.perf_counter()
    try:
        roster = graph.roster()
        log.info("read the patient roster: %d patients in %.1f s", len(roster), time.perf_counter() - started)
        for question in catalogue().values():
            if question.patients_read_once:  # not one that lists patients for a parameter's value
                graph.roster(question.patients_read_once)
            if question.grouped_by:
                started = time.perf_counter()
                groups = graph.groups(question)
                log.info("read the groups of %s: %d in %.1f s", question.name, len(groups.groups),
                         time.perf_counter() - started)
        # The words last: at 100,000 patients their index takes 42-46 s, the rest seconds.
        for question in catalogue().values():
            if question.patients_by_words:
                started = time.perf_counter()
                index = graph.text_index(question)
                log.info("read the words of %s: %d patients' statements in %.1f s", question.name, len(index),
                         time.perf_counter() - started)
    except Exception as exc:  # noqa: BLE001 - in the background; the first keyed page reads them again
        log.warning("reading the patient roster, a question's groups or its words in the background failed: %s", exc)


def _look_up_ranges(graph: KnowledgeGraph) -> None:
    for range_name in sorted({p.range for q in catalogue().values() for p in q.params if p.range}):
        try:
            graph.choices(expand(range_name))
        except Exception as exc:  # noqa: BLE001 - in the background; the first client's own look-up tries again
            log.warning("looking up %s in the background failed: %s", range_name, exc)


@asynccontextmanager
async def lifespan(app: FastAPI):
    settings: Settings = app.state.settings
    state = app.state

    def committed() -> None:  # after a write: what was read from the graph before is read again
        state.cohort.forget()
        _describe(state)

    # Where the graph lives (kg/backends/open.py): writes need an on-disk store and the token.
    backend = open_backend(settings.store, settings.sparql_endpoint,
                           writable=bool(settings.store and settings.write_token), on_commit=committed,
                           also=settings.also)
    try:
        state.workers = backend.start_workers(WorkerLimits(
            timeout=settings.query_timeout, memory_mb=settings.query_memory_mb,
            question_memory_mb=settings.question_memory_mb,
            sparql_workers=settings.query_workers, question_workers=settings.question_workers))
        state.backend = backend
        state.graph = backend.graph
        state.cohort = pathways.SharedCohort(backend.graph)
        state.curator = backend.curator
        state.warming = warming.Warming()
        _describe(state)
        log.info("serving %s quads in %d named graphs%s", "uncounted" if state.counting else state.quads,
                 len(state.graph_names),
                 "; writes accepted with the token" if state.curator else "")
        yield
    finally:
        backend.close()


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
    # Innermost: an answer is kept as the routes made it, before ConditionalGet tags it (a kept one is tagged again).
    app.add_middleware(stored_answers.StoredAnswers, megabytes=app.state.settings.answer_cache_mb,
                       shared=app.state.settings.shared_answers)
    app.add_middleware(caching.ConditionalGet)  # inside CORS: a 304 carries its headers too
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
                      query_workers_starting=state.backend.starting(),
                      query_timeout_s=state.settings.query_timeout,
                      writes=state.curator is not None, warming=state.warming.names())

    return app
