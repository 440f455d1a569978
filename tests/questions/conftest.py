"""What the tests of pages share."""

import pytest

from kg.knowledge_graph import KnowledgeGraph
from kg.paths import case_files
from kg.tools import synth


@pytest.fixture(scope="session")
def cohort(tmp_path_factory) -> KnowledgeGraph:
    """The two cases and 200 synthetic patients (seed 3): 200-1,200 rows a question, several rows a patient,
    15 groups of 5 to 36 therapy warnings, 38 salvage-options rows for CD19. Read, never written."""
    path = tmp_path_factory.mktemp("cohort") / "synthetic-200.ttl"
    path.write_text("".join(synth.cohort_turtle(patients=200, seed=3)), encoding="utf-8")
    return KnowledgeGraph.build(cases=case_files() + [path])
