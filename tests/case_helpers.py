"""Helpers shared by the per-case fact tests: compact names, and fixtures that read one node's facts.

The fixtures over the graph (facts, structured, timings, doses, dose_of, statement_nodes) are in conftest.py;
they read PATIENT and CASE_GRAPH from the test module that uses them.
"""

import hashlib
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


COPIED_RUN = 12  # words: a paraphrase may share shorter runs (drug lists, doses), never a whole clause


def runs(text: str, run: int = COPIED_RUN) -> set[tuple[str, ...]]:
    """Every run of `run` consecutive words of a text."""
    found = words(text)
    return {tuple(found[i : i + run]) for i in range(len(found) - run + 1)}


def copies_source(text: str, source: str, run: int = COPIED_RUN) -> bool:
    """Whether `text` repeats `run` consecutive words of `source`."""
    return bool(runs(text, run) & runs(source, run))


def fingerprint(text: str) -> set[str]:
    """A passage's runs of words, hashed: enough to tell a copy, without keeping the passage's prose."""
    return {hashlib.sha256(" ".join(words_run).encode()).hexdigest()[:16] for words_run in runs(text)}


def copies_fingerprint(text: str, passage_fingerprint: set[str]) -> bool:
    """Whether `text` repeats a run of words of the passage a fingerprint was taken of."""
    return bool(fingerprint(text) & passage_fingerprint)


def provenance_problems(facts, nodes: list[str], source: str) -> list[str]:
    """Statements lacking their source, one locator, one paraphrase or evidence level C."""
    problems = []
    for node in nodes:
        fact = facts(node)
        if fact["prov:hadPrimarySource"] != {source}:
            problems.append(f"{node}: source {fact['prov:hadPrimarySource']}")
        if len(fact["sk:sourceLocator"]) != 1 or not one(fact["sk:sourceLocator"]).strip():
            problems.append(f"{node}: locator {fact['sk:sourceLocator']}")
        if len(fact["sk:statement"]) != 1 or not one(fact["sk:statement"]).strip():
            problems.append(f"{node}: statement {fact['sk:statement']}")
        if fact["sk:evidenceLevel"] != {"sk:EvidenceLevelC"}:
            problems.append(f"{node}: evidence level {fact['sk:evidenceLevel']}")
    return problems


def responses(select, therapy: str, patient: str) -> list[dict]:
    """The responses to one of a patient's therapies (p:name), each with its category and the state it led to."""
    rows = select(f"""
        SELECT ?response ?state ?category WHERE {{
          ?response a sk:Response ; sk:toTherapy <{iri(therapy, patient)}> ; sk:responseCategory ?category .
          OPTIONAL {{ ?response sk:resultingState ?state }}
        }}""")
    return [{key: short(value, patient) for key, value in row.items()} for row in rows]
