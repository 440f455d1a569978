"""Published study results (level B): every figure in the graph equals the reference list, statements paraphrase
the passages they were read in, the study-results question answers from the real graph on both engines, and the
indirectness rule says how far each study's population is from a patient."""

import csv
from decimal import Decimal

import pytest
from case_helpers import copies_fingerprint, copies_source, fingerprint
from locations import DATA, SHARED

from kg.namespaces import RESULT, SK, STUDY, derived_graph

DATA = DATA
REFERENCE = SHARED / "reference" / "published-evidence.md"
STUDIES_GRAPH = "https://w3id.org/salvage-kg/graph/studies"
AGENT = "https://w3id.org/salvage-kg/agent/"

NUMBERS = {  # TSV column -> property of the result
    "numerator": "numerator", "denominator": "denominator", "rate": "ratePercent", "ci_lower": "ciLowerPercent",
    "ci_upper": "ciUpperPercent", "comparator_numerator": "comparatorNumerator",
    "comparator_denominator": "comparatorDenominator", "comparator_rate": "comparatorRatePercent",
    "comparator_ci_lower": "comparatorCiLowerPercent", "comparator_ci_upper": "comparatorCiUpperPercent",
    "value_months": "valueMonths", "comparator_value_months": "comparatorValueMonths",
    "hazard_ratio": "hazardRatio", "hazard_ratio_lower": "hazardRatioLower", "hazard_ratio_upper": "hazardRatioUpper",
}


def _rows(name: str) -> list[dict]:
    with (DATA / name).open(encoding="utf-8") as handle:
        return list(csv.DictReader((line for line in handle if not line.startswith("#")), delimiter="\t"))


EXPECTED = _rows("published-evidence.tsv")
VERIFIED = [row for row in EXPECTED if row["status"] == "verified"]
LEFT_OUT = [row for row in EXPECTED if row["status"] != "verified"]
PASSAGES = _rows("study-passages.tsv")


def _number(text: str):
    return None if text == "" else Decimal(text)


def _expected_figures(row: dict) -> dict:
    figures = {column: _number(row[column]) for column in NUMBERS}
    figures.update(study=row["study"], outcome=str(SK[row["outcome"]]), agent=AGENT + row["agent"],
                   basis=str(SK[row["basis"]]) if row["basis"] else None,
                   comparator=AGENT + row["comparator"] if row["comparator"] else None)
    return figures


@pytest.fixture(scope="module")
def in_graph(select) -> dict[str, dict]:
    """Every study result in the graph, as the TSV's columns; several values of one property would show as a list."""
    found: dict[str, dict] = {}
    for row in select("SELECT ?result ?p ?o WHERE { ?result a sk:StudyResult ; ?p ?o }"):
        found.setdefault(row["result"], {}).setdefault(row["p"], []).append(row["o"])
    studies = {row["study"]: row["name"] for row in select(
        "SELECT ?study (STR(?label) AS ?name) WHERE { ?study a sk:Study ; rdfs:label ?label }")}
    tables = {}
    for iri, facts in found.items():
        def value(prop: str, facts=facts):
            values = facts.get(str(SK[prop]), [])
            if len(values) > 1:
                return values
            return Decimal(str(values[0])) if values and isinstance(values[0], int | float | Decimal) else (
                values[0] if values else None)
        figures = {column: value(prop) for column, prop in NUMBERS.items()}
        figures.update(study=studies[value("study")], outcome=value("outcomeMeasure"), agent=value("agent"),
                       basis=value("denominatorBasis"), comparator=value("comparatorAgent"))
        tables[iri[len(str(RESULT)):]] = figures
    return tables


def test_every_verified_figure_of_the_reference_list_is_in_the_graph_as_transcribed(in_graph):
    """TSV -> graph: each verified figure with its numerator, denominator, basis, rate, CI and comparator."""
    assert len(VERIFIED) == 21
    for row in VERIFIED:
        assert row["result"] in in_graph, row["result"]
        assert in_graph[row["result"]] == _expected_figures(row), row["result"]


def test_no_figure_in_the_graph_is_missing_from_the_verified_list(in_graph):
    """Graph -> TSV: nothing enters the graph that is not a verified row of the transcribed reference list."""
    assert set(in_graph) == {row["result"] for row in VERIFIED}


def test_figures_not_found_in_a_stored_primary_source_stay_out(in_graph, ask_sparql):
    """ELIANA's CI and CR/CRi split, and the compassionate-use CR and MRD rates without their denominators, were
    not found in a stored copy of the primary source: no such result, and no CI on ELIANA's overall remission."""
    assert {row["result"] for row in LEFT_OUT} == {
        "eliana--overall-remission-ci", "eliana--cr", "eliana--cri",
        "inotuzumab-compassionate-use--cr-overt-marrow-disease",
        "inotuzumab-compassionate-use--mrd-negative-responders"}
    assert not set(in_graph) & {row["result"] for row in LEFT_OUT}
    assert in_graph["eliana--overall-remission"]["ci_lower"] is None
    assert not ask_sparql("""ASK { ?r a sk:StudyResult ; sk:study ?s ; sk:outcomeMeasure sk:CompleteRemission .
                                   VALUES ?s { <https://w3id.org/salvage-kg/study/eliana>
                                               <https://w3id.org/salvage-kg/study/inotuzumab-compassionate-use> } }""")


def _shown(number: str) -> set[str]:
    value = Decimal(number)
    return {f"{value:f}", f"{value.normalize():f}"}


@pytest.mark.skipif(not REFERENCE.exists(), reason="shared/reference is not beside the checkout")
@pytest.mark.parametrize("row", EXPECTED, ids=[row["result"] for row in EXPECTED])
def test_each_transcribed_figure_is_in_the_reference_list(row):
    """Each row's snippet is in published-evidence.md, and it carries the row's figures (rate or count, CI)."""
    reference = " ".join(REFERENCE.read_text(encoding="utf-8").split())
    snippet = row["reference_text"]
    assert snippet in reference
    figures = [row[column] for column in ("rate", "value_months", "hazard_ratio") if row[column]]
    counted = row["numerator"] and row["denominator"]
    assert figures or counted
    if counted:
        assert f"{row['numerator']}/{row['denominator']}" in snippet or \
               f"{row['numerator']} of {row['denominator']}" in snippet or any(
                   text in snippet for figure in figures for text in _shown(figure))
    else:
        assert all(any(text in snippet for text in _shown(figure)) for figure in figures)
    if row["ci_lower"]:
        assert any(f"{low}-{high}" in snippet for low in _shown(row["ci_lower"]) for high in _shown(row["ci_upper"]))


def test_tsv_denominators_match_the_reference_list():
    """The denominators transcribed (and what they count) are the reference list's."""
    if not REFERENCE.exists():
        pytest.skip("shared/reference is not beside the checkout")
    reference = REFERENCE.read_text(encoding="utf-8")
    for counted in ("185 evaluable", "first 218 randomised (109 vs 109)", "75 infused", "55 treated",
                    "cohort 2A, 94 infused", "15 at the active dose", "6 treated", "N=108 (54 vs 54)",
                    "N=405 (271 vs 134)", "N=326 (164 vs 162)", "N=30"):
        assert counted in reference, counted


# --- every statement: own words, with its source, passage and level B ----------------------------------------

@pytest.fixture(scope="module")
def statements(select) -> list[dict]:
    return select("""
        SELECT ?node ?source (STR(?text) AS ?statement) ?locator ?level WHERE {
          ?node a sk:StudyResult ; prov:hadPrimarySource ?source ; sk:statement ?text ; sk:sourceLocator ?locator ;
                sk:evidenceLevel ?level }""")


def test_every_study_result_has_source_locator_statement_and_level_b(statements, select):
    assert len(statements) == len(VERIFIED)
    assert {row["level"] for row in statements} == {str(SK.EvidenceLevelB)}
    assert all(row["locator"].strip() and row["statement"].strip() for row in statements)
    reports = select("SELECT ?s WHERE { ?s a sk:StudyReport ; sk:evidenceLevel sk:EvidenceLevelB }")
    sources = {row["s"] for row in reports}
    assert {row["source"] for row in statements} <= sources


def test_every_study_source_has_a_passage_where_its_figures_were_read(statements):
    read = {"https://w3id.org/salvage-kg/source/" + row["source"] for row in PASSAGES}
    assert {row["source"] for row in statements} <= read
    assert all(row["address"].startswith("http") and row["runs"].split() for row in PASSAGES)


def test_no_study_statement_copies_twelve_words_of_the_passage_it_was_read_in(statements):
    passages = {run for row in PASSAGES for run in row["runs"].split()}
    copied = [row["node"] for row in statements if copies_fingerprint(row["statement"], passages)]
    assert copied == []


@pytest.mark.skipif(not REFERENCE.exists(), reason="shared/reference is not beside the checkout")
def test_no_study_statement_copies_twelve_words_of_the_reference_list(statements):
    reference = REFERENCE.read_text(encoding="utf-8")
    assert [row["node"] for row in statements if copies_source(row["statement"], reference)] == []


def test_the_copy_check_catches_a_statement_lifted_from_a_passage(statements):
    # The passages are kept only as fingerprints; a statement of ours stands in for one here.
    passage = statements[0]["statement"]
    assert copies_fingerprint("The paper says: " + passage + " And more.", fingerprint(passage))
    assert not copies_fingerprint("Our own words, shorter than a run.", fingerprint(passage))


def test_trial_figures_live_in_the_studies_graph_never_in_a_case_graph(ask_sparql):
    assert ask_sparql(f"ASK {{ GRAPH <{STUDIES_GRAPH}> {{ ?r a sk:StudyResult }} }}")
    assert not ask_sparql("""ASK { GRAPH ?g { ?r a sk:StudyResult }
                                   FILTER(STRSTARTS(STR(?g), "https://w3id.org/salvage-kg/graph/case/")) }""")
    assert not ask_sparql("ASK { ?r a sk:StudyResult ; sk:patient ?p }")


def test_study_populations_are_recorded_as_the_papers_state_them(select):
    rows = select("""
        SELECT ?study ?age ?setting ?antigen ?allowed WHERE {
          ?study a sk:Study ; sk:ageGroup ?age ; sk:diseaseSetting ?setting .
          OPTIONAL { ?study sk:requiredAntigen ?antigen } OPTIONAL { ?study sk:priorTherapyAllowed ?allowed } }""")
    by_study = {row["study"][len(str(STUDY)):]: row for row in rows}
    assert by_study["itcc-059-phase-1b"]["antigen"] == str(SK.CD22)
    assert by_study["itcc-059-phase-1b"]["age"] == str(SK.Children)
    assert by_study["blinatumomab-consolidation-locatelli"]["setting"] == str(SK.ConsolidationAfterRelapse)
    assert by_study["cd22-car-t-fry"]["allowed"] == str(SK.CARTProduct)
    assert {by_study[name]["age"] for name in ("tower", "ino-vate", "zuma-3", "felix", "cd19-cd22-car-t-dai")} == {
        str(SK.Adults)}
    assert by_study["eliana"]["age"] == str(SK.ChildrenAndYoungAdults)


# --- the named question study-results ----------------------------------------------------------------------------

def test_study_results_answer_every_figure_with_its_source_and_level(graph):
    rows = graph.ask("study-results").rows
    assert len(rows) == len(VERIFIED)
    assert all(row["citation"] and row["source_locator"] and row["statement"] and row["evidence_level"] == "B"
               for row in rows)
    zuma = next(row for row in rows if row["study_label"] == "ZUMA-3")
    assert (zuma["numerator"], zuma["denominator"], zuma["denominator_basis_label"], zuma["rate_percent"],
            zuma["ci_lower_percent"], zuma["ci_upper_percent"], zuma["doi"], zuma["registry_id"]) == (
        39, 55, "treated", 70.9, 57.0, 82.0, "10.1016/S0140-6736(21)01222-8", "NCT02614066")


def test_study_results_for_a_modality_follow_the_class_hierarchy(graph):
    rows = graph.ask("study-results", therapy="CAR-T").rows
    assert {row["agent_label"] for row in rows} == {
        "tisagenlecleucel", "brexucabtagene autoleucel", "obecabtagene autoleucel", "CD22-directed CAR-T cells",
        "CD19/CD22 bispecific CAR-T cells"}


def test_study_results_for_an_antigen_are_the_arms_aimed_at_it(graph):
    rows = graph.ask("study-results", antigen="CD22").rows
    assert {row["agent_label"] for row in rows} == {
        "inotuzumab ozogamicin", "CD22-directed CAR-T cells", "CD19/CD22 bispecific CAR-T cells"}


def test_study_results_for_an_outcome_and_a_therapy(graph):
    rows = graph.ask("study-results", therapy="inotuzumab ozogamicin", outcome="VOD/SOS").rows
    assert sorted((row["study_label"], row["numerator"], row["denominator"], row["denominator_basis_label"],
                   row["comparator_numerator"], row["comparator_denominator"]) for row in rows) == [
        ("INO-VATE", 23, 164, "treated", 3, 143),
        ("Inotuzumab compassionate use in children (Bhojwani et al.)", 11, 21, "transplanted after the therapy",
         None, None)]


def test_study_results_refuse_a_name_that_is_no_outcome(graph):
    from kg.questions.parameters import ParameterError
    with pytest.raises(ParameterError) as refused:
        graph.ask("study-results", outcome="cure")
    assert "not a known sk:OutcomeMeasure" in str(refused.value)


@pytest.mark.parametrize("params", [{}, {"therapy": "CAR-T"}, {"antigen": "CD22"}, {"outcome": "CR/CRi"},
                                    {"therapy": "blinatumomab", "outcome": "median OS"}])
def test_study_results_are_the_same_on_both_engines(graph, rdflib_graph, params):
    assert graph.ask("study-results", params).rows == rdflib_graph.ask("study-results", params).rows


# --- the indirectness rule --------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def notes(select) -> dict[tuple[str, str], dict]:
    graph = derived_graph("indirectness")
    rows = select(f"""
        SELECT ?result ?dimension ?value (STR(?text) AS ?note) ?rule ?file WHERE {{
          GRAPH <{graph}> {{ ?n a sk:IndirectnessNote ; sk:aboutResult ?result ; sk:indirectnessDimension ?dimension ;
                                sk:studyPopulationValue ?value ; sk:note ?text ; sk:derivedBy ?rule . }}
          ?rule sk:ruleFile ?file }}""")
    return {(row["result"][len(str(RESULT)):], row["dimension"][len(str(SK)):]): row for row in rows}


def test_indirectness_notes_are_derived_by_their_rule_into_its_own_graph(notes, ask_sparql):
    assert notes and {row["file"] for row in notes.values()} == {"queries/rules/indirectness.rq"}
    assert not ask_sparql("""ASK { GRAPH ?g { ?n a sk:IndirectnessNote }
                                   FILTER(?g != <https://w3id.org/salvage-kg/graph/derived/indirectness>) }""")


def test_every_result_has_an_age_group_note(notes):
    assert {result for result, dimension in notes if dimension == "AgeGroupDimension"} == {
        row["result"] for row in VERIFIED}
    assert notes[("tower--cr", "AgeGroupDimension")]["value"] == str(SK.Adults)
    assert notes[("tower--cr", "AgeGroupDimension")]["note"] == "TOWER enrolled adults only"


def test_an_adult_trial_not_said_to_include_prior_car_t_carries_a_prior_car_t_note(notes):
    note = notes[("zuma-3--cr-cri", "PriorCARTDimension")]
    assert note["value"] == "not stated"
    assert "does not say that it included patients treated with CAR-T" in note["note"]


def test_a_study_that_admitted_patients_after_car_t_has_no_prior_car_t_note(notes):
    """Fry et al. treated 17 patients after CD19-directed immunotherapy (sk:priorTherapyAllowed CAR-T)."""
    assert ("cd22-car-t-fry--cr-active-dose", "PriorCARTDimension") not in notes


def test_antigen_status_note_only_where_entry_did_not_require_the_target(notes):
    """ITCC-059 required CD22-positive blasts (inotuzumab's target): no note; INO-VATE's report read does not say."""
    assert ("itcc-059-phase-1b--response", "AntigenStatusDimension") not in notes
    assert ("eliana--overall-remission", "AntigenStatusDimension") not in notes  # CD19+ required, CD19-directed arm
    assert notes[("ino-vate--cr-cri-primary", "AntigenStatusDimension")]["value"] == "not stated as required"


def test_consolidation_trial_is_noted_as_not_salvage_of_active_disease(notes):
    note = notes[("blinatumomab-consolidation-locatelli--efs-hr", "DiseaseSettingDimension")]
    assert note["value"] == str(SK.ConsolidationAfterRelapse)
    assert "not active relapsed or refractory disease" in note["note"]
    assert not [key for key in notes if key[1] == "DiseaseSettingDimension"
                and not key[0].startswith("blinatumomab-consolidation-locatelli")]
