"""`salvage-kg loadtest` runs end to end and reports its figures (a few seconds on the bundled cases).

It needs wrk (Debian package `wrk`, which scripts/test installs when run as root); without it the test is skipped
with the reason, and the command itself fails and says so.
"""

import json
import shutil
import subprocess

from conftest import EXE, missing_tool

from kg.questions.catalogue import catalogue
from kg.tools import loadtest


def test_loadtest_reports_throughput_latency_and_errors(tmp_path):
    if shutil.which("wrk") is None:
        missing_tool("wrk is not installed: apt-get install wrk (scripts/test does so as root)")
    out = tmp_path / "load.json"
    done = subprocess.run([EXE, "loadtest", "--patients", "0", "--users", "2", "--duration", "3", "--workers", "1",
                           "--out", str(out)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(out.read_text())
    assert result["errors"] == 0 and result["requests"] > 10
    assert 0 < result["p50_ms"] <= result["p99_ms"] <= result["max_ms"]
    assert result["requests_per_s"] > 0
    assert result["named_questions"] == sorted(catalogue())  # every named question is in the mix
    assert "requests/s" in done.stdout and "p99" in done.stdout
    assert result["refused"] == {}  # read from the server's log: every refusal by route and kind


def test_the_refusals_are_read_by_route_and_kind_from_the_servers_log():
    log = (
        "2026-12-03 08:46:08,936 INFO salvage_kg.api: refused GET /questions/therapies-by-target -> 503 timeout: "
        "the request ran longer than its time limit and was stopped\n"
        'INFO:     127.0.0.1:51654 - "GET /health HTTP/1.1" 200 OK\n'
        "2026-12-03 08:46:09,001 INFO salvage_kg.api: refused GET /questions/therapies-by-target -> 503 busy: all 2\n"
        "2026-12-03 08:46:09,002 INFO salvage_kg.api: refused GET /questions/therapies-by-target -> 503 timeout: x\n"
        "2026-12-03 08:46:09,003 INFO salvage_kg.api: refused GET /sparql -> 499 cancelled: the client went away\n"
    )
    assert loadtest.refusals(log) == {
        "/sparql": {"499 cancelled": 1},
        "therapies-by-target": {"503 busy": 1, "503 timeout": 2},
    }
    # The clients' last requests, cut off as they stop, are logged after the run's end: not counted.
    assert loadtest.refusals(log, until="2026-12-03 08:46:08") == {"therapies-by-target": {"503 timeout": 1}}


def test_a_cached_store_written_before_merging_is_merged_before_it_is_served(graph, tmp_path, monkeypatch):
    """A cache folder from before stop 33 holds the bulk load unmerged: reused as it was, the runs timed a store
    slower than the one `build --store` leaves (a page of therapy-warnings 250-290 ms against 60-75 ms)."""
    import pyoxigraph as ox

    from kg.backends import stores

    directory = tmp_path / "store-5-seed1"
    unmerged = ox.Store(str(directory))
    unmerged.bulk_extend(graph.store)
    unmerged.flush()
    del unmerged
    merged = []
    real = stores.compact
    monkeypatch.setattr(stores, "compact", lambda store, merge=True: (merged.append(merge), real(store, merge=merge)))
    assert loadtest.cached_store(5, 1, tmp_path, print) == directory
    assert merged == [True]
    assert len(stores.open_read_only(directory)) == len(graph.store)
