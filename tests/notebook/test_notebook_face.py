"""The Python face a notebook uses: one call for an rdflib graph, one for a question's rows."""

import pandas
import rdflib

import kg


def test_load_graph_returns_an_rdflib_dataset_with_ontology_cases_and_derived_facts():
    dataset = kg.load_graph()
    assert isinstance(dataset, rdflib.Dataset)
    names = {str(graph.identifier) for graph in dataset.graphs()}
    assert {
        "https://w3id.org/salvage-kg/graph/ontology",
        "https://w3id.org/salvage-kg/graph/case/rascon-2022",
        "https://w3id.org/salvage-kg/graph/case/pbc-2021",
        "https://w3id.org/salvage-kg/graph/derived/antigen-escape",
    } <= names
    # The default graph is the union, so a plain query sees stated and derived facts together.
    rows = list(dataset.query("""
        PREFIX sk: <https://w3id.org/salvage-kg/ontology#>
        SELECT ?escape WHERE { ?escape a sk:AntigenEscape ; sk:relapse ?r . ?r sk:site sk:BoneMarrow }"""))
    assert len(rows) == 1


def test_ask_returns_a_dataframe_with_pandas():
    frame = kg.ask("salvage-options", lost_antigen="CD19")
    assert isinstance(frame, pandas.DataFrame)
    assert set(frame["therapy_label"]) == {"inotuzumab ozogamicin", "CD22-directed CAR-T cells",
                                           "haploidentical allogeneic HSCT"}
    # Case rows are level C; a row listed for its CD22 target rests on the ontology's target link.
    assert set(frame["evidence_level"]) == {"C", "target link"}


def test_answer_serialisations_carry_the_disclaimer(graph):
    answer = graph.ask("remission-durations", patient="rascon-2022")
    assert "not treatment advice" in answer.to_dict()["disclaimer"]
    assert "not treatment advice" in answer.to_table()
    assert answer.to_csv().splitlines()[0].startswith("patient,remission,")


SCOPED_SUBQUERY = """
PREFIX sk:   <https://w3id.org/salvage-kg/ontology#>
PREFIX rdf:  <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?relapse ?therapy ?last WHERE {
  ?relapse a sk:Relapse ; sk:patient ?p ; sk:sequence ?relapse_sequence .
  ?p skos:notation "pbc-2021" .
  # ?relapse_sequence is not projected into the subquery: SPARQL 1.1 evaluates the subquery on its own, where
  # it is unbound, so the FILTER fails for every therapy and the subquery has no groups.
  { SELECT ?p (MAX(?sequence) AS ?last) WHERE {
      ?t rdf:type/rdfs:subClassOf* sk:TherapyAdministration ; sk:patient ?p ; sk:sequence ?sequence .
      FILTER(?sequence < ?relapse_sequence) } GROUP BY ?p }
  ?therapy rdf:type/rdfs:subClassOf* sk:TherapyAdministration ; sk:patient ?p ; sk:sequence ?last .
}"""


def test_notebook_subquery_with_aggregate_is_scoped_as_sparql_says(graph):
    """kg.load_graph() copied every quad into rdflib, whose engine evaluates a subquery with the outer row's
    bindings: "the latest therapy before each relapse" written this way gave rows where SPARQL 1.1 gives none
    (issue 16). The notebook graph now answers on Oxigraph, as the questions do."""
    from kg.backends.engines import rdflib_dataset

    notebook = {tuple(row) for row in kg.load_graph().query(SCOPED_SUBQUERY)}
    engine_rows = {tuple(row) for row in graph.engine.select(SCOPED_SUBQUERY)[1]}
    rdflib_rows = {tuple(row) for row in rdflib_dataset(graph.store).query(SCOPED_SUBQUERY)}
    assert notebook == engine_rows == set()
    assert rdflib_rows  # rdflib's own engine still differs: the reason the notebook no longer uses it


def test_notebook_graph_is_a_copy_that_keeps_the_served_graph_as_validated():
    notebook = kg.load_graph()
    before = len(kg.default_graph().store)
    notebook.default_context.add((rdflib.URIRef("urn:x:s"), rdflib.URIRef("urn:x:p"), rdflib.Literal("o")))
    assert notebook.query("ASK { <urn:x:s> ?p ?o }").askAnswer is True
    assert len(kg.default_graph().store) == before
    assert kg.load_graph().query("ASK { <urn:x:s> ?p ?o }").askAnswer is False
