"""The Pediatric Blood & Cancer 2021 letter (doi:10.1002/pbc.28980): its haploidentical transplant, the course as a
whole, and the provenance of every statement (the earlier facts one by one are in test_case_pbc_2021.py)."""

from collections import defaultdict

import pytest
from case_helpers import cited_sentences, copies_source, one, provenance_problems, words
from case_pbc_2021 import (
    CASE_GRAPH,
    DOI,
    PATIENT,
    SEED,
    SENTENCES,
    SOURCE,
    TITLE,
    iri,
    labels,
    response_to,
    short,
)

# --- haploidentical transplant (sentences 12-14) ------------------------------------------------------------------


def test_haploidentical_t_cell_replete_bone_marrow_transplant_from_6_of_8_matched_father(ask_sparql, facts):
    """Sentence 12: 'T-cell replete haploidentical BMT from his HLA-6/8 allele-matched father'."""
    transplant = facts("p:transplant-2")
    assert transplant["rdf:type"] == {"sk:Transplant"}
    assert transplant["sk:agent"] == {"agent:haploidentical-hsct"}
    assert ask_sparql(f"ASK {{ <{iri('p:transplant-2')}> sk:agent/rdf:type/rdfs:subClassOf* sk:AllogeneicHSCT }}")
    assert transplant["sk:setting"] == {"sk:Consolidation"}
    assert transplant["sk:donorRelationship"] == {"sk:Parent"}
    assert transplant["sk:hlaAllelesMatched"] == {6}
    assert transplant["sk:hlaAllelesTyped"] == {8}
    hla = one(transplant["sk:hlaMatch"])
    assert "6/8" in hla and "father" in hla
    assert transplant["sk:stemCellSource"] == {"sk:BoneMarrowGraft"}
    assert transplant["sk:tCellHandling"] == {"sk:TCellReplete"}


def test_haploidentical_transplant_followed_the_second_inotuzumab_cycle(facts):
    """Sentence 12: 'After a second cycle of InO ..., he underwent ... BMT'."""
    assert one(facts("p:inotuzumab-2")["sk:sequence"]) < one(facts("p:transplant-2")["sk:sequence"])


def test_reduced_intensity_conditioning_fludarabine_120_cytarabine_6_g_melphalan_180(facts, doses):
    """Sentence 12: 'reduced-intensity conditioning (RIC) regimen consisting of fludarabine (120 mg/m2), cytarabine
    (6 g/m2), and melphalan (180 mg/m2)'."""
    assert facts("p:transplant-2")["sk:conditioningIntensity"] == {"sk:ReducedIntensity"}
    components = doses("p:transplant-2", "sk:conditioningComponent")
    assert components == {
        ("agent:fludarabine", 120.0, "mg/m2", ()),
        ("agent:cytarabine", 6.0, "g/m2", ()),
        ("agent:melphalan", 180.0, "mg/m2", ()),
    }
    assert labels(facts, {agent for agent, *_ in components}) == {"fludarabine", "cytarabine", "melphalan"}


def test_gvhd_prophylaxis_tacrolimus_short_term_methotrexate_prednisolone_and_rabbit_atg_2_5_mg_kg(
    facts, doses, dose_of
):
    """Sentence 13: 'Tacrolimus (TAC), shortterm methotrexate, prednisolone, and rabbit anti-thymocyte globulin
    (2.5 mg/kg) were used for graft-versus-host disease (GVHD)'."""
    prophylaxis = doses("p:transplant-2", "sk:gvhdProphylaxis")
    assert prophylaxis == {
        ("agent:tacrolimus", None, None, ()),
        ("agent:methotrexate", None, None, ()),
        ("agent:prednisolone", None, None, ()),
        ("agent:rabbit-atg", 2.5, "mg/kg", ()),
    }
    assert labels(facts, {agent for agent, *_ in prophylaxis}) == {
        "tacrolimus",
        "methotrexate",
        "prednisolone",
        "rabbit anti-thymocyte globulin",
    }
    methotrexate = dose_of("p:transplant-2", "sk:gvhdProphylaxis", "agent:methotrexate")
    assert methotrexate["rdfs:comment"] == {"short-term"}


def test_supportive_care_ursodeoxycholic_acid_lmwh_and_antithrombin_around_the_transplant(facts):
    """Sentence 14 (cut off): 'Ursodeoxycolic acid, low molecular weight heparin, and antithrombin' -- their
    purpose is lost with the rest of the sentence."""
    care = facts("p:supportive-care")
    assert care["rdf:type"] == {"sk:SupportiveCareAdministration"}
    assert labels(facts, care["sk:agent"]) == {
        "ursodeoxycholic acid",
        "low-molecular-weight heparin",
        "antithrombin",
    }
    assert care["sk:supports"] == {"p:transplant-2"}
    assert care["sk:setting"] == {"sk:NotReported"}


def test_haploidentical_transplant_has_no_stated_outcome(select, facts):
    """The title calls the course a successful rescue, but the text stops before the post-transplant course."""
    [response] = response_to(select, "p:transplant-2")
    assert response["state"] is None
    assert response["category"] == "sk:NotReported"
    assert "Title" in one(facts(response["response"])["sk:sourceLocator"])


def test_disease_status_at_haploidentical_transplant_is_not_asserted(facts):
    """Sentence 12 does not restate the remission after the second cycle; the graph records 'not reported'."""
    assert facts("p:transplant-2")["sk:diseaseStatusAtTransplant"] == {"sk:NotReported"}


# --- the whole course ------------------------------------------------------------------------------------------


def test_course_had_three_relapses_four_remissions_and_two_transplants(select):
    """Sentences 5-12: second and third relapse (so three), second to fourth CR (so four), CBT and BMT."""
    rows = select(f"""
        SELECT ?type ?event ?ordinal WHERE {{
          VALUES ?type {{ sk:Relapse sk:Remission sk:Transplant }}
          ?event a ?type ; sk:patient <{PATIENT}> .
          OPTIONAL {{ ?event sk:ordinal ?ordinal }} }}""")
    events = defaultdict(list)
    for row in rows:
        events[short(row["type"])].append(row["ordinal"])
    assert sorted(events["sk:Relapse"]) == [1, 2, 3]
    assert sorted(events["sk:Remission"]) == [1, 2, 3, 4]
    assert len(events["sk:Transplant"]) == 2


def test_every_therapy_is_linked_to_the_state_that_followed_it(select):
    """Sentences 5, 6, 11 and the title: what each therapy led to, and no response the letter does not give."""
    rows = select(f"""
        SELECT ?therapy ?state ?category WHERE {{
          ?response a sk:Response ; sk:patient <{PATIENT}> ; sk:toTherapy ?therapy ; sk:responseCategory ?category .
          OPTIONAL {{ ?response sk:resultingState ?state }} }}""")
    assert {(short(r["therapy"]), short(r["state"]), short(r["category"])) for r in rows} == {
        ("p:transplant-1", "p:relapse-2", "sk:RelapseFollowed"),
        ("p:car-t", "p:remission-3", "sk:CompleteRemissionReached"),
        ("p:inotuzumab-1", "p:remission-4", "sk:CompleteRemissionReached"),
        ("p:transplant-2", None, "sk:NotReported"),
    }


def test_events_follow_the_order_of_the_letter(select):
    """Sentences 4-14 in order; sequence numbers run 1, 2, 3 ... without gaps or ties."""
    rows = select(f"""
        SELECT ?event ?sequence WHERE {{ ?event sk:patient <{PATIENT}> ; sk:sequence ?sequence }}
        ORDER BY ?sequence""")
    assert [short(row["event"]) for row in rows] == [
        "p:diagnosis",  # 4
        "p:frontline",  # not stated
        "p:remission-1",  # implied by 5
        "p:relapse-1",  # implied by 5
        "p:remission-2",  # 5
        "p:transplant-1",  # 5
        "p:relapse-2",  # 5
        "p:car-t",  # 6
        "p:remission-3",  # 6
        "p:b-cell-aplasia",  # 6
        "p:relapse-3",  # 7
        "p:inotuzumab-1",  # 8-11
        "p:remission-4",  # 11
        "p:inotuzumab-2",  # 12
        "p:transplant-2",  # 12
        "p:supportive-care",  # 14
    ]
    assert [row["sequence"] for row in rows] == list(range(1, len(rows) + 1))


def test_only_the_third_relapse_carries_an_age_at_an_event(select):
    """Sentence 7: 'at the age of 12' is the one age tied to an event; sentence 4's '5-year-old' is tied to none."""
    rows = select(f"SELECT ?event ?age WHERE {{ ?event sk:patient <{PATIENT}> ; sk:ageAtEvent ?age }}")
    assert {(short(row["event"]), row["age"]) for row in rows} == {("p:relapse-3", "P12Y")}


def test_patient_took_part_in_eliana_as_a_participation_not_its_figures(select, ask_sparql, facts):
    """Sentence 6: 'He was enrolled in ... the ELIANA trial': a study participation (level C, this letter),
    linked to the ELIANA study node; ELIANA's published figures stay on the study, never on the patient."""
    participation = facts("p:eliana-participation")
    assert participation["rdf:type"] == {"sk:StudyParticipation"}
    assert participation["sk:study"] == {"https://w3id.org/salvage-kg/study/eliana"}
    assert participation["sk:evidenceLevel"] == {"sk:EvidenceLevelC"}
    [study] = select("SELECT ?name WHERE { <https://w3id.org/salvage-kg/study/eliana> a sk:Study ; rdfs:label ?name }")
    assert study["name"] == "ELIANA"
    assert not ask_sparql(f"ASK {{ ?result a sk:StudyResult ; sk:patient <{PATIENT}> }}")
    assert not ask_sparql(f"""ASK {{ GRAPH <{CASE_GRAPH}> {{ ?s sk:ratePercent|sk:numerator|sk:denominator ?n }} }}""")


def test_no_cns_status_is_asserted(ask_sparql):
    """The letter never mentions the CNS."""
    assert not ask_sparql(f"""ASK {{
        ?event sk:patient <{PATIENT}> ; sk:cnsStatus ?status . FILTER(?status != sk:NotReported) }}""")


def test_no_adverse_event_carries_a_grade(ask_sparql):
    """Sentence 6 names B-cell aplasia without a grade."""
    assert not ask_sparql(f"""ASK {{ ?event a sk:AdverseEvent ; sk:patient <{PATIENT}> .
        {{ ?event sk:grade ?grade }} UNION {{ ?event sk:gradeAtMost ?grade }} }}""")


def test_no_calendar_dates_are_asserted(ask_sparql):
    """The letter gives intervals and ages only, never dates."""
    assert not ask_sparql(f"""ASK {{ GRAPH <{CASE_GRAPH}> {{ ?s ?p ?o }}
        FILTER(isLiteral(?o) && DATATYPE(?o) IN (xsd:date, xsd:dateTime)) }}""")


# --- provenance -------------------------------------------------------------------------------------------------


def test_every_statement_names_the_letter_a_locator_a_paraphrase_and_evidence_level_c(facts, statement_nodes):
    assert len(statement_nodes) > 25
    assert provenance_problems(facts, statement_nodes, SOURCE) == []


def test_every_statement_of_the_case_file_is_a_clinical_statement(ask_sparql):
    assert not ask_sparql(f"""ASK {{
        GRAPH <{CASE_GRAPH}> {{ ?s sk:patient <{PATIENT}> }}
        FILTER NOT EXISTS {{ ?s rdf:type/rdfs:subClassOf* sk:ClinicalStatement }} }}""")


# Which sentences state each fact, read from the letter; "not stated" findings cite none.
CITED = {
    "patient:pbc-2021": {4},
    "p:diagnosis": {4},
    "p:diagnosis-etv6-runx1": {4},
    "p:frontline": set(),
    "p:remission-1": {5},
    "p:relapse-1": {5},
    "p:remission-2": {5},
    "p:transplant-1": {5},
    "p:relapse-2": {5},
    "p:response-transplant-1": {5},
    "p:car-t": {6},
    "p:eliana-participation": {6},
    "p:remission-3": {5, 6},
    "p:response-car-t": {6},
    "p:b-cell-aplasia": {6},
    "p:relapse-3": {7},
    "p:relapse-3-cd19": {8},
    "p:relapse-3-cd22": {8},
    "p:inotuzumab-1": {8, 9, 10, 11},
    "p:remission-4": {5, 11},
    "p:response-inotuzumab-1": {11},
    "p:inotuzumab-2": {12},
    "p:transplant-2": {12, 13},
    "p:response-transplant-2": {14},  # the title, read against the text that stops in sentence 14
    "p:supportive-care": {14},
    "p:diagnosis-cd19": set(),
    "p:diagnosis-cd22": set(),
    "p:relapse-1-cd19": set(),
    "p:relapse-1-cd22": set(),
    "p:relapse-2-cd19": set(),
    "p:relapse-2-cd22": set(),
}


def test_every_statement_of_the_patient_is_accounted_for(statement_nodes):
    assert set(statement_nodes) == set(CITED)


@pytest.mark.parametrize("node", sorted(CITED))
def test_statement_locator_cites_the_sentences_that_state_it(facts, node):
    locator = one(facts(node)["sk:sourceLocator"])
    assert locator.startswith(("Letter", "Title", "not stated"))
    assert cited_sentences(locator) == CITED[node]
    if not CITED[node]:
        assert "not stated" in locator


def test_no_statement_copies_twelve_words_of_the_letter(facts, statement_nodes):
    """Statements paraphrase: none may contain a run of 12 consecutive words of the title or the letter."""
    source = " ".join([TITLE, *SENTENCES.values()])
    copied = [node for node in statement_nodes if copies_source(one(facts(node)["sk:statement"]), source)]
    assert copied == []


def test_twelve_word_check_catches_a_copied_sentence():
    """The copy check itself can fail: sentence 12 quoted verbatim is caught."""
    assert copies_source("The letter says: " + SENTENCES[12], SENTENCES[12])
    assert not copies_source(" ".join(words(SENTENCES[12])[:11]), SENTENCES[12])


def test_quoted_sentences_are_those_of_the_seed_text():
    """The sentences above are the letter's own, so that the checks compare against the real wording."""
    if not SEED.exists():
        pytest.skip(f"seed text not found at {SEED}")
    seed = " ".join(SEED.read_text(encoding="utf-8").split())
    assert TITLE in seed
    assert f"DOI {DOI}" in seed
    letter = seed.split("To the Editor ", 1)[1].split(" Volume 68", 1)[0]
    assert " ".join(SENTENCES.values()) == letter
