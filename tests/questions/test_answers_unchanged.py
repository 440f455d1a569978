"""Every named question answers exactly as its frozen definition (tests/questions/baseline/, #20) does: the same
rows in the same order, cohort-wide and for one patient, on the two cases and on 1,000 synthetic patients. The
reshaped questions read derived facts and are paged by key; what a clinician reads must not change."""

from pathlib import Path

import pytest

from kg.knowledge_graph import KnowledgeGraph
from kg.questions.catalogue import catalogue
from kg.tools.bench_frozen import frozen_rows

BASELINE = catalogue(Path(__file__).parent / "baseline")
SAMPLED_PATIENTS = 12  # one-patient runs on the synthetic cohort: enough kinds of pathway, in seconds


def frozen_answer(graph: KnowledgeGraph, name: str, params: dict) -> list[dict]:
    """The rows the frozen text gives, read the way the library reads its own answers."""
    return frozen_rows(graph, BASELINE[name], params, None)


def runs(graph: KnowledgeGraph, patients: list[str]):
    """(question, parameters) pairs: each question as its example asks it, with optional parameters left out
    and, where it takes a patient, for each of `patients`. A parameter the frozen text lacks (evidence_level) is
    new behaviour, checked against the whole answer in test_evidence_level.py."""
    for name, question in catalogue().items():
        required = {p.name: p.example for p in question.params if p.required}
        yield name, required
        frozen = {p.name for p in BASELINE[name].params}
        optional = [p for p in question.params if not p.required and p.name in frozen]
        if optional:
            yield name, {**required, **{p.name: p.example for p in optional if p.name != "patient"}}
        if any(p.name == "patient" for p in question.params):
            for patient in patients:
                yield name, {**required, "patient": patient}


def assert_unchanged(graph: KnowledgeGraph, patients: list[str]) -> int:
    compared = 0
    for name, params in runs(graph, patients):
        expected = frozen_answer(graph, name, params)
        got = list(graph.ask(name, params).rows)
        assert got == expected, f"{name} {params}: {len(got)} rows, the frozen question gives {len(expected)}"
        compared += len(expected)
    return compared


def test_the_baseline_holds_every_named_question():
    assert set(BASELINE) == set(catalogue())


def test_answers_on_the_two_cases_are_unchanged(graph):
    assert assert_unchanged(graph, ["pbc-2021", "rascon-2022"]) > 100


@pytest.mark.slow
def test_answers_on_a_thousand_synthetic_patients_are_unchanged(thousand):
    patients = sorted(
        c.iri.rsplit("/", 1)[-1] for c in thousand.choices("https://w3id.org/salvage-kg/ontology#Patient")
    )
    sampled = patients[:: max(1, len(patients) // SAMPLED_PATIENTS)][:SAMPLED_PATIENTS]
    assert assert_unchanged(thousand, ["pbc-2021", "rascon-2022", *sampled]) > 10_000
