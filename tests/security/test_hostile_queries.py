"""Hostile SPARQL against a live server with a 2 s time limit.

Every attack must get a 4xx, or the time-limit error (503 "ran longer than the limit"), within twice the limit;
/health must answer all the while; the query workers must be idle afterwards; the refusal must be in the log.
"""

import socket
import time

import httpx
import pytest
from server_helpers import log_since, log_size, while_health_polled, worker_cpu, workers_replaced

LIMIT = 2.0  # conftest.LiveServer.QUERY_TIMEOUT: the server these tests get
SLACK = 0.5
SK = "https://w3id.org/salvage-kg/ontology#"
EVERYTHING = "(<urn:x:p>|!<urn:x:p>)*"  # any path of any length: the whole graph's transitive closure
SPARQL_QUERY = {"Content-Type": "application/sparql-query"}


def get(query: str, **extra):
    return lambda client: client.get("/sparql", params={"query": query}, **extra)


def post(body, content_type: str):
    return lambda client: client.post("/sparql", content=body, headers={"Content-Type": content_type})


def form(**fields):
    return lambda client: client.post("/sparql", data=fields)


def nested(depth: int) -> str:
    return "SELECT * WHERE " + "{" * depth + "?s ?p ?o" + "}" * depth + " LIMIT 1"


def doubling(levels: int) -> str:
    """A string that doubles at each nested level: 8 bytes times 2**levels of memory, unless stopped."""
    query = 'SELECT ?x0 WHERE { BIND("xxxxxxxx" AS ?x0) }'
    for level in range(1, levels + 1):
        query = f"SELECT ?x{level} WHERE {{ {{ {query} }} BIND(CONCAT(?x{level - 1}, ?x{level - 1}) AS ?x{level}) }}"
    return f"SELECT (STRLEN(?x{levels}) AS ?n) WHERE {{ {{ {query} }} }}"


# (id, request, expected status, expected error kind)
ATTACKS = [
    ("cartesian-count", get("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"), 503, "timeout"),
    # Sorting a cartesian product holds it all in memory: the time limit or the memory limit stops it first.
    ("cartesian-order-by", get("SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?c ?f ?i LIMIT 1"),
     (503, 400), ("timeout", "crashed")),
    # Streamed out as it is found: the result size limit stops it, or, the graph holding the studies too (each
    # triple then found ~4,000 times over before the next), the time limit first.
    ("cartesian-construct", get("CONSTRUCT { ?a ?b ?f } WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"),
     (413, 503), ("too_large", "timeout")),
    # The closure itself is small on this graph (0.4 s, as many rows as reachable pairs); two of them crossed is not.
    ("unbounded-paths-crossed", get(f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s {EVERYTHING} ?o . ?x {EVERYTHING} ?y }}"),
     503, "timeout"),
    ("unbounded-path-rows", get(f"SELECT * WHERE {{ ?s {EVERYTHING} ?o }}"), 413, "too_large"),
    ("long-path-sequence", get("ASK { ?s <urn:x:p>" + "/<urn:x:p>" * 1000 + " ?o }"), 503, "timeout"),
    ("huge-offset-over-explosion", get("SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } OFFSET 1000000000000000000"),
     503, "timeout"),
    # 8 GB if it ran to the end; the time limit or the memory limit stops it after a few hundred MB.
    ("string-doubling-memory", get(doubling(30)), (503, 400), ("timeout", "crashed")),
    ("huge-limit", get("SELECT * WHERE { ?s ?p ?o } LIMIT 1000000000000000000"), 413, "too_large"),
    ("limit-past-64-bits", get("SELECT * WHERE { ?s ?p ?o } LIMIT 99999999999999999999999"), 400, "syntax"),
    ("offset-past-64-bits", get("SELECT * WHERE { ?s ?p ?o } OFFSET 99999999999999999999999"), 400, "syntax"),
    ("nested-groups-5000", post(nested(5000), "application/sparql-query"), 400, "too_deeply_nested"),
    ("nested-parentheses-5000", get("ASK { FILTER(" + "(" * 5000 + "1" + ")" * 5000 + ") }"),
     400, "too_deeply_nested"),
    ("nested-subqueries-300", post("SELECT * WHERE { " + "{ SELECT * WHERE " * 300 + "{ ?s ?p ?o }" + " }" * 300
                                   + " }", "application/sparql-query"), 400, "too_deeply_nested"),
    ("nested-blank-nodes-1000", get("ASK { ?s <urn:x:p> " + "[<urn:x:p> " * 1000 + "1" + "]" * 1000 + " }"),
     400, "too_deeply_nested"),
    ("query-1mb-body", post("ASK {}" + " " * (1 << 20), "application/sparql-query"), 413, "body_too_large"),
    ("query-1mb-form", form(query="ASK {}" + "#" * (1 << 20)), 413, "body_too_large"),
    ("query-over-length-limit", form(query="ASK {}" + " " * 20_001), 413, "query_too_long"),
    ("update-drop-via-get", get("DROP ALL"), 403, "read_only"),
    ("update-clear-via-get", get("CLEAR SILENT DEFAULT"), 403, "read_only"),
    ("update-param-via-get", lambda client: client.get("/sparql", params={"update": "DROP ALL"}), 403, "read_only"),
    ("update-beside-query-via-get", lambda client: client.get("/sparql", params={"query": "ASK {}",
                                                                                  "update": "CLEAR ALL"}),
     403, "read_only"),
    ("update-insert-via-form", form(query="INSERT DATA { <urn:x:a> <urn:x:b> <urn:x:c> }"), 403, "read_only"),
    ("update-delete-where-via-form", form(query="# comment first\nDELETE WHERE { ?s ?p ?o }"), 403, "read_only"),
    ("update-field-via-form", form(update="DROP ALL"), 403, "read_only"),
    ("update-and-query-via-form", form(query="ASK {}", update="DROP ALL"), 403, "read_only"),
    ("update-body", post("DROP ALL", "application/sparql-update"), 403, "read_only"),
    ("update-as-query-body", post("PREFIX x: <urn:x:>\nBASE <urn:y:>\nclear all", "application/sparql-query"),
     403, "read_only"),
    ("invalid-utf8-in-url", lambda client: client.get("/sparql?query=ASK%20%7B%FF%7D"), 400, "invalid_encoding"),
    ("surrogate-in-url", lambda client: client.get("/sparql?query=ASK%20%7B%ED%A0%80%7D"), 400, "invalid_encoding"),
    ("invalid-utf8-body", post(b"ASK { \xff }", "application/sparql-query"), 400, "invalid_encoding"),
    ("invalid-utf8-form-raw", post(b"query=ASK \xfe", "application/x-www-form-urlencoded"), 400, "invalid_encoding"),
    ("invalid-utf8-form-escaped", post(b"query=ASK%20%C3", "application/x-www-form-urlencoded"),
     400, "invalid_encoding"),
    ("content-type-text", post("ASK {}", "text/plain"), 415, "unsupported_media_type"),
    ("content-type-json", lambda client: client.post("/sparql", json={"query": "ASK {}"}),
     415, "unsupported_media_type"),
    ("content-type-multipart", lambda client: client.post("/sparql", files={"query": ("q.rq", b"ASK {}")}),
     415, "unsupported_media_type"),
    ("content-type-missing", lambda client: client.post("/sparql", content=b"ASK {}"), 415, "unsupported_media_type"),
    ("accept-unknown", get("ASK {}", headers={"Accept": "application/x-unknown"}), 406, "not_acceptable"),
    ("accept-huge", get("ASK {}", headers={"Accept": ", ".join(f"text/x-{n}" for n in range(3000))}),
     406, "not_acceptable"),
    ("accept-garbage", get("ASK {}", headers={"Accept": ";;;,,q=x,*/*;q=abc"}), 406, "not_acceptable"),
    ("query-empty", get("   "), 400, "invalid_request"),
    ("query-missing-from-form", form(**{"default-graph-uri": "urn:x:g"}), 400, "invalid_request"),
    ("query-twice", lambda client: client.get("/sparql", params=[("query", "ASK {}"), ("query", "ASK {}")]),
     400, "invalid_request"),
    ("graph-uri-not-an-iri", lambda client: client.get("/sparql", params={"query": "ASK {}",
                                                                           "default-graph-uri": "not an iri"}),
     400, "invalid_graph_uri"),
    ("syntax-garbage", get("\x00\x01 SELECT }{"), 400, "syntax"),
]


@pytest.mark.parametrize("send, status, error", [attack[1:] for attack in ATTACKS], ids=[a[0] for a in ATTACKS])
def test_attack_is_refused_or_stopped_in_time(server, send, status, error):
    offset = log_size(server)
    with httpx.Client(base_url=server.url, timeout=30) as client:
        response, seconds, health = while_health_polled(server.url, lambda: send(client))

    assert not isinstance(response, Exception), response
    expected = set(zip(status, error, strict=True)) if isinstance(status, tuple) else {(status, error)}
    status, error = response.status_code, response.json()["error"]
    assert (status, error) in expected, response.text[:300]
    assert response.json()["message"]
    assert seconds <= 2 * LIMIT + SLACK
    assert all(code == 200 for code, _ in health)
    assert max(latency for _, latency in health) < 1.0
    workers_replaced(server.url)
    assert worker_cpu(server.process.pid, 0.5) < 0.15, "a query worker is still busy"
    assert f"-> {status} {error}:" in log_since(server, offset)


def test_the_graph_is_unchanged_after_the_updates(http):
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    assert int(http.get("/sparql", params={"query": count}).json()["results"]["bindings"][0]["n"]["value"]) > 1000
    assert http.get("/sparql", params={"query": "ASK { <urn:x:a> <urn:x:b> <urn:x:c> }"}).json()["boolean"] is False


def _raw(server, request: bytes, read_timeout: float = 5.0) -> bytes:
    with socket.create_connection(("127.0.0.1", server.port), timeout=read_timeout) as sock:
        sock.sendall(request)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
        return received


def test_a_1mb_url_is_refused_by_the_http_layer(server):
    # Past the HTTP parser's limit the request never reaches the app: a plain-text 400 from uvicorn.
    answer = _raw(server, b"GET /sparql?query=ASK%7B%7D" + b"%20" * (1 << 20) + b" HTTP/1.1\r\nHost: x\r\n"
                  b"Connection: close\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 400 ")


def test_a_huge_declared_body_is_refused_before_it_is_read(server):
    started = time.monotonic()
    answer = _raw(server, b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
                  b"Content-Length: 100000000000\r\nConnection: close\r\n\r\nASK {}")
    assert answer.startswith(b"HTTP/1.1 413 ") and b"body_too_large" in answer
    assert time.monotonic() - started < 1.0


@pytest.fixture
def listener():
    """A port on 127.0.0.1 that records whether anything connects to it."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        sock.settimeout(1.0)
        yield sock


def _connected(sock: socket.socket) -> bool:
    try:
        sock.accept()[0].close()
        return True
    except TimeoutError:
        return False


@pytest.mark.parametrize("template", [
    "SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ ?s ?p ?o . service silent <{url}> {{ ?s ?p ?x }} }}",
    "SELECT * WHERE {{ BIND(<{url}> AS ?endpoint) SERVICE ?endpoint {{ ?s ?p ?o }} }}",
    "LOAD <{url}data.ttl>",
    "SELECT * FROM <{url}data.ttl> WHERE {{ ?s ?p ?o }} LIMIT 1",
])
def test_no_outbound_connection_is_ever_made(server, http, listener, template):
    url = f"http://127.0.0.1:{listener.getsockname()[1]}/"
    response = http.get("/sparql", params={"query": template.format(url=url)})
    assert response.status_code in (200, 400, 403), response.text
    if "SERVICE" in template.upper():
        assert response.status_code == 400 and response.json()["error"] == "service_disabled"
    assert not _connected(listener), "the server connected to an outside address"


def test_a_client_that_leaves_mid_query_does_not_leave_its_worker_busy(server):
    offset = log_size(server)
    with httpx.Client(base_url=server.url, timeout=0.5) as client, pytest.raises(httpx.ReadTimeout):
        client.get("/sparql", params={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"})
    time.sleep(0.5)  # the server looks at its client every 0.2 s, then kills the worker
    workers_replaced(server.url)
    assert worker_cpu(server.process.pid, 0.5) < 0.15  # nothing is burning CPU any more...
    # ...because the client left, not because the 2 s limit stopped the query (that is a `503 timeout`). Read from
    # the log, not from a clock: on a loaded CI machine the checks above took 4.9 s once.
    assert "-> 499 cancelled:" in log_since(server, offset)
    with httpx.Client(base_url=server.url, timeout=10) as client:
        assert client.get("/sparql", params={"query": "ASK { ?s ?p ?o }"}).json()["boolean"] is True
