"""Every fact of Rascon et al. 2022 (Acta Medica Lituanica 29(2) Suppl.), asked of the built graph.

Sentence numbers count the "Case description" paragraph from 1, as the case file's locators do. Expected values
are read from the report's wording (quoted in each docstring), not from the Turtle.
"""

import re
from collections import defaultdict
from pathlib import Path

import pytest
from case_helpers import cited_sentences, copies_source, one, provenance_problems, words
from case_helpers import iri as _iri
from case_helpers import short as _short
from locations import SHARED

PATIENT = "https://w3id.org/salvage-kg/patient/rascon-2022"
SOURCE = "src:rascon-2022"
CASE_GRAPH = "https://w3id.org/salvage-kg/graph/case/rascon-2022"
SEED = SHARED / "seeds" / "case-rascon-2022-acta-med-litu.txt"

TITLE = "Refractory ALL Despite the Use of Innovative Therapies"
# The background's second sentence and the conclusion: where the report gives its verdict on the course.
BACKGROUND_AIM = ("We aim to present a case of resistant acute lymphoblastic leukemia (ALL) despite the use of "
                  "innovative approaches.")
CONCLUSION = ("A better understanding of ALL biology is needed to overcome resistant disease and offer personalized "
              "therapy.")
AUTHORS = ("Jelena Rascon", "Goda Vaitkevičienė", "Vilma Rutkauskaitė", "Jochen Büchner")

# The "Case description" paragraph, one entry per sentence (superscripts written inline: 1<sup>st</sup> -> 1st).
SENTENCES = {
    1: "The boy was diagnosed with ALL, CNS1 at 3 years of age.",
    2: "The leukemic population expressed a B-precursor phenotype, hyperdiploid karyotype (50XY) without genetic "
    "aberrations.",
    3: "The patient was treated according to the NOPHO-ALL-2008 protocol, achieved 1CR, negative MRD (MRD-), and was "
    "stratified to the standard risk group.",
    4: "Still on maintenance therapy, the 1st early bone marrow (BM) relapse, CNS2 was diagnosed.",
    5: "Two courses of high-risk chemotherapy failed to achieve remission.",
    6: "Thus, blinatumomab was administered and 2CR/MRD- was documented.",
    7: "The patient was consolidated with allo-HSCT from HLA-identical sibling 2 years and a half after the initial "
    "diagnosis.",
    8: "A myeloablative chemotherapy-based conditioning was used prior to PBSC infusion.",
    9: "The post-transplant course was uneventful except for mild chronic GvHD.",
    10: "However, 11 months after HSCT the 2nd BM relapse, CNS2 developed.",
    11: "Relapsed leukemic cells expressed identical diagnostic phenotype, but karyotype turned from hyper- to "
    "normoploid (46YX).",
    12: "No genetic aberration was detected either.",
    13: "The patient was referred to Oslo University Hospital where CAR-T cells (CART19, Kymriah®) were infused.",
    14: "The post-infusion toxicity was grade 0-I.",
    15: "Thereafter the 3CR/MRD- was documented, however, continued only for 2 months.",
    16: "Due to increasing MRD the 2nd CAR-T cell dose of the same product was infused, unfortunately with no effect "
    "– the 3rd BM relapse was diagnosed in 1 month after the 2nd dose.",
    17: "Two courses of blinatumomab induced the 4CR/MRD-, consolidated with the 2nd allo-HSCT from the same donor "
    "after TBI.",
    18: "Despite all efforts increasing MRD was documented 6 months after HSCT, nearly 5 years after initial "
    "diagnosis.",
}



def short(value):
    return _short(value, PATIENT)


def iri(name: str) -> str:
    return _iri(name, PATIENT)


def response_to(select, therapy: str) -> list[dict]:
    rows = select(f"""
        SELECT ?response ?state ?category WHERE {{
          ?response a sk:Response ; sk:toTherapy <{iri(therapy)}> ; sk:responseCategory ?category .
          OPTIONAL {{ ?response sk:resultingState ?state }}
        }}""")
    return [{key: short(value) for key, value in row.items()} for row in rows]


def findings_at(select, event: str, finding_type: str) -> list[str]:
    rows = select(f"SELECT ?f WHERE {{ ?f a {finding_type} ; sk:findingAt <{iri(event)}> }}")
    return [short(row["f"]) for row in rows]


# --- the source document -----------------------------------------------------------------------------------


def test_source_is_the_acta_medica_lituanica_2022_case_report(facts):
    """Masthead: Acta Medica Lituanica, 2022, Vol. 29, No 2 / Supplement; title as printed."""
    source = facts(SOURCE)
    assert "sk:CaseReport" in source["rdf:type"]
    assert source["dcterms:title"] == {TITLE}
    assert source["sk:journal"] == {"Acta Medica Lituanica"}
    assert source["dcterms:issued"] == {"2022"}
    assert source["bibo:volume"] == {"29"}
    issue = one(source["bibo:issue"])
    assert issue.startswith("2") and "Supplement" in issue


def test_source_names_the_four_authors(facts):
    """Byline: Jelena Rascon, Goda Vaitkevičienė, Vilma Rutkauskaitė, Jochen Büchner."""
    expected = {f"{name.split()[-1]} {name.split()[0][0]}" for name in AUTHORS}
    assert facts(SOURCE)["dcterms:creator"] == expected


def test_source_citation_names_title_journal_and_year(facts):
    citation = one(facts(SOURCE)["sk:citation"])
    assert TITLE in citation and "Acta Medica Lituanica" in citation and "2022" in citation


def test_source_has_no_doi_because_the_abstract_gives_none(facts):
    """The supplied text prints no DOI, so the graph must not invent one."""
    assert not facts(SOURCE)["bibo:doi"]


def test_source_is_case_report_evidence_level_c(facts):
    assert facts(SOURCE)["sk:evidenceLevel"] == {"sk:EvidenceLevelC"}


def test_patient_is_a_boy_with_b_precursor_all_described_in_the_report(facts):
    """Sentence 1: 'The boy was diagnosed with ALL'; sentence 2: 'B-precursor phenotype'."""
    patient = facts(PATIENT)
    assert patient["rdf:type"] == {"sk:Patient"}
    assert patient["sk:sex"] == {"sk:Male"}
    assert patient["sk:disease"] == {"sk:BCellPrecursorALL"}
    assert patient["sk:describedIn"] == {SOURCE}


# --- diagnosis and frontline (sentences 1-3) -----------------------------------------------------------------


def test_diagnosed_at_three_years_of_age_with_cns1(facts):
    """Sentence 1: 'diagnosed with ALL, CNS1 at 3 years of age'."""
    diagnosis = facts("p:diagnosis")
    assert diagnosis["rdf:type"] == {"sk:Diagnosis"}
    assert diagnosis["sk:patient"] == {short(PATIENT)}
    assert diagnosis["sk:ageAtEvent"] == {"P3Y"}
    assert diagnosis["sk:cnsStatus"] == {"sk:CNS1"}


def test_blasts_had_a_b_precursor_phenotype_at_diagnosis(select, facts):
    """Sentence 2: 'The leukemic population expressed a B-precursor phenotype'."""
    [finding] = findings_at(select, "p:diagnosis", "sk:ImmunophenotypeFinding")
    assert facts(finding)["sk:lineage"] == {"B-cell precursor"}


def test_diagnostic_karyotype_was_hyperdiploid_50xy_without_genetic_aberrations(select, facts):
    """Sentence 2: 'hyperdiploid karyotype (50XY) without genetic aberrations'."""
    [finding] = findings_at(select, "p:diagnosis", "sk:KaryotypeFinding")
    karyotype = facts(finding)
    assert karyotype["sk:ploidy"] == {"sk:Hyperdiploid"}
    assert karyotype["sk:chromosomeCount"] == {50}
    assert karyotype["sk:karyotypeAsReported"] == {"50XY"}
    assert one(karyotype["sk:geneticAberrationFound"]) is False


def test_frontline_treatment_followed_nopho_all_2008(facts):
    """Sentence 3: 'treated according to the NOPHO-ALL-2008 protocol'."""
    frontline = facts("p:frontline")
    assert frontline["rdf:type"] == {"sk:TherapyAdministration"}
    assert frontline["sk:setting"] == {"sk:Frontline"}
    agent = facts(one(frontline["sk:agent"]))
    assert "sk:ChemotherapyProtocol" in agent["rdf:type"]
    assert agent["rdfs:label"] == {"NOPHO ALL-2008 protocol"}


def test_stratified_to_the_standard_risk_group_under_nopho(select, facts):
    """Sentence 3: 'was stratified to the standard risk group'."""
    [finding] = findings_at(select, "p:diagnosis", "sk:RiskAssignment")
    risk = facts(finding)
    assert risk["sk:riskGroup"] == {"sk:StandardRisk"}
    assert risk["sk:assignedBy"] == {"p:frontline"}


def test_frontline_brought_first_mrd_negative_complete_remission(select, facts):
    """Sentence 3: 'achieved 1CR, negative MRD (MRD-)'."""
    remission = facts("p:remission-1")
    assert remission["rdf:type"] == {"sk:Remission"}
    assert remission["sk:ordinal"] == {1}
    assert remission["sk:mrdStatus"] == {"sk:MRDNegative"}
    [response] = response_to(select, "p:frontline")
    assert (response["state"], response["category"]) == ("p:remission-1", "sk:CompleteRemissionReached")


def test_no_remission_carries_an_mrd_threshold_or_method(ask_sparql):
    """The report gives MRD status only, never how or at what level MRD was measured."""
    assert not ask_sparql(f"""ASK {{
        ?remission a sk:Remission ; sk:patient <{PATIENT}> .
        {{ ?remission sk:mrdThresholdPercent ?x }} UNION {{ ?remission sk:mrdMethod ?x }} }}""")


# --- first relapse, refractory disease, blinatumomab (sentences 4-6) ----------------------------------------


def test_first_relapse_was_early_bone_marrow_cns2_during_maintenance(facts):
    """Sentence 4: 'Still on maintenance therapy, the 1st early bone marrow (BM) relapse, CNS2 was diagnosed'."""
    relapse = facts("p:relapse-1")
    assert relapse["rdf:type"] == {"sk:Relapse"}
    assert relapse["sk:ordinal"] == {1}
    assert relapse["sk:site"] == {"sk:BoneMarrow"}
    assert relapse["sk:cnsStatus"] == {"sk:CNS2"}
    assert relapse["sk:timingCategory"] == {"sk:EarlyRelapse"}
    assert relapse["sk:duringTherapy"] == {"p:frontline"}
    assert relapse["sk:therapyPhase"] == {"maintenance"}


def test_two_courses_of_high_risk_chemotherapy_were_given_for_first_relapse(facts):
    """Sentence 5: 'Two courses of high-risk chemotherapy'."""
    chemotherapy = facts("p:hr-chemotherapy")
    assert chemotherapy["rdf:type"] == {"sk:TherapyAdministration"}
    assert chemotherapy["sk:courseCount"] == {2}
    assert chemotherapy["sk:setting"] == {"sk:Salvage"}
    agent = facts(one(chemotherapy["sk:agent"]))
    assert "sk:ChemotherapyBlock" in agent["rdf:type"]
    assert agent["rdfs:label"] == {"high-risk chemotherapy course"}


def test_high_risk_chemotherapy_failed_to_achieve_remission(select, facts):
    """Sentence 5: '... failed to achieve remission'."""
    assert facts("p:refractory-1")["rdf:type"] == {"sk:RefractoryDisease"}
    [response] = response_to(select, "p:hr-chemotherapy")
    assert (response["state"], response["category"]) == ("p:refractory-1", "sk:NoRemission")


def test_blinatumomab_brought_second_mrd_negative_remission(select, facts):
    """Sentence 6: 'Thus, blinatumomab was administered and 2CR/MRD- was documented'."""
    blinatumomab = facts("p:blinatumomab-1")
    assert blinatumomab["sk:agent"] == {"agent:blinatumomab"}
    assert blinatumomab["sk:setting"] == {"sk:Salvage"}
    assert facts("agent:blinatumomab")["rdfs:label"] == {"blinatumomab"}
    remission = facts("p:remission-2")
    assert remission["sk:ordinal"] == {2}
    assert remission["sk:mrdStatus"] == {"sk:MRDNegative"}
    [response] = response_to(select, "p:blinatumomab-1")
    assert (response["state"], response["category"]) == ("p:remission-2", "sk:CompleteRemissionReached")


# --- first transplant (sentences 7-9) -------------------------------------------------------------------------


def test_first_transplant_was_allogeneic_from_an_hla_identical_sibling_in_second_remission(ask_sparql, facts):
    """Sentence 7: 'consolidated with allo-HSCT from HLA-identical sibling'."""
    transplant = facts("p:transplant-1")
    assert transplant["rdf:type"] == {"sk:Transplant"}
    assert transplant["sk:ordinal"] == {1}
    assert transplant["sk:setting"] == {"sk:Consolidation"}
    assert transplant["sk:diseaseStatusAtTransplant"] == {"p:remission-2"}
    assert transplant["sk:donorRelationship"] == {"sk:Sibling"}
    assert transplant["sk:hlaMatch"] == {"HLA-identical"}
    assert ask_sparql(f"ASK {{ <{iri('p:transplant-1')}> sk:agent/rdf:type/rdfs:subClassOf* sk:AllogeneicHSCT }}")


def test_first_transplant_about_two_and_a_half_years_after_diagnosis(timings):
    """Sentence 7: '2 years and a half after the initial diagnosis' (a rounded figure, so approximate)."""
    assert timings("p:transplant-1") == {("P2Y6M", "p:diagnosis", "sk:Approximate")}


def test_first_transplant_used_myeloablative_chemotherapy_based_conditioning_and_pbsc(facts):
    """Sentence 8: 'A myeloablative chemotherapy-based conditioning was used prior to PBSC infusion'."""
    transplant = facts("p:transplant-1")
    assert transplant["sk:conditioningIntensity"] == {"sk:Myeloablative"}
    assert transplant["sk:conditioningBasis"] == {"chemotherapy-based"}
    assert transplant["sk:stemCellSource"] == {"sk:PeripheralBloodStemCells"}


def test_first_transplant_drugs_t_cell_handling_and_gvhd_prophylaxis_not_stated(facts):
    """Sentences 7-8 name neither the conditioning drugs, the graft handling nor GvHD prophylaxis."""
    transplant = facts("p:transplant-1")
    assert not transplant["sk:conditioningComponent"]
    assert not transplant["sk:gvhdProphylaxis"]
    assert transplant["sk:tCellHandling"] == {"sk:NotReported"}


def test_mild_chronic_gvhd_was_the_only_event_after_first_transplant(select, facts):
    """Sentence 9: 'The post-transplant course was uneventful except for mild chronic GvHD'."""
    rows = select(f"SELECT ?event WHERE {{ ?event a sk:AdverseEvent ; sk:afterTherapy <{iri('p:transplant-1')}> }}")
    [event] = [short(row["event"]) for row in rows]
    gvhd = facts(event)
    assert gvhd["sk:adverseEventKind"] == {"sk:ChronicGvHD"}
    assert gvhd["sk:severity"] == {"sk:Mild"}
    assert not gvhd["sk:grade"] and not gvhd["sk:gradeAtMost"]


# --- second relapse (sentences 10-12) --------------------------------------------------------------------------


def test_second_relapse_was_bone_marrow_cns2_eleven_months_after_first_transplant(facts, timings):
    """Sentence 10: '11 months after HSCT the 2nd BM relapse, CNS2 developed'."""
    relapse = facts("p:relapse-2")
    assert relapse["rdf:type"] == {"sk:Relapse"}
    assert relapse["sk:ordinal"] == {2}
    assert relapse["sk:site"] == {"sk:BoneMarrow"}
    assert relapse["sk:cnsStatus"] == {"sk:CNS2"}
    assert relapse["sk:timingCategory"] == {"sk:NotReported"}
    assert timings("p:relapse-2") == {("P11M", "p:transplant-1", "sk:Exact")}


def test_first_transplant_was_followed_by_the_second_relapse(select):
    """Sentence 10: 'However, 11 months after HSCT the 2nd BM relapse ... developed'."""
    [response] = response_to(select, "p:transplant-1")
    assert (response["state"], response["category"]) == ("p:relapse-2", "sk:RelapseFollowed")


def test_second_relapse_kept_the_diagnostic_phenotype(select, facts):
    """Sentence 11: 'Relapsed leukemic cells expressed identical diagnostic phenotype'."""
    [at_diagnosis] = findings_at(select, "p:diagnosis", "sk:ImmunophenotypeFinding")
    [at_relapse] = findings_at(select, "p:relapse-2", "sk:ImmunophenotypeFinding")
    phenotype = facts(at_relapse)
    assert phenotype["sk:unchangedFrom"] == {at_diagnosis}
    assert phenotype["sk:lineage"] == {"B-cell precursor"}


def test_second_relapse_karyotype_turned_normoploid_46yx_without_genetic_aberration(select, facts):
    """Sentences 11-12: 'karyotype turned from hyper- to normoploid (46YX). No genetic aberration was detected'."""
    [finding] = findings_at(select, "p:relapse-2", "sk:KaryotypeFinding")
    karyotype = facts(finding)
    assert karyotype["sk:ploidy"] == {"sk:Normoploid"}
    assert karyotype["sk:chromosomeCount"] == {46}
    assert karyotype["sk:karyotypeAsReported"] == {"46YX"}
    assert one(karyotype["sk:geneticAberrationFound"]) is False
    assert not karyotype["sk:unchangedFrom"]  # it "turned", so it is not the diagnostic karyotype


# --- CAR-T (sentences 13-16) -------------------------------------------------------------------------------------


def test_first_car_t_infusion_was_kymriah_at_oslo_university_hospital(facts):
    """Sentence 13: 'referred to Oslo University Hospital where CAR-T cells (CART19, Kymriah®) were infused'."""
    car_t = facts("p:car-t-1")
    assert car_t["rdf:type"] == {"sk:TherapyAdministration"}
    assert car_t["sk:agent"] == {"agent:tisagenlecleucel"}
    assert car_t["sk:courseNumber"] == {1}
    assert car_t["sk:setting"] == {"sk:Salvage"}
    assert car_t["sk:treatingCentre"] == {"Oslo University Hospital"}
    product = facts("agent:tisagenlecleucel")
    assert "sk:CARTProduct" in product["rdf:type"]
    assert {"Kymriah", "CART19"} <= product["skos:altLabel"]
    assert product["sk:targets"] == {"sk:CD19"}


def test_post_infusion_toxicity_was_grade_0_to_1(select, facts):
    """Sentence 14: 'The post-infusion toxicity was grade 0-I' -- a range, so only an upper bound of 1."""
    rows = select(f"SELECT ?event WHERE {{ ?event a sk:AdverseEvent ; sk:afterTherapy <{iri('p:car-t-1')}> }}")
    [event] = [short(row["event"]) for row in rows]
    toxicity = facts(event)
    assert toxicity["sk:adverseEventKind"] == {"sk:PostInfusionToxicity"}
    grade = one(toxicity["sk:gradeAtMost"])
    assert grade == 1 and type(grade) is int
    assert not toxicity["sk:grade"]


def test_car_t_brought_third_mrd_negative_remission_that_lasted_two_months(select, facts):
    """Sentence 15: 'Thereafter the 3CR/MRD- was documented, however, continued only for 2 months'."""
    remission = facts("p:remission-3")
    assert remission["sk:ordinal"] == {3}
    assert remission["sk:mrdStatus"] == {"sk:MRDNegative"}
    assert remission["sk:duration"] == {"P2M"}
    [response] = response_to(select, "p:car-t-1")
    assert (response["state"], response["category"]) == ("p:remission-3", "sk:CompleteRemissionReached")


def test_mrd_rose_after_the_third_remission(facts):
    """Sentence 16: 'Due to increasing MRD ...' -- rising MRD, not yet a relapse."""
    rise = facts("p:mrd-rise-1")
    assert rise["rdf:type"] == {"sk:MRDRise"}
    assert one(facts("p:remission-3")["sk:sequence"]) < one(rise["sk:sequence"])


def test_second_car_t_dose_of_the_same_product_was_given_for_rising_mrd(facts):
    """Sentence 16: 'Due to increasing MRD the 2nd CAR-T cell dose of the same product was infused'."""
    second = facts("p:car-t-2")
    assert second["sk:agent"] == facts("p:car-t-1")["sk:agent"] == {"agent:tisagenlecleucel"}
    assert second["sk:courseNumber"] == {2}
    assert second["sk:setting"] == {"sk:MRDDirected"}
    assert one(facts("p:mrd-rise-1")["sk:sequence"]) < one(second["sk:sequence"])


def test_third_relapse_was_bone_marrow_one_month_after_second_car_t_dose(facts, timings):
    """Sentence 16: 'the 3rd BM relapse was diagnosed in 1 month after the 2nd dose' (CNS status not given)."""
    relapse = facts("p:relapse-3")
    assert relapse["rdf:type"] == {"sk:Relapse"}
    assert relapse["sk:ordinal"] == {3}
    assert relapse["sk:site"] == {"sk:BoneMarrow"}
    assert relapse["sk:cnsStatus"] == {"sk:NotReported"}
    assert relapse["sk:timingCategory"] == {"sk:NotReported"}
    assert timings("p:relapse-3") == {("P1M", "p:car-t-2", "sk:Exact")}


def test_second_car_t_dose_had_no_effect(select):
    """Sentence 16: 'unfortunately with no effect – the 3rd BM relapse was diagnosed'."""
    [response] = response_to(select, "p:car-t-2")
    assert (response["state"], response["category"]) == ("p:relapse-3", "sk:NoRemission")


# --- blinatumomab again, second transplant, rising MRD (sentences 17-18) -----------------------------------------


def test_two_courses_of_blinatumomab_brought_fourth_mrd_negative_remission(select, facts):
    """Sentence 17: 'Two courses of blinatumomab induced the 4CR/MRD-'."""
    blinatumomab = facts("p:blinatumomab-2")
    assert blinatumomab["sk:agent"] == {"agent:blinatumomab"}
    assert blinatumomab["sk:courseCount"] == {2}
    assert blinatumomab["sk:setting"] == {"sk:Salvage"}
    remission = facts("p:remission-4")
    assert remission["sk:ordinal"] == {4}
    assert remission["sk:mrdStatus"] == {"sk:MRDNegative"}
    [response] = response_to(select, "p:blinatumomab-2")
    assert (response["state"], response["category"]) == ("p:remission-4", "sk:CompleteRemissionReached")


def test_second_transplant_was_from_the_same_donor_in_fourth_remission(facts):
    """Sentence 17: 'consolidated with the 2nd allo-HSCT from the same donor' -- the HLA-identical sibling."""
    transplant = facts("p:transplant-2")
    assert transplant["rdf:type"] == {"sk:Transplant"}
    assert transplant["sk:ordinal"] == {2}
    assert transplant["sk:setting"] == {"sk:Consolidation"}
    assert transplant["sk:diseaseStatusAtTransplant"] == {"p:remission-4"}
    assert transplant["sk:sameDonorAs"] == {"p:transplant-1"}
    assert transplant["sk:donorRelationship"] == {"sk:Sibling"}
    assert transplant["sk:hlaMatch"] == {"HLA-identical"}
    assert transplant["sk:agent"] == facts("p:transplant-1")["sk:agent"]


def test_second_transplant_was_conditioned_with_tbi_of_unstated_dose(facts, doses):
    """Sentence 17: '... after TBI' -- no dose, intensity, stem-cell source or graft handling given."""
    transplant = facts("p:transplant-2")
    assert doses("p:transplant-2", "sk:conditioningComponent") == {("agent:total-body-irradiation", None, None, ())}
    assert transplant["sk:conditioningBasis"] == {"TBI-based"}
    assert transplant["sk:conditioningIntensity"] == {"sk:NotReported"}
    assert transplant["sk:stemCellSource"] == {"sk:NotReported"}
    assert transplant["sk:tCellHandling"] == {"sk:NotReported"}
    assert not transplant["sk:gvhdProphylaxis"]


def test_mrd_rising_six_months_after_second_transplant_nearly_five_years_after_diagnosis(facts, timings):
    """Sentence 18: 'increasing MRD was documented 6 months after HSCT, nearly 5 years after initial diagnosis'."""
    assert facts("p:mrd-rise-2")["rdf:type"] == {"sk:MRDRise"}
    assert timings("p:mrd-rise-2") == {
        ("P6M", "p:transplant-2", "sk:Exact"),
        ("P5Y", "p:diagnosis", "sk:Approximate"),
    }


def test_second_transplant_was_followed_by_rising_mrd(select):
    """Sentence 18: 'Despite all efforts increasing MRD was documented 6 months after HSCT'."""
    [response] = response_to(select, "p:transplant-2")
    assert (response["state"], response["category"]) == ("p:mrd-rise-2", "sk:MRDRiseFollowed")


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
