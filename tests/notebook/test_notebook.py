"""The researcher's tour (notebooks/tour.ipynb) runs from top to bottom against a live server, so it breaks when the
library, the questions or the endpoint drift from what it shows."""


import nbformat
import pytest
from locations import PROJECT
from nbclient import NotebookClient

TOUR = PROJECT / "notebooks" / "tour.ipynb"


@pytest.fixture(scope="module")
def executed(server, monkeypatch_module):
    # The kernel inherits this process's environment: point the notebook at the test server, not at :8000.
    monkeypatch_module.setenv("SALVAGE_KG_URL", server.url + "/sparql")
    notebook = nbformat.read(TOUR, as_version=4)
    NotebookClient(notebook, timeout=180, kernel_name="python3",
                   resources={"metadata": {"path": str(TOUR.parent)}}).execute()
    return notebook


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def _outputs(notebook, kind: str) -> list:
    return [output for cell in notebook.cells if cell.cell_type == "code" for output in cell.outputs
            if output.output_type == kind]


def test_the_tour_runs_green_and_the_endpoint_agrees_with_the_local_graph(executed, server):
    assert not _outputs(executed, "error")
    printed = "".join(output.text for output in _outputs(executed, "stream") if output.name == "stdout")
    assert f"{server.url}/sparql: 12 rows; the same as the local graph: True" in printed


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
