"""salvage-kg: a knowledge graph of salvage therapy in relapsed/refractory B-cell precursor ALL.

For a notebook:

>>> import kg
>>> graph = kg.load_graph()          # rdflib Dataset: ontology + cases + derived facts
>>> rows = kg.ask("salvage-options", lost_antigen="CD19")   # DataFrame with pandas, else an Answer
>>> answer = kg.salvage_options(lost="CD19", expressed="CD22", prior=["CAR-T"], age_group="child")  # ranked
>>> events = kg.timeline(kg.default_graph(), "pbc-2021").events  # a patient's timeline, as GET /patients/.../timeline
"""

from functools import cache

from kg.build.pipeline import CaseFileError
from kg.build.validate import ValidationError, Violation
from kg.clinical import SalvageAnswer, Source, salvage_options
from kg.clinical.patients import UnknownPatient, patient, patients, timeline
from kg.knowledge_graph import KnowledgeGraph, UnknownQuestion
from kg.questions.answers import DISCLAIMER, Answer
from kg.questions.catalogue import Question, catalogue
from kg.questions.pages import Page, PageError
from kg.questions.parameters import ParameterError

__all__ = [
    "DISCLAIMER",
    "Answer",
    "CaseFileError",
    "KnowledgeGraph",
    "Page",
    "PageError",
    "ParameterError",
    "Question",
    "SalvageAnswer",
    "Source",
    "UnknownPatient",
    "UnknownQuestion",
    "ValidationError",
    "Violation",
    "ask",
    "catalogue",
    "default_graph",
    "load_graph",
    "patient",
    "patients",
    "salvage_options",
    "similar_courses",
    "timeline",
]


@cache
def default_graph() -> KnowledgeGraph:
    """The graph of the bundled cases, built once per process."""
    return KnowledgeGraph.build()


def load_graph():
    """An rdflib Dataset holding the ontology, every case and every derived fact (default graph = union)."""
    return default_graph().rdflib_graph()


def ask(name: str, /, **params):
    """Run a named question; a pandas DataFrame when pandas is installed, else an Answer with .rows."""
    answer = default_graph().ask(name, params)
    try:
        return answer.to_dataframe()
    except ImportError:
        return answer


def similar_courses(patient: str | None = None, course: str | None = None, k: int = 5, graph=None):
    """The k patients whose courses are most like a patient's (an identifier) or a described course
    ("relapse CD19-negative; inotuzumab; CR"), each with its alignment and what happened next (kg.clinical.similar)."""
    from kg.clinical.similar import similar_courses as nearest  # numpy and the index only when asked

    return nearest(graph or default_graph(), patient=patient, course=course, k=k)
