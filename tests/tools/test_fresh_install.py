"""The project installed with no extras, as the README's first command does, runs every command it documents; the
`notebook` extra added to it is enough for "Run all" on the tour.

Every other test runs with the [test] extra installed, which once hid a runtime import (httpx) that only the extra
provided: `salvage-kg --help` itself failed on a fresh machine (issue 13). Here the checkout is installed into a
new virtual environment of its own (removed afterwards) and used from outside, as a user would.

The notebook extra (issue 17: it installed neither Jupyter nor ipykernel, and section 3 stopped with a connection
traceback when no server ran) is then installed into that same environment, after the tests that need it bare (one
new environment and one install of the project's own dependencies, not two), and the tour is run there with
`jupyter execute`, as a user would from a terminal, with SALVAGE_KG_URL unset.
Slow (a few minutes): deselect with -m 'not slow'.
"""

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import pytest
from locations import PROJECT

from kg.tools.ports import free_port

CHECKOUT = PROJECT


@pytest.fixture(scope="module")
def bare_install():
    """`python -m venv` and `pip install <checkout>` with no extras; the folder goes when the tests are done.

    The last test of this module adds the notebook extra to it: the tests of "no extras" come before it."""
    with tempfile.TemporaryDirectory(prefix="salvage-kg-bare-venv-") as work:
        venv = Path(work) / "venv"
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
        done = subprocess.run([str(venv / "bin" / "pip"), "install", "--quiet", str(CHECKOUT)],
                              capture_output=True, text=True, timeout=900)
        assert done.returncode == 0, done.stderr[-3000:]
        yield venv / "bin"


def run(bin_dir: Path, *args: str) -> subprocess.CompletedProcess:
    done = subprocess.run([str(bin_dir / "salvage-kg"), *args], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Traceback" not in done.stderr
    return done


@pytest.mark.slow
def test_no_extras_means_no_test_tools(bare_install):
    # The check below means something only if the extras really are absent.
    for module in ("pytest", "pandas", "playwright"):
        found = subprocess.run([str(bare_install / "python"), "-c", f"import {module}"], capture_output=True)
        assert found.returncode != 0, f"{module} is installed without the extras"


@pytest.mark.slow
def test_the_commands_run_without_any_extra(bare_install):
    assert "serve" in run(bare_install, "--help").stdout
    assert run(bare_install, "--version").stdout.startswith("salvage-kg ")
    table = run(bare_install, "ask", "salvage-options", "lost_antigen=CD19").stdout
    assert "inotuzumab ozogamicin" in table


@pytest.mark.slow
def test_the_server_answers_without_any_extra(bare_install):
    port = free_port()
    with tempfile.TemporaryFile() as log:
        server = subprocess.Popen([str(bare_install / "salvage-kg"), "serve", "--port", str(port),
                                   "--query-workers", "1"], stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 120
            while True:
                assert server.poll() is None, "the server exited"
                assert time.monotonic() < deadline, "the server did not answer /health within 120 s"
                try:
                    health = httpx.get(f"http://127.0.0.1:{port}/health", timeout=2)
                    break
                except httpx.HTTPError:
                    time.sleep(0.2)
            assert health.json()["status"] == "ok"
            docs = httpx.get(f"http://127.0.0.1:{port}/docs", timeout=10)
            assert docs.status_code == 200 and "/docs-assets/swagger-ui-bundle.js" in docs.text
            assert httpx.get(f"http://127.0.0.1:{port}/docs-assets/swagger-ui-bundle.js", timeout=10).status_code == 200
        finally:
            server.terminate()
            server.wait(timeout=30)
            log.seek(0)
            print(log.read().decode("utf-8", "replace")[-2000:])


# Last in this module: it adds the `notebook` extra to the environment the tests above need bare.
@pytest.mark.slow
def test_the_notebook_extra_runs_the_tour_top_to_bottom_with_no_server_given(bare_install):
    work = bare_install.parent.parent
    installed = subprocess.run([str(bare_install / "pip"), "install", "--quiet", f"{CHECKOUT}[notebook]"],
                               capture_output=True, text=True, timeout=1800)
    assert installed.returncode == 0, installed.stderr[-3000:]
    tour = work / "tour.ipynb"
    tour.write_bytes((PROJECT / "notebooks" / "tour.ipynb").read_bytes())
    environment = {key: value for key, value in os.environ.items() if key != "SALVAGE_KG_URL"}
    environment["PATH"] = f"{bare_install}:{environment.get('PATH', '')}"
    done = subprocess.run([str(bare_install / "jupyter"), "execute", "--inplace", str(tour)], cwd=work,
                          capture_output=True, text=True, timeout=900, env=environment)
    assert done.returncode == 0, done.stderr[-5000:]
    assert "/sparql: 12 rows; the same as the local graph: True" in tour.read_text(encoding="utf-8")
