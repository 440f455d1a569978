"""The Acta Medica Lituanica 2022 case report as the tests quote it, and the look-ups the tests of its facts share."""

from case_helpers import iri as _iri
from case_helpers import responses
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
    return responses(select, therapy, PATIENT)


def findings_at(select, event: str, finding_type: str) -> list[str]:
    rows = select(f"SELECT ?f WHERE {{ ?f a {finding_type} ; sk:findingAt <{iri(event)}> }}")
    return [short(row["f"]) for row in rows]
