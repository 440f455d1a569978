"""Every fact of the Pediatric Blood & Cancer 2021 letter (doi:10.1002/pbc.28980), asked of the built graph.

Sentence numbers count the letter from 1 ("Anti-CD19 chimeric antigen receptor ..."), as the case file's locators
do; the patient appears in sentence 4 and the supplied text stops inside sentence 14. Expected values are read from
the letter's wording (quoted in each docstring), not from the Turtle.
"""

import pytest
from case_helpers import one
from case_pbc_2021 import (
    DOI,
    PATIENT,
    SOURCE,
    TITLE,
    antigen_status,
    iri,
    labels,
    response_to,
    short,
)

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
