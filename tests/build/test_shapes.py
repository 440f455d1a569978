"""SHACL: the built graph conforms, and each kind of broken case is rejected with node, shape and reason."""

from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import SKOS, XSD

from kg.build.pipeline import build_store, union_graph
from kg.build.validate import ValidationError, violations_in, violations_in_store
from kg.namespaces import PATIENT, PROV, SK
from kg.paths import case_files

PBC = PATIENT["pbc-2021/"]
pytestmark = pytest.mark.usefixtures("sparql_prepared_once")  # pySHACL in seconds, not minutes


@pytest.fixture(scope="module")
def stated(graph) -> Graph:
    return union_graph(graph.store)


def broken(stated: Graph, change) -> list[str]:
    """Violations after a change, from pySHACL; the shapes compiled to SPARQL must report exactly the same."""
    copy = Graph()
    copy += stated
    change(copy)
    reference = [str(violation) for violation in violations_in(copy)]
    store = ox.Store()
    store.load(copy.serialize(format="nt").encode(), ox.RdfFormat.N_TRIPLES)
    assert [str(violation) for violation in violations_in_store(store)] == reference
    return reference


def test_built_graph_conforms(stated, graph):
    assert violations_in(stated) == []
    assert violations_in_store(graph.store) == []


def test_a_literal_that_is_not_a_valid_decimal_is_rejected(stated):
    found = broken(stated, lambda g: g.set((URIRef(PBC + "remission-2"), SK.mrdThresholdPercent,
                                             Literal("abc", datatype=XSD.decimal))))
    assert found and all("an MRD threshold is one decimal percentage" in line for line in found)


def test_a_patient_identifier_with_spaces_is_rejected(stated):
    found = broken(stated, lambda g: g.set((URIRef(PATIENT["pbc-2021"]), SKOS.notation, Literal("Bad Id"))))
    assert found == ["patient:pbc-2021 violates shape:PatientShape (path skos:notation): a patient needs one short "
                     "identifier of lower-case letters, digits and hyphens (skos:notation)"]


def test_an_agent_that_is_not_a_therapy_is_rejected(stated):
    found = broken(stated, lambda g: g.set((URIRef(PBC + "frontline"), SK.agent, URIRef(PBC + "diagnosis"))))
    assert found == ["patient:pbc-2021/frontline violates shape:TherapyAdministrationShape (path sk:agent): "
                     "a therapy needs its agent, a sk:TherapyAgent (or sk:NotReported)"]


def test_fact_without_source_is_rejected(stated):
    found = broken(stated, lambda g: g.remove((URIRef(PBC + "relapse-3"), PROV.hadPrimarySource, None)))
    assert found == [
        "patient:pbc-2021/relapse-3 violates shape:ClinicalStatementShape (path prov:hadPrimarySource): "
        "a clinical fact needs its source document (prov:hadPrimarySource)"
    ]


def test_therapy_without_patient_is_rejected(stated):
    found = broken(stated, lambda g: g.remove((URIRef(PBC + "inotuzumab-1"), SK.patient, None)))
    assert "patient:pbc-2021/inotuzumab-1 violates shape:ClinicalEventShape (path sk:patient): " \
           "a clinical fact must name exactly one patient (sk:patient)" in found


def test_remission_without_ordinal_is_rejected(stated):
    found = broken(stated, lambda g: g.remove((URIRef(PBC + "remission-4"), SK.ordinal, None)))
    assert found == [
        "patient:pbc-2021/remission-4 violates shape:RemissionShape (path sk:ordinal): "
        "a remission needs its ordinal (1 for the first complete remission)"
    ]


def test_dose_that_is_not_a_number_is_rejected(stated):
    def change(g):
        dose = next(g.objects(URIRef(PBC + "inotuzumab-2"), SK.dose))
        g.set((dose, SK.amount, Literal("half a milligram")))

    found = broken(stated, change)
    assert found == [
        "the sk:dose of patient:pbc-2021/inotuzumab-2 violates shape:DoseShape (path sk:amount): "
        "a dose amount must be a positive decimal number (e.g. 0.5 or 180.0)"
    ]


def test_relapse_ordered_before_the_diagnosis_is_rejected(stated):
    def change(g):
        g.set((URIRef(PBC + "diagnosis"), SK.sequence, Literal(5)))  # relapse-1 is sequence 4

    found = broken(stated, change)
    assert "patient:pbc-2021/relapse-1 violates shape:RelapseShape: " \
           "the relapse is dated before the diagnosis patient:pbc-2021/diagnosis" in found


def test_relapse_timed_a_negative_offset_from_the_diagnosis_is_rejected(tmp_path):
    case = tmp_path / "negative-offset.ttl"
    case.write_text(Path(case_files()[0]).read_text().replace(
        'sk:timing [ a sk:Timing ; sk:offset "P1Y"^^xsd:duration ; sk:relativeTo p:transplant-1 ;',
        'sk:timing [ a sk:Timing ; sk:offset "-P1Y"^^xsd:duration ; sk:relativeTo p:diagnosis ;',
    ))
    assert "-P1Y" in case.read_text()
    with pytest.raises(ValidationError) as caught:
        build_store([case])
    assert "patient:pbc-2021/relapse-2 violates shape:RelapseShape: the relapse is dated before the diagnosis " \
           "patient:pbc-2021/diagnosis" in [str(v) for v in caught.value.violations]


def test_timing_measured_from_a_later_event_is_rejected(stated):
    def change(g):
        timing = next(g.objects(URIRef(PBC + "relapse-2"), SK.timing))
        g.set((timing, SK.relativeTo, URIRef(PBC + "transplant-2")))

    found = broken(stated, change)
    assert "patient:pbc-2021/relapse-2 violates shape:ClinicalEventShape: its timing is measured from " \
           "patient:pbc-2021/transplant-2, which is not an earlier event of the same patient" in found


def test_immunotherapy_without_target_is_rejected(stated):
    found = broken(stated, lambda g: g.remove((URIRef("https://w3id.org/salvage-kg/agent/blinatumomab"),
                                               SK.targets, None)))
    assert found == ["agent:blinatumomab violates shape:ImmunotherapyShape (path sk:targets): "
                     "an immunotherapy must name the antigen(s) it targets"]


def test_a_broken_case_file_is_not_built(tmp_path):
    case = tmp_path / "broken.ttl"
    case.write_text(Path(case_files()[0]).read_text().replace("    sk:ordinal 4 ;\n", "", 1))
    with pytest.raises(ValidationError) as caught:
        build_store([case])
    assert [str(v) for v in caught.value.violations] == [
        "patient:pbc-2021/remission-4 violates shape:RemissionShape (path sk:ordinal): "
        "a remission needs its ordinal (1 for the first complete remission)"
    ]
    assert "1 SHACL violation(s)" in str(caught.value)


# --- Broken study results: each rejected the same way by pySHACL and by the compiled shapes ---------------

ZUMA3 = URIRef("https://w3id.org/salvage-kg/result/zuma-3--cr-cri")
ELIANA = URIRef("https://w3id.org/salvage-kg/result/eliana--overall-remission")


def test_a_study_result_with_more_responders_than_patients_is_rejected(stated):
    found = broken(stated, lambda g: g.set((ZUMA3, SK.numerator, Literal(56))))
    assert "result:zuma-3--cr-cri violates shape:StudyResultShape: the numerator 56 is larger than the " \
           "denominator 55" in found


def test_a_study_rate_without_its_denominator_is_rejected(stated):
    found = broken(stated, lambda g: g.remove((ELIANA, SK.denominator, None)))
    assert found == ["result:eliana--overall-remission violates shape:StudyResultShape: a rate needs its denominator "
                     "and what the denominator counts (sk:denominator, sk:denominatorBasis)"]


def test_a_study_rate_without_what_its_denominator_counts_is_rejected(stated):
    found = broken(stated, lambda g: g.remove((ELIANA, SK.denominatorBasis, None)))
    assert found == ["result:eliana--overall-remission violates shape:StudyResultShape: a rate needs its denominator "
                     "and what the denominator counts (sk:denominator, sk:denominatorBasis)"]


def test_a_study_rate_that_is_not_its_counts_is_rejected(stated):
    found = broken(stated, lambda g: g.set((ZUMA3, SK.ratePercent, Literal("90.0", datatype=XSD.decimal))))
    assert any("result:zuma-3--cr-cri violates shape:StudyResultShape: the rate is not the numerator over "
               "the denominator" in line for line in found)
    assert any("the 95% confidence interval does not contain the rate" in line for line in found)


def test_a_study_result_copied_onto_a_patient_is_rejected(stated):
    found = broken(stated, lambda g: g.add((ELIANA, SK.patient, URIRef(PATIENT["pbc-2021"]))))
    assert found == ["result:eliana--overall-remission violates shape:StudyResultShape (path sk:patient): a study "
                     "result describes a group and names no patient; link a patient with a sk:StudyParticipation"]


def test_a_study_result_graded_as_a_case_report_is_rejected(stated):
    found = broken(stated, lambda g: g.set((ELIANA, SK.evidenceLevel, SK.EvidenceLevelC)))
    assert found == ["result:eliana--overall-remission violates shape:StudyResultShape (path sk:evidenceLevel): "
                     "a published study result is CIViC level B (sk:EvidenceLevelB)"]


def test_a_study_result_without_its_source_is_rejected(stated):
    found = broken(stated, lambda g: g.remove((ELIANA, PROV.hadPrimarySource, None)))
    assert found == ["result:eliana--overall-remission violates shape:ClinicalStatementShape "
                     "(path prov:hadPrimarySource): a clinical fact needs its source document (prov:hadPrimarySource)"]


def test_a_study_without_its_design_is_rejected(stated):
    found = broken(stated, lambda g: g.remove((URIRef("https://w3id.org/salvage-kg/study/eliana"), SK.studyDesign,
                                               None)))
    assert found == ["study:eliana violates shape:StudyShape (path sk:studyDesign): a study needs one design "
                     "(randomised controlled, single-arm, dose-finding, compassionate use)"]


def test_a_study_participation_without_its_study_is_rejected(stated):
    participation = URIRef(PBC + "eliana-participation")
    found = broken(stated, lambda g: g.remove((participation, SK.study, None)))
    assert found == ["patient:pbc-2021/eliana-participation violates shape:StudyParticipationShape (path sk:study): "
                     "a study participation names exactly one study (sk:study)"]


def test_an_indirectness_note_without_its_dimension_is_rejected(stated):
    note = URIRef("https://w3id.org/salvage-kg/result/zuma-3--cr-cri/indirectness-age-group")
    found = broken(stated, lambda g: g.remove((note, SK.indirectnessDimension, None)))
    assert found == ["result:zuma-3--cr-cri/indirectness-age-group violates shape:IndirectnessNoteShape (path "
                     "sk:indirectnessDimension): an indirectness note names one dimension (age group, prior CAR-T, "
                     "antigen status, setting)"]
