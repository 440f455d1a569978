"""The Acta Medica Lituanica 2022 case report as a whole course, and the provenance of every statement of it (the
facts one by one are in test_case_rascon_2022.py)."""

import re
from collections import defaultdict

import pytest
from case_helpers import cited_sentences, copies_source, one, provenance_problems, words
from case_rascon_2022 import (
    AUTHORS,
    BACKGROUND_AIM,
    CASE_GRAPH,
    CONCLUSION,
    PATIENT,
    SEED,
    SENTENCES,
    SOURCE,
    TITLE,
    iri,
    short,
)

# --- the whole course --------------------------------------------------------------------------------------------


def test_course_had_three_relapses_four_remissions_and_two_transplants(select):
    """Ordinals in sentences 3-17: 1st-3rd relapse, 1CR-4CR, 2nd allo-HSCT; nothing more."""
    rows = select(f"""
        SELECT ?type ?ordinal WHERE {{
          VALUES ?type {{ sk:Relapse sk:Remission sk:Transplant }}
          ?event a ?type ; sk:patient <{PATIENT}> ; sk:ordinal ?ordinal }}""")
    ordinals = defaultdict(list)
    for row in rows:
        ordinals[short(row["type"])].append(row["ordinal"])
    assert {kind: sorted(numbers) for kind, numbers in ordinals.items()} == {
        "sk:Relapse": [1, 2, 3],
        "sk:Remission": [1, 2, 3, 4],
        "sk:Transplant": [1, 2],
    }


def test_every_therapy_is_linked_to_the_state_that_followed_it(select):
    """Sentences 3, 5, 6, 10, 15, 16, 17, 18: what each therapy led to, and no response the report does not give."""
    rows = select(f"""
        SELECT ?therapy ?state ?category WHERE {{
          ?response a sk:Response ; sk:patient <{PATIENT}> ; sk:toTherapy ?therapy ; sk:responseCategory ?category .
          OPTIONAL {{ ?response sk:resultingState ?state }} }}""")
    assert {(short(r["therapy"]), short(r["state"]), short(r["category"])) for r in rows} == {
        ("p:frontline", "p:remission-1", "sk:CompleteRemissionReached"),
        ("p:hr-chemotherapy", "p:refractory-1", "sk:NoRemission"),
        ("p:blinatumomab-1", "p:remission-2", "sk:CompleteRemissionReached"),
        ("p:transplant-1", "p:relapse-2", "sk:RelapseFollowed"),
        ("p:car-t-1", "p:remission-3", "sk:CompleteRemissionReached"),
        ("p:car-t-2", "p:relapse-3", "sk:NoRemission"),
        ("p:blinatumomab-2", "p:remission-4", "sk:CompleteRemissionReached"),
        ("p:transplant-2", "p:mrd-rise-2", "sk:MRDRiseFollowed"),
    }


def test_events_follow_the_order_of_the_report(select):
    """Sentences 1-18 in order; sequence numbers run 1, 2, 3 ... without gaps or ties."""
    rows = select(f"""
        SELECT ?event ?sequence WHERE {{ ?event sk:patient <{PATIENT}> ; sk:sequence ?sequence }}
        ORDER BY ?sequence""")
    assert [short(row["event"]) for row in rows] == [
        "p:diagnosis",  # 1
        "p:frontline",  # 3
        "p:remission-1",  # 3
        "p:relapse-1",  # 4
        "p:hr-chemotherapy",  # 5
        "p:refractory-1",  # 5
        "p:blinatumomab-1",  # 6
        "p:remission-2",  # 6
        "p:transplant-1",  # 7
        "p:chronic-gvhd",  # 9
        "p:relapse-2",  # 10
        "p:car-t-1",  # 13
        "p:car-t-1-toxicity",  # 14
        "p:remission-3",  # 15
        "p:mrd-rise-1",  # 16
        "p:car-t-2",  # 16
        "p:relapse-3",  # 16
        "p:blinatumomab-2",  # 17
        "p:remission-4",  # 17
        "p:transplant-2",  # 17
        "p:mrd-rise-2",  # 18
    ]
    assert [row["sequence"] for row in rows] == list(range(1, len(rows) + 1))


def test_only_the_diagnosis_carries_an_age(select):
    """Sentence 1 gives the only age ('3 years of age'); later ages are not stated."""
    rows = select(f"SELECT ?event ?age WHERE {{ ?event sk:patient <{PATIENT}> ; sk:ageAtEvent ?age }}")
    assert {(short(row["event"]), row["age"]) for row in rows} == {("p:diagnosis", "P3Y")}


def test_no_calendar_dates_are_asserted(ask_sparql):
    """The report gives intervals only, never dates."""
    assert not ask_sparql(f"""ASK {{ GRAPH <{CASE_GRAPH}> {{ ?s ?p ?o }}
        FILTER(isLiteral(?o) && DATATYPE(?o) IN (xsd:date, xsd:dateTime)) }}""")


# --- antigens: the report names none -----------------------------------------------------------------------------


@pytest.mark.parametrize("event", ["p:diagnosis", "p:relapse-1", "p:relapse-2", "p:relapse-3"])
@pytest.mark.parametrize("antigen", ["sk:CD19", "sk:CD22"])
def test_antigen_status_is_not_reported_at_diagnosis_or_any_relapse(select, event, antigen):
    """No sentence names CD19 or CD22; sentence 11 says only that the phenotype was unchanged."""
    rows = select(f"""
        SELECT ?status WHERE {{
          ?finding a sk:AntigenExpression ; sk:findingAt <{iri(event)}> ; sk:antigen {antigen} ;
            sk:expressionStatus ?status }}""")
    assert [short(row["status"]) for row in rows] == ["sk:NotReported"]


def test_no_cd19_or_cd22_is_called_positive_or_negative(ask_sparql):
    """Neither antigen's expression is stated anywhere in the report, so no CD19-positive finding exists."""
    assert not ask_sparql(f"""ASK {{
        ?finding sk:patient <{PATIENT}> ; sk:expressionStatus ?status .
        FILTER(?status != sk:NotReported) }}""")


def test_no_adverse_event_carries_a_numeric_grade(ask_sparql):
    """Sentence 9 grades GvHD only in words ('mild'); sentence 14 gives a range, recorded as gradeAtMost."""
    assert not ask_sparql(f"ASK {{ ?event a sk:AdverseEvent ; sk:patient <{PATIENT}> ; sk:grade ?grade }}")


# --- provenance -------------------------------------------------------------------------------------------------


def test_every_statement_names_the_report_a_locator_a_paraphrase_and_evidence_level_c(facts, statement_nodes):
    assert len(statement_nodes) > 30
    assert provenance_problems(facts, statement_nodes, SOURCE) == []


def test_every_statement_of_the_case_file_is_a_clinical_statement(ask_sparql):
    assert not ask_sparql(f"""ASK {{
        GRAPH <{CASE_GRAPH}> {{ ?s sk:patient <{PATIENT}> }}
        FILTER NOT EXISTS {{ ?s rdf:type/rdfs:subClassOf* sk:ClinicalStatement }} }}""")


# Which sentences state each fact, read from the report; "not stated" findings cite none.
CITED = {
    "patient:rascon-2022": {1, 2},
    "p:diagnosis": {1},
    "p:diagnosis-immunophenotype": {2},
    "p:diagnosis-karyotype": {2},
    "p:frontline": {3},
    "p:risk-assignment": {3},
    "p:remission-1": {3},
    "p:response-frontline": {3},
    "p:relapse-1": {4},
    "p:hr-chemotherapy": {5},
    "p:refractory-1": {5},
    "p:response-hr-chemotherapy": {5},
    "p:blinatumomab-1": {6},
    "p:remission-2": {6},
    "p:response-blinatumomab-1": {6},
    "p:transplant-1": {7, 8},
    "p:chronic-gvhd": {9},
    "p:relapse-2": {10},
    "p:response-transplant-1": {10},
    "p:relapse-2-immunophenotype": {11},
    "p:relapse-2-karyotype": {11, 12},
    "p:car-t-1": {13},
    "p:car-t-1-toxicity": {14},
    "p:remission-3": {15},
    "p:response-car-t-1": {15},
    "p:mrd-rise-1": {16},
    "p:car-t-2": {16},
    "p:relapse-3": {16},
    "p:response-car-t-2": {16},
    "p:blinatumomab-2": {17},
    "p:remission-4": {17},
    "p:response-blinatumomab-2": {17},
    "p:transplant-2": {17},
    "p:mrd-rise-2": {18},
    "p:response-transplant-2": {18},
    "p:course-verdict": set(),  # title, background and conclusion: outside the case description
    "p:diagnosis-cd19": set(),
    "p:diagnosis-cd22": set(),
    "p:relapse-1-cd19": set(),
    "p:relapse-1-cd22": set(),
    "p:relapse-2-cd19": {11},  # the unchanged phenotype is the closest the report comes
    "p:relapse-2-cd22": set(),
    "p:relapse-3-cd19": set(),
    "p:relapse-3-cd22": set(),
}


def test_every_statement_of_the_patient_is_accounted_for(statement_nodes):
    assert set(statement_nodes) == set(CITED)


@pytest.mark.parametrize("node", sorted(CITED))
def test_statement_locator_cites_the_sentences_that_state_it(facts, node):
    locator = one(facts(node)["sk:sourceLocator"])
    assert locator.startswith(("Case description", "not stated", "Title"))
    assert cited_sentences(locator) == CITED[node]
    if not CITED[node]:
        assert "not stated" in locator or locator == "Title; Background (second sentence); Conclusion"


def test_no_statement_copies_twelve_words_of_the_report(facts, statement_nodes):
    """Statements paraphrase: none may contain a run of 12 consecutive words of the title or case description."""
    source = " ".join([TITLE, BACKGROUND_AIM, *SENTENCES.values(), CONCLUSION])
    copied = [node for node in statement_nodes if copies_source(one(facts(node)["sk:statement"]), source)]
    assert copied == []


def test_report_verdict_resistant_disease_is_stated_with_its_passage(facts):
    """Review fix: the report's own verdict, resistant disease at the end, was only in the title. The title
    ('Refractory ALL Despite ...'), the background ('a case of resistant acute lymphoblastic leukemia') and the
    conclusion ('overcome resistant disease') give it; it is stated on the last reported state, with its passage."""
    verdict = facts("p:course-verdict")
    assert verdict["rdf:type"] == {"sk:CourseAssessment"}
    assert verdict["sk:courseVerdict"] == {"sk:ResistantDisease"}
    assert verdict["sk:findingAt"] == {"p:mrd-rise-2"}
    assert verdict["sk:sourceLocator"] == {"Title; Background (second sentence); Conclusion"}
    assert verdict["sk:evidenceLevel"] == {"sk:EvidenceLevelC"}
    assert "resistant" in one(verdict["sk:statement"])


def test_twelve_word_check_catches_a_copied_sentence():
    """The copy check itself can fail: sentence 16 quoted verbatim is caught."""
    assert copies_source("As the report says: " + SENTENCES[16], SENTENCES[16])
    assert not copies_source(" ".join(words(SENTENCES[16])[:11]), SENTENCES[16])


def test_quoted_sentences_are_those_of_the_seed_text():
    """The sentences above are the report's own, so that the checks compare against the real wording."""
    if not SEED.exists():
        pytest.skip(f"seed text not found at {SEED}")
    seed = " ".join(re.sub(r"</?sup>", "", SEED.read_text(encoding="utf-8")).split())
    assert TITLE in seed
    for author in AUTHORS:
        assert author in seed
    assert BACKGROUND_AIM in seed and CONCLUSION in seed
    case_description = seed.split("**Case description.**", 1)[1].split("**Conclusion.**", 1)[0]
    assert " ".join(SENTENCES.values()) == case_description.strip()
