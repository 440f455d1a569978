"""Every patient's course as a small integer array, built once per graph from the courses read by
kg.clinical.similar.read.

The index holds, per course length, one n × L array of event codes (so one numpy pass aligns every course of that
length), and per patient what each event was, with its source, to show an alignment and what happened next.
It holds no SPARQL. Built once per graph and kept while the graph is unchanged.
"""

import threading
import weakref
from collections import defaultdict
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from kg.clinical.similar.events import Alphabet, Event
from kg.clinical.similar.read import read_courses
from kg.clinical.sources import Source
from kg.knowledge_graph import KnowledgeGraph
from kg.namespaces import SK


class Occurrence(NamedTuple):
    """One event of a patient's course as it is shown: what, where on the timeline, and the source (a tuple: a
    million of them at 100,000 patients)."""

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
        read = read_courses(graph)
        targets: dict[str, set[str]] = defaultdict(set)
        for agent, antigen in graph.internal_texts("agent-targets"):
            targets[agent].add(antigen)
        alphabet = Alphabet(read.kinds, {agent: frozenset(found) for agent, found in targets.items()},
                            read.transplants)
        texts: dict[Event, str] = {}  # one string per distinct event, shared by every course that has it
        courses, shown = {}, {}
        for name, timeline in read.timelines.items():
            courses[name] = [alphabet.code(event) for event, _, _ in timeline]
            shown[name] = tuple(Occurrence(texts.get(event) or texts.setdefault(
                event, alphabet.describe(event, read.labels)), sequence, source)
                for event, sequence, source in timeline)
        alphabet.costs()
        return cls(alphabet, dict(read.labels), courses, shown, read.evidence)


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
