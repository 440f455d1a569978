"""kg.tools.bench_binding: both ways of binding timed for every question with a graph-term parameter, and the
graph left as it was (terms written by default on Oxigraph). Its figures are never pass/fail."""

from kg.questions.catalogue import catalogue
from kg.tools.bench_binding import measure, table


def test_binding_bench_times_both_ways_for_every_question_with_a_graph_term(graph):
    found = measure(graph, rounds=1)
    expected = {name for name, question in catalogue().items()
                if any(param.type == "iri" and param.range for param in question.params)}
    assert set(found) == expected
    for row in found.values():
        assert row["substitutions_ms"] > 0 and row["written_ms"] > 0 and row["ratio"] > 0
    assert graph.write_terms is None
    assert "substitutions" in table(found) and "antigen-status-at-relapse" in table(found)
