"""Every patient's course, for the similar-course index: its events in timeline order, each with its source.

From a local store, five lean look-ups (queries/internal/course-*.rq: no OPTIONAL over the cohort, no grouping, no
ordering) give the events, their antigen states, the therapy agents' labels and classes, and the sources, read
straight from pyoxigraph in one pass over the whole cohort; this module puts the rows in order. Reading the pathway
questions (pathway-steps, pathway-states) instead took 119 s at 10,000 patients, nearly all of it their grouping
and turning each term into a Python value. Over a remote store the pathway questions are still what is read: they
carry the declarations of what a store answers wrongly (refused-on), which the look-ups do not. Both give the
same courses (tests/clinical/test_similar_read.py).

>>> import kg
>>> courses = read_courses(kg.default_graph())
>>> [event.kind for event, _, _ in courses.timelines["pbc-2021"]][:4]
['remission', 'relapse', 'remission', 'transplant']
"""

from collections import defaultdict
from dataclasses import dataclass
from functools import cache

from kg.clinical.pathways.model import MRD_RISE, REFRACTORY, RELAPSE, REMISSION, Pathway
from kg.clinical.similar.events import ANTIGENS, Event, relapse, state, therapy
from kg.clinical.sources import Source
from kg.knowledge_graph import KnowledgeGraph
from kg.namespaces import SK

# The disease events a course is compared by; a diagnosis is on every course, so it is read (a patient with only
# a diagnosis still has a course, and its source gives the evidence level) but not compared.
_STATE_KINDS = {str(SK.Relapse): "relapse", str(SK.RefractoryDisease): "refractory",
                str(SK.Remission): "remission", str(SK.MRDRise): "rising MRD", str(SK.Diagnosis): None}
_KIND_IRIS = {name: iri for iri, name in _STATE_KINDS.items()}
_NOT_REPORTED = str(SK.NotReported)  # the report does not say what was given: nothing to compare
_TRANSPLANT = str(SK.HematopoieticStemCellTransplant)
_STATUSES = ("positive", "negative")
# The same kinds as the pathway questions name them (the rdfs:label of the class).
_PATHWAY_KINDS = {RELAPSE: "relapse", REFRACTORY: "refractory", REMISSION: "remission", MRD_RISE: "rising MRD"}

Timeline = tuple[tuple[Event, int, Source], ...]  # (event, sequence, source) in timeline order


@dataclass(frozen=True)
class Courses:
    timelines: dict[str, Timeline]  # patient identifier -> its events, in identifier order
    evidence: dict[str, str]  # patient -> the evidence level of its first therapy (else its first disease event)
    kinds: dict[str, frozenset[str]]  # therapy agent -> every class it belongs to
    labels: dict[str, str]  # therapy agent -> its label

    @property
    def transplants(self) -> set[str]:
        return {agent for agent, kinds in self.kinds.items() if _TRANSPLANT in kinds}


def read_courses(graph: KnowledgeGraph) -> Courses:
    """Every patient's course, read by the course look-ups (queries/internal/course-*.rq) on whatever holds the
    graph. `from_pathways` gives the same from the pathway questions: the tests hold the two equal."""
    return _from_store(graph)


def from_pathways(pathways: dict[str, Pathway]) -> Courses:
    """The courses in pathways read through the pathway questions (kg.clinical.pathways.read)."""
    kinds: dict[str, frozenset[str]] = {}
    labels: dict[str, str] = {}
    timelines, evidence = {}, {}
    for name, pathway in pathways.items():
        found = []
        for seen in pathway.states:
            if seen.kind in _PATHWAY_KINDS:
                stated = tuple(sorted(" ".join(pair) for pair in seen.antigens))
                found.append((seen.sequence, _state_event(_KIND_IRIS[_PATHWAY_KINDS[seen.kind]], stated),
                              seen.source))
        for step in pathway.steps:
            for agent in step.agents:
                if agent == _NOT_REPORTED:
                    continue
                # A combined therapy shows each agent by its IRI's last part: the step's name is the combination's.
                kinds.setdefault(agent, step.kinds)
                labels.setdefault(agent, step.therapy if len(step.agents) == 1 else agent.rsplit("/", 1)[-1])
                found.append((step.sequence, therapy(agent, _TRANSPLANT in step.kinds), step.source))
        found.sort(key=lambda item: item[0])  # stable: a disease event before a therapy at the same place
        timelines[name] = tuple((event, sequence, source) for sequence, event, source in found)
        first = pathway.steps[0] if pathway.steps else pathway.states[0]
        evidence[name] = first.evidence_level
    return Courses(timelines, evidence, dict(sorted(kinds.items())), dict(sorted(labels.items())))


def _from_store(graph: KnowledgeGraph) -> Courses:
    sources = _sources(graph)
    # One object per distinct source and event, shared by every course that has it (100,000 synthetic patients
    # share one source): less memory, and no object built per row.
    shared: dict[tuple[str, str], Source] = {}

    def source_of(iri: str, locator: str, level: str) -> tuple[Source, str]:
        found = shared.get((iri, locator))
        if found is None:
            found = shared[iri, locator] = Source(*sources[iri], locator)
        return found, level  # the evidence level stands beside the source (kg.clinical.sources)

    labels: dict[str, set[str]] = defaultdict(set)
    kinds: dict[str, set[str]] = defaultdict(set)
    for agent, label, kind in graph.internal_texts("course-agents"):
        (labels[agent].add(label) if label is not None else kinds[agent].add(kind))
    antigens: dict[str, set[str]] = defaultdict(set)
    for event, antigen, status in graph.internal_texts("course-antigens"):
        antigens[event].add(f"{antigen} {status}")

    # patient -> {(event IRI, kind): (sequence, event or None for a diagnosis, source)}
    states: dict[str, dict] = defaultdict(dict)
    for event, kind, patient, sequence, source, locator, level in graph.internal_texts("course-states"):
        if source in sources:
            stated = tuple(sorted(antigens[event])) if event in antigens else ()
            states[patient][event, kind] = (int(sequence), _state_event(kind, stated),
                                            source_of(source, locator, level))
    # patient -> {administration IRI: (sequence, its agents, source)}
    steps: dict[str, dict] = defaultdict(dict)
    for administration, patient, sequence, agent, source, locator, level in graph.internal_texts("course-steps"):
        if source in sources and agent in labels:  # the pathway questions also ask for a citation and a label
            found = steps[patient].get(administration)
            if found is None:
                found = steps[patient][administration] = (int(sequence), set(), source_of(source, locator, level))
            found[1].add(agent)

    therapies = {agent: therapy(agent, _TRANSPLANT in kinds[agent]) for agent in labels}
    timelines, evidence = {}, {}
    for patient in sorted(set(states) | set(steps)):
        seen = sorted(states[patient].items())
        given = sorted(steps[patient].values(), key=lambda item: item[0])
        evidence[patient] = (given[0] if given else min(seen, key=lambda item: item[1][0])[1])[2][1]
        found = [(sequence, event, source) for _, (sequence, event, (source, _)) in seen if event is not None]
        found.sort(key=lambda item: item[0])
        found += [(sequence, therapies[agent], source)
                  for sequence, agents, (source, _) in given for agent in sorted(agents) if agent != _NOT_REPORTED]
        found.sort(key=lambda item: item[0])  # stable: a disease event before a therapy at the same place
        timelines[patient] = tuple((event, sequence, source) for sequence, event, source in found)
    named = sorted({agent for patient in steps.values() for _, agents, _ in patient.values() for agent in agents}
                   - {_NOT_REPORTED})
    return Courses(timelines, evidence, {agent: frozenset(kinds[agent]) for agent in named},
                   {agent: " + ".join(sorted(labels[agent])) for agent in named})


def _sources(graph: KnowledgeGraph) -> dict[str, tuple[str, str | None]]:
    found: dict[str, tuple[str, str | None]] = {}
    for source, citation, doi in sorted(graph.internal_texts("course-sources"), key=lambda row: (row[0], row[1])):
        found.setdefault(source, (citation, doi))
    return found


@cache
def _state_event(kind: str, antigens: tuple[str, ...]) -> Event | None:
    name = _STATE_KINDS[kind]
    if name != "relapse":
        return None if name is None else state(name)
    # "CD19 negative": the antigen's label, then the status's; a status not stated ("not reported") is None.
    statuses = dict(text.split(" ", 1) for text in sorted(antigens))
    return relapse(*(statuses.get(antigen) if statuses.get(antigen) in _STATUSES else None for antigen in ANTIGENS))
