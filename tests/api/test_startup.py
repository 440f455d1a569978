"""Start-up at size (#20, item 8): the server answers /health without waiting for any parameter's accepted names;
each range is looked up in the background or on first use, once for all who ask at the same time, without holding
up other ranges."""

import threading

from fastapi.testclient import TestClient

from api.app import create_app
from kg.knowledge_graph import KnowledgeGraph

SK = "https://w3id.org/salvage-kg/ontology#"


def test_start_up_waits_for_no_parameter_range(monkeypatch):
    gate, finished = threading.Event(), []
    original = KnowledgeGraph.choices

    def held(self, range_iri):
        gate.wait(5)  # every look-up held back until the server has answered
        found = original(self, range_iri)
        finished.append(range_iri)
        return found

    monkeypatch.setattr(KnowledgeGraph, "choices", held)
    with TestClient(create_app()) as client:
        assert client.get("/health").json()["status"] == "ok"
        assert finished == []  # 53-57 s on disk at 100,000 patients, before the server answered anything
        gate.set()
        answer = client.get("/questions/therapies-by-target", params={"antigen": "CD22"})
        assert answer.status_code == 200 and answer.json()["rows"]
        assert SK + "Antigen" in finished


class _SlowPatients:
    """An engine whose look-up of the patients waits until released; every other query goes straight through."""

    name = "oxigraph"

    def __init__(self, engine):
        self.engine, self.release, self.patient_lookups = engine, threading.Event(), 0

    def select(self, text, bindings=None):
        if f"<{SK}Patient>" in text and "subClassOf" in text:
            self.patient_lookups += 1
            assert self.release.wait(30)
        return self.engine.select(text, bindings)


def test_a_slow_range_lookup_does_not_hold_up_other_ranges(graph):
    fresh = KnowledgeGraph(graph.store)
    slow = fresh.engine = _SlowPatients(fresh.engine)
    found = []
    patients = [threading.Thread(target=lambda: found.append(fresh.choices(SK + "Patient"))) for _ in range(4)]
    for thread in patients:
        thread.start()
    # While the patients are being looked up, another range answers (one lock for all ranges made it wait).
    antigens = fresh.choices(SK + "Antigen")
    assert {choice.label for choice in antigens} >= {"CD19", "CD22"}
    assert not found
    slow.release.set()
    for thread in patients:
        thread.join(30)
    assert len(found) == 4 and all(choices is found[0] for choices in found)
    assert slow.patient_lookups == 1  # the concurrent first callers shared one look-up
    assert {choice.iri.rsplit("/", 1)[-1] for choice in found[0]} >= {"pbc-2021", "rascon-2022"}
