"""A patient's case as the Phenopacket export reads it, and the facts a graph and a phenopacket can both hold.

Everything is read through named questions (patients, transplant-details, toxicities-by-therapy) and the pathway
questions (kg.clinical.pathways.read); nothing here holds SPARQL. `shared_facts` names, in one place, what survives a
round trip graph -> phenopacket -> graph: the round-trip tests compare exactly these.

>>> import kg
>>> case = read_cases(kg.default_graph(), "pbc-2021")["pbc-2021"]
>>> [therapy.step.therapy for therapy in case.therapies][-2:]
['inotuzumab ozogamicin', 'haploidentical allogeneic HSCT']
>>> shared_facts(case)["relapses"][-1]
(3, (('CD19', 'negative'), ('CD22', 'positive')), 'bone marrow')
"""

from collections import defaultdict
from dataclasses import dataclass

from kg.knowledge_graph import KnowledgeGraph
from kg.namespaces import SK
from kg.clinical.pathways.model import NOT_REPORTED, RELAPSE, Pathway, State, Step
from kg.clinical.pathways.read import read_pathways

NOT_REPORTED_AGENT = str(SK.NotReported)
TBI_LABEL = "total body irradiation"
STATED = ("positive", "negative")


@dataclass(frozen=True)
class Therapy:
    """One administration: the pathway step, the disease state it was given in, and what was said about it."""

    step: Step
    given_in: State | None  # the last disease state before it on the timeline
    adverse_events: tuple[dict, ...]  # rows of toxicities-by-therapy
    transplant: dict | None  # the row of transplant-details, for a transplant

    @property
    def agent_reported(self) -> bool:
        return NOT_REPORTED_AGENT not in self.step.agents


@dataclass(frozen=True)
class Case:
    patient: str
    summary: dict  # the row of the patients question
    pathway: Pathway
    therapies: tuple[Therapy, ...]

    @property
    def relapses(self) -> tuple[State, ...]:
        return tuple(state for state in self.pathway.states if state.kind == RELAPSE)


def read_cases(graph: KnowledgeGraph, patient: str | None = None) -> dict[str, Case]:
    """Every patient's case (or one patient's), by identifier."""
    params = {"patient": patient} if patient else {}
    summaries = {row["patient"]: row for row in graph.ask("patients", params).rows}
    pathways = read_pathways(graph, patient)
    transplants = {row["transplant"]: row for row in graph.ask("transplant-details", params).rows}
    events: dict[str, list[dict]] = defaultdict(list)
    for row in graph.ask("toxicities-by-therapy").rows:
        if row["patient"] in summaries:
            events[row["administration"]].append(row)
    cases = {}
    for name, summary in summaries.items():
        pathway = pathways.get(name) or Pathway(name, (), ())
        therapies = tuple(
            Therapy(step, _given_in(pathway, step), tuple(events.get(step.iri, ())), transplants.get(step.iri))
            for step in pathway.steps)
        cases[name] = Case(name, summary, pathway, therapies)
    return cases


def _given_in(pathway: Pathway, step: Step) -> State | None:
    before = pathway.states_between(0, step.sequence)
    return before[-1] if before else None


def tbi_dose(transplant: dict | None) -> str | None:
    """The TBI item of a transplant's conditioning as the question words it ('total body irradiation 12 Gy
    (fractionated)'), or None when TBI was not part of it."""
    if not transplant:
        return None
    return next((item for item in transplant["conditioning"] if item.startswith(TBI_LABEL)), None)


def stated_antigens(state: State) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(pair for pair in state.antigens if pair[1] in STATED))


def shared_facts(case: Case) -> dict:
    """What both a case graph and a phenopacket hold, in a form two readings can be compared by.

    The number of relapses before each therapy survives when each relapse but the earliest is followed by a
    therapy given in it (the phenopacket keeps that as the therapy's target), as in both reports and every
    synthetic patient; the import puts any other relapse as early as the ordinals allow."""
    therapies = [therapy for therapy in case.therapies if therapy.agent_reported]
    relapses = case.relapses
    index = {therapy.step.iri: number for number, therapy in enumerate(therapies)}
    return {
        "sex": case.summary["sex_label"],
        "disease": case.summary["disease_label"],
        "age_at_diagnosis": case.summary["age_at_diagnosis"],
        "therapies": [
            (therapy.step.agents, therapy.step.setting, _response(therapy.step), therapy.step.transplant,
             sum(1 for relapse in relapses if relapse.sequence < therapy.step.sequence))
            for therapy in therapies],
        "relapses": [(relapse.ordinal, stated_antigens(relapse), _one_site(relapse)) for relapse in relapses],
        "adverse_events": sorted((index[therapy.step.iri], row["kind_label"])
                                 for therapy in therapies for row in therapy.adverse_events),
        "tbi": [(index[therapy.step.iri], tbi_gray(tbi_dose(therapy.transplant)))
                for therapy in therapies if tbi_dose(therapy.transplant)],
    }


def _one_site(state: State) -> str | None:
    sites = [site for site in state.sites if site != NOT_REPORTED]
    return sites[0] if len(sites) == 1 else None


def _response(step: Step) -> str | None:
    return None if step.response == NOT_REPORTED else step.response


def tbi_gray(item: str) -> str | None:
    """'total body irradiation 12 Gy (fractionated)' -> '12'; None when no dose is given."""
    words = item[len(TBI_LABEL):].split()
    return words[0] if len(words) > 1 and words[1] == "Gy" else None
