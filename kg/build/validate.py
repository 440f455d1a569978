"""SHACL validation: a graph that does not conform is neither written nor served.

Each violation names the node, the shape (the named node shape, with the property path for property shapes)
and the reason, as a curator needs to fix the case file. Two validators give the same answers: the shapes
compiled to SPARQL and run by Oxigraph (fast; what the build uses) and pySHACL (the reference, for rdflib graphs).
"""

import re
from dataclasses import dataclass
from functools import cache

import pyoxigraph as ox
from rdflib import BNode, Graph, URIRef
from rdflib.namespace import SH

from kg.build import shape_queries
from kg.errors import SalvageKgError
from kg.namespaces import curie
from kg.paths import SHAPES_FILE
from kg.progress import Progress


@dataclass(frozen=True)
class Violation:
    node: str
    shape: str
    path: str | None
    value: str | None
    message: str

    def __str__(self) -> str:
        where = f"{self.shape} (path {self.path})" if self.path else self.shape
        return f"{self.node} violates {where}: {self.message}"


class ValidationError(SalvageKgError, ValueError):
    """The graph does not conform to the shapes; `violations` says where and why."""

    kinds = ("nonconforming",)

    def __init__(self, violations: list[Violation]):
        self.violations = violations
        lines = "\n".join(f"  - {violation}" for violation in violations)
        super().__init__(f"{len(violations)} SHACL violation(s):\n{lines}")


@cache
def shapes_graph() -> Graph:
    return Graph().parse(SHAPES_FILE, format="turtle")


def _shape_name(shapes: Graph, shape) -> str:
    # Property shapes are blank nodes inside a named node shape: name the node shape the curator can find.
    if isinstance(shape, BNode):
        parent = next(shapes.subjects(SH.property, shape), None)
        if parent is not None:
            return curie(parent)
        return "an anonymous shape"
    return curie(shape)


def _name(term, data: Graph | None = None) -> str | None:
    if term is None:
        return None
    if isinstance(term, URIRef):
        return curie(term)
    if isinstance(term, BNode):
        # A dose or timing has no name of its own: name it by the node and property that hold it.
        owner = next(data.subject_predicates(term), None) if data is not None else None
        if owner is not None:
            return f"the {curie(owner[1])} of {_name(owner[0], data)}"
        return "a blank node"
    return repr(str(term))


_IRI = re.compile(r"https?://[^\s,;)]+")


def violations_in(data: Graph) -> list[Violation]:
    """Validate a graph holding ontology, vocabulary and instance data; [] when it conforms."""
    import pyshacl  # here, not at the top: 0.2 s of every command's start-up, and only this path uses it

    shapes = shapes_graph()
    conforms, report, _ = pyshacl.validate(data, shacl_graph=shapes, inference="none", allow_warnings=True)
    if conforms:
        return []
    found = set()
    for result in report.objects(None, SH.result):
        path = report.value(result, SH.resultPath)
        message = str(report.value(result, SH.resultMessage) or "does not conform")
        found.add(
            Violation(
                node=_name(report.value(result, SH.focusNode), data) or "?",
                shape=_shape_name(shapes, report.value(result, SH.sourceShape)),
                path=_name(path) if isinstance(path, URIRef) else None,
                value=_name(report.value(result, SH.value), data),
                message=_IRI.sub(lambda match: curie(match.group(0)), message),
            )
        )
    # One violation per node, shape and reason: several constraints of one property can say the same thing.
    unique = {(v.node, v.shape, v.path, v.message): v for v in found}
    return sorted(unique.values(), key=lambda violation: (violation.node, violation.shape, violation.message))


def violations_in_store(store: ox.Store, progress: Progress | None = None) -> list[Violation]:
    """Validate every graph of a store together, with the shapes compiled to SPARQL; [] when it conforms."""
    found = [Violation(node, shape, path, None, message)
             for node, shape, path, message in shape_queries.violations_in_store(store, shapes_graph(), progress)]
    return sorted(found, key=lambda violation: (violation.node, violation.shape, violation.message))


def check(data: Graph | ox.Store, progress: Progress | None = None) -> None:
    """Raise ValidationError unless the graph (an rdflib Graph or an Oxigraph store) conforms."""
    found = violations_in_store(data, progress) if isinstance(data, ox.Store) else violations_in(data)
    if found:
        raise ValidationError(found)
