"""Answers kept in memory for the graph's version (api/stored_answers.py): asked again, an unchanged graph is not
asked again; nothing kept outlives the version it answered, grows past its budget, or answers another request.

The middleware alone, over a small app that counts what reached it; then the live server (a write's effect on kept
answers is in tests/build/test_cases.py, whose server accepts writes).
"""

import pytest
from fastapi.testclient import TestClient
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from api.stored_answers import StoredAnswers


def _counting_app(megabytes: int):
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
    app.add_middleware(StoredAnswers, megabytes=megabytes)
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
