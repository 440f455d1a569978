"""The bench's "before" column (kg/tools/bench_before.py): frozen texts asked on the same engine and data, on a store
on disk in a process of their own that is stopped once a text passes its limit (at 100,000 patients a frozen first
page may take minutes or grow past 11.8 GB, #20)."""

import shutil
from pathlib import Path

import pyoxigraph as ox
from conftest import build_store
from locations import PROJECT

from kg.knowledge_graph import KnowledgeGraph
from kg.questions.catalogue import catalogue
from kg.questions.pages import Page
from kg.tools import bench_before

BASELINE = PROJECT / "tests" / "questions" / "baseline"
# Every node naming a patient, three times over, against every quad: billions of rows on the two cases.
ENDLESS = """PREFIX sk: <https://w3id.org/salvage-kg/ontology#>
SELECT ?_patient_iri (COUNT(*) AS ?n) WHERE {
  ?a sk:patient ?_patient_iri . ?b sk:patient ?x . ?c sk:patient ?y . ?d ?p ?o
} GROUP BY ?_patient_iri ORDER BY ?_patient_iri"""


def test_a_frozen_text_on_disk_is_timed_and_one_past_its_limit_stopped(tmp_path):
    directory = Path(build_store(tmp_path))
    graph = KnowledgeGraph(ox.Store(str(directory)))
    frozen = tmp_path / "frozen"
    frozen.mkdir()
    shutil.copy(BASELINE / "patient-timeline.rq", frozen)
    text = (BASELINE / "patients.rq").read_text(encoding="utf-8")
    (frozen / "patients.rq").write_text(text[: text.index("PREFIX")] + ENDLESS, encoding="utf-8")
    questions = {name: catalogue()[name].examples for name in ("patient-timeline", "patients")}
    messages = []
    found = bench_before.times(graph, questions, frozen, Page(limit=100), 2, {name: (1.0, 1.0) for name in questions},
                               messages.append, on_disk=directory, floor_s=1.0)
    assert isinstance(found["patient-timeline"], tuple) and found["patient-timeline"][0] > 0
    assert found["patients"] == "> 1 s"
    assert messages == [f"before: patient-timeline {found['patient-timeline'][0]:.1f} ms", "before: patients > 1 s"]


def test_the_limit_is_forty_times_todays_time_and_never_under_the_floor():
    assert bench_before.limit_s(10.0) == 2.0
    assert bench_before.limit_s(100.0) == 4.0
    assert bench_before.limit_s(100.0, floor_s=10.0) == 10.0


def test_the_table_reads_a_stopped_frozen_text_as_at_least_its_limit_over_todays_time():
    from kg.tools.bench import table

    run = {"patients": 10, "triples": 1, "load_s": 1.0, "validate_s": 1.0, "peak_rss_mb": 1.0, "questions": {
        "stopped": {"engine_ms": 20.0, "before_ms": "> 2 s", "http_ms": 25.0, "oxigraph_server_ms": 20.0,
                    "rdflib_ms": "not run"},
        "timed": {"engine_ms": 20.0, "before_ms": 900.0, "http_ms": 25.0, "oxigraph_server_ms": 20.0,
                  "rdflib_ms": "not run"}}}
    rows = {line.split()[0]: line.split() for line in table(run).splitlines()[2:]}
    assert rows["stopped"][1:6] == ["20.00", ">", "2", "s", ">100"]  # the limit as recorded, then the ratio
    assert rows["timed"][1:4] == ["20.00", "900.00", "45.00"]


def test_a_frozen_text_whose_process_ends_is_recorded_and_the_next_asked_by_a_new_one(tmp_path):
    # A text the engine refuses ends the asking process as running out of memory would: the bench goes on.
    directory = Path(build_store(tmp_path))
    with bench_before._Asker(directory, 1) as asker:
        assert asker.timed("not SPARQL", {}, 10, (), 30.0) == "failed: the process asking it ended"
        assert isinstance(asker.timed("SELECT * WHERE { ?s ?p ?o } LIMIT 1", {}, 10, (), 30.0), tuple)


def test_a_frozen_text_in_memory_past_the_limit_is_not_asked_again(graph, monkeypatch):
    # In this process a text cannot be stopped; past --question-limit it is at least not asked a second time
    # (at 10,000 patients in memory frozen first pages take up to 15 s each).
    import time

    asked = []

    def slow_rows(graph, question, params, page):
        asked.append(question.name)
        time.sleep(0.05)
        return []

    monkeypatch.setattr(bench_before, "frozen_rows", slow_rows)
    questions = {"patient-timeline": catalogue()["patient-timeline"].examples}
    found = bench_before.times(graph, questions, BASELINE, Page(limit=100), 5, {}, lambda message: None,
                               limit=0.01)
    assert asked == ["patient-timeline"] and found["patient-timeline"][0] >= 50
