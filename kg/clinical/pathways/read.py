"""Read every patient's pathway from the graph, through the named questions pathway-steps, pathway-states and
pathway-timings: the SPARQL lives in queries/, this module only puts the rows in order.

>>> import kg
>>> pathway = read_pathways(kg.default_graph())["pbc-2021"]
>>> [step.therapy for step in pathway.steps][:3]
['therapy not reported', 'cord blood transplant', 'anti-CD19 CAR-T cells (ELIANA trial)']
"""

from collections import defaultdict
from dataclasses import replace

from kg.clinical.pathways.model import NOT_REPORTED, Pathway, State, Step, Timing
from kg.clinical.sources import source_of
from kg.knowledge_graph import KnowledgeGraph
from kg.namespaces import SK

_NOT_REPORTED_AGENT = str(SK.NotReported)
_TRANSPLANT = str(SK.HematopoieticStemCellTransplant)


def read_pathways(graph: KnowledgeGraph, patient: str | None = None) -> dict[str, Pathway]:
    """Every patient's pathway (or one patient's), by patient identifier, in identifier order."""
    params = {"patient": patient} if patient else {}
    timings = _timings(graph.ask("pathway-timings", params).rows)
    states: dict[str, list[State]] = defaultdict(list)
    for row in graph.ask("pathway-states", params).rows:
        states[row["patient"]].append(_state(row, timings))
    steps: dict[str, list[Step]] = defaultdict(list)
    state_by_iri = {state.iri: state for patient_states in states.values() for state in patient_states}
    for row in graph.ask("pathway-steps", params).rows:
        steps[row["patient"]].append(_step(row, state_by_iri, timings))

    pathways = {}
    for name in sorted(set(states) | set(steps)):
        pathway = Pathway(name, (), tuple(states[name]))
        ordered = steps[name]
        # The step after each one bounds the states it was followed by; the last step is bounded by nothing.
        following = [step.sequence for step in ordered[1:]] + [None] if ordered else []
        pathways[name] = replace(pathway, steps=tuple(replace(step, then=_then(pathway, step, before))
                                                       for step, before in zip(ordered, following, strict=True)))
    return pathways


def _then(pathway: Pathway, step: Step, before: int | None) -> tuple[State, ...]:
    """The states after the one a step produced, up to the next therapy: CR3 was followed by relapse 3."""
    return tuple(state for state in pathway.states_between(step.sequence, before)
                 if step.state is None or state.iri != step.state.iri)


def _timings(rows) -> dict[str, tuple[Timing, ...]]:
    found: dict[str, list[Timing]] = defaultdict(list)
    for row in rows:
        found[row["event"]].append(Timing(offset=row["offset"], anchor=row["anchor"],
                                          anchor_sequence=row["anchor_sequence"], anchor_label=row["anchor_label"],
                                          precision=row["precision_label"]))
    return {event: tuple(items) for event, items in found.items()}


def _state(row: dict, timings: dict[str, tuple[Timing, ...]]) -> State:
    antigens = tuple(tuple(text.split(" ", 1)) for text in row["antigens"])
    return State(
        iri=row["event"], patient=row["patient"], sequence=row["sequence"], kind=row["kind_label"],
        label=row["label"], source=source_of(row), evidence_level=row["evidence_level"],
        ordinal=row["ordinal"], mrd=row["mrd_status_label"],
        duration=row["duration"], age=row["age"], antigens=antigens,
        sites=tuple(row["sites"]), timings=timings.get(row["event"], ()),
    )


def _step(row: dict, states: dict[str, State], timings: dict[str, tuple[Timing, ...]]) -> Step:
    agents = tuple(row["agents"])
    # The source is silent on what was given (pbc-2021's frontline): say so rather than name a therapy.
    therapy = "therapy not reported" if agents == (_NOT_REPORTED_AGENT,) else " + ".join(row["therapies"])
    kinds = frozenset(row["kinds"])
    return Step(
        iri=row["administration"], patient=row["patient"], sequence=row["sequence"],
        label=row["administration_label"], therapy=therapy, agents=agents, kinds=kinds, source=source_of(row),
        evidence_level=row["evidence_level"],
        modality=", ".join(row["modalities"]) or None, line=row["line_number"], setting=row["setting_label"],
        courses=row["course_count"], course_number=row["course_number"], transplant=_TRANSPLANT in kinds,
        response=row["response_label"] or NOT_REPORTED, response_locator=row["response_locator"],
        state=states.get(row["resulting_state"]) if row["resulting_state"] else None,
        time_to_state=row["time_to_state"], timings=timings.get(row["administration"], ()),
    )
