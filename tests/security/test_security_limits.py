"""H2, H4, M3, M4: every query runs within a memory and a time limit, stops when its client leaves, and /sparql
and the named questions do not wait in one queue.

The figures a test measures (server memory, latencies) are printed; only bounds that hold on a shared 2-core
machine are asserted.
"""

import statistics
import threading
import time
from pathlib import Path

import httpx
import pytest
from server_helpers import log_since, log_size, workers_replaced

from kg.backends.query_workers import BUDGET, Budget, PooledEngine, QueryError, QueryWorkers

MEMORY_MB = 200  # per worker, in the server these tests start
CARTESIAN_ORDER_BY = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?c ?f ?i LIMIT 1"
# An Oxigraph sort bug aborts the engine: ORDER BY over these decimals and years (values of the graph, in an order
# found to trip it) makes Rust's sort detect a comparison that is not a total order, and it panics. Inline, so that
# the crash does not depend on the order in which a store hands its quads over.
SORT_CRASH = (
    'PREFIX xsd: <http://www.w3.org/2001/XMLSchema#> SELECT ?o WHERE { VALUES ?o { '
    '"44"^^xsd:decimal "77"^^xsd:decimal "73.8"^^xsd:decimal "61.4"^^xsd:decimal "57"^^xsd:decimal '
    '"7.7"^^xsd:decimal "0.93"^^xsd:decimal "2016"^^xsd:gYear "21"^^xsd:decimal "6.2"^^xsd:decimal '
    '"45"^^xsd:decimal "88"^^xsd:decimal "55"^^xsd:decimal "92.3"^^xsd:decimal "6"^^xsd:decimal '
    '"26"^^xsd:decimal "39"^^xsd:decimal "14"^^xsd:decimal "80"^^xsd:decimal "0.71"^^xsd:decimal '
    '"2015"^^xsd:gYear "2024"^^xsd:gYear "0.55"^^xsd:decimal "73"^^xsd:decimal "2021"^^xsd:gYear '
    '"2022"^^xsd:gYear "40"^^xsd:decimal "52"^^xsd:decimal "2.5"^^xsd:decimal "12"^^xsd:decimal '
    '"30.9"^^xsd:decimal "0.33"^^xsd:decimal "2019"^^xsd:gYear "180"^^xsd:decimal "80.7"^^xsd:decimal '
    '"67"^^xsd:decimal "2.1"^^xsd:decimal "4"^^xsd:decimal "25"^^xsd:decimal "70.9"^^xsd:decimal '
    '"29.4"^^xsd:decimal "2020"^^xsd:gYear "66"^^xsd:decimal "2017"^^xsd:gYear "16"^^xsd:decimal '
    '"72"^^xsd:decimal "85"^^xsd:decimal "0.8"^^xsd:decimal "0.01"^^xsd:decimal "66.7"^^xsd:decimal '
    '"32"^^xsd:decimal "34"^^xsd:decimal "0.5"^^xsd:decimal "120"^^xsd:decimal "100"^^xsd:decimal '
    '} } ORDER BY DESC(?o)'
)
QUESTION = "/questions/antigen-escapes"


def doubling(levels: int = 30) -> str:
    """A string that doubles at each nested level: 8 bytes times 2**levels of memory, unless stopped."""
    query = 'SELECT ?x0 WHERE { BIND("xxxxxxxx" AS ?x0) }'
    for level in range(1, levels + 1):
        query = f"SELECT ?x{level} WHERE {{ {{ {query} }} BIND(CONCAT(?x{level - 1}, ?x{level - 1}) AS ?x{level}) }}"
    return f"SELECT (STRLEN(?x{levels}) AS ?n) WHERE {{ {{ {query} }} }}"


@pytest.fixture(scope="module")
def capped(start_server):
    """A server whose workers may each take 200 MB beyond their copy of the graph."""
    return start_server(env={"SALVAGE_KG_QUERY_MEMORY_MB": str(MEMORY_MB)})


def tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants, in MB."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError):
                continue
            children.setdefault(parent, []).append(int(entry.name))
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        todo += children.get(current, [])
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


def test_m3_a_crashing_sort_gets_an_honest_answer_logged_once_briefly(capped):
    offset = log_size(capped)
    with httpx.Client(base_url=capped.url, timeout=30) as client:
        response = client.get("/sparql", params={"query": SORT_CRASH})
        assert response.status_code == 400, response.text
        assert response.json()["error"] == "crashed"
        message = response.json()["message"]
        assert message.startswith("the query worker stopped: it crashed"), message
        assert "nested too deeply" not in message
        workers_replaced(capped.url)
        assert client.get("/sparql", params={"query": "ASK { ?s ?p ?o }"}).json()["boolean"] is True
    logged = log_since(capped, offset)
    assert logged.count("stopped under a query") == 1, logged
    assert "total order" in logged  # what the engine said, in the one line
    assert "stack backtrace" not in logged and "libc_start" not in logged


def test_h2_a_string_doubling_query_stops_at_the_memory_limit(capped):
    with httpx.Client(base_url=capped.url, timeout=30) as client:
        response = client.get("/sparql", params={"query": doubling()})
        # Within the 2 s limit the doubling passes 200 MB; past it the worker is stopped, whichever comes first.
        assert response.status_code in (400, 503), response.text
        if response.status_code == 400:
            assert f"ran out of its memory limit of {MEMORY_MB} MB" in response.json()["message"]
        workers_replaced(capped.url)


def test_h2_m4_memory_bombs_and_a_sparql_flood_leave_memory_bounded_and_questions_fast(capped):
    url = capped.url
    with httpx.Client(base_url=url, timeout=30) as client:
        for _ in range(3):
            client.get(QUESTION)  # warm
        idle = []
        for _ in range(15):
            started = time.monotonic()
            assert client.get(QUESTION).status_code == 200
            idle.append(time.monotonic() - started)
    idle_rss = tree_rss_mb(capped.process.pid)

    stop = threading.Event()
    answers: list[int] = []

    def attack(query: str) -> None:
        with httpx.Client(base_url=url, timeout=30) as client:
            while not stop.is_set():
                answers.append(client.get("/sparql", params={"query": query}).status_code)

    attackers = [threading.Thread(target=attack, args=(query,))
                 for query in (doubling(), doubling(), CARTESIAN_ORDER_BY, CARTESIAN_ORDER_BY)]
    for thread in attackers:
        thread.start()
    busy, health, peak = [], [], idle_rss
    try:
        with httpx.Client(base_url=url, timeout=30) as client:
            finish = time.monotonic() + 8
            while time.monotonic() < finish:
                started = time.monotonic()
                assert client.get("/health").status_code == 200
                health.append(time.monotonic() - started)
                started = time.monotonic()
                assert client.get(QUESTION).status_code == 200
                busy.append(time.monotonic() - started)
                peak = max(peak, tree_rss_mb(capped.process.pid))
                time.sleep(0.1)
    finally:
        stop.set()
        for thread in attackers:
            thread.join()
    workers = 2 + 2  # query and question workers of the test server
    bound = idle_rss + 2 * MEMORY_MB + 300  # two /sparql workers at their cap, plus slack for the rest
    print(f"\nserver tree RSS: idle {idle_rss:.0f} MB, peak under attack {peak:.0f} MB (bound {bound:.0f} MB, "
          f"{workers} workers); /health max {max(health) * 1000:.0f} ms; {QUESTION} p50 idle "
          f"{statistics.median(idle) * 1000:.1f} ms, under attack {statistics.median(busy) * 1000:.1f} ms; "
          f"attack answers {sorted(set(answers))}")
    assert peak < bound
    assert max(health) < 1.0
    assert statistics.median(busy) < max(2 * statistics.median(idle), 0.25)
    assert set(answers) <= {400, 503}


def test_h4_named_questions_run_under_the_time_limit(start_server):
    # A limit no question can meet: every named question, look-up and page answers 503 at once, never runs on.
    hurried = start_server("--query-timeout", "0.001")
    with httpx.Client(base_url=hurried.url, timeout=30) as client:
        for path in (QUESTION, "/questions/salvage-options?lost_antigen=CD19", "/patients",
                     "/patients/pbc-2021/timeline", "/pathways"):
            response = client.get(path)
            assert response.status_code == 503, (path, response.text)
            assert response.json()["error"] in ("timeout", "busy", "pathways_not_ready"), response.text


@pytest.fixture(scope="module")
def question_pool(tmp_path_factory):
    dump = tmp_path_factory.mktemp("questions") / "graph.nq"
    dump.write_text("".join(f"<urn:x:s{n}> <urn:x:p> <urn:x:o{n}> .\n" for n in range(300)))
    pool = QueryWorkers(("nquads", str(dump)), size=1, timeout=30, name="salvage-kg-question-worker")
    yield pool
    pool.close()


SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


def test_h4_a_named_question_stops_when_its_client_leaves(question_pool):
    engine = PooledEngine(question_pool)
    budget = Budget(30)
    token = BUDGET.set(budget)
    try:
        threading.Timer(0.5, budget.cancelled.set).start()
        started = time.monotonic()
        with pytest.raises(QueryError) as stopped:
            engine.select(SLOW)
        assert stopped.value.kind == "cancelled"
        assert time.monotonic() - started < 5  # not the 30 s budget
    finally:
        BUDGET.reset(token)
    assert engine.ask("ASK { ?s ?p ?o }") is True  # a fresh worker took its place


def test_h4_a_named_question_stops_at_its_requests_deadline(question_pool):
    engine = PooledEngine(question_pool)
    token = BUDGET.set(Budget(0.5))
    try:
        started = time.monotonic()
        with pytest.raises(QueryError) as stopped:
            engine.select(SLOW)
        assert stopped.value.kind == "timeout"
        assert time.monotonic() - started < 5
    finally:
        BUDGET.reset(token)


def test_h4_concurrent_first_callers_share_one_build_of_the_pathways(capped):
    offset = log_size(capped)
    statuses: list[int] = []

    def call() -> None:
        with httpx.Client(base_url=capped.url, timeout=30) as client:
            statuses.append(client.get("/pathways").status_code)

    callers = [threading.Thread(target=call) for _ in range(4)]
    for thread in callers:
        thread.start()
    for thread in callers:
        thread.join()
    assert statuses == [200] * 4
    assert log_since(capped, offset).count("pathways of the cohort read") == 1


def test_m4_a_flood_of_waiting_sparql_queries_leaves_named_questions_their_threads(capped):
    # More waiting /sparql clients than the server has threads (40): they wait on the event loop, not in threads.
    url = capped.url
    with httpx.Client(base_url=url, timeout=30) as client:
        idle = []
        for _ in range(10):
            started = time.monotonic()
            assert client.get(QUESTION).status_code == 200
            idle.append(time.monotonic() - started)
    stop = threading.Event()

    def flood() -> None:
        with httpx.Client(base_url=url, timeout=30) as client:
            while not stop.is_set():
                client.get("/sparql", params={"query": SLOW})

    clients = [threading.Thread(target=flood) for _ in range(60)]
    for thread in clients:
        thread.start()
    time.sleep(2)  # every flood client is waiting or running
    busy = []
    try:
        with httpx.Client(base_url=url, timeout=30) as client:
            for _ in range(10):
                started = time.monotonic()
                assert client.get(QUESTION).status_code == 200
                busy.append(time.monotonic() - started)
    finally:
        stop.set()
        for thread in clients:
            thread.join()
    print(f"\n{QUESTION} p50 idle {statistics.median(idle) * 1000:.1f} ms, with 60 slow /sparql clients "
          f"{statistics.median(busy) * 1000:.1f} ms (max {max(busy) * 1000:.0f} ms)")
    assert statistics.median(busy) < 1.0  # it was 2.6 s: queued behind the waiting /sparql requests


def test_h4_the_time_limit_middleware_flags_a_client_that_leaves():
    import asyncio

    from api.time_limits import TimeLimits

    seen = {}

    async def route(scope, receive, send):  # a named question's route: it runs until its budget says stop
        budget = BUDGET.get()
        seen["budget"] = budget
        started = time.monotonic()
        while not budget.cancelled.is_set() and time.monotonic() - started < 5:
            await asyncio.sleep(0.01)
        seen["after"] = time.monotonic() - started

    async def receive():
        await asyncio.sleep(0.3)  # the client hangs up
        return {"type": "http.disconnect"}

    async def send(message):
        pass

    scope = {"type": "http", "method": "GET", "path": "/questions/antigen-escapes"}
    asyncio.run(TimeLimits(route, seconds=10)(scope, receive, send))
    assert seen["budget"].cancelled.is_set()
    assert seen["after"] < 2
    assert abs(seen["budget"].left() + seen["after"] - 10) < 1  # the request's own 10 s budget
    assert BUDGET.get() is None  # nothing leaks to the next request
