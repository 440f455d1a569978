"""/pathways: treatment pathways merged across patients (JSON, or a Sankey page), and each patient's swimmer plot.

Thin over kg.clinical.pathways, which reads the pathways through named questions. The cohort's pathways are read once,
by one thread under a lock (minutes and gigabytes at 10,000 patients: concurrent first callers must not each build
their own), and read again after a write. A request waits for them only as long as its own time limit allows.
"""

import logging
import threading
import time
from typing import Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel

from api.errors import ERROR_RESPONSES, Refused
from api.patients import PATIENT_ID
from kg.backends.query_workers import BUDGET
from kg.clinical.pathways import Cohort, Options, node_link
from kg.clinical.pathways.options import MAX_LENGTH_LIMIT
from kg.clinical.pathways.sankey import sankey_html
from kg.clinical.patients import swimmer
from kg.questions.answers import disclaimer_for_levels

router = APIRouter(tags=["pathways"])
log = logging.getLogger("salvage_kg.api")


class NodeSource(BaseModel):
    citation: str
    evidence_level: str | None
    count: int


class PathwayNode(BaseModel):
    id: str
    step: int
    therapy: str
    modality: str | None
    transplant: bool
    count: int
    percent: float
    ends: int
    outcomes: dict[str, int]
    sources: list[NodeSource]


class PathwayLink(BaseModel):
    source: str
    target: str
    count: int
    percent: float
    share: float
    via: dict[str, int]


class FrequentPath(BaseModel):
    path: list[str]
    count: int
    percent: float


class PathwaySummary(BaseModel):
    patients: int
    shown: int
    hidden: int
    mode: str
    max_length: int | None
    min_count: int
    paths: list[FrequentPath]
    evidence_levels: list[str]


class PathwayGraph(BaseModel):
    """Node-link JSON (as networkx and D3 read it) of the merged pathways, with the disclaimer."""

    directed: bool
    multigraph: bool
    graph: PathwaySummary
    nodes: list[PathwayNode]
    links: list[PathwayLink]
    disclaimer: str


MODE = Query("all", description="all: every therapy given; changes: repeats of a therapy in a row count once; "
             "first: each therapy only where it is first given", examples=["changes"])
MIN_COUNT = Query(1, ge=1, le=1_000_000, description="Hide pathways shared by fewer patients (small counts identify "
                  "patients; the bundled cases are published, hence the default of 1)", examples=[1])
WIDTH = Query(None, ge=200, le=20_000, description="The room the diagram has, in pixels (a page's frame): its "
              "columns narrow to fit, down to a readable width, beyond which it scrolls sideways", examples=[1200])
MAX_LENGTH = Query(None, ge=1, le=MAX_LENGTH_LIMIT, description="Only the first N therapies of each pathway",
                   examples=[4])

Mode = Literal["all", "changes", "first"]

# Only a bad option can be refused here; the refusal is JSON even where the answer is a page.
BAD_OPTION = {422: {"description": ERROR_RESPONSES[422]["description"],
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}}


class SharedCohort:
    """The served graph's pathways: built in the background by one thread, forgotten after each write."""

    def __init__(self, graph):
        self.graph = graph
        self._lock = threading.Lock()
        self._ready = threading.Event()
        self._cohort: Cohort | None = None
        self._failure: Exception | None = None  # why the last build failed: the waiting requests are told
        self._building = False
        self._version = 0

    def forget(self) -> None:
        """After a write: the next request reads the pathways again."""
        with self._lock:
            self._version += 1
            self._cohort = None
            self._ready.clear()

    def _build(self, version: int) -> None:
        # A thread of its own: no request's time limit applies (the question pool's own long limit does).
        started = time.monotonic()
        try:
            cohort, failure = Cohort.read(self.graph), None
            log.info("pathways of the cohort read in %.1f s", time.monotonic() - started)
        except Exception as exc:  # said to the requests waiting now; tried again by the next one
            cohort, failure = None, exc
            log.warning("reading the cohort's pathways failed: %s", exc)
        with self._lock:
            self._building = False
            if version == self._version:
                self._cohort, self._failure = cohort, failure
                self._ready.set()
            else:  # a write came meanwhile: read the new graph at once, for the requests already waiting
                self._start()

    def _start(self) -> None:
        self._ready.clear()
        self._building = True
        threading.Thread(target=self._build, args=(self._version,), daemon=True, name="salvage-kg-pathways").start()

    def get(self, seconds: float) -> Cohort:
        with self._lock:
            if self._cohort is None and not self._building:  # never built, forgotten, or the last build failed
                self._start()
        started = time.monotonic()
        self._ready.wait(max(seconds, 0))
        with self._lock:
            cohort, failure = self._cohort, self._failure
        if cohort is None and failure is not None:
            raise failure  # a remote store down or refusing a question: its own status (502, 504, 501), not a 503
        if cohort is None:
            raise Refused("pathways_not_ready", f"the cohort's pathways are being read (waited "
                                                     f"{time.monotonic() - started:.0f} s); retry shortly",
                          {"Retry-After": "5"})
        return cohort


def _cohort(request: Request) -> Cohort:
    state = request.app.state
    budget = BUDGET.get()
    return state.cohort.get(budget.left() if budget else state.settings.query_timeout)


@router.get("/pathways", response_model=PathwayGraph, responses=BAD_OPTION,
            summary="Treatment pathways merged across patients: counts, outcomes and sources at every step")
def get_pathways(request: Request, mode: Mode = MODE, min_count: int = MIN_COUNT,
                 max_length: int | None = MAX_LENGTH) -> PathwayGraph:
    merged = _cohort(request).transitions(Options(mode=mode, max_length=max_length, min_count=min_count))
    return PathwayGraph(**node_link(merged), disclaimer=disclaimer_for_levels(merged.graph.get("evidence_levels", ())))


@router.get("/pathways/sankey", response_class=HTMLResponse, responses=BAD_OPTION,
            summary="The merged pathways as a Sankey diagram: a self-contained HTML page (inline SVG, no scripts)")
def get_sankey(request: Request, mode: Mode = MODE, min_count: int = MIN_COUNT,
               max_length: int | None = MAX_LENGTH, width: int | None = WIDTH) -> HTMLResponse:
    merged = _cohort(request).transitions(Options(mode=mode, max_length=max_length, min_count=min_count))
    return HTMLResponse(sankey_html(merged, width=width))


class Band(BaseModel):
    source: str
    target: str
    patients: list[str]


NODE = "a node of the diagram as /pathways names it: the step, a full stop and the therapy"


@router.get("/pathways/band", response_model=Band, responses=BAD_OPTION,
            summary="The patients of one band of the Sankey (from one node to the next), with the same options")
def get_band(request: Request, source: str = Query(..., max_length=1000, description=NODE,
                                                   examples=["1. blinatumomab"]),
             target: str = Query(..., max_length=1000, description=NODE, examples=["2. tisagenlecleucel"]),
             mode: Mode = MODE, min_count: int = MIN_COUNT, max_length: int | None = MAX_LENGTH) -> Band:
    # Only a band that is drawn has patients: one hidden by min_count lists none, as it counts none.
    options = Options(mode=mode, max_length=max_length, min_count=min_count)
    return Band(source=source, target=target, patients=_cohort(request).band(source, target, options))


SVG = {200: {"content": {"image/svg+xml": {}}, "description": "A swimmer plot of the patient's pathway (SVG)"}}


@router.get("/patients/{patient_id}/timeline.svg", response_class=Response, responses={**SVG, **ERROR_RESPONSES},
            summary="A patient's pathway as a swimmer plot: therapies in order, remissions, relapses with antigen "
            "status, MRD rises and transplants", tags=["patients"])
def get_timeline_svg(request: Request, patient_id: str = PATIENT_ID) -> Response:
    return Response(swimmer(request.app.state.graph, patient_id), media_type="image/svg+xml")
