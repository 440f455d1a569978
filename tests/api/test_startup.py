"""Start-up at size (#20, item 8): the server answers /health without waiting for any parameter's accepted names;
each range is looked up in the background or on first use, once for all who ask at the same time, without holding
up other ranges."""

import threading
import time
from dataclasses import replace

from conftest import build_store
from fastapi.testclient import TestClient
from write_helpers import counted_quads

from api.app import create_app
from api.settings import Settings
from kg.backends.open import DiskBackend
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


def test_health_lists_the_background_reads_until_they_are_done(monkeypatch):
    """`warming` names what the server still reads (api/warming.py): the bench times nothing before it is empty."""
    gate = threading.Event()
    original = KnowledgeGraph.choices

    def held(self, range_iri):
        gate.wait(5)
        return original(self, range_iri)

    monkeypatch.setattr(KnowledgeGraph, "choices", held)
    with TestClient(create_app()) as client:
        assert "accepted names" in client.get("/health").json()["warming"]
        gate.set()
        deadline = time.monotonic() + 30
        while (warming := client.get("/health").json()["warming"]) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert warming == []


class _SlowPatients:
    """An engine whose look-up of the patients' names waits until released; every other query (the range's members
    before it, too) goes straight through."""

    name = "oxigraph"

    def __init__(self, engine):
        self.engine, self.release, self.patient_lookups = engine, threading.Event(), 0

    def select(self, text, bindings=None):
        if f"<{SK}Patient>" in text and "?name" in text:
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


def test_the_server_answers_before_it_has_counted_a_store_on_disk(monkeypatch, tmp_path):
    """Counting a store's quads scans every one (7-11 s at 100,000 patients, before /health answered): done aside.
    Meanwhile /health says null and answers carry an ETag of their own; once counted, both say the count."""
    gate, original = threading.Event(), DiskBackend.quads
    monkeypatch.setattr(DiskBackend, "quads", lambda self: gate.wait(30) and original(self))
    with TestClient(create_app(replace(Settings.from_env(), store=build_store(tmp_path)))) as client:
        health = client.get("/health").json()
        assert health["status"] == "ok" and health["quads"] is None
        uncounted = client.get("/questions/therapies-by-target", params={"antigen": "CD22"}).headers["etag"]
        gate.set()
        assert counted_quads(client) > 1000
        counted = client.get("/questions/therapies-by-target", params={"antigen": "CD22"}).headers["etag"]
        assert counted != uncounted
