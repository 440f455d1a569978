"""The IRIs of the graph, in one place, so no module spells a namespace twice."""

from rdflib import Namespace

BASE = "https://w3id.org/salvage-kg/"

SK = Namespace(BASE + "ontology#")
SHAPE = Namespace(BASE + "shapes#")
AGENT = Namespace(BASE + "agent/")
PATIENT = Namespace(BASE + "patient/")
SOURCE = Namespace(BASE + "source/")
RULE = Namespace(BASE + "rule/")
STUDY = Namespace(BASE + "study/")
RESULT = Namespace(BASE + "result/")  # one published figure of a study: result:STUDY--FIGURE
GRAPH = Namespace(BASE + "graph/")

PROV = Namespace("http://www.w3.org/ns/prov#")

# Named graphs: stated facts per case, derived facts per rule, the ontology apart from both.
ONTOLOGY_GRAPH = GRAPH["ontology"]
VOCABULARY_GRAPH = GRAPH["vocabulary"]
STUDIES_GRAPH = GRAPH["studies"]  # published study results: trial evidence, never mixed into a case graph


def case_graph(case_id: str):
    return GRAPH["case/" + case_id]


def derived_graph(rule_name: str):
    return GRAPH["derived/" + rule_name]


# Prefixes offered to people: the SPARQL editor, the guide and compact names in messages.
PREFIXES = {
    "sk": str(SK),
    "agent": str(AGENT),
    "patient": str(PATIENT),
    "source": str(SOURCE),
    "rule": str(RULE),
    "study": str(STUDY),
    "result": str(RESULT),
    "shape": str(SHAPE),
    "prov": str(PROV),
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "bibo": "http://purl.org/ontology/bibo/",
    "NCIT": "http://purl.obolibrary.org/obo/NCIT_",
    "MONDO": "http://purl.obolibrary.org/obo/MONDO_",
    "MAXO": "http://purl.obolibrary.org/obo/MAXO_",
    "HGNC": "http://identifiers.org/hgnc/",
}


def bind_prefixes(graph) -> None:
    """Every prefix of PREFIXES on an rdflib graph, where it has none of its own: Turtle written from it names
    only the ones it uses."""
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=False)


def prologue(*names: str) -> str:
    """SPARQL PREFIX declarations for some of PREFIXES: prologue("rdf", "rdfs")."""
    return "".join(f"PREFIX {name}: <{PREFIXES[name]}>\n" for name in names)


def curie(iri) -> str:
    """Shortest readable name of an IRI: 'sk:Relapse', 'patient:pbc-2021/relapse-3'."""
    text = str(iri)
    for prefix, ns in sorted(PREFIXES.items(), key=lambda item: -len(item[1])):
        if text.startswith(ns) and len(text) > len(ns):
            return f"{prefix}:{text[len(ns):]}"
    return text
