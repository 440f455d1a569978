"""The evidence_level parameter of salvage-options and therapy-warnings: only the rows at that level, as the whole
answer holds them (#20: the ranked salvage options ask for the published levels only, never reading a synthetic
cohort)."""

import pytest

from kg.backends.engines import RdflibEngine, rdflib_dataset
from kg.knowledge_graph import KnowledgeGraph

ASKED = [("salvage-options", {"lost_antigen": "CD19"}), ("therapy-warnings", {}),
         ("therapy-warnings", {"antigen": "CD19", "level": "avoid"})]
LEVELS = ("C", "synthetic", "target link", "B")  # case reports, the cohort, the ontology's link, studies (no rows)


def _same_rows(found, expected) -> bool:
    """The same rows, each as often (rows tied in the ORDER BY may come in either order)."""
    return sorted(map(repr, found)) == sorted(map(repr, expected))


@pytest.mark.parametrize(("name", "given"), ASKED, ids=["salvage-options", "therapy-warnings", "cd19-avoid"])
def test_rows_at_a_level_are_the_whole_answers_rows_at_that_level(graph_with_cohort, name, given):
    whole = graph_with_cohort.ask(name, **given).rows
    assert {"C", "synthetic"} <= {row["evidence_level"] for row in whole}, "both levels are in the answer"
    counted = 0
    for level in LEVELS:
        rows = graph_with_cohort.ask(name, evidence_level=level, **given).rows
        assert _same_rows(rows, [row for row in whole if row["evidence_level"] == level]), level
        counted += len(rows)
    assert counted == len(whole), "every row has one of the levels"


def test_salvage_options_target_links_are_their_own_level(graph_with_cohort):
    rows = graph_with_cohort.ask("salvage-options", lost_antigen="CD19", evidence_level="target link").rows
    assert rows and all(row["administration"] is None and row["patient"] is None for row in rows)
    at_c = graph_with_cohort.ask("salvage-options", lost_antigen="CD19", evidence_level="C").rows
    assert at_c and {row["patient"] for row in at_c} == {"pbc-2021"}


@pytest.mark.parametrize("level", ["C", "target link"])
def test_the_level_bound_as_a_term_means_what_it_means_written_in(graph_with_cohort, level):
    """rdflib's engine gets the level as a bound term (nothing is written into its query): the same rows."""
    reference = KnowledgeGraph(graph_with_cohort.store, RdflibEngine(rdflib_dataset(graph_with_cohort.store)))
    for name, given in ASKED[:2]:
        expected = graph_with_cohort.ask(name, evidence_level=level, **given).rows
        assert _same_rows(reference.ask(name, evidence_level=level, **given).rows, expected), name


def test_antigens_tested_at_a_level_are_those_its_findings_test(graph_with_cohort):
    level_c = "https://w3id.org/salvage-kg/ontology#EvidenceLevelC"
    tested = graph_with_cohort.ask_internal("antigens-tested", terms={"_evidence_level_iri": level_c}).rows
    expected = graph_with_cohort.engine.select("""
        PREFIX sk: <https://w3id.org/salvage-kg/ontology#>
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        SELECT DISTINCT ?label WHERE { ?finding a sk:AntigenExpression ; sk:antigen ?antigen ;
          sk:evidenceLevel sk:EvidenceLevelC . ?antigen rdfs:label ?label }""")[1]
    assert sorted(row["antigen_label"] for row in tested) == sorted(str(row[0]) for row in expected)
    assert tested


def test_an_unknown_level_is_refused_with_the_accepted_names(graph_with_cohort):
    from kg import ParameterError

    with pytest.raises(ParameterError, match="evidence_level") as refused:
        graph_with_cohort.ask("salvage-options", lost_antigen="CD19", evidence_level="Z")
    assert "C (case study)" in refused.value.accepted
