"""The researcher's tour (notebooks/tour.ipynb) runs from top to bottom as "Run all" does, with no server given: it
starts its own and stops it when the kernel exits. It breaks when the library, the questions or the endpoint drift
from what it shows."""

import contextlib
import re
import socket
from pathlib import Path

import httpx
import nbformat
import pytest
from locations import PROJECT
from nbclient import NotebookClient

TOUR = PROJECT / "notebooks" / "tour.ipynb"


@pytest.fixture(scope="module")
def executed(monkeypatch_module):
    # The kernel inherits this process's environment: no server is named, as on a fresh install.
    monkeypatch_module.delenv("SALVAGE_KG_URL", raising=False)
    notebook = nbformat.read(TOUR, as_version=4)
    NotebookClient(notebook, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(TOUR.parent)}}).execute()  # the kernel has exited on return
    return notebook


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def _outputs(notebook, kind: str) -> list:
    return [output for cell in notebook.cells if cell.cell_type == "code" for output in cell.outputs
            if output.output_type == kind]


def _printed(notebook) -> str:
    return "".join(output.text for output in _outputs(notebook, "stream") if output.name == "stdout")


def test_the_tour_runs_green_and_the_endpoint_agrees_with_the_local_graph(executed):
    assert not _outputs(executed, "error")
    assert re.search(r"http://127\.0\.0\.1:\d+/sparql: 12 rows; the same as the local graph: True", _printed(executed))


def test_run_all_without_a_server_started_one_and_stopped_it_with_the_kernel(executed):
    """Section 3 stopped with a connection traceback when no server ran; the notebook now starts its own."""
    port = int(re.search(r"http://127\.0\.0\.1:(\d+)/sparql", _printed(executed)).group(1))
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{port}/health", timeout=2)
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # past the closed connections' TIME_WAIT
        sock.bind(("127.0.0.1", port))  # nothing listens there any more
    serving = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        with contextlib.suppress(OSError):
            if f"serve\0--port\0{port}\0".encode() in cmdline.read_bytes():
                serving.append(cmdline.parent.name)
    assert not serving, f"the notebook's server outlived its kernel: pids {serving}"


def test_the_csv_link_cell_reads_the_answer(executed):
    tables = [output.data["text/plain"] for output in _outputs(executed, "execute_result")
              if "status_label" in output.data.get("text/plain", "")]
    assert tables and "negative" in tables[0]  # pbc-2021's third relapse lost CD19


@pytest.mark.parametrize("given", ["http://127.0.0.1:8000", "http://127.0.0.1:8000/", "http://127.0.0.1:8000/sparql"])
def test_salvage_kg_url_takes_the_base_url(given):
    """SALVAGE_KG_URL had to end in /sparql (the base URL gave a TypeError); either form now names the server."""
    from kg.tools.local_server import base_url

    assert base_url({"SALVAGE_KG_URL": given}) == "http://127.0.0.1:8000"


def test_the_tour_draws_the_pathway_pictures(executed):
    pictures = [output for output in _outputs(executed, "display_data") if "image/svg+xml" in output.data]
    # swimmer and Sankey of the two cases, then of the synthetic cohort
    assert len(pictures) == 4
    swimmer, sankey = (picture.data["image/svg+xml"] for picture in pictures[:2])
    assert "CD19− CD22+" in swimmer and "not a time scale" in swimmer
    assert "inotuzumab ozogamicin" in sankey and "relapse, CD19-negative" in sankey


def test_the_tour_is_saved_without_outputs():
    # Outputs are made by running it; a saved copy with stale outputs would show answers the code no longer gives.
    notebook = nbformat.read(TOUR, as_version=4)
    nbformat.validate(notebook)
    assert all(not cell.get("outputs") for cell in notebook.cells if cell.cell_type == "code")
