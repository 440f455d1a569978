"""The words each clinical statement is searched by (rule searchable-text, read by search-statements, #20): written
once at build time, they must be exactly the strings the question used to build on every call."""

import re

import pyoxigraph as ox
import pytest

from kg.build import rules
from kg.build.pipeline import build_store
from kg.knowledge_graph import KnowledgeGraph
from kg.namespaces import derived_graph

FINDING = "https://w3id.org/salvage-kg/patient/pbc-2021/relapse-3-cd19"  # lost CD19 at the third relapse
SK = "https://w3id.org/salvage-kg/ontology#"


def words(text: str) -> str:
    """As search-statements makes words of a statement: lower case, every run of other characters one space."""
    return re.sub("[^a-z0-9]+", " ", text.lower())


def test_every_clinical_statement_is_searched_by_the_string_the_question_builds(select):
    rows = select("""
        SELECT ?node ?statement ?kind_label ?antigen ?status ?searched WHERE {
          ?node sk:statement ?statement ; rdf:type ?kind .
          { SELECT DISTINCT ?kind WHERE { ?kind rdfs:subClassOf+ sk:ClinicalStatement } }
          ?kind rdfs:label ?kind_label .
          OPTIONAL { ?node sk:antigen/rdfs:label ?antigen ; sk:expressionStatus/rdfs:label ?status }
          OPTIONAL { ?node sk:searchText ?searched }
        }""")
    assert len(rows) > 50
    expected: dict[str, set[str]] = {}
    for row in rows:
        antigen = f"{row['antigen']} {row['status']}" if row["antigen"] is not None else ""
        expected.setdefault(row["node"], set()).add(words(f"{row['statement']} {row['kind_label']} {antigen}"))
    searched = {row["node"]: row["searched"] for row in rows}
    assert {node: set(text.split(" | ")) for node, text in searched.items()} == expected
    assert searched[FINDING] == "blasts at the third relapse had lost cd19 antigen expression cd19 negative"
    marked = select("SELECT ?node WHERE { ?node sk:searchedSeveralWays true }")
    assert {row["node"] for row in marked} == {node for node, strings in expected.items() if len(strings) > 1}


def test_the_searched_text_sits_in_its_own_derived_graph_only(select):
    rows = select("""
        SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?node sk:searchText ?text } } GROUP BY ?g""")
    assert [row["g"] for row in rows] == [str(derived_graph("searchable-text"))]


@pytest.fixture(scope="module")
def finding_of_two_kinds() -> KnowledgeGraph:
    """The two cases, with the CD19 finding also typed a molecular finding (a second kind, so a second string)."""
    store = build_store(check=False)
    statement = ox.NamedNode(SK + "statement")
    case_graph = next(quad.graph_name for quad in store.quads_for_pattern(ox.NamedNode(FINDING), statement, None))
    rdf_type = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    store.add(ox.Quad(ox.NamedNode(FINDING), rdf_type, ox.NamedNode(SK + "MolecularFinding"), case_graph))
    rules.derive(store)
    return KnowledgeGraph(store)


def test_a_statement_of_two_kinds_is_found_only_as_the_kind_whose_string_holds_the_words(finding_of_two_kinds):
    """The joined text holds both kinds' strings; each row is still checked against its own string."""
    graph = finding_of_two_kinds
    assert graph.engine.ask(f"ASK {{ <{FINDING}> <{SK}searchedSeveralWays> true }}")
    as_molecular = graph.ask("search-statements", text="molecular finding cd19").rows
    assert [(row["node"], row["kind_label"]) for row in as_molecular] == [(FINDING, "molecular finding")]
    both = graph.ask("search-statements", text="lost cd19").rows
    assert sorted(row["kind_label"] for row in both if row["node"] == FINDING) == [
        "antigen expression",
        "molecular finding",
    ]
