"""Pathways as networkx graphs: one patient's therapies in order, and every patient's merged into transitions.

The merged graph is what OHDSI TreatmentPatterns draws as a Sankey (a node per therapy at each step, counts and
percentages at each transition), plus what it cannot show: the disease state each step produced (`outcomes`),
the state the next therapy was given in (`via` on each transition) and the sources every count rests on.

>>> import kg
>>> from kg.clinical.pathways.read import read_pathways
>>> merged = transition_graph(read_pathways(kg.default_graph()).values(), Options(mode="changes"))
>>> merged.nodes["3. anti-CD19 CAR-T cells (ELIANA trial)"]["outcomes"]
{'complete remission, MRD-negative': 1}
>>> merged.edges["3. anti-CD19 CAR-T cells (ELIANA trial)", "4. inotuzumab ozogamicin"]["via"]
{'relapse, CD19-negative': 1}
"""

from collections import Counter
from collections.abc import Iterable
from itertools import pairwise

import networkx as nx

from kg.clinical.pathways.model import NOT_REPORTED, Pathway, State, Step
from kg.clinical.pathways.options import Options, steps_of


def patient_graph(pathway: Pathway) -> nx.DiGraph:
    """One patient's therapies in the order given; each node carries the state it produced and its source,
    each edge the disease state the next therapy was given in."""
    graph = nx.DiGraph(patient=pathway.patient,
                       before_first_therapy=[state.short for state in pathway.before_first_step])
    previous: Step | None = None
    for order, step in enumerate(pathway.steps, start=1):
        graph.add_node(step.iri, **_step_attributes(step, order))
        if previous is not None:
            via = state_before(pathway, step)
            graph.add_edge(previous.iri, step.iri, via=via.short if via else NOT_REPORTED,
                           via_category=via.category if via else NOT_REPORTED)
        previous = step
    return graph


def _step_attributes(step: Step, order: int) -> dict:
    state = step.state
    return {
        "order": order, "sequence": step.sequence, "therapy": step.therapy, "label": step.label,
        "modality": step.modality, "line": step.line, "setting": step.setting, "courses": step.courses,
        "course_number": step.course_number, "transplant": step.transplant, "response": step.response,
        "state": state.short if state else NOT_REPORTED, "state_label": state.label if state else None,
        "outcome": step.outcome, "mrd": state.mrd if state else None,
        "antigens": state.antigen_summary if state and state.antigens else None,
        "time_to_state": step.time_to_state, "then": [later.short for later in step.then],
        "citation": step.source.citation, "doi": step.source.doi, "locator": step.source.locator,
        "evidence_level": step.evidence_level, "response_locator": step.response_locator,
    }


def state_before(pathway: Pathway, step: Step) -> State | None:
    """The disease state a therapy was given in: the last one stated before it (relapse 3 before inotuzumab, CR4
    before the transplant that consolidated it). The same whichever steps the pathway options leave out."""
    states = pathway.states_between(0, step.sequence)
    return states[-1] if states else None


# --- every patient together --------------------------------------------------------------------------------------

_OTHER_SOURCES = ("other sources", None)  # sources of fewer than min_count steps, counted together


def node_id(position: int, therapy: str) -> str:
    return f"{position}. {therapy}"


def cut_pathways(pathways: Iterable[Pathway], options: Options) -> dict[str, tuple[Pathway, tuple[Step, ...]]]:
    """Each patient's pathway with its steps as the options cut them; patients with no therapy are left out."""
    cut = {}
    for pathway in pathways:
        steps = steps_of(pathway, options)
        if steps:
            cut[pathway.patient] = (pathway, steps)
    return cut


def path_counts(cut: dict[str, tuple[Pathway, tuple[Step, ...]]]) -> Counter:
    return Counter(tuple(step.therapy for step in steps) for _, steps in cut.values())


def shown_pathways(pathways: Iterable[Pathway], options: Options):
    """The cut pathways, how many patients share each, and those drawn: shared by at least `min_count` patients."""
    cut = cut_pathways(pathways, options)
    counts = path_counts(cut)
    shown = {patient: item for patient, item in cut.items()
             if counts[tuple(step.therapy for step in item[1])] >= options.min_count}
    return cut, counts, shown


def band_patients(pathways: Iterable[Pathway], options: Options, source: str, target: str) -> list[str]:
    """The patients a band of the merged graph counts: those drawn who went from node `source` to `target`
    (node ids as transition_graph names them, "2. blinatumomab"); none for a band that is not drawn."""
    _, _, shown = shown_pathways(pathways, options)
    return sorted(patient for patient, (_, steps) in shown.items()
                  if any(node_id(position, step.therapy) == source
                         and node_id(position + 1, following.therapy) == target
                         for position, (step, following) in enumerate(pairwise(steps), start=1)))


def transition_graph(pathways: Iterable[Pathway], options: Options | None = None) -> nx.DiGraph:
    """Every patient's pathway merged: a node per therapy at each step, an edge per transition, with counts,
    percentages of the cohort, the outcomes of each step and the states between steps. Pathways shared by fewer
    than `options.min_count` patients are left out, and so are breakdown cells below it."""
    options = options or Options()
    cut, counts, shown = shown_pathways(pathways, options)
    total = len(cut)
    graph = nx.DiGraph(patients=total, shown=len(shown), hidden=total - len(shown), **options.as_dict())

    tallies: dict[str, dict] = {}
    for pathway, steps in shown.values():
        previous_node = None
        for position, step in enumerate(steps, start=1):
            node = node_id(position, step.therapy)
            tally = tallies.setdefault(node, {"outcomes": Counter(), "sources": Counter(), "ends": 0})
            if node not in graph:
                graph.add_node(node, step=position, therapy=step.therapy, modality=step.modality,
                               transplant=step.transplant, count=0)
            graph.nodes[node]["count"] += 1
            tally["outcomes"][step.outcome] += 1
            tally["sources"][(step.source.citation, step.evidence_level)] += 1
            if previous_node is not None:
                if not graph.has_edge(previous_node, node):
                    graph.add_edge(previous_node, node, count=0, via=Counter())
                edge = graph.edges[previous_node, node]
                edge["count"] += 1
                state = state_before(pathway, step)
                edge["via"][state.category if state else NOT_REPORTED] += 1
            previous_node = node
        tallies[previous_node]["ends"] += 1

    for node, data in graph.nodes(data=True):
        tally = tallies[node]
        data["percent"] = percent(data["count"], total)
        data["ends"] = tally["ends"]
        data["outcomes"] = masked(tally["outcomes"], options.min_count)
        sources = masked(tally["sources"], options.min_count, other=_OTHER_SOURCES)
        data["sources"] = [{"citation": citation, "evidence_level": level, "count": count}
                           for (citation, level), count in sources.items()]
    for source, _, data in graph.edges(data=True):
        data["percent"] = percent(data["count"], total)
        data["share"] = percent(data["count"], graph.nodes[source]["count"])
        data["via"] = masked(data["via"], options.min_count)
    graph.graph["paths"] = frequent_paths_of(counts, total, options.min_count)
    graph.graph["evidence_levels"] = sorted({step.evidence_level for _, steps in shown.values()
                                             for step in steps})
    return graph


def frequent_paths_of(counts: Counter, total: int, min_count: int, top: int | None = None) -> list[dict]:
    ranked = sorted(((path, count) for path, count in counts.items() if count >= min_count),
                    key=lambda item: (-item[1], item[0]))
    return [{"path": list(path), "count": count, "percent": percent(count, total)} for path, count in ranked[:top]]


def percent(count: int, total: int) -> float:
    return round(100 * count / total, 1) if total else 0.0


def masked(counter: Counter, min_count: int, other=None) -> dict:
    """Cells of at least `min_count`, largest first; smaller ones summed into one 'other' cell."""
    other = other if other is not None else f"other (each fewer than {min_count})"
    kept = {key: count for key, count in sorted(counter.items(), key=lambda item: (-item[1], str(item[0])))
            if count >= min_count}
    rest = sum(count for count in counter.values() if count < min_count)
    if rest:
        kept[other] = rest
    return kept
