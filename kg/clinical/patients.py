"""Patients: who is in the graph, each one's summary, timeline and swimmer plot, each with its sources.

A patient is found by identifier in one place (find_patient): by any name the graph holds for it (identifier,
IRI, compact IRI), as every parameter of range sk:Patient is.

>>> import kg
>>> summary = patient(kg.default_graph(), "pbc-2021")
>>> summary.relapses, summary.source.doi
(3, '10.1002/pbc.28980')
>>> [event.type for event in timeline(kg.default_graph(), "pbc-2021").events][:2]
['diagnosis', 'therapy administration']
"""

from dataclasses import dataclass

from kg.clinical.sources import Cited, Record, source_of
from kg.knowledge_graph import KnowledgeGraph
from kg.questions.answers import DISCLAIMER, disclaimer_for
from kg.questions.pages import Page
from kg.questions.parameters import Choice, ParameterError


class UnknownPatient(ParameterError):
    """No patient of the graph has this name (a ParameterError of `patient`; over HTTP a 404, as it is a path)."""

    kinds = ("unknown_patient",)

    def __init__(self, patient_id: str, reason: str = "", accepted: tuple[str, ...] = ()):
        self.patient_id = patient_id
        super().__init__("patient", reason or f"no patient {patient_id!r} in the graph", accepted)


@dataclass(frozen=True)
class PatientSummary(Cited):
    """One patient: diagnosis, findings at diagnosis, relapses, transplants and the last state the source reports."""

    id: str
    """The patient's identifier (as in the case file's name)"""
    label: str
    sex: str | None
    disease: str | None
    age_at_diagnosis: str | None
    findings_at_diagnosis: tuple[str, ...]
    relapses: int
    transplants: int
    last_known_state: str | None


@dataclass(frozen=True)
class TimelineEvent(Cited):
    """One event of a patient's timeline, with its timing as the source states it."""

    sequence: int
    type: str
    label: str
    age: str | None
    timing: tuple[str, ...]
    """Intervals to earlier events, as stated (exact or approximate)"""
    statement: str
    """The passage of the source the event is taken from"""


@dataclass(frozen=True)
class Timeline(Record):
    patient: str
    events: tuple[TimelineEvent, ...]
    disclaimer: str = DISCLAIMER


@dataclass(frozen=True)
class PatientPage:
    """One page of patients, and where the next page starts (None on the last)."""

    patients: tuple[PatientSummary, ...]
    next_offset: int | None


def find_patient(graph: KnowledgeGraph, patient_id: str) -> Choice:
    """The patient a name selects (its IRI, label and names); UnknownPatient when none does."""
    try:
        return graph.lookup("sk:Patient", patient_id, "patient")
    except ParameterError as exc:
        raise UnknownPatient(patient_id, exc.reason, exc.accepted) from None


def _summary(row: dict) -> PatientSummary:
    return PatientSummary(
        id=row["patient"], label=row["label"], sex=row["sex_label"], disease=row["disease_label"],
        age_at_diagnosis=row["age_at_diagnosis"], findings_at_diagnosis=tuple(row["findings_at_diagnosis"]),
        relapses=row["relapses"], transplants=row["transplants"], last_known_state=row["last_state_label"],
        source=source_of(row), evidence_level=row["evidence_level"])


def _summaries(graph: KnowledgeGraph, patient_iri: str | None = None) -> list[PatientSummary]:
    return [_summary(row) for row in graph.ask("patients", patient=patient_iri).rows]


def patients(graph: KnowledgeGraph, page: Page | None = None) -> PatientPage:
    """Every patient's summary, or one page of them in identifier order."""
    if page is None:
        return PatientPage(tuple(_summaries(graph)), None)
    # A page of patients (a light sorted look-up), then each one's summary through the question with the patient
    # written in (since #20 it reads each patient's derived summary, one pattern per column), where cutting a page
    # of the cohort-wide question by OFFSET sorts every patient's summary first.
    found = graph.ask_internal("patient-page", page=page)
    return PatientPage(tuple(summary for row in found.rows for summary in _summaries(graph, row["patient_iri"])),
                       found.page["next_offset"])


def patient(graph: KnowledgeGraph, patient_id: str) -> PatientSummary:
    """One patient's summary; UnknownPatient when no patient has that name."""
    found = _summaries(graph, find_patient(graph, patient_id).iri)
    if not found:
        raise UnknownPatient(patient_id)
    return found[0]


def timeline(graph: KnowledgeGraph, patient_id: str) -> Timeline:
    """A patient's events in order, with timing, precision and provenance."""
    summary = patient(graph, patient_id)
    rows = graph.ask("patient-timeline", patient=summary.id).rows
    events = tuple(
        TimelineEvent(sequence=row["sequence"], type=row["event_type_label"], label=row["label"], age=row["age"],
                      timing=tuple(row["timing"]), statement=row["statement"], source=source_of(row),
                      evidence_level=row["evidence_level"])
        for row in rows
    )
    return Timeline(summary.id, events, disclaimer_for(rows))  # a synthetic patient's timeline says synthetic


def swimmer(graph: KnowledgeGraph, patient_id: str) -> str:
    """A patient's pathway as a swimmer plot (SVG): therapies in order, remissions, relapses with antigen status,
    MRD rises and transplants."""
    from kg.clinical.pathways import Cohort  # networkx and the pathways only when a picture is asked for
    from kg.clinical.pathways.swimmer import swimmer_svg  # matplotlib loads on the first picture

    return swimmer_svg(list(Cohort.read(graph, find_patient(graph, patient_id).iri)))
