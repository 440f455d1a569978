"""/patients: who is in the graph, a summary of each, and each one's timeline with provenance (kg.clinical.patients
over HTTP; the route only adds its links)."""

from dataclasses import dataclass, fields

from fastapi import APIRouter, Path, Request, Response

from api.errors import ERROR_RESPONSES
from api.paging import LIMIT, OFFSET, next_link
from api.patient_rdf import RDF_RESPONSES, patient_iri, rdf_media_type, statements
from kg.clinical.patients import PatientSummary, Timeline, patient, patients, timeline
from kg.questions.pages import Page

router = APIRouter(tags=["patients"])


@dataclass(frozen=True)
class LinkedPatient(PatientSummary):
    """A patient's summary, with where its timeline is on this server."""

    timeline: str
    """The path of the patient's timeline"""

    @classmethod
    def of(cls, summary: PatientSummary) -> "LinkedPatient":
        return cls(**{field.name: getattr(summary, field.name) for field in fields(summary)},
                   timeline=f"/patients/{summary.id}/timeline")


PATIENT_ID = Path(description="Patient identifier", examples=["pbc-2021"], max_length=200)


@router.get("/patients", response_model=list[LinkedPatient], responses={**ERROR_RESPONSES, **RDF_RESPONSES},
            summary="Every patient, summarised, a page at a time (the next page in the Link header)")
def list_patients(request: Request, response: Response, limit: int = LIMIT,
                  offset: int = OFFSET) -> list[LinkedPatient]:
    rdf = rdf_media_type(request)
    found = patients(request.app.state.graph, Page(limit, offset))
    response.headers.update(next_link(request, found.next_offset))
    if rdf:  # the page's patients as RDF: their statements, their events', timings and doses
        return statements(request, rdf, [patient_iri(request, summary.id) for summary in found.patients],
                          response.headers)
    return [LinkedPatient.of(summary) for summary in found.patients]


@router.get("/patients/{patient_id}", response_model=LinkedPatient, responses={**ERROR_RESPONSES, **RDF_RESPONSES},
            summary="One patient: diagnosis, genetics, relapses, transplants, last known state")
def get_patient(request: Request, patient_id: str = PATIENT_ID) -> LinkedPatient:
    rdf = rdf_media_type(request)
    summary = patient(request.app.state.graph, patient_id)
    return statements(request, rdf, [patient_iri(request, summary.id)]) if rdf else LinkedPatient.of(summary)


@router.get("/patients/{patient_id}/timeline", response_model=Timeline, responses=ERROR_RESPONSES,
            summary="A patient's events in order, with timing, precision and provenance")
def get_timeline(request: Request, patient_id: str = PATIENT_ID) -> Timeline:
    return timeline(request.app.state.graph, patient_id)
