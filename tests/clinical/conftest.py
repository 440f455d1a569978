"""The pathways of the two cases and of a synthetic cohort, read once per module that asks."""

import pytest

from kg.clinical.pathways import Cohort
from kg.knowledge_graph import KnowledgeGraph
from kg.tools import synth


@pytest.fixture(scope="module")
def cohort(graph) -> Cohort:
    return Cohort.read(graph)


@pytest.fixture(scope="session")
def synthetic(tmp_path_factory):
    """120 synthetic patients and nothing else, with the graph they were read from: built once for the modules
    that read it (the pathways and their pictures), which only read it."""
    path = tmp_path_factory.mktemp("cohort") / "synthetic.ttl"
    path.write_text("".join(synth.cohort_turtle(patients=120, seed=1)), encoding="utf-8")
    graph = KnowledgeGraph.build(cases=[path])
    return graph, Cohort.read(graph)
