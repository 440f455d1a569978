"""`python -m kg.tools.bench_frozen` on the two cases: each question is timed against its frozen text and their
answers compared; a question whose answer changed is reported (and fails the run). Its figures are never pass/fail."""

from kg.questions.catalogue import catalogue
from kg.tools import bench_frozen


def test_every_question_is_timed_against_its_frozen_text_with_the_same_answer(graph):
    lines = []
    found = bench_frozen.measure(graph, list(catalogue()), rounds=1, all_params=False, progress=lines.append)
    assert {row["question"] for row in found} == set(catalogue())
    assert {row["answer"] for row in found} == {"whole", "page"}
    assert all(row["frozen_ms"] > 0 and row["today_ms"] > 0 and row["same"] for row in found)
    assert len(lines) == len(found) and all("frozen" in line and "today" in line for line in lines)


def test_a_changed_answer_is_reported(graph, monkeypatch):
    real = bench_frozen.frozen_rows
    monkeypatch.setattr(bench_frozen, "frozen_rows", lambda *args: real(*args)[1:])
    [whole, page] = bench_frozen.measure(
        graph, ["patient-timeline"], rounds=1, all_params=False, progress=lambda line: None
    )
    assert not whole["same"] and not page["same"]
