"""Regression (#20): six named questions answered 503 at 100,000 patients because the /sparql workers' memory limit
(SALVAGE_KG_QUERY_MEMORY_MB, 1,000 MB) applied to the named questions' workers too. The project's own questions
and look-ups (the patients' names a `patient=` parameter is matched against, whole-cohort answers) need memory
that grows with the cohort; past the limit their worker died under them ("question_failed"), the cheap ones too,
since the look-up their parameter needs was the query that died. The same six failed at 10,000 patients with the
limit at a tenth; here a 1 MB limit on a few hundred patients does the same. The named questions' workers now have
a limit of their own (SALVAGE_KG_QUESTION_MEMORY_MB, 4,000 MB by default); /sparql keeps its limit.
"""

import subprocess

import httpx
import pytest
from conftest import EXE
from server_helpers import workers_replaced

from kg.tools import synth

SPARQL_MEMORY_MB = 1
FAILED_AT_100K = {
    "pathway-steps": {},
    "patient-timeline": {"patient": "pbc-2021"},
    "responses-to-therapy": {"therapy": "inotuzumab ozogamicin"},
    "salvage-options": {"lost_antigen": "CD19"},
    "therapies-by-target": {"antigen": "CD22"},
    "therapy-sequence": {"patient": "rascon-2022"},
}
SORT_EVERYTHING = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } ORDER BY ?o ?s ?p"


@pytest.fixture(scope="module")
def capped(start_server, tmp_path_factory):
    work = tmp_path_factory.mktemp("question-memory")
    cohort = work / "cohort.ttl"
    cohort.write_text("".join(synth.cohort_turtle(patients=300, seed=7)), encoding="utf-8")
    store = str(work / "store")
    subprocess.run(
        [EXE, "build", "--no-files", "--out", str(work / "out"), "--store", store, str(cohort)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    return start_server("--store", store, env={"SALVAGE_KG_QUERY_MEMORY_MB": str(SPARQL_MEMORY_MB)})


@pytest.mark.parametrize("name", sorted(FAILED_AT_100K))
def test_the_sparql_memory_limit_does_not_stop_the_named_questions(capped, name):
    with httpx.Client(base_url=capped.url, timeout=60) as client:
        response = client.get(f"/questions/{name}", params={**FAILED_AT_100K[name], "limit": 100})
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["rows"], answer
    if "patient" in FAILED_AT_100K[name]:  # the patient's own rows: the look-up the parameter needs was answered
        assert answer["parameters"]["patient"].endswith(FAILED_AT_100K[name]["patient"])


def test_sparql_queries_still_stop_at_their_memory_limit(capped):
    with httpx.Client(base_url=capped.url, timeout=60) as client:
        response = client.get("/sparql", params={"query": SORT_EVERYTHING})
    # The engine stops at the limit either as a failed allocation or as its own abort (std::bad_alloc).
    assert (response.status_code, response.json()["error"]) == (400, "crashed"), response.text
    assert response.json()["message"].startswith("the query worker stopped"), response.text
    workers_replaced(capped.url)  # the fresh worker is up before the server is stopped
