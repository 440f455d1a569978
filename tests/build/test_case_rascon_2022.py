"""Every fact of Rascon et al. 2022 (Acta Medica Lituanica 29(2) Suppl.), asked of the built graph.

Sentence numbers count the "Case description" paragraph from 1, as the case file's locators do. Expected values
are read from the report's wording (quoted in each docstring), not from the Turtle.
"""

from case_helpers import one
from case_rascon_2022 import AUTHORS, PATIENT, SOURCE, TITLE, findings_at, iri, response_to, short

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
