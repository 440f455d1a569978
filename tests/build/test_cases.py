"""Curators' writes over HTTP and from the command line: token, validation against the whole graph, all or nothing.

Each test writes its own synthetic cohort (its own seed, so its own case id) into a server that holds a persistent
store and was given a write token, and reads the outcome back through the named questions, /sparql and /cases.
"""

import subprocess
import threading
import time

import httpx
import pyoxigraph as ox
import pytest
from conftest import EXE, WRITE_TOKEN, build_store
from rdflib import Graph
from rdflib.compare import isomorphic
from write_helpers import WRITE, case_id, cohort, counted_quads

from kg.tools import synth


@pytest.fixture(scope="module")
def writable(start_server, tmp_path_factory):
    store = build_store(tmp_path_factory.mktemp("writable"))
    live = start_server("--store", store, env={"SALVAGE_KG_WRITE_TOKEN": WRITE_TOKEN,
                                               "SALVAGE_KG_MAX_CASE_BYTES": "1000000"})
    live.store = store
    return live


@pytest.fixture(scope="module")
def client(writable):
    with httpx.Client(base_url=writable.url, timeout=120) as http:
        yield http


def patient_ids(client) -> set[str]:
    return {row["id"] for row in client.get("/patients").json()}


def sparql_count(client, case: str) -> int:
    query = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <https://w3id.org/salvage-kg/graph/case/{case}> {{ ?s ?p ?o }} }}"
    response = client.post("/sparql", data={"query": query}, headers={"Accept": "application/sparql-results+json"})
    return int(response.json()["results"]["bindings"][0]["n"]["value"])


# --- who may write ------------------------------------------------------------------------------------------

def test_without_a_token_configured_writes_are_disabled_and_say_so(http):
    response = http.post("/cases", content=cohort(101), headers=WRITE)
    assert response.status_code == 403
    assert "SALVAGE_KG_WRITE_TOKEN" in response.json()["message"]
    assert http.get("/health").json()["writes"] is False


def test_a_server_holding_its_graph_in_memory_refuses_writes_with_the_reason(start_server):
    live = start_server(env={"SALVAGE_KG_WRITE_TOKEN": WRITE_TOKEN})
    response = httpx.put(live.url + f"/cases/{case_id(102)}", content=cohort(102), headers=WRITE)
    assert response.status_code == 403
    assert "--store" in response.json()["message"]


@pytest.mark.parametrize("authorization", [None, "Bearer wrong-token", "Basic Y3VyYXRvcjpzZWNyZXQ=", "Bearer"])
def test_writes_need_the_bearer_token(client, writable, authorization):
    headers = {"Content-Type": "text/turtle"} | ({"Authorization": authorization} if authorization else {})
    for response in (client.post("/cases", content=cohort(103), headers=headers),
                     client.delete("/cases/pbc-2021", headers=headers)):
        assert response.status_code in (401, 403), response.text
        assert response.json()["message"]
    assert case_id(103) not in {case["id"] for case in client.get("/cases").json()}
    assert "pbc-2021" in {case["id"] for case in client.get("/cases").json()}
    assert "refused POST /cases -> 40" in writable.log_path.read_text()


# --- adding, replacing, removing ---------------------------------------------------------------------------------

def test_an_added_case_is_answered_by_questions_sparql_and_cases(client):
    before = patient_ids(client)
    response = client.post("/cases", content=cohort(104), headers=WRITE)
    assert response.status_code == 201, response.text
    assert response.headers["location"] == f"/cases/{case_id(104)}"
    added = patient_ids(client) - before
    assert added == {"synth-104-000001", "synth-104-000002"}
    sent = Graph().parse(data=cohort(104).decode(), format="turtle")
    assert sparql_count(client, case_id(104)) == len(sent)  # the query workers read the new state too
    served = Graph().parse(data=client.get(f"/cases/{case_id(104)}", headers={"Accept": "text/turtle"}).text,
                           format="turtle")
    assert isomorphic(served, sent)
    # derived facts were re-derived with the case: its patients have lines of therapy
    lines = client.post("/sparql", data={"query": (
        "PREFIX sk: <https://w3id.org/salvage-kg/ontology#> SELECT (COUNT(?line) AS ?n) WHERE { "
        "?line sk:patient <https://w3id.org/salvage-kg/patient/synth-104-000001> ; a sk:TherapyLine }")},
        headers={"Accept": "application/sparql-results+json"}).json()
    assert int(lines["results"]["bindings"][0]["n"]["value"]) >= 1


def test_posting_a_case_twice_is_a_conflict_and_put_replaces_it(client):
    assert client.post("/cases", content=cohort(105), headers=WRITE).status_code == 201
    again = client.post("/cases", content=cohort(105), headers=WRITE)
    assert again.status_code == 409 and "PUT" in again.json()["message"]
    one_patient = "".join(synth.cohort_turtle(patients=1, seed=105)).encode()
    replaced = client.put(f"/cases/{case_id(105)}", content=one_patient, headers=WRITE)
    assert replaced.status_code == 200 and replaced.json()["created"] is False
    ids = patient_ids(client)
    assert "synth-105-000001" in ids and "synth-105-000002" not in ids


def test_put_creates_and_delete_removes(client):
    created = client.put(f"/cases/{case_id(106)}", content=cohort(106), headers=WRITE)
    assert created.status_code == 201 and created.json()["created"] is True
    assert client.delete(f"/cases/{case_id(106)}", headers=WRITE).status_code == 204
    assert "synth-106-000001" not in patient_ids(client)
    assert sparql_count(client, case_id(106)) == 0
    assert client.get(f"/cases/{case_id(106)}").status_code == 404
    assert client.delete(f"/cases/{case_id(106)}", headers=WRITE).status_code == 404


def test_json_ld_is_accepted(client):
    turtle = cohort(107)
    json_ld = ox.serialize(ox.parse(turtle, ox.RdfFormat.TURTLE), format=ox.RdfFormat.JSON_LD)
    response = client.post("/cases", content=json_ld, headers=WRITE | {"Content-Type": "application/ld+json"})
    assert response.status_code == 201, response.text
    assert sparql_count(client, case_id(107)) == len(Graph().parse(data=turtle.decode(), format="turtle"))


# --- what is refused, and that nothing of it is written ------------------------------------------------------------

def broken(seed: int) -> bytes:
    """A cohort whose first diagnosis has lost its place on the timeline."""
    return cohort(seed).replace(b"sk:sequence 1 ;", b"", 1)


def test_a_case_that_violates_the_shapes_is_rejected_whole_with_the_violations(client):
    quads = counted_quads(client)
    response = client.post("/cases", content=broken(108), headers=WRITE)
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "rejected"
    [violation] = body["violations"]
    assert violation["node"] == "patient:synth-108-000001/diagnosis"
    assert violation["path"] == "sk:sequence"
    assert client.get("/health").json()["quads"] == quads  # nothing written: nothing to count again
    assert "synth-108-000002" not in patient_ids(client)  # the valid patient of the case is not written either
    assert case_id(108) not in {case["id"] for case in client.get("/cases").json()}


@pytest.mark.parametrize(("body", "content_type", "status", "reason"), [
    (b"@prefix sk: <https://w3id.org/salvage-kg/ontology#> .\nsk:x sk:y", "text/turtle", 400, "not valid"),
    (b"<https://w3id.org/salvage-kg/source/x> <http://p> \"\xff\" .", "text/turtle", 400, "UTF-8"),
    (b"{\"@id\": ", "application/ld+json", 400, "not valid"),
    (b"<https://w3id.org/salvage-kg/source/x> <http://p> \"x\" .", "text/plain", 415, "text/turtle"),
    (b"", "text/turtle", 422, "no statements"),
    (b"<http://example.org/a> <http://p> \"x\" .", "text/turtle", 422, "exactly one source"),
    (b"<https://w3id.org/salvage-kg/source/a> <http://p> \"x\" .\n"
     b"<https://w3id.org/salvage-kg/source/b> <http://p> \"x\" .", "text/turtle", 422, "exactly one source"),
    (b"<https://w3id.org/salvage-kg/source/a> <http://p> \"x\" .\n"
     b"<https://w3id.org/salvage-kg/ontology#Relapse> <http://www.w3.org/2000/01/rdf-schema#label> \"x\" .",
     "text/turtle", 422, "only its source and its patients"),
    (b"<https://w3id.org/salvage-kg/source/a%20b> <http://p> \"x\" .", "text/turtle", 422, "cannot name a case"),
    # Naming another case's patient without making it one's own is not a case (422); claiming it is a conflict.
    (b"<https://w3id.org/salvage-kg/source/a> <http://p> \"x\" .\n"
     b"<https://w3id.org/salvage-kg/patient/pbc-2021> <http://p> \"x\" .", "text/turtle", 422, "pbc-2021"),
    (b"<https://w3id.org/salvage-kg/source/a> <http://purl.org/dc/terms/title> \"x\" .\n"
     b"<https://w3id.org/salvage-kg/patient/pbc-2021> a <https://w3id.org/salvage-kg/ontology#Patient> .",
     "text/turtle", 409, "pbc-2021"),
    (b"{\"@context\": \"http://127.0.0.1:9/context.jsonld\", \"@id\": \"x\"}", "application/ld+json", 400, "remote"),
    (b"<https://w3id.org/salvage-kg/source/a> <http://p> \"" + b"x" * 1_100_000 + b"\" .", "text/turtle", 413,
     "limit"),
])
def test_bad_bodies_get_a_clear_4xx_and_change_nothing(client, writable, body, content_type, status, reason):
    quads = counted_quads(client)
    response = client.post("/cases", content=body, headers=WRITE | {"Content-Type": content_type})
    assert response.status_code == status, response.text
    assert reason in response.json()["message"]
    assert client.get("/health").json()["quads"] == quads
    assert f"-> {status}" in writable.log_path.read_text()


def test_put_refuses_a_body_that_names_another_case(client):
    response = client.put(f"/cases/{case_id(109)}", content=cohort(110), headers=WRITE)
    assert response.status_code == 422
    assert case_id(110) in response.json()["message"]


def test_an_unusable_case_id_in_the_path_is_refused(client):
    assert client.put("/cases/..%2Fetc", content=cohort(111), headers=WRITE).status_code in (404, 422)
    assert client.delete("/cases/" + "x" * 200, headers=WRITE).status_code == 422


# --- concurrency --------------------------------------------------------------------------------------------------

def test_concurrent_writes_are_serialised_and_all_land(client):
    seeds = [121, 122, 123, 124]
    results = {}

    def put(seed):
        results[seed] = client.put(f"/cases/{case_id(seed)}", content=cohort(seed), headers=WRITE).status_code

    threads = [threading.Thread(target=put, args=(seed,)) for seed in seeds]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == dict.fromkeys(seeds, 201)
    ids = patient_ids(client)
    assert all(f"synth-{seed}-000002" in ids for seed in seeds)


def test_readers_keep_being_answered_during_a_write(client, writable):
    answered, stop = [], threading.Event()

    def read():
        with httpx.Client(base_url=writable.url, timeout=30) as reader:
            while not stop.is_set():
                started = time.monotonic()
                status = reader.get("/questions/salvage-options", params={"lost_antigen": "CD19"}).status_code
                answered.append((status, time.monotonic() - started))

    thread = threading.Thread(target=read)
    thread.start()
    try:
        started = time.monotonic()
        response = client.post("/cases", content=cohort(130, patients=60), headers=WRITE)
        took = time.monotonic() - started
    finally:
        stop.set()
        thread.join()
    assert response.status_code == 201
    assert {status for status, _ in answered} == {200}
    assert len(answered) >= 3, f"only {len(answered)} answers during a write of {took:.1f} s"


# --- persistence and the command line -------------------------------------------------------------------------

def test_a_committed_case_survives_a_restart(start_server, tmp_path):
    store = build_store(tmp_path)
    first = start_server("--store", store, env={"SALVAGE_KG_WRITE_TOKEN": WRITE_TOKEN})
    assert httpx.post(first.url + "/cases", content=cohort(140), headers=WRITE, timeout=60).status_code == 201
    first.stop()
    second = start_server("--store", store)  # read-only this time: no token
    assert "synth-140-000001" in {row["id"] for row in httpx.get(second.url + "/patients", timeout=30).json()}


def test_add_case_checks_then_writes_to_a_store_or_a_folder(tmp_path, writable):
    store = build_store(tmp_path)
    path = tmp_path / "case.ttl"
    path.write_bytes(cohort(150))
    added = subprocess.run([EXE, "add-case", str(path), "--store", store], capture_output=True, text=True)
    assert added.returncode == 0, added.stderr
    again = subprocess.run([EXE, "add-case", str(path), "--store", store], capture_output=True, text=True)
    assert again.returncode == 1 and "exists" in again.stderr
    asked = subprocess.run([EXE, "ask", "patients", "--store", store, "--format", "csv"], capture_output=True,
                           text=True)
    assert "synth-150-000001" in asked.stdout

    # a folder of case files: the file lands beside the others only if the whole graph conforms
    folder = tmp_path / "cases"
    folder.mkdir()
    bad = tmp_path / "bad.ttl"
    bad.write_bytes(broken(151))
    refused = subprocess.run([EXE, "add-case", str(bad), "--into", str(folder)], capture_output=True, text=True)
    assert refused.returncode == 1 and "sk:sequence" in refused.stderr
    assert list(folder.iterdir()) == []
    assert subprocess.run([EXE, "add-case", str(path), "--into", str(folder)]).returncode == 0
    assert (folder / f"{case_id(150)}.ttl").read_bytes() == cohort(150)


def test_add_case_refuses_a_store_a_server_is_writing(writable, tmp_path):
    path = tmp_path / "case.ttl"
    path.write_bytes(cohort(160))
    done = subprocess.run([EXE, "add-case", str(path), "--store", writable.store], capture_output=True, text=True)
    assert done.returncode == 1
    assert "POST /cases" in done.stderr


# --- what readers see after a write ------------------------------------------------------------------------------

def test_a_write_changes_every_etag_so_no_client_keeps_a_stale_answer(client):
    paths = ["/patients", "/questions/therapy-sequence?patient=pbc-2021", "/about"]
    tags = {path: client.get(path).headers["etag"] for path in paths}
    assert all(client.get(path, headers={"If-None-Match": tags[path]}).status_code == 304 for path in paths)
    assert client.post("/cases", content=cohort(181), headers=WRITE).status_code == 201
    for path in paths:
        fresh = client.get(path, headers={"If-None-Match": tags[path]})
        assert fresh.status_code == 200 and fresh.headers["etag"] != tags[path], path


def test_a_write_drops_every_kept_answer_so_none_answers_the_graph_it_changed(client):
    before = client.get("/patients")
    assert client.get("/patients").headers["cache-status"] == "salvage-kg; hit"
    assert client.post("/cases", content=cohort(183), headers=WRITE).status_code == 201
    after = client.get("/patients")
    assert after.headers["cache-status"] == "salvage-kg; fwd=miss"
    added = {row["id"] for row in after.json()} - {row["id"] for row in before.json()}
    assert added and all(patient.startswith("synth-183-") for patient in added)


def test_a_synthetic_patients_timeline_says_synthetic(client):
    """The 'published case reports (CIViC level C)' disclaimer was attached to a synthetic patient's timeline."""
    assert client.post("/cases", content=cohort(182), headers=WRITE).status_code == 201
    synthetic = client.get("/patients/synth-182-000001/timeline").json()["disclaimer"]
    assert "Synthetic data" in synthetic and "CIViC level C" not in synthetic
    assert "CIViC level C" in client.get("/patients/pbc-2021/timeline").json()["disclaimer"]
    merged = client.get("/pathways").json()["disclaimer"]  # the two reports and the synthetic patients together
    assert "CIViC level C" in merged and "synthetic" in merged
