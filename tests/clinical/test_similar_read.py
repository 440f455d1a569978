"""The similar-course index reads every course from a local store in one pass over the cohort
(kg.clinical.similar.read); the courses are the ones the pathway questions (pathway-steps, pathway-states, read by
kg.clinical.pathways.read) give, which is what is read over a remote store: on both reports and on a synthetic
cohort."""

import pytest

from kg.clinical.pathways.read import read_pathways
from kg.clinical.similar.events import relapse, state, therapy
from kg.clinical.similar.index import CourseIndex
from kg.clinical.similar.read import Courses, from_pathways, read_courses
from kg.knowledge_graph import KnowledgeGraph
from kg.paths import case_files
from kg.tools import synth

_AGENT = "https://w3id.org/salvage-kg/agent/"


def _same_as_the_pathway_questions(graph: KnowledgeGraph) -> Courses:
    courses = read_courses(graph)
    through_pathways = from_pathways(read_pathways(graph))
    assert list(courses.timelines) == list(through_pathways.timelines)  # the same patients, in identifier order
    for name, timeline in through_pathways.timelines.items():
        assert courses.timelines[name] == timeline, name  # events, their places on the timeline, their sources
    assert courses == through_pathways  # and the evidence levels, the agents' classes and labels
    return courses


def test_the_reports_courses_are_the_pathway_questions_courses(graph):
    courses = _same_as_the_pathway_questions(graph)
    pbc = courses.timelines["pbc-2021"]
    # Its frontline therapy is not reported: no event for it; the CD19-negative CD22-positive relapse is.
    assert [event for event, _, _ in pbc][:4] == [state("remission"), relapse(), state("remission"),
                                                   therapy(_AGENT + "cord-blood-transplant", transplant=True)]
    assert (relapse("negative", "positive"), 11) in [(event, sequence) for event, sequence, _ in pbc]
    assert pbc[0][2].doi == "10.1002/pbc.28980" and pbc[0][2].locator.startswith("Letter, sentence 5")
    assert [event.kind for event, _, _ in courses.timelines["rascon-2022"]][-3:] == \
        ["remission", "transplant", "rising MRD"]
    assert courses.evidence == {"pbc-2021": "C", "rascon-2022": "C"}
    assert courses.labels[_AGENT + "inotuzumab-ozogamicin"] == "inotuzumab ozogamicin"


def test_a_synthetic_cohorts_courses_are_the_pathway_questions_courses(tmp_path):
    path = tmp_path / "cohort.ttl"
    path.write_text("".join(synth.cohort_turtle(200, seed=5)), encoding="utf-8")
    courses = _same_as_the_pathway_questions(KnowledgeGraph.build(cases=case_files() + [path]))
    assert len(courses.timelines) == 202
    # What makes the comparison worth making: CD19-negative relapses, refractory disease, transplants.
    events = {event for timeline in courses.timelines.values() for event, _, _ in timeline}
    assert relapse("negative", "positive") in events and state("refractory") in events
    assert any(event.kind == "transplant" for event in events)
    assert courses.evidence["synth-5-000001"] == "synthetic"


@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
def test_without_a_local_store_the_courses_come_through_the_engine_the_same(graph, rdflib_graph, engine):
    local, here = read_courses(graph), CourseIndex.build(graph)
    # As over a SPARQL endpoint: no store to read, so the engine answers the course look-ups.
    remote = KnowledgeGraph(None, (graph if engine == "oxigraph" else rdflib_graph).engine)
    assert read_courses(remote) == local
    # The index built over it (the agents' targets come through the engine too) gives the same costs.
    over_remote = CourseIndex.build(remote)
    assert over_remote.shown == here.shown and over_remote.alphabet.targets == here.alphabet.targets != {}
    assert (over_remote.alphabet.costs() == here.alphabet.costs()).all()
