"""Every row of every named question names its source and its evidence level (issue 15, item 6)."""

import pytest

from kg.questions.catalogue import catalogue

SOURCE_COLUMNS = ("citation", "evidence_level")
REQUIRED = {name: {p.name: p.example for p in q.params if p.required} for name, q in catalogue().items()}
EVERY = {name: {p.name: p.example for p in q.params} for name, q in catalogue().items()}


@pytest.mark.parametrize("name", sorted(catalogue()))
@pytest.mark.parametrize("given", [REQUIRED, EVERY], ids=["required-parameters", "every-parameter"])
def test_every_row_of_every_question_has_a_source_and_an_evidence_level(graph, name, given):
    answer = graph.ask(name, given[name])
    if given is REQUIRED:
        assert answer.rows, f"{name} answers something with its example parameters"
    for column in SOURCE_COLUMNS:
        assert column in answer.columns, f"{name} has a {column} column"
    unsourced = [row for row in answer.rows if not all(row.get(column) for column in SOURCE_COLUMNS)]
    assert unsourced == [], f"{name}: rows without source or evidence level"


def test_salvage_options_row_listed_for_its_target_names_the_ontology_and_says_it_is_no_clinical_evidence(graph):
    rows = [row for row in graph.ask("salvage-options", lost_antigen="CD19").rows if not row["administration"]]
    assert rows, "a therapy is listed because it targets CD22, which the CD19-negative relapse still expressed"
    for row in rows:
        assert row["citation"] == "salvage-kg ontology"
        assert row["evidence_level"] == "target link"
        assert row["source_locator"] == f"sk:targets: {row['therapy_label']} targets CD22"
        assert row["reasons"] == ["targets CD22, expressed at a CD19-negative relapse"]


def test_pathway_timings_rows_carry_the_source_of_the_event_they_time(graph, select):
    rows = graph.ask("pathway-timings", patient="rascon-2022").rows
    assert rows
    for row in rows:
        [stated] = select(f"""SELECT ?locator ?citation WHERE {{
            <{row['event']}> sk:sourceLocator ?locator ; prov:hadPrimarySource/sk:citation ?citation }}""")
        assert (row["source_locator"], row["citation"]) == (stated["locator"], stated["citation"])
        assert row["evidence_level"] == "C"
