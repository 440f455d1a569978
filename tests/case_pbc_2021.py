"""The Pediatric Blood & Cancer 2021 letter (doi:10.1002/pbc.28980) as the tests quote it, and the look-ups the tests
of its facts share."""

from case_helpers import iri as _iri
from case_helpers import one, responses
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
    return responses(select, therapy, PATIENT)


def antigen_status(select, event: str, antigen: str) -> list[str]:
    rows = select(f"""
        SELECT ?status WHERE {{
          ?finding a sk:AntigenExpression ; sk:findingAt <{iri(event)}> ; sk:antigen {antigen} ;
            sk:expressionStatus ?status }}""")
    return [short(row["status"]) for row in rows]


def labels(facts, agents) -> set[str]:
    return {one(facts(agent)["rdfs:label"]) for agent in agents}
