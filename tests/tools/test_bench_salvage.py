"""kg.tools.bench_salvage: the ranked answer and the whole answers it read before, timed round by round, over HTTP
too from a live server on the store. Its figures are never pass/fail."""

from pathlib import Path

import pytest

from kg.backends.stores import open_read_only
from kg.build import parts
from kg.knowledge_graph import KnowledgeGraph
from kg.paths import case_files
from kg.tools import synth
from kg.tools.bench_salvage import ASKED, main, measure, table


def test_salvage_bench_times_each_question_both_ways(graph_with_cohort):
    found = measure(graph_with_cohort, rounds=2, url=None, progress=lambda line: None)
    assert set(found) == set(ASKED)
    for row in found.values():
        assert row["before_ms"] > 0 and row["now_ms"] > 0 and row["rounds"] == 2 and "http_ms" not in row
    assert "CD19 lost" in table(found)


@pytest.mark.live
def test_salvage_bench_asks_a_served_store_over_http(tmp_path: Path, capsys):
    cohort = tmp_path / "cohort.ttl"
    cohort.write_text("".join(synth.cohort_turtle(patients=40, seed=3)), encoding="utf-8")
    parts.build_on_disk(case_files() + [cohort], tmp_path / "store")
    assert main(["--store", str(tmp_path / "store"), "--rounds", "1", "--http"]) == 0
    rows = [line for line in capsys.readouterr().out.splitlines() if line.startswith("CD19 lost")]
    assert len(rows) == len(ASKED)
    assert all("-" not in row.split() for row in rows), "every question was timed over HTTP"
    graph = KnowledgeGraph(open_read_only(tmp_path / "store"))
    assert graph.ask("salvage-options", lost_antigen="CD19", evidence_level="C").rows
