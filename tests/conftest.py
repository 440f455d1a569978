"""Shared fixtures: the graph is built once per test session, on both engines."""

import pytest

from kg.answers import to_python
from kg.engines import RdflibEngine, rdflib_dataset
from kg.knowledge_graph import KnowledgeGraph

PREFIXES = """
PREFIX sk:    <https://w3id.org/salvage-kg/ontology#>
PREFIX agent: <https://w3id.org/salvage-kg/agent/>
PREFIX src:   <https://w3id.org/salvage-kg/source/>
PREFIX rdf:   <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs:  <http://www.w3.org/2000/01/rdf-schema#>
PREFIX xsd:   <http://www.w3.org/2001/XMLSchema#>
PREFIX skos:  <http://www.w3.org/2004/02/skos/core#>
PREFIX prov:  <http://www.w3.org/ns/prov#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX bibo:  <http://purl.org/ontology/bibo/>
"""


@pytest.fixture(scope="session")
def graph() -> KnowledgeGraph:
    """The bundled cases on the default (Oxigraph) engine."""
    return KnowledgeGraph.build()


@pytest.fixture(scope="session")
def rdflib_graph(graph) -> KnowledgeGraph:
    """The same store's quads, answered by rdflib's own SPARQL engine."""
    return KnowledgeGraph(graph.store, RdflibEngine(rdflib_dataset(graph.store)))


@pytest.fixture(scope="session")
def select(graph):
    """Run a SELECT (prefixes above included) and get rows as dicts of plain Python values."""

    def run(query: str) -> list[dict]:
        columns, rows = graph.engine.select(PREFIXES + query)
        return [{c: to_python(v) for c, v in zip(columns, row, strict=True)} for row in rows]

    return run


@pytest.fixture(scope="session")
def ask_sparql(graph):
    """Run an ASK (prefixes above included)."""

    def run(query: str) -> bool:
        return graph.engine.ask(PREFIXES + query)

    return run
