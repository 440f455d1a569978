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
