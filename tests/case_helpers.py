"""Helpers shared by the per-case fact tests: compact names, and fixtures that read one node's facts.

The fixtures over the graph (facts, structured, timings, doses, dose_of, statement_nodes) are in conftest.py;
they read PATIENT and CASE_GRAPH from the test module that uses them.
"""

import re
import string

PUNCTUATION = string.punctuation + "–—‘’“”®"



def namespaces(patient: str) -> tuple:
    """Longest namespace first, so that events of the patient read as p:relapse-3."""
    return (
    (patient + "/", "p:"),
    ("https://w3id.org/salvage-kg/patient/", "patient:"),
    ("https://w3id.org/salvage-kg/ontology#", "sk:"),
    ("https://w3id.org/salvage-kg/agent/", "agent:"),
    ("https://w3id.org/salvage-kg/source/", "src:"),
    ("http://www.w3.org/1999/02/22-rdf-syntax-ns#", "rdf:"),
    ("http://www.w3.org/2000/01/rdf-schema#", "rdfs:"),
    ("http://www.w3.org/2004/02/skos/core#", "skos:"),
    ("http://www.w3.org/ns/prov#", "prov:"),
    ("http://purl.org/dc/terms/", "dcterms:"),
    ("http://purl.org/ontology/bibo/", "bibo:"),
    ("http://identifiers.org/hgnc/", "hgnc:"),
    )


def short(value, patient: str):
    """Compact name of an IRI (p:relapse-3, sk:CD19); any other value unchanged."""
    if isinstance(value, str):
        for namespace, prefix in namespaces(patient):
            if value.startswith(namespace):
                return prefix + value[len(namespace) :]
    return value


def iri(name: str, patient: str) -> str:
    for namespace, prefix in namespaces(patient):
        if name.startswith(prefix):
            return namespace + name[len(prefix) :]
    return name


def one(values: set):
    """The single value of a property; fails if there are none or several."""
    assert len(values) == 1, f"expected exactly one value, got {values!r}"
    return next(iter(values))


def words(text: str) -> list[str]:
    """Words as written, split on white space and stripped of punctuation: 'mg/m2' and 'MRD-negative' are one each."""
    stripped = (token.strip(PUNCTUATION) for token in text.lower().split())
    return [token for token in stripped if token]


def cited_sentences(locator: str) -> set[int]:
    """Sentence numbers a locator cites: 'sentence 7' -> {7}, 'sentences 8-11' -> {8, 9, 10, 11}."""
    match = re.search(r"sentences? (\d[\d\s,\-–and]*)", locator)
    if not match:
        return set()
    cited = set()
    for start, end in re.findall(r"(\d+)(?:\s*[-–]\s*(\d+))?", match.group(1)):
        cited.update(range(int(start), int(end or start) + 1))
    return cited
