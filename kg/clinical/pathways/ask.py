"""Questions a clinician asks of pathways: what followed a therapy or a state, and which routes led to a
remission after a therapy failed. Therapies are named as everywhere else ("CAR-T", "Kymriah", "HSCT": the class
hierarchy is followed); states by their kind or category ("relapse", "relapse, CD19-negative").

>>> import kg
>>> from kg.clinical.pathways.read import read_pathways
>>> graph = kg.default_graph()
>>> routes = reached_after_failure(read_pathways(graph).values(), graph, failed="CAR-T")
>>> [(route.patient, route.path) for route in routes]
[('pbc-2021', ('anti-CD19 CAR-T cells (ELIANA trial)', 'inotuzumab ozogamicin')), \
('rascon-2022', ('tisagenlecleucel', 'tisagenlecleucel', 'blinatumomab'))]
"""

from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass

from kg.clinical.pathways.graphs import masked
from kg.clinical.pathways.model import NOT_REPORTED, REMISSION, Pathway, State, Step
from kg.clinical.pathways.options import Options, steps_of
from kg.knowledge_graph import KnowledgeGraph
from kg.questions.parameters import ParameterError

NOTHING_FURTHER = "no further therapy reported"
MRD_NEGATIVE_CR = f"{REMISSION}, MRD-negative"


@dataclass(frozen=True)
class Followed:
    """What came after a therapy (its outcomes, then the next therapy) or after a disease state (the next
    therapy and its outcomes), counted over patients, with the evidence for each count."""

    asked: str
    kind: str  # "therapy" or "state"
    matched: int
    outcomes: dict[str, int]
    next: dict[str, int]
    evidence: tuple[dict, ...]


@dataclass(frozen=True)
class Route:
    """From a failed therapy to the state reached: the therapies tried on the way, each with its source."""

    patient: str
    failed: Step
    failure: str
    steps: tuple[Step, ...]
    reached: State

    @property
    def path(self) -> tuple[str, ...]:
        return (self.failed.therapy, *(step.therapy for step in self.steps))


def state_names(pathways: Iterable[Pathway]) -> dict[str, str]:
    """Names a state can be asked by (casefolded) -> the name shown: every kind and category in the data."""
    names = {}
    for pathway in pathways:
        for state in pathway.states:
            for name in (state.kind, state.category):
                names[name.casefold()] = name
    return names


def _state_matches(state: State, wanted: str) -> bool:
    return wanted in (state.kind.casefold(), state.category.casefold())


def followed(pathways: Iterable[Pathway], graph: KnowledgeGraph, name: str, options: Options | None = None,
             ) -> Followed:
    """What followed a therapy (e.g. 'blinatumomab', 'CAR-T') or a disease state (e.g. 'relapse, CD19-negative')."""
    pathways = list(pathways)
    options = options or Options()
    states = state_names(pathways)
    wanted = name.strip().casefold()
    if wanted in states:
        return _after_state(pathways, states[wanted], options)
    try:
        therapy = graph.lookup("sk:TherapyAgent", name, "after")
    except ParameterError as exc:
        accepted = tuple(exc.accepted) + tuple(sorted(states.values()))
        raise ParameterError("after", f"{name!r} is neither a therapy nor a disease state in the pathways; "
                             f"accepted: {', '.join(accepted)}", accepted) from None
    return _after_therapy(pathways, therapy.label, therapy.iri, options)


def _after_therapy(pathways: list[Pathway], label: str, iri: str, options: Options) -> Followed:
    outcomes, following, evidence = Counter(), Counter(), []
    for pathway in pathways:
        steps = steps_of(pathway, options)
        for index, step in enumerate(steps):
            if not step.is_a(iri):
                continue
            after = steps[index + 1].therapy if index + 1 < len(steps) else NOTHING_FURTHER
            outcomes[step.outcome] += 1
            following[after] += 1
            evidence.append({"patient": pathway.patient, "therapy": step.label, "outcome": step.outcome_short,
                             "then": [state.short for state in step.then], "next": after,
                             "source": asdict(step.source), "evidence_level": step.evidence_level})
    return Followed(label, "therapy", len(evidence), masked(outcomes, options.min_count),
                    masked(following, options.min_count), tuple(evidence))


def _after_state(pathways: list[Pathway], name: str, options: Options) -> Followed:
    outcomes, following, evidence = Counter(), Counter(), []
    wanted = name.casefold()
    for pathway in pathways:
        steps = steps_of(pathway, options)
        for state in pathway.states:
            if not _state_matches(state, wanted):
                continue
            step = next((step for step in steps if step.sequence > state.sequence), None)
            following[step.therapy if step else NOTHING_FURTHER] += 1
            outcomes[step.outcome if step else NOT_REPORTED] += 1
            evidence.append({"patient": pathway.patient, "state": state.short,
                             "next": step.label if step else NOTHING_FURTHER,
                             "outcome": step.outcome_short if step else NOT_REPORTED,
                             "source": asdict(state.source),
                             "evidence_level": state.evidence_level})
    return Followed(name, "state", len(evidence), masked(outcomes, options.min_count),
                    masked(following, options.min_count), tuple(evidence))


def reached_after_failure(pathways: Iterable[Pathway], graph: KnowledgeGraph, failed: str = "CAR-T",
                          reached: str = MRD_NEGATIVE_CR) -> list[Route]:
    """Patients in whom a therapy of `failed` did not hold the disease (no remission, or a relapse or rising MRD
    before the next therapy) and a later therapy reached the state `reached`: one route per patient, from the
    first such failure to the first such state."""
    pathways = list(pathways)
    therapy = graph.lookup("sk:TherapyAgent", failed, "failed")
    states = state_names(pathways)
    if reached.strip().casefold() not in states:
        raise ParameterError("reached", f"{reached!r} is not a disease state in the pathways; accepted: "
                             f"{', '.join(sorted(states.values()))}", tuple(sorted(states.values())))
    wanted = reached.strip().casefold()
    routes = []
    for pathway in pathways:
        steps = pathway.steps
        failed_at = next((i for i, step in enumerate(steps) if step.is_a(therapy.iri) and step.failure), None)
        if failed_at is None:
            continue
        for end in range(failed_at + 1, len(steps)):
            state = steps[end].state
            if state is not None and _state_matches(state, wanted):
                failed_step = steps[failed_at]
                routes.append(Route(pathway.patient, failed_step, failed_step.failure, steps[failed_at + 1:end + 1],
                                    state))
                break
    return routes
