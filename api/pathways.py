"""/pathways: treatment pathways merged across patients (JSON, or a Sankey page), and each patient's swimmer plot.

Thin over kg.pathways, which reads the pathways through named questions; the pathways of the served graph are
read once, on first use, because the graph does not change while it is served.
"""

from typing import Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel

from api.errors import ERROR_RESPONSES, Refused
from api.patients import PATIENT_ID
from kg.answers import DISCLAIMER
from kg.namespaces import SK
from kg.pathways import Cohort, Options, node_link
from kg.pathways.options import MAX_LENGTH_LIMIT
from kg.pathways.sankey import sankey_html

router = APIRouter(tags=["pathways"])


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
MAX_LENGTH = Query(None, ge=1, le=MAX_LENGTH_LIMIT, description="Only the first N therapies of each pathway",
                   examples=[4])

Mode = Literal["all", "changes", "first"]

# Only a bad option can be refused here; the refusal is JSON even where the answer is a page.
BAD_OPTION = {422: {"description": ERROR_RESPONSES[422]["description"],
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}}


def _cohort(request: Request) -> Cohort:
    state = request.app.state
    if getattr(state, "cohort", None) is None:
        state.cohort = Cohort.read(state.graph)
    return state.cohort


@router.get("/pathways", response_model=PathwayGraph, responses=BAD_OPTION,
            summary="Treatment pathways merged across patients: counts, outcomes and sources at every step")
def get_pathways(request: Request, mode: Mode = MODE, min_count: int = MIN_COUNT,
                 max_length: int | None = MAX_LENGTH) -> PathwayGraph:
    merged = _cohort(request).transitions(Options(mode=mode, max_length=max_length, min_count=min_count))
    return PathwayGraph(**node_link(merged), disclaimer=DISCLAIMER)


@router.get("/pathways/sankey", response_class=HTMLResponse, responses=BAD_OPTION,
            summary="The merged pathways as a Sankey diagram: a self-contained HTML page (inline SVG, no scripts)")
def get_sankey(request: Request, mode: Mode = MODE, min_count: int = MIN_COUNT,
               max_length: int | None = MAX_LENGTH) -> HTMLResponse:
    merged = _cohort(request).transitions(Options(mode=mode, max_length=max_length, min_count=min_count))
    return HTMLResponse(sankey_html(merged))


SVG = {200: {"content": {"image/svg+xml": {}}, "description": "A swimmer plot of the patient's pathway (SVG)"}}


@router.get("/patients/{patient_id}/timeline.svg", response_class=Response, responses={**SVG, **ERROR_RESPONSES},
            summary="A patient's pathway as a swimmer plot: therapies in order, remissions, relapses with antigen "
            "status, MRD rises and transplants", tags=["patients"])
def get_timeline_svg(request: Request, patient_id: str = PATIENT_ID) -> Response:
    from kg.pathways.swimmer import swimmer_svg  # matplotlib loads on the first picture, not at start-up

    graph = request.app.state.graph
    known = [choice for choice in graph.choices(str(SK.Patient)) if patient_id.casefold() in choice.names]
    if len(known) != 1:
        raise Refused(404, "unknown_patient", f"no patient {patient_id!r}; GET /patients lists them")
    pathways = Cohort.read(graph, known[0].iri)
    return Response(swimmer_svg(list(pathways)), media_type="image/svg+xml")
