"""H3, M1, M2, M5: a refused write closes what it opened, answers 4xx with the reason and changes nothing; a case
may describe only its own source, its own patients and the nodes under their IRIs, within a size limit.

Each hostile case is a valid synthetic case plus one addition. After each refusal every case's statements are
hashed again (unchanged), the reading it aimed at is checked (unchanged), and a valid write still succeeds.
"""

import hashlib
import time

import httpx
import pytest
from conftest import WRITE_TOKEN, build_store

from kg.tools import synth

WRITE = {"Authorization": f"Bearer {WRITE_TOKEN}", "Content-Type": "text/turtle"}
PREFIXES = """
@prefix sk: <https://w3id.org/salvage-kg/ontology#> .
@prefix src: <https://w3id.org/salvage-kg/source/> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix pbc: <https://w3id.org/salvage-kg/patient/pbc-2021/> .
"""
SEED = 9000  # the hostile cases' own id: synthetic-cohort-9000, patient synth-9000-000001


def case(extra: str = "", seed: int = SEED) -> bytes:
    return ("".join(synth.cohort_turtle(patients=1, seed=seed)) + PREFIXES + extra).encode()


ME = f"<https://w3id.org/salvage-kg/patient/synth-{SEED}-000001>"
SOURCE = f"src:synthetic-cohort-{SEED}"
EVENT_FACTS = f"""sk:patient {ME} ; sk:sequence 90 ; prov:hadPrimarySource {SOURCE} ;
    sk:sourceLocator "generated" ; sk:statement "Injected."@en ; sk:evidenceLevel sk:NoEvidence"""

# (name, addition, status, words the refusal must contain)
HOSTILE = [
    ("h3_blank_node_therapy", f"[] a sk:TherapyAdministration ; rdfs:label \"x\"@en ; sk:agent "
                              f"<https://w3id.org/salvage-kg/agent/inotuzumab-ozogamicin> ; {EVENT_FACTS} .",
     422, "blank-node events are refused"),
    ("h3_blank_node_finding", f"[] a sk:AntigenExpression ; sk:findingAt {ME[:-1]}/diagnosis> ; "
                              f"sk:antigen sk:CD19 ; sk:expressionStatus sk:Negative ; {EVENT_FACTS} .",
     422, "blank-node events are refused"),
    ("m2_triple_term", f"{ME} sk:statement <<( {ME} sk:sex sk:Male )>> .", 422, "triple terms"),
    ("m2_reified_triple", f"<< {ME} sk:sex sk:Male >> sk:statement \"x\" .", 422, "triple terms"),
    ("m1_event_under_another_patient", f"pbc:relapse-9 a sk:Relapse ; sk:ordinal 9 ; {EVENT_FACTS} .",
     422, "pbc-2021"),
    ("m1_blank_event_in_another_timeline", "[] a sk:Relapse ; sk:patient <https://w3id.org/salvage-kg/patient/"
                                           f"pbc-2021> ; sk:ordinal 9 ; {EVENT_FACTS.split(';', 1)[1]} .",
     422, "blank-node events"),
    ("m1_finding_on_another_cases_relapse", f"{ME[:-1]}/cd22> a sk:AntigenExpression ; sk:findingAt "
                                            f"pbc:relapse-3 ; sk:antigen sk:CD22 ; sk:expressionStatus "
                                            f"sk:Negative ; {EVENT_FACTS} .", 422, "pbc-2021"),
    ("m1_subclass_of_antigen_labelled_cd19", f"{ME[:-1]}/antigen> rdfs:subClassOf sk:Antigen ; "
                                             "rdfs:label \"CD19\"@en .", 422, "not writable"),
    ("m1_new_antigen_labelled_cd19", f"{ME[:-1]}/antigen> a sk:Antigen ; rdfs:label \"CD19\"@en .",
     422, "not writable"),
    ("m1_new_agent_labelled_kymriah", f"{ME[:-1]}/agent> a sk:CARTProduct ; rdfs:label \"Kymriah\"@en .",
     422, "not writable"),
    ("m1_new_class", f"{ME[:-1]}/kind> a <http://www.w3.org/2002/07/owl#Class> .", 422, "not writable"),
    ("m1_new_property", f"{ME} sk:madeUpProperty \"x\" .", 422, "no such property"),
    ("m1_second_patient_named_rascon_2022",
     f"{ME[:-1]}-twin> a sk:Patient ; skos:notation \"rascon-2022\" ; rdfs:label \"twin\"@en ; sk:sex sk:Male ; "
     f"sk:disease sk:BCellPrecursorALL ; sk:describedIn {SOURCE} ; prov:hadPrimarySource {SOURCE} ; "
     "sk:sourceLocator \"generated\" ; sk:statement \"Twin.\"@en ; sk:evidenceLevel sk:NoEvidence .",
     409, "rascon-2022"),
    ("m1_cites_another_source", f"{ME} prov:hadPrimarySource src:pbc-2021 .", 422, "own source"),
]


@pytest.fixture(scope="module")
def writable(start_server, tmp_path_factory):
    store = build_store(tmp_path_factory.mktemp("security-writes"))
    # A body limit above the 2 MB list below: the parser itself must stop it.
    # One worker in each pool: a write starts its pools' workers afresh before it answers (a second or more each on
    # a busy machine), and this module writes some thirty times; how many workers read does not bear on its checks.
    return start_server("--store", store, "--query-workers", "1",
                        env={"SALVAGE_KG_WRITE_TOKEN": WRITE_TOKEN, "SALVAGE_KG_QUESTION_WORKERS": "1",
                             "SALVAGE_KG_MAX_CASE_BYTES": "5000000", "SALVAGE_KG_MAX_CASE_TRIPLES": "20000"})


@pytest.fixture(scope="module")
def client(writable):
    with httpx.Client(base_url=writable.url, timeout=120) as http:
        yield http


def every_case_hashed(client) -> dict[str, str]:
    hashes = {}
    for entry in client.get("/cases").json():
        body = client.get(entry["href"], headers={"Accept": "application/n-triples"})
        assert body.status_code == 200, body.text
        hashes[entry["id"]] = hashlib.sha256("\n".join(sorted(body.text.splitlines())).encode()).hexdigest()
    return hashes


def readings(client) -> dict:
    """What the hostile cases aim at: pbc-2021's timeline and its third relapse, the answer for a lost CD19, the
    agent called Kymriah, the patient called rascon-2022."""
    timeline = client.get("/patients/pbc-2021/timeline").json()
    return {
        "timeline": [event["label"] for event in timeline["events"]],
        "cd19_options": sorted(row["therapy_label"] for row in client.get(
            "/questions/salvage-options", params={"lost_antigen": "CD19"}).json()["rows"]),
        "rascon": client.get("/patients/rascon-2022").status_code,
        "kymriah": client.get("/questions/toxicities-by-therapy", params={"therapy": "Kymriah"}).status_code,
    }


@pytest.mark.parametrize("addition, status, words", [h[1:] for h in HOSTILE], ids=[h[0] for h in HOSTILE])
def test_hostile_case_is_refused_whole_and_the_next_write_succeeds(client, addition, status, words):
    before, read_before = every_case_hashed(client), readings(client)
    response = client.post("/cases", content=case(addition), headers=WRITE)
    assert response.status_code == status, response.text
    assert words in response.json()["message"], response.text
    assert every_case_hashed(client) == before
    assert readings(client) == read_before
    # The write path is whole: a valid case is accepted at once, and removed again.
    valid = client.put(f"/cases/synthetic-cohort-{SEED}", content=case(), headers=WRITE)
    assert valid.status_code == 201, valid.text
    assert client.delete(f"/cases/synthetic-cohort-{SEED}", headers=WRITE).status_code == 204


def test_h3_a_refused_blank_node_write_leaves_no_scratch_store_locked(client, writable):
    for _ in range(3):
        assert client.post("/cases", content=case(HOSTILE[0][1]), headers=WRITE).status_code == 422
    for method in ("post", "put"):
        url = "/cases" if method == "post" else f"/cases/synthetic-cohort-{SEED + 1}"
        response = getattr(client, method)(url, content=case(seed=SEED + 1), headers=WRITE)
        assert response.status_code in (200, 201), response.text
    assert client.delete(f"/cases/synthetic-cohort-{SEED + 1}", headers=WRITE).status_code == 204


def test_m5_a_million_item_list_is_refused_in_seconds(client):
    before = every_case_hashed(client)
    huge_list = f"{ME} rdfs:comment ( " + "1 " * 1_000_000 + ") ."
    started = time.monotonic()
    response = client.post("/cases", content=case(huge_list), headers=WRITE)
    seconds = time.monotonic() - started
    print(f"a 1,000,000-item list ({len(huge_list):,} bytes) refused in {seconds:.2f} s")
    assert response.status_code == 413, response.text
    assert "list items" in response.json()["message"] or "statements" in response.json()["message"]
    assert seconds < 10
    assert every_case_hashed(client) == before


def test_m5_a_case_past_the_statement_limit_is_refused(client):
    many = "\n".join(f"{ME[:-1]}/r{n}> a sk:Remission ." for n in range(21_000))
    response = client.post("/cases", content=case(many), headers=WRITE)
    assert response.status_code == 413, response.text
    assert "20,000 statements" in response.json()["message"]


def test_m5_the_default_body_limit_is_far_below_50_mb():
    from api.settings import Settings

    assert Settings().max_case_bytes <= 10_000_000


def test_lower_pathways_are_read_again_after_a_write(client):
    before = client.get("/pathways").json()["graph"]["patients"]
    seed = SEED + 2
    assert client.post("/cases", content=case(seed=seed), headers=WRITE).status_code == 201
    try:
        assert client.get("/pathways").json()["graph"]["patients"] == before + 1
    finally:
        assert client.delete(f"/cases/synthetic-cohort-{seed}", headers=WRITE).status_code == 204
    assert client.get("/pathways").json()["graph"]["patients"] == before


def test_m5_a_write_stops_when_its_client_leaves(client, writable):
    from server_helpers import log_since, log_size

    seed = SEED + 3
    body = "".join(synth.cohort_turtle(patients=100, seed=seed)).encode()  # ~17,000 statements: seconds to check
    before = every_case_hashed(client)
    offset = log_size(writable)
    with httpx.Client(base_url=writable.url, timeout=0.5) as leaving, pytest.raises(httpx.TimeoutException):
        leaving.post("/cases", content=body, headers=WRITE)
    deadline = time.monotonic() + 60
    while "-> 499 cancelled" not in log_since(writable, offset):
        assert time.monotonic() < deadline, log_since(writable, offset)
        time.sleep(0.2)
    assert f"synthetic-cohort-{seed}" not in {case["id"] for case in client.get("/cases").json()}
    assert every_case_hashed(client) == before
    assert client.post("/cases", content=case(seed=seed), headers=WRITE).status_code == 201  # the lock was let go
    assert client.delete(f"/cases/synthetic-cohort-{seed}", headers=WRITE).status_code == 204
