"""The patient roster the keyed questions page by (kg.questions.patient_pages.Roster), and the groups
therapy-warnings pages by (kg.questions.group_pages), are read by the server at start-up and again after each write,
in the background, so that the first keyed page does not pay for them (2.2 s at 100,000 patients); and a page asked
for after a write walks the graph as it now is, never a roster or groups read before.
"""

import time

import httpx
import pytest
from conftest import WRITE_TOKEN, build_store
from server_helpers import log_since
from write_helpers import WRITE, case_id, cohort

QUESTION = "pathway-steps"  # keyed by patient, no required parameter


def walk(client: httpx.Client, limit: int, question: str = QUESTION) -> list[dict]:
    """Every page of the question, each asked for after the `next` key the one before gave."""
    rows, after = [], None
    while True:
        params = {"limit": limit} | ({"after": after} if after else {})
        answer = client.get(f"/questions/{question}", params=params).raise_for_status().json()
        rows += answer["rows"]
        after = answer["page"]["next"]
        if after is None:
            return rows


def whole(client: httpx.Client, question: str = QUESTION) -> list[dict]:
    answer = client.get(f"/questions/{question}", params={"limit": 10_000}).raise_for_status().json()
    assert answer["page"]["next"] is None
    return answer["rows"]


def wait_for_reads(server, count: int, what: str = "the patient roster", seconds: float = 60) -> None:
    """Until the server's log says it has read `what` (in the background) `count` times."""
    deadline = time.monotonic() + seconds
    while log_since(server, 0).count(f"read {what}") < count:
        assert time.monotonic() < deadline, f"the server did not read {what}"
        time.sleep(0.2)


@pytest.fixture(scope="module")
def writable(start_server, tmp_path_factory):
    store = build_store(tmp_path_factory.mktemp("roster"))
    return start_server("--store", store, env={"SALVAGE_KG_WRITE_TOKEN": WRITE_TOKEN})


@pytest.fixture(scope="module")
def client(writable):
    with httpx.Client(base_url=writable.url, timeout=120) as http:
        yield http


def test_the_roster_is_read_at_start_up_before_any_keyed_page_is_asked_for(writable, client):
    # Only /health has been asked (by the fixture): the roster is read all the same.
    wait_for_reads(writable, 1)
    assert f"/questions/{QUESTION}" not in log_since(writable, 0)
    assert walk(client, 3) == whole(client)


def patients_of(rows: list[dict]) -> set[str]:
    return {row["patient"] for row in rows}


def test_keyed_pages_after_adding_replacing_and_removing_a_case_follow_the_graph_as_it_now_is(writable, client):
    wait_for_reads(writable, 1)
    before = walk(client, 5)
    assert before == whole(client)
    seed = 131
    added = client.post("/cases", content=cohort(seed, patients=3), headers=WRITE)
    assert added.status_code == 201, added.text
    after_adding = walk(client, 5)  # at once: the roster read after the write may still be under way
    assert after_adding == whole(client)
    new = patients_of(after_adding) - patients_of(before)
    assert len(new) == 3 and all(patient.startswith(f"synth-{seed}-") for patient in new)

    replaced = client.put(f"/cases/{case_id(seed)}", content=cohort(seed, patients=1), headers=WRITE)
    assert replaced.status_code in (200, 204), replaced.text
    after_replacing = walk(client, 5)
    assert after_replacing == whole(client)
    assert len(patients_of(after_replacing) - patients_of(before)) == 1

    removed = client.delete(f"/cases/{case_id(seed)}", headers=WRITE)
    assert removed.status_code in (200, 204), removed.text
    assert walk(client, 5) == before
    wait_for_reads(writable, 4)  # start-up, then once after each of the three writes


def test_the_groups_of_therapy_warnings_are_read_at_start_up_and_followed_after_a_write(writable, client):
    wait_for_reads(writable, 1, "the groups of therapy-warnings")
    before = walk(client, 4, "therapy-warnings")
    assert before == whole(client, "therapy-warnings")
    seed = 137
    added = client.post("/cases", content=cohort(seed, patients=8), headers=WRITE)
    assert added.status_code == 201, added.text
    after_adding = walk(client, 4, "therapy-warnings")  # at once: the groups may still be read again
    assert after_adding == whole(client, "therapy-warnings")
    assert any(patient.startswith(f"synth-{seed}-") for patient in patients_of(after_adding))
    removed = client.delete(f"/cases/{case_id(seed)}", headers=WRITE)
    assert removed.status_code in (200, 204), removed.text
    assert walk(client, 4, "therapy-warnings") == before


def test_the_words_index_is_read_after_every_roster_and_group():
    """At 100,000 patients the words take about two minutes, the rosters and groups seconds: read first, the
    words had kept therapy-warnings' groups (after search-statements in the catalogue) waiting behind them."""
    from api.app import _read_roster
    from kg.questions.catalogue import catalogue

    read = []

    class Recording:
        def roster(self, look_up=None):
            read.append("roster")
            return ()

        def groups(self, question):
            read.append("groups")
            return type("Groups", (), {"groups": ()})()

        def text_index(self, question):
            read.append("words")
            return ()

    _read_roster(Recording())
    assert read.count("words") == sum(1 for question in catalogue().values() if question.patients_by_words) >= 1
    assert read.index("words") == len(read) - read.count("words"), read
