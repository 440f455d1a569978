"""Answers kept in memory for the graph's version (api/stored_answers.py): asked again, an unchanged graph is not
asked again; nothing kept outlives the version it answered, grows past its budget, or answers another request.

The middleware alone, over a small app that counts what reached it; then the live server (a write's effect on kept
answers is in tests/build/test_cases.py, whose server accepts writes).
"""

import httpx
import pytest
from fastapi.testclient import TestClient
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from api.shared_answers import SharedAnswers
from api.stored_answers import StoredAnswers


def _counting_app(megabytes: int, shared: str | None = None):
    """/patients/{size} answers `size` bytes; /patients/refused a 404; every request that reaches it is counted."""
    asked = []

    async def answer(request: Request):
        asked.append(request.url.path)
        size = request.path_params.get("size", "10")
        if size == "refused":
            return PlainTextResponse("no such patient", status_code=404)
        return PlainTextResponse(f"{request.headers.get('host')} {request.url.query}".ljust(int(size), "."))

    app = Starlette(routes=[Route("/patients/{size}", answer), Route("/health", answer)])
    app.state.version = "v1"
    app.add_middleware(StoredAnswers, megabytes=megabytes, shared=shared)
    return app, asked


@pytest.fixture
def counted():
    app, asked = _counting_app(1)  # 1 MB: an answer of at most 62,500 bytes is kept
    with TestClient(app) as client:
        yield app, client, asked


def test_an_answer_asked_again_is_the_kept_one_and_reaches_no_route(counted):
    _, client, asked = counted
    first, again = client.get("/patients/100?page=2"), client.get("/patients/100?page=2")
    assert first.headers["cache-status"] == "salvage-kg; fwd=miss"
    assert again.headers["cache-status"] == "salvage-kg; hit" and "age" in again.headers
    assert again.content == first.content and again.headers["content-type"] == first.headers["content-type"]
    assert asked == ["/patients/100"]


def test_another_query_string_media_type_or_host_is_another_answer(counted):
    _, client, asked = counted
    client.get("/patients/100?page=1")
    client.get("/patients/100?page=2")
    client.get("/patients/100?page=1", headers={"Accept": "text/csv"})
    other_host = client.get("/patients/100?page=1", headers={"Host": "elsewhere.example"})
    assert other_host.text.startswith("elsewhere.example")
    assert len(asked) == 4


def test_no_cache_or_no_store_asks_anew(counted):
    _, client, asked = counted
    client.get("/patients/100")
    fresh = client.get("/patients/100", headers={"Cache-Control": "no-cache"})
    assert fresh.headers["cache-status"] == "salvage-kg; fwd=request"
    client.get("/patients/200", headers={"Cache-Control": "max-age=0, no-store"})
    assert client.get("/patients/200").headers["cache-status"] == "salvage-kg; fwd=miss", "no-store keeps nothing"
    assert len(asked) == 4


def test_a_refusal_is_never_kept(counted):
    _, client, asked = counted
    assert [client.get("/patients/refused").status_code for _ in range(2)] == [404, 404]
    assert len(asked) == 2


def test_a_new_version_of_the_graph_drops_every_kept_answer(counted):
    app, client, asked = counted
    client.get("/patients/100")
    app.state.version = "v2"  # what a write does (api/app.py)
    assert client.get("/patients/100").headers["cache-status"] == "salvage-kg; fwd=miss"
    assert len(asked) == 2


def test_what_is_kept_stays_within_its_budget_however_many_urls_a_client_sends(counted):
    app, client, asked = counted
    kept = app.middleware_stack
    while not isinstance(kept, StoredAnswers):
        kept = kept.app
    for page in range(200):  # 200 answers of 30 KB: six megabytes asked, one kept
        client.get(f"/patients/30000?page={page}")
    assert 0 < kept.bytes <= 1_000_000 and 25 <= len(kept) <= 33
    assert client.get("/patients/30000?page=199").headers["cache-status"].endswith("hit"), "the latest is kept"
    assert client.get("/patients/30000?page=0").headers["cache-status"].endswith("miss"), "the oldest is dropped"
    client.get("/patients/70000")
    assert client.get("/patients/70000").headers["cache-status"].endswith("miss"), "larger than 1/16: not kept"


def test_routes_whose_answer_is_not_the_graphs_are_not_kept(counted):
    _, client, asked = counted
    client.get("/health")
    assert "cache-status" not in client.get("/health").headers
    assert len(asked) == 2


def test_no_budget_keeps_nothing():
    app, asked = _counting_app(0)
    with TestClient(app) as client:
        assert "cache-status" not in client.get("/patients/10").headers
        client.get("/patients/10")
    assert len(asked) == 2


# --- shared by a server's processes (api/shared_answers.py) --------------------------------------------------------

@pytest.fixture
def two_processes(tmp_path):
    """Two apps as two processes of one server (serve --workers 2) see them: the same shared file."""
    shared = str(tmp_path / "answers.sqlite")
    (one, one_asked), (other, other_asked) = _counting_app(1, shared), _counting_app(1, shared)
    with TestClient(one) as one_client, TestClient(other) as other_client:
        yield (one, one_client, one_asked), (other, other_client, other_asked)


def test_an_answer_one_process_made_is_the_others_without_reaching_its_route(two_processes):
    (_, one, one_asked), (_, other, other_asked) = two_processes
    made = one.get("/patients/100?page=2", headers={"Accept": "text/plain"})
    found = other.get("/patients/100?page=2", headers={"Accept": "text/plain"})
    assert made.headers["cache-status"].endswith("fwd=miss") and found.headers["cache-status"].endswith("hit")
    assert found.content == made.content and found.headers["content-type"] == made.headers["content-type"]
    assert int(found.headers["age"]) >= 0
    assert one_asked == ["/patients/100"] and other_asked == []
    again = other.get("/patients/100?page=2", headers={"Accept": "text/plain"})
    assert again.headers["cache-status"].endswith("hit") and other_asked == [], "kept in its own memory too"
    assert other.get("/patients/100?page=3").headers["cache-status"].endswith("miss"), "another URL, another answer"
    assert other.get("/patients/100?page=2").headers["cache-status"].endswith("miss"), "another media type too"


def test_a_shared_answer_of_another_version_is_never_found(two_processes):
    (_, one, _), (other_app, other, other_asked) = two_processes
    one.get("/patients/100")
    other_app.state.version = "v2"
    assert other.get("/patients/100").headers["cache-status"].endswith("miss") and other_asked == ["/patients/100"]


def test_no_cache_or_no_store_is_not_answered_from_the_shared_file(two_processes):
    (_, one, _), (_, other, other_asked) = two_processes
    one.get("/patients/100")
    assert other.get("/patients/100", headers={"Cache-Control": "no-cache"}).headers["cache-status"].endswith(
        "fwd=request")
    one.get("/patients/200", headers={"Cache-Control": "no-store"})
    assert other.get("/patients/200").headers["cache-status"].endswith("miss"), "no-store keeps nothing"
    assert len(other_asked) == 2


def test_the_shared_file_stays_within_its_budget(tmp_path):
    shared = SharedAnswers(tmp_path / "answers.sqlite", budget=200_000)
    for number in range(400):  # 400 answers of 2,000 bytes: 800 KB asked to be kept
        shared.put(f"answer {number}".encode(), [(b"content-type", b"text/plain")], bytes(2_000), 1.0)
    used = shared.pages_used()
    assert 0 < used <= 200_000 + 8 * 4_096, used
    assert shared.get(b"answer 399") is not None and shared.get(b"answer 0") is None, "the oldest go first"


def test_a_shared_file_that_cannot_be_read_is_a_miss_never_an_error(tmp_path):
    broken = tmp_path / "answers.sqlite"
    broken.write_bytes(b"not a database" * 100)
    app, asked = _counting_app(1, str(broken))
    with TestClient(app) as client:
        answers = [client.get("/patients/100") for _ in range(2)]
    assert [answer.status_code for answer in answers] == [200, 200]
    assert [answer.headers["cache-status"] for answer in answers] == ["salvage-kg; fwd=miss", "salvage-kg; hit"]
    assert asked == ["/patients/100"]


# --- the live server ------------------------------------------------------------------------------------------

def test_a_question_asked_again_is_answered_from_the_kept_answer(http):
    path = "/questions/therapies-by-target?antigen=CD19&limit=2"
    first, again = http.get(path), http.get(path)
    assert first.headers["cache-status"].endswith(("fwd=miss", "hit"))  # another test may have asked it first
    assert again.headers["cache-status"] == "salvage-kg; hit"
    assert again.json() == first.json() and again.json()["rows"]
    assert again.headers["etag"] == first.headers["etag"], "the same answer, the same tag"
    assert http.get(path, headers={"Cache-Control": "no-cache"}).json() == first.json()


def test_a_kept_answer_names_the_host_it_was_asked_of(http):
    """The dataset's VoID names the endpoint's own URL, which depends on the Host the client asked."""
    asked = [http.get("/.well-known/void", headers={"Host": host}) for host in ("one.example", "other.example")]
    again = http.get("/.well-known/void", headers={"Host": "one.example"})
    assert "one.example/sparql" in asked[0].text and "other.example/sparql" in asked[1].text
    assert again.headers["cache-status"].endswith("hit") and again.text == asked[0].text


def test_a_server_of_two_processes_makes_each_answer_once(start_server):
    """serve --workers 2: each connection may reach either process; the question is made by one of them only."""
    server = start_server("--workers", "2")
    path = server.url + "/questions/therapies-by-target?antigen=CD22"
    statuses = [httpx.get(path, headers={"Connection": "close"}).headers["cache-status"] for _ in range(12)]
    assert statuses.count("salvage-kg; fwd=miss") == 1, statuses
