"""Fixtures both page modules share."""

import httpx
import pytest
from conftest import WRITE_TOKEN, build_store

from kg.tools import synth


# Here, not in browser_helpers.py: a fixture imported into two test modules is two fixtures to pytest, and this
# server (a store copied, 40 patients written and checked) was started once for each module.
@pytest.fixture(scope="session")
def cohort_server(start_server, tmp_path_factory):
    """A writable server given 40 synthetic patients as one case, so that pathway-steps runs past one page."""
    store = build_store(tmp_path_factory.mktemp("cohort-page"))
    live = start_server("--store", store, env={"SALVAGE_KG_WRITE_TOKEN": WRITE_TOKEN})
    cohort = "".join(synth.cohort_turtle(patients=40, seed=5))
    response = httpx.post(
        f"{live.url}/cases",
        content=cohort.encode(),
        timeout=120,
        headers={"Authorization": f"Bearer {WRITE_TOKEN}", "Content-Type": "text/turtle"},
    )
    assert response.status_code == 201, response.text
    return live
