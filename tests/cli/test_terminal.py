"""Answers printed for a terminal: within its width, labels rather than IRIs, long cells wrapped not cut."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

EXE = shutil.which("salvage-kg", path=str(Path(sys.executable).parent)) or "salvage-kg"


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


@pytest.mark.parametrize("question", [["salvage-options", "lost_antigen=CD19"], ["antigen-escapes"],
                                      ["study-results"], ["patients"], ["therapy-sequence", "patient=pbc-2021"]])
def test_ask_in_a_narrow_terminal_fits_and_shows_no_iri(question):
    """`ask` printed IRIs where no label column stood beside them (kinds, derived escapes, study results)."""
    done = subprocess.run([EXE, "ask", *question], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "COLUMNS": "50"})
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert max(len(line) for line in lines) <= 50
    assert "https://w3id.org" not in done.stdout
