"""Every fact of the Pediatric Blood & Cancer 2021 letter (doi:10.1002/pbc.28980), asked of the built graph.

Sentence numbers count the letter from 1 ("Anti-CD19 chimeric antigen receptor ..."), as the case file's locators
do; the patient appears in sentence 4 and the supplied text stops inside sentence 14. Expected values are read from
the letter's wording (quoted in each docstring), not from the Turtle.
"""

from collections import defaultdict
from pathlib import Path

import pytest
from case_helpers import cited_sentences, copies_source, one, provenance_problems, words
from case_helpers import iri as _iri
from case_helpers import short as _short
from locations import SHARED

PATIENT = "https://w3id.org/salvage-kg/patient/pbc-2021"
SOURCE = "src:pbc-2021"
CASE_GRAPH = "https://w3id.org/salvage-kg/graph/case/pbc-2021"
SEED = SHARED / "seeds" / "case-pbc-2021-inotuzumab.txt"

# As printed, with its Unicode hyphens (U+2010).
TITLE = (
    "Inotuzumab ozogamicin following allogeneic hematopoietic stem cell transplantation successfully rescued "
    "relapse of CD19\u2010negative acute lymphoblastic leukemia after CAR\u2010T cell therapy"
)
DOI = "10.1002/pbc.28980"

# The letter, one entry per sentence, verbatim (run-together words and reference numbers included).
SENTENCES = {
    1: "Anti-CD19 chimeric antigen receptor (CAR)-T-cell therapy is one of the most promising treatment options for "
    "patients with relapsed/refractory B-cell precursor (BCP)-acute lymphoblastic leukemia (ALL).1–3",
    2: "Approximately 30%–60% of patients experience relapse after CAR-T cell therapy, largely due to poor longevity "
    "of CART cells and loss or downregulation of CD19 expression by leukemic cells.4,5",
    3: "The survival rate of these patients is extremely poor; however, there is no consensus regarding the best "
    "salvage treatment.1",
    4: "Here, we report a 5-year-old boywith BCP-ALL harboring the ETV6RUNX1 rearrangement.",
    5: "He experienced a second bone marrow (BM) relapse 1 year after cord blood transplantation using a "
    "myeloablative conditioning regimen consisting of melphalan (180 mg/m2) and fractionated total body "
    "irradiation (TBI; 12 Gy) in the second minimal residual disease (MRD)-negative complete remission (CR), "
    "defined as <0.01% by flow cytometry.",
    6: "He was enrolled in the phase II, multicenter, global trial of CAR-T cell therapy (the ELIANA trial),3 "
    "resulting in the thirdMRD-negative CRwithout complications (except for B-cell aplasia).",
    7: "Unfortunately, he experienced a third BM relapse 1 year later at the age of 12.",
    8: "Since leukemic blasts were negative for CD19 but positive for CD22, he received Inotuzumab ozogamicin "
    "(InO)monotherapy.",
    9: "The off-label use of InO was approved by the Patient Safety Unit, Kyoto University Hospital.",
    10: "The patient’s family provided written informed consent before administration.",
    11: "Following one cycle of InO (0.8 mg/m2 on day 1, and 0.5 mg/m2 on days 8 and 15), he achieved a fourth "
    "MRD-negative CR.",
    12: "After a second cycle of InO (0.5 mg/m2 on days 1, 8, and 15), he underwent T-cell replete haploidentical "
    "BMT from his HLA-6/8 allele-matched father, using a reduced-intensity conditioning (RIC) regimen consisting of "
    "fludarabine (120 mg/m2), cytarabine (6 g/m2), and melphalan (180 mg/m2).",
    13: "Tacrolimus (TAC), shortterm methotrexate, prednisolone, and rabbit anti-thymocyte globulin (2.5 mg/kg) were "
    "used for graft-versus-host disease (GVHD).6",
    14: "Ursodeoxycolic acid, low molecular weight heparin, and antithrombin",
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


def antigen_status(select, event: str, antigen: str) -> list[str]:
    rows = select(f"""
        SELECT ?status WHERE {{
          ?finding a sk:AntigenExpression ; sk:findingAt <{iri(event)}> ; sk:antigen {antigen} ;
            sk:expressionStatus ?status }}""")
    return [short(row["status"]) for row in rows]


def labels(facts, agents) -> set[str]:
    return {one(facts(agent)["rdfs:label"]) for agent in agents}


# --- the source document -----------------------------------------------------------------------------------


def test_source_is_the_pediatric_blood_and_cancer_2021_letter(facts):
    """Header: 'Pediatric Blood & Cancer | 2021', 'Volume 68'; title as printed (hyphens normalised)."""
    source = facts(SOURCE)
    assert "sk:CaseReport" in source["rdf:type"]
    assert source["dcterms:title"] == {TITLE.replace("\u2010", "-")}
    assert source["sk:journal"] == {"Pediatric Blood & Cancer"}
    assert source["dcterms:issued"] == {"2021"}
    assert source["bibo:volume"] == {"68"}


def test_source_doi_is_10_1002_pbc_28980(facts):
    """Footer: 'DOI 10.1002/pbc.28980', written bare."""
    source = facts(SOURCE)
    assert source["bibo:doi"] == {DOI}
    assert DOI in one(source["sk:citation"])


def test_source_citation_names_title_journal_and_year(facts):
    citation = one(facts(SOURCE)["sk:citation"])
    assert TITLE.replace("\u2010", "-") in citation
    assert "Pediatric Blood & Cancer" in citation and "2021" in citation


def test_source_names_no_authors_because_the_text_gives_none(facts):
    assert not facts(SOURCE)["dcterms:creator"]


def test_source_is_case_report_evidence_level_c(facts):
    assert facts(SOURCE)["sk:evidenceLevel"] == {"sk:EvidenceLevelC"}


def test_patient_is_a_boy_with_bcp_all_described_in_the_letter(facts):
    """Sentence 4: 'a 5-year-old boy with BCP-ALL'."""
    patient = facts(PATIENT)
    assert patient["rdf:type"] == {"sk:Patient"}
    assert patient["sk:sex"] == {"sk:Male"}
    assert patient["sk:disease"] == {"sk:BCellPrecursorALL"}
    assert patient["sk:describedIn"] == {SOURCE}


# --- diagnosis, frontline, first relapse and remission (sentences 4-5) ---------------------------------------


def test_diagnosis_cns_status_not_reported(facts):
    """Sentence 4: 'a 5-year-old boy with BCP-ALL'; the letter never gives a CNS status."""
    diagnosis = facts("p:diagnosis")
    assert diagnosis["rdf:type"] == {"sk:Diagnosis"}
    assert diagnosis["sk:patient"] == {short(PATIENT)}
    assert diagnosis["sk:cnsStatus"] == {"sk:NotReported"}


def test_five_years_is_the_age_the_letter_introduces_him_not_a_stated_age_at_diagnosis(facts):
    """Review fix: sentence 4 introduces 'a 5-year-old boy' without saying at which point of his course (at the
    third relapse he is 12); the age belongs to the introduction, not to the diagnosis."""
    assert "sk:ageAtEvent" not in facts("p:diagnosis")
    patient = facts(PATIENT)
    assert patient["sk:ageAsIntroduced"] == {"P5Y"}
    assert "when the letter introduces him" in one(patient["sk:statement"])


def test_leukaemia_harboured_etv6_runx1_rearrangement(select, facts):
    """Sentence 4: 'harboring the ETV6RUNX1 rearrangement' -- the fusion of ETV6 and RUNX1 (HGNC)."""
    rows = select(f"SELECT ?f WHERE {{ ?f a sk:MolecularFinding ; sk:findingAt <{iri('p:diagnosis')}> }}")
    [finding] = [short(row["f"]) for row in rows]
    molecular = facts(finding)
    assert molecular["sk:involvesGene"] == {"hgnc:3495", "hgnc:10471"}
    assert labels(facts, molecular["sk:involvesGene"]) == {"ETV6", "RUNX1"}
    assert one(molecular["sk:geneticAberrationFound"]) is True


def test_frontline_therapy_is_not_reported(select, facts):
    """The letter starts at the second relapse: frontline treatment is recorded as 'not reported', not guessed."""
    frontline = facts("p:frontline")
    assert frontline["rdf:type"] == {"sk:TherapyAdministration"}
    assert frontline["sk:setting"] == {"sk:Frontline"}
    assert frontline["sk:agent"] == {"sk:NotReported"}
    assert response_to(select, "p:frontline") == []


def test_first_relapse_and_remission_are_implied_and_otherwise_unreported(facts):
    """Sentence 5: a 'second' relapse in the 'second' remission implies a first of each, and nothing more."""
    remission = facts("p:remission-1")
    assert remission["rdf:type"] == {"sk:Remission"}
    assert remission["sk:ordinal"] == {1}
    assert remission["sk:mrdStatus"] == {"sk:NotReported"}
    assert not remission["sk:mrdThresholdPercent"] and not remission["sk:mrdMethod"]
    relapse = facts("p:relapse-1")
    assert relapse["rdf:type"] == {"sk:Relapse"}
    assert relapse["sk:ordinal"] == {1}
    assert relapse["sk:site"] == {"sk:NotReported"}
    assert relapse["sk:cnsStatus"] == {"sk:NotReported"}
    assert relapse["sk:timingCategory"] == {"sk:NotReported"}
    assert not relapse["sk:timing"]


def test_second_remission_was_mrd_negative_below_0_01_percent_by_flow_cytometry(facts):
    """Sentence 5: 'the second minimal residual disease (MRD)-negative complete remission (CR), defined as <0.01%
    by flow cytometry'."""
    remission = facts("p:remission-2")
    assert remission["sk:ordinal"] == {2}
    assert remission["sk:mrdStatus"] == {"sk:MRDNegative"}
    assert remission["sk:mrdThresholdPercent"] == {0.01}
    assert remission["sk:mrdMethod"] == {"sk:FlowCytometry"}


def test_no_therapy_is_credited_with_the_first_two_remissions(ask_sparql):
    """The letter does not say what brought the first or second remission."""
    assert not ask_sparql(f"""ASK {{
        ?response a sk:Response ; sk:resultingState ?state .
        VALUES ?state {{ <{iri("p:remission-1")}> <{iri("p:remission-2")}> }} }}""")


# --- cord blood transplant and second relapse (sentence 5) -----------------------------------------------------


def test_cord_blood_transplant_was_given_in_second_remission(ask_sparql, facts):
    """Sentence 5: 'cord blood transplantation ... in the second ... complete remission'."""
    transplant = facts("p:transplant-1")
    assert transplant["rdf:type"] == {"sk:Transplant"}
    assert transplant["sk:setting"] == {"sk:Consolidation"}
    assert transplant["sk:diseaseStatusAtTransplant"] == {"p:remission-2"}
    assert transplant["sk:stemCellSource"] == {"sk:CordBlood"}
    assert transplant["sk:agent"] == {"agent:cord-blood-transplant"}
    assert ask_sparql(f"ASK {{ <{iri('p:transplant-1')}> sk:agent/rdf:type/rdfs:subClassOf* sk:AllogeneicHSCT }}")


def test_cord_blood_transplant_donor_hla_and_graft_handling_not_reported(facts):
    """Sentence 5 says nothing of the cord-blood donor, its HLA match, T-cell handling or GvHD prophylaxis."""
    transplant = facts("p:transplant-1")
    assert transplant["sk:donorRelationship"] == {"sk:NotReported"}
    assert transplant["sk:tCellHandling"] == {"sk:NotReported"}
    assert not transplant["sk:hlaMatch"] and not transplant["sk:hlaAllelesMatched"]
    assert not transplant["sk:gvhdProphylaxis"]


def test_cord_blood_conditioning_was_myeloablative_melphalan_180_and_fractionated_tbi_12_gy(facts, doses, dose_of):
    """Sentence 5: 'myeloablative conditioning regimen consisting of melphalan (180 mg/m2) and fractionated total
    body irradiation (TBI; 12 Gy)'."""
    assert facts("p:transplant-1")["sk:conditioningIntensity"] == {"sk:Myeloablative"}
    assert doses("p:transplant-1", "sk:conditioningComponent") == {
        ("agent:melphalan", 180.0, "mg/m2", ()),
        ("agent:total-body-irradiation", 12.0, "Gy", ()),
    }
    tbi = dose_of("p:transplant-1", "sk:conditioningComponent", "agent:total-body-irradiation")
    assert one(tbi["sk:fractionated"]) is True
    melphalan = dose_of("p:transplant-1", "sk:conditioningComponent", "agent:melphalan")
    assert not melphalan["sk:fractionated"]
    assert labels(facts, ["agent:melphalan", "agent:total-body-irradiation"]) == {
        "melphalan",
        "total body irradiation",
    }


def test_second_relapse_was_bone_marrow_one_year_after_cord_blood_transplant(facts, timings):
    """Sentence 5: 'a second bone marrow (BM) relapse 1 year after cord blood transplantation'."""
    relapse = facts("p:relapse-2")
    assert relapse["rdf:type"] == {"sk:Relapse"}
    assert relapse["sk:ordinal"] == {2}
    assert relapse["sk:site"] == {"sk:BoneMarrow"}
    assert relapse["sk:cnsStatus"] == {"sk:NotReported"}
    assert relapse["sk:timingCategory"] == {"sk:NotReported"}
    assert timings("p:relapse-2") == {("P1Y", "p:transplant-1", "sk:Approximate")}


def test_cord_blood_transplant_was_followed_by_the_second_relapse(select):
    """Sentence 5: relapse 1 year after the transplant given in remission."""
    [response] = response_to(select, "p:transplant-1")
    assert (response["state"], response["category"]) == ("p:relapse-2", "sk:RelapseFollowed")


# --- CAR-T in the ELIANA trial (sentence 6) ------------------------------------------------------------------


def test_car_t_was_given_within_the_phase_ii_multicentre_global_eliana_trial(facts):
    """Sentence 6: 'enrolled in the phase II, multicenter, global trial of CAR-T cell therapy (the ELIANA trial)'."""
    car_t = facts("p:car-t")
    assert car_t["rdf:type"] == {"sk:TherapyAdministration"}
    assert car_t["sk:setting"] == {"sk:Salvage"}
    trial = one(car_t["sk:clinicalTrial"])
    assert "ELIANA" in trial and "phase II" in trial and "multicent" in trial and "global" in trial


def test_eliana_product_is_an_anti_cd19_car_t_not_equated_with_a_brand(facts):
    """Sentence 1 frames the therapy as anti-CD19 CAR-T; the letter names the trial, not the product."""
    [agent] = facts("p:car-t")["sk:agent"]
    product = facts(agent)
    assert "sk:CARTProduct" in product["rdf:type"]
    assert product["sk:targets"] == {"sk:CD19"}
    assert agent != "agent:tisagenlecleucel"


def test_car_t_brought_third_mrd_negative_remission(select, facts):
    """Sentence 6: 'resulting in the third MRD-negative CR'; MRD negativity as defined in sentence 5."""
    remission = facts("p:remission-3")
    assert remission["sk:ordinal"] == {3}
    assert remission["sk:mrdStatus"] == {"sk:MRDNegative"}
    assert remission["sk:mrdThresholdPercent"] == {0.01}
    assert remission["sk:mrdMethod"] == {"sk:FlowCytometry"}
    [response] = response_to(select, "p:car-t")
    assert (response["state"], response["category"]) == ("p:remission-3", "sk:CompleteRemissionReached")


def test_b_cell_aplasia_was_the_only_complication_of_car_t(select, facts):
    """Sentence 6: 'without complications (except for B-cell aplasia)' -- no grade or severity given."""
    rows = select(f"SELECT ?event WHERE {{ ?event a sk:AdverseEvent ; sk:afterTherapy <{iri('p:car-t')}> }}")
    [event] = [short(row["event"]) for row in rows]
    aplasia = facts(event)
    assert aplasia["sk:adverseEventKind"] == {"sk:BCellAplasia"}
    assert not aplasia["sk:grade"] and not aplasia["sk:gradeAtMost"] and not aplasia["sk:severity"]


# --- third relapse: CD19-negative, CD22-positive (sentences 7-8) ------------------------------------------------


def test_third_relapse_was_bone_marrow_one_year_after_car_t_at_age_twelve(facts, timings):
    """Sentence 7: 'he experienced a third BM relapse 1 year later at the age of 12'."""
    relapse = facts("p:relapse-3")
    assert relapse["rdf:type"] == {"sk:Relapse"}
    assert relapse["sk:ordinal"] == {3}
    assert relapse["sk:site"] == {"sk:BoneMarrow"}
    assert relapse["sk:ageAtEvent"] == {"P12Y"}
    assert relapse["sk:cnsStatus"] == {"sk:NotReported"}
    assert relapse["sk:timingCategory"] == {"sk:NotReported"}
    assert timings("p:relapse-3") == {("P1Y", "p:car-t", "sk:Approximate")}


def test_one_year_intervals_are_approximate_not_exact(select):
    """Review fix: '1 year after' (sentence 5) and '1 year later' (sentence 7) are whole-year round figures, which
    the project's precision values call approximate; no timing of the letter is exact."""
    rows = select(f"""
        SELECT ?event ?offset ?precision WHERE {{
          ?event sk:patient <{PATIENT}> ; sk:timing ?timing .
          ?timing sk:offset ?offset ; sk:precision ?precision }}""")
    assert {(short(row["event"]), row["offset"], short(row["precision"])) for row in rows} == {
        ("p:relapse-2", "P1Y", "sk:Approximate"), ("p:relapse-3", "P1Y", "sk:Approximate")}


def test_third_relapse_blasts_were_cd19_negative_and_cd22_positive(select):
    """Sentence 8: 'leukemic blasts were negative for CD19 but positive for CD22'."""
    assert antigen_status(select, "p:relapse-3", "sk:CD19") == ["sk:Negative"]
    assert antigen_status(select, "p:relapse-3", "sk:CD22") == ["sk:Positive"]


def test_title_cd19_negative_relapse_after_car_t_is_derived_as_antigen_escape(select):
    """Title: 'relapse of CD19-negative acute lymphoblastic leukemia after CAR-T cell therapy'."""
    rows = select(f"""
        SELECT ?escape ?antigen ?therapy WHERE {{
          ?escape a sk:AntigenEscape ; sk:relapse <{iri("p:relapse-3")}> ; sk:antigen ?antigen ;
            sk:afterTherapy ?therapy }}""")
    assert {(short(row["antigen"]), short(row["therapy"])) for row in rows} == {("sk:CD19", "p:car-t")}


@pytest.mark.parametrize("event", ["p:diagnosis", "p:relapse-1", "p:relapse-2"])
@pytest.mark.parametrize("antigen", ["sk:CD19", "sk:CD22"])
def test_antigen_status_before_the_third_relapse_is_not_reported(select, event, antigen):
    """The letter gives CD19/CD22 only at the third relapse (sentence 8)."""
    assert antigen_status(select, event, antigen) == ["sk:NotReported"]


def test_no_cd19_positive_or_cd22_negative_finding_anywhere(ask_sparql):
    """The letter never calls the blasts CD19-positive or CD22-negative."""
    assert not ask_sparql(f"""ASK {{
        ?finding sk:patient <{PATIENT}> ; sk:antigen ?antigen ; sk:expressionStatus ?status .
        VALUES (?antigen ?status) {{ (sk:CD19 sk:Positive) (sk:CD22 sk:Negative) }} }}""")


# --- inotuzumab ozogamicin (sentences 8-12) -------------------------------------------------------------------


def test_first_inotuzumab_cycle_was_monotherapy_for_the_third_relapse(facts):
    """Sentence 8: 'he received Inotuzumab ozogamicin (InO) monotherapy'; sentence 11: 'one cycle of InO'."""
    cycle = facts("p:inotuzumab-1")
    assert cycle["rdf:type"] == {"sk:TherapyAdministration"}
    assert cycle["sk:agent"] == {"agent:inotuzumab-ozogamicin"}  # one agent only: monotherapy
    assert cycle["sk:courseNumber"] == {1}
    assert cycle["sk:setting"] == {"sk:Salvage"}
    drug = facts("agent:inotuzumab-ozogamicin")
    assert drug["rdfs:label"] == {"inotuzumab ozogamicin"}
    assert "InO" in drug["skos:altLabel"]
    assert "sk:AntibodyDrugConjugate" in drug["rdf:type"]
    assert drug["sk:targets"] == {"sk:CD22"}


def test_off_label_inotuzumab_approved_by_kyoto_patient_safety_unit_with_family_consent(facts):
    """Sentence 9: 'The off-label use of InO was approved by the Patient Safety Unit, Kyoto University Hospital';
    sentence 10: 'The patient's family provided written informed consent before administration'."""
    cycle = facts("p:inotuzumab-1")
    assert one(cycle["sk:offLabelUse"]) is True
    assert cycle["sk:approvedBy"] == {"Patient Safety Unit, Kyoto University Hospital"}
    assert one(cycle["sk:informedConsent"]) is True


def test_inotuzumab_is_not_said_to_be_given_at_kyoto_university_hospital(ask_sparql):
    """Review fix: sentence 9 names the hospital only as the seat of the Patient Safety Unit that approved the
    off-label use; where the drug was given is not stated, so no treating centre is asserted."""
    assert not ask_sparql(f"ASK {{ ?therapy sk:patient <{PATIENT}> ; sk:treatingCentre ?centre }}")


def test_first_inotuzumab_cycle_was_0_8_mg_m2_day_1_then_0_5_mg_m2_days_8_and_15(doses):
    """Sentence 11: 'one cycle of InO (0.8 mg/m2 on day 1, and 0.5 mg/m2 on days 8 and 15)'."""
    assert doses("p:inotuzumab-1", "sk:dose") == {
        ("agent:inotuzumab-ozogamicin", 0.8, "mg/m2", (1,)),
        ("agent:inotuzumab-ozogamicin", 0.5, "mg/m2", (8, 15)),
    }


def test_first_inotuzumab_cycle_brought_fourth_mrd_negative_remission(select, facts):
    """Sentence 11: 'he achieved a fourth MRD-negative CR'; MRD negativity as defined in sentence 5."""
    remission = facts("p:remission-4")
    assert remission["sk:ordinal"] == {4}
    assert remission["sk:mrdStatus"] == {"sk:MRDNegative"}
    assert remission["sk:mrdThresholdPercent"] == {0.01}
    assert remission["sk:mrdMethod"] == {"sk:FlowCytometry"}
    [response] = response_to(select, "p:inotuzumab-1")
    assert (response["state"], response["category"]) == ("p:remission-4", "sk:CompleteRemissionReached")


def test_second_inotuzumab_cycle_was_0_5_mg_m2_on_days_1_8_and_15_in_remission(facts, doses):
    """Sentence 12: 'After a second cycle of InO (0.5 mg/m2 on days 1, 8, and 15)'."""
    cycle = facts("p:inotuzumab-2")
    assert cycle["sk:agent"] == {"agent:inotuzumab-ozogamicin"}
    assert cycle["sk:courseNumber"] == {2}
    assert one(cycle["sk:offLabelUse"]) is True
    assert doses("p:inotuzumab-2", "sk:dose") == {("agent:inotuzumab-ozogamicin", 0.5, "mg/m2", (1, 8, 15))}


def test_second_inotuzumab_cycle_is_not_labelled_consolidation_because_no_intent_is_stated(facts):
    """Review fix: sentence 12 says only 'After a second cycle of InO ...'; the letter gives no intent for it."""
    cycle = facts("p:inotuzumab-2")
    assert cycle["sk:setting"] == {"sk:NotReported"}
    assert "does not say what it was meant to do" in one(cycle["sk:statement"])


def test_second_inotuzumab_cycle_is_covered_by_the_same_off_label_approval_and_consent(facts):
    """Sentences 9-10 approve 'the off-label use of InO' as a whole, with consent before administration."""
    cycle = facts("p:inotuzumab-2")
    assert cycle["sk:approvedBy"] == {"Patient Safety Unit, Kyoto University Hospital"}
    assert one(cycle["sk:informedConsent"]) is True


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
