"""The ontology itself: every term labelled and defined in our own words; external codes only verified ones."""

import csv

import pytest
from locations import SHARED
from rdflib import OWL, RDF, RDFS, Graph, Namespace
from rdflib.namespace import SKOS

from kg.namespaces import SK
from kg.paths import ONTOLOGY_FILE, VOCABULARY_FILE

IDENTIFIERS = SHARED / "reference" / "identifiers.tsv"
OBO = Namespace("http://purl.obolibrary.org/obo/")
HGNC = Namespace("http://identifiers.org/hgnc/")


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return Graph().parse(ONTOLOGY_FILE).parse(VOCABULARY_FILE)


def test_every_class_and_property_has_a_label_and_a_definition(ontology):
    terms = [term for kind in (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty)
             for term in ontology.subjects(RDF.type, kind) if str(term).startswith(str(SK))]
    assert len(terms) > 100
    missing = [str(t) for t in terms if ontology.value(t, RDFS.label) is None
               or ontology.value(t, SKOS.definition) is None]
    assert missing == []


def test_the_class_hierarchy_puts_products_under_their_modality(ontology):
    def ancestors(cls):
        return set(ontology.transitive_objects(cls, RDFS.subClassOf))

    assert {SK.Immunotherapy, SK.TherapyAgent} <= ancestors(SK.CARTProduct)
    assert SK.AllogeneicHSCT in ancestors(SK.HaploidenticalHSCT)
    assert SK.AllogeneicHSCT in ancestors(SK.CordBloodTransplant)
    assert SK.AllogeneicHSCT in ancestors(SK.MatchedSiblingHSCT)
    assert SK.ClinicalEvent in ancestors(SK.Transplant)


def test_every_immunotherapy_agent_names_its_target(ontology):
    agents = [agent for cls in (SK.BispecificTCellEngager, SK.CARTProduct, SK.AntibodyDrugConjugate)
              for agent in ontology.subjects(RDF.type, cls)]
    assert len(agents) == 8  # the cases' four and the study arms' brexu-cel, obe-cel, CD22 and CD19/CD22 CAR-T
    assert all(list(ontology.objects(agent, SK.targets)) for agent in agents)


def _curie(iri: str) -> str:
    if iri.startswith(str(HGNC)):
        return "HGNC:" + iri[len(HGNC):]
    return iri[len(OBO):].replace("_", ":", 1)


@pytest.mark.skipif(not IDENTIFIERS.exists(), reason="shared/reference is not beside the checkout")
def test_external_codes_are_only_verified_ones(ontology):
    with IDENTIFIERS.open() as handle:
        verified = {row["curie"] for row in csv.DictReader(handle, delimiter="\t") if row["status"] == "verified"}
    used = {_curie(str(code)) for predicate in (SKOS.exactMatch, SKOS.closeMatch)
            for code in ontology.objects(None, predicate)}
    used |= {_curie(str(gene)) for gene in ontology.subjects(RDF.type, SK.Gene)}
    assert used and used <= verified, sorted(used - verified)
