"""Every patient's course as a small integer array, built once per graph from the pathway questions' answers.

The index holds, per course length, one n × L array of event codes (so one numpy pass aligns every course of that
length), and per patient what each event was, with its source, to show an alignment and what happened next.
It is built through kg.clinical.pathways.read (the pathway-steps and pathway-states questions) and the
agent-targets look-up; it holds no SPARQL. Built once per graph and kept while the graph is unchanged.
"""

import threading
import weakref
from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from kg.clinical.pathways.model import MRD_RISE, REFRACTORY, RELAPSE, REMISSION, Pathway, Source
from kg.clinical.pathways.read import read_pathways
from kg.clinical.similar.events import Alphabet, Event, relapse, state, therapy
from kg.knowledge_graph import KnowledgeGraph
from kg.namespaces import SK

_STATE_KINDS = {RELAPSE: "relapse", REFRACTORY: "refractory", REMISSION: "remission", MRD_RISE: "rising MRD"}
_NOT_REPORTED = str(SK.NotReported)
_TRANSPLANT = str(SK.HematopoieticStemCellTransplant)


@dataclass(frozen=True)
class Occurrence:
    """One event of a patient's course as it is shown: what, where on the timeline, and the source."""

    text: str
    sequence: int
    source: Source


@dataclass
class Group:
    """Every course of one length: codes (n × L) and whose they are."""

    codes: np.ndarray
    patients: list[str]


class CourseIndex:
    def __init__(self, alphabet: Alphabet, labels: dict[str, str], courses: dict[str, list[int]],
                 shown: dict[str, tuple[Occurrence, ...]], evidence: dict[str, str]):
        self.alphabet = alphabet
        self.labels = labels  # therapy term -> its label
        self.courses = courses
        self.shown = shown
        self.evidence = evidence  # patient -> evidence level ("C", "synthetic")
        by_length: dict[int, list[str]] = defaultdict(list)
        for patient, codes in courses.items():
            by_length[len(codes)].append(patient)
        self.groups = {length: Group(np.array([courses[p] for p in patients], dtype=np.int16).reshape(
            len(patients), length), patients) for length, patients in sorted(by_length.items())}

    def __len__(self) -> int:
        return len(self.courses)

    @classmethod
    def build(cls, graph: KnowledgeGraph) -> "CourseIndex":
        pathways = read_pathways(graph)
        kinds: dict[str, frozenset[str]] = {}
        labels: dict[str, str] = {}
        transplants: set[str] = set()
        for pathway in pathways.values():
            for step in pathway.steps:
                for agent in step.agents:
                    kinds.setdefault(agent, frozenset(step.kinds))
                    labels.setdefault(agent, step.therapy if len(step.agents) == 1 else agent.rsplit("/", 1)[-1])
                    if _TRANSPLANT in step.kinds:
                        transplants.add(agent)
        targets: dict[str, set[str]] = defaultdict(set)
        for row in graph.ask_internal("agent-targets").rows:
            targets[row["agent"]].add(row["antigen"])
        alphabet = Alphabet(kinds, {agent: frozenset(found) for agent, found in targets.items()}, transplants)
        sources: dict[Source, Source] = {}  # one object per distinct source: 100,000 synthetic patients share one
        courses, shown, evidence = {}, {}, {}
        for name, pathway in pathways.items():
            events = course_of(pathway)
            courses[name] = [alphabet.code(event) for event, _ in events]
            shown[name] = tuple(Occurrence(alphabet.describe(event, labels), sequence,
                                           sources.setdefault(source, source))
                                for event, (sequence, source) in events)
            evidence[name] = pathway.steps[0].evidence_level if pathway.steps else \
                (pathway.states[0].evidence_level if pathway.states else "")
        alphabet.costs()
        return cls(alphabet, labels, courses, shown, evidence)


def course_of(pathway: Pathway) -> list[tuple[Event, tuple[int, Source]]]:
    """A pathway's events in timeline order (the diagnosis left out: every course has one)."""
    found = []
    for found_state in pathway.states:
        kind = _STATE_KINDS.get(found_state.kind)
        if kind is None:
            continue
        if kind == "relapse":
            statuses = dict(found_state.antigens)
            event = relapse(*(statuses.get(antigen) if statuses.get(antigen) in ("positive", "negative") else None
                              for antigen in ("CD19", "CD22")))
        else:
            event = state(kind)
        found.append((found_state.sequence, event, found_state.source))
    for step in pathway.steps:
        for agent in step.agents:
            if agent != _NOT_REPORTED:  # the report does not say what was given: nothing to compare
                found.append((step.sequence, therapy(agent, _TRANSPLANT in step.kinds), step.source))
    found.sort(key=lambda item: item[0])
    return [(event, (sequence, source)) for sequence, event, source in found]


_CACHE: "weakref.WeakKeyDictionary[KnowledgeGraph, tuple[object, CourseIndex]]" = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def index_for(graph: KnowledgeGraph) -> CourseIndex:
    """The graph's index, built on first use and again after the graph was written to.

    A write makes the graph forget its cached look-ups (KnowledgeGraph.changed), so the list of patients it hands
    out is a new object afterwards: comparing that object is free, where counting the store's quads takes ~0.4 s
    at 10,000 patients."""
    patients = graph.choices(str(SK.Patient))
    with _LOCK:
        cached = _CACHE.get(graph)
        if cached is None or cached[0] is not patients:
            _CACHE[graph] = (patients, CourseIndex.build(graph))
        return _CACHE[graph][1]
