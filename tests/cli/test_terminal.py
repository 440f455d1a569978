"""Answers printed for a terminal: within its width, labels rather than IRIs, long cells wrapped not cut."""

import pytest


@pytest.mark.parametrize("width", [60, 100, 160, 300])
def test_ask_tables_fit_the_terminal_and_show_labels_not_iris(graph, width):
    """`ask` tables were 370-450 characters wide, cells cut at 40 characters, mostly IRIs (issue 17)."""
    answer = graph.ask("therapy-sequence", patient="rascon-2022")
    text = answer.to_table(width=width)
    assert max(len(line) for line in text.splitlines()) <= width
    assert "https://w3id.org/salvage-kg/patient/" not in text  # each administration's IRI has its label beside it
    flat = " ".join(text.split())
    for row in answer.rows:
        assert row["administration_label"].split()[0] in flat
    citation = answer.rows[0]["citation"]
    assert "".join(citation.split()) in "".join(text.split())  # wrapped, never cut short
    assert flat.endswith(answer.disclaimer)  # the footer wraps too
