"""The k patients whose courses are most like a given one, each with its alignment and what happened next.

>>> import kg
>>> [hit.patient for hit in similar_courses(kg.default_graph(), course="relapse CD19-negative; inotuzumab; CR")]
['pbc-2021', 'rascon-2022']
"""

import json
from dataclasses import asdict, dataclass

import numpy as np

from kg.clinical.patients import find_patient
from kg.clinical.similar import align
from kg.clinical.similar.course import parse_course
from kg.clinical.similar.events import GAP, Event, therapy
from kg.clinical.similar.index import CourseIndex, Occurrence, index_for
from kg.clinical.sources import Record, Source
from kg.knowledge_graph import KnowledgeGraph
from kg.namespaces import SK
from kg.questions.answers import DISCLAIMER, disclaimer_for_levels
from kg.questions.parameters import ParameterError

MAX_K = 100
SILENT_ON_ONE_SIDE = "match where both state"  # a relapse whose antigen status only one course gives
_TRANSPLANT = str(SK.HematopoieticStemCellTransplant)


@dataclass(frozen=True)
class AlignedStep(Record):
    """One step of an alignment: matched, differing, or in one course only."""

    what: str
    """match, match where both state (an antigen status given on one side only), differs, only in the asked
    course, only in this patient's course"""
    asked: str | None
    patient_event: str | None
    cost: float
    source: Source | None


@dataclass(frozen=True)
class NextEvent(Record):
    event: str
    source: Source


@dataclass(frozen=True)
class Hit(Record):
    patient: str
    distance: float
    """alignment cost: 0 when every asked event is matched"""
    evidence_level: str
    alignment: tuple[AlignedStep, ...]
    events_before: int
    """Events of this patient before the aligned part"""
    next: tuple[NextEvent, ...]
    """what happened to this patient after the aligned part"""

    def as_dict(self) -> dict:
        return json.loads(json.dumps(asdict(self)))


@dataclass(frozen=True)
class Similar(Record):
    asked: tuple[str, ...]
    searched: int
    hits: tuple[Hit, ...]
    disclaimer: str = DISCLAIMER

    def as_dict(self) -> dict:
        """Plain JSON-ready values: the shape `salvage-kg courses --format json` and /similar give."""
        return json.loads(json.dumps(asdict(self)))


def similar_courses(graph: KnowledgeGraph, patient: str | None = None, course: str | list[Event] | None = None,
                    k: int = 5, index: CourseIndex | None = None) -> list[Hit]:
    """The k most similar patients to a patient of the graph, or to a course (text or events)."""
    return search(graph, patient, course, k, index).hits


def search(graph: KnowledgeGraph, patient: str | None = None, course: str | list[Event] | None = None,
           k: int = 5, index: CourseIndex | None = None) -> Similar:
    if (patient is None) == (course is None):
        raise ParameterError("patient", "give a patient or a course, not both and not neither")
    if not 1 <= k <= MAX_K:
        raise ParameterError("k", f"k is between 1 and {MAX_K}")
    index = index or index_for(graph)
    if patient is not None:
        name = _patient_name(graph, patient, index)
        codes, exclude = index.courses[name], name
        asked = tuple(occurrence.text for occurrence in index.shown[name])
    else:
        events = parse_course(course, graph) if isinstance(course, str) else list(course)
        events = [_known(event, index) for event in events]
        codes, exclude = [index.alphabet.code(event) for event in events], None
        asked = tuple(index.alphabet.describe(event, index.labels) for event in events)
    if not codes:
        raise ParameterError("patient", f"{patient!r} has no course to compare (no therapy or disease event)")
    found = nearest(index, np.array(codes, dtype=np.int16), k, exclude)
    hits = tuple(_hit(index, codes, asked, name, distance) for name, distance in found)
    return Similar(asked, len(index) - (1 if exclude else 0), hits,
                   disclaimer_for_levels(hit.evidence_level for hit in hits))


def _patient_name(graph: KnowledgeGraph, patient: str, index: CourseIndex) -> str:
    if patient in index.courses:
        return patient
    choice = find_patient(graph, patient)
    name = next((name for name in choice.names if name in index.courses), None)
    if name is None:
        raise ParameterError("patient", f"{patient!r} has no course in the graph")
    return name


def _known(event: Event, index: CourseIndex) -> Event:
    """A therapy named by the user, with whether it is a transplant (from the classes it belongs to)."""
    if event.kind not in ("therapy", "transplant"):
        return event
    kinds = index.alphabet.kinds_of(event.term)
    label = index.labels.get(event.term) or event.term.rsplit("#", 1)[-1].rsplit("/", 1)[-1]
    index.labels.setdefault(event.term, label)
    return therapy(event.term, _TRANSPLANT in kinds or event.term in index.alphabet.transplants)


def nearest(index: CourseIndex, query: np.ndarray, k: int, exclude: str | None = None) -> list[tuple[str, float]]:
    """The k smallest fitted alignment costs. Courses shorter than the query need at least one gap per missing
    event, so lengths are visited nearest first and a group is skipped once that bound cannot beat the k-th."""
    costs = index.alphabet.costs()
    best: list[tuple[float, str]] = []
    m = len(query)
    for length in sorted(index.groups, key=lambda length: max(0, m - length)):
        bound = max(0, m - length) * GAP
        if len(best) >= k and bound > best[k - 1][0]:
            break
        group = index.groups[length]
        found = align.distances(query, group.codes, costs, GAP)
        take = min(len(found), k + 1)
        for position in np.argpartition(found, take - 1)[:take]:
            best.append((float(found[position]), group.patients[position]))
        best = sorted((pair for pair in best if pair[1] != exclude), key=lambda pair: (round(pair[0], 4),
                                                                                        pair[1]))[:k]
    return [(name, distance) for distance, name in best]


def _hit(index: CourseIndex, query: list[int], asked: tuple[str, ...], name: str, distance: float) -> Hit:
    course = index.courses[name]
    shown: tuple[Occurrence, ...] = index.shown[name]
    steps, end = align.traceback(query, course, index.alphabet.costs(), GAP)
    events = index.alphabet.events
    alignment = tuple(
        AlignedStep(SILENT_ON_ONE_SIDE if what == "differs" and index.alphabet.agree_where_stated(
                 events[query[i]], events[course[j]]) else what,
             asked[i] if i is not None else None, shown[j].text if j is not None else None,
             round(cost, 3), shown[j].source if j is not None else None)
        for what, i, j, cost in steps)
    first = next((j for _, _, j, _ in steps if j is not None), end)
    following = tuple(NextEvent(occurrence.text, occurrence.source) for occurrence in shown[end:])
    return Hit(name, round(distance, 3), index.evidence[name], alignment, first, following)
