"""A fresh install of the `notebook` extra is enough for "Run all" on the tour: Jupyter, a kernel, pandas,
SPARQLWrapper, and the server the tour starts itself (issue 17: the extra installed neither Jupyter nor ipykernel,
and section 3 stopped with a connection traceback when no server ran).

The checkout is installed into a new virtual environment (removed afterwards), and the tour is run there with
`jupyter execute`, as a user would from a terminal, with SALVAGE_KG_URL unset. Slow (minutes): -m 'not slow'.
"""

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from locations import PROJECT


@pytest.mark.slow
def test_the_notebook_extra_runs_the_tour_top_to_bottom_with_no_server_given():
    with tempfile.TemporaryDirectory(prefix="salvage-kg-notebook-venv-") as work:
        venv = Path(work) / "venv"
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
        installed = subprocess.run([str(venv / "bin" / "pip"), "install", "--quiet", f"{PROJECT}[notebook]"],
                                   capture_output=True, text=True, timeout=1800)
        assert installed.returncode == 0, installed.stderr[-3000:]
        tour = Path(work) / "tour.ipynb"
        tour.write_bytes((PROJECT / "notebooks" / "tour.ipynb").read_bytes())
        environment = {key: value for key, value in os.environ.items() if key != "SALVAGE_KG_URL"}
        environment["PATH"] = f"{venv / 'bin'}:{environment.get('PATH', '')}"
        done = subprocess.run([str(venv / "bin" / "jupyter"), "execute", "--inplace", str(tour)], cwd=work,
                              capture_output=True, text=True, timeout=900, env=environment)
        assert done.returncode == 0, done.stderr[-5000:]
        assert "/sparql: 12 rows; the same as the local graph: True" in tour.read_text(encoding="utf-8")
