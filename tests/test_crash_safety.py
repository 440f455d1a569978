"""A server killed (SIGKILL) in the middle of a write leaves the store as it was before the write or after it.

The write is timed once; then the server is killed at points spread over that time, restarted on the same store
each round, and the store is read directly: the case is wholly absent or wholly present, the derived facts are
exactly what the rules derive from the stated facts, and every shape holds.
"""

import contextlib
import os
import signal
import threading
import time

import httpx
import pyoxigraph as ox
from conftest import WRITE_TOKEN, build_store
from rdflib import Graph
from test_cases import WRITE, case_id, cohort

from kg import rules, validate
from kg.namespaces import case_graph, derived_graph

SEED, PATIENTS = 170, 80


def triples_in(store: ox.Store, graph: str) -> set:
    return {(q.subject, q.predicate, q.object) for q in store.quads_for_pattern(None, None, None, ox.NamedNode(graph))}


def state_of(directory: str, expected: int) -> str:
    """'before' or 'after', once the store is shown to be whole; fails on anything in between."""
    stored = ox.Store.read_only(directory)
    copy = ox.Store()
    copy.bulk_extend(stored)
    del stored
    case = len(triples_in(copy, str(case_graph(case_id(SEED)))))
    assert case in (0, expected), f"half a case: {case} of {expected} triples"
    derived = {rule.name: triples_in(copy, str(derived_graph(rule.name))) for rule in rules.rules()}
    rules.derive(copy)
    for rule in rules.rules():
        assert derived[rule.name] == triples_in(copy, str(derived_graph(rule.name))), f"stale {rule.name} facts"
    assert validate.violations_in_store(copy) == []
    return "after" if case else "before"


def test_a_write_killed_midway_leaves_the_store_before_or_after(start_server, tmp_path):
    store = build_store(tmp_path)
    body = cohort(SEED, patients=PATIENTS)
    expected = len(Graph().parse(data=body.decode(), format="turtle"))
    url = f"/cases/{case_id(SEED)}"

    def start():
        return start_server("--store", store, "--query-workers", "1", env={"SALVAGE_KG_WRITE_TOKEN": WRITE_TOKEN})

    live = start()
    started = time.monotonic()
    assert httpx.put(live.url + url, content=body, headers=WRITE, timeout=120).status_code == 201
    duration = time.monotonic() - started
    assert httpx.delete(live.url + url, headers=WRITE, timeout=120).status_code == 204

    outcomes = []
    for fraction in (0.05, 0.2, 0.3, 0.35, 0.4, 0.5, 1.5):  # the commit comes before the workers are renewed
        thread = threading.Thread(target=_put_ignoring_errors, args=(live.url + url, body))
        thread.start()
        time.sleep(duration * fraction)
        os.kill(live.process.pid, signal.SIGKILL)
        live.process.wait()
        thread.join()
        outcomes.append(state_of(store, expected))
        live = start()  # a killed server's leftovers (snapshots, scratch copy) must not stop the next
        if outcomes[-1] == "after":
            assert httpx.delete(live.url + url, headers=WRITE, timeout=120).status_code == 204
    live.stop()
    # Killed at the start the write never lands; killed after it answered, it stays.
    assert outcomes[0] == "before" and outcomes[-1] == "after", outcomes
    print(f"write of {duration:.2f} s killed at fractions -> {outcomes}")


def _put_ignoring_errors(url: str, body: bytes) -> None:
    with contextlib.suppress(httpx.HTTPError):  # the server is killed under it: what counts is what the store holds
        httpx.put(url, content=body, headers=WRITE, timeout=120)
