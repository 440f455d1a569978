"""A server killed (SIGKILL) in the middle of a write leaves the store as it was before the write or after it.

The write path logs each phase it reaches ("write phase: checkpoint", "validated", "committing", "committed"); the
server is killed the moment its log shows a phase, restarted on the same store each round, and the store is read
directly: the case is wholly absent or wholly present, the derived facts are exactly what the rules derive from
the stated facts, and every shape holds. No sleeps: the kill points follow the write's own progress.
"""

import contextlib
import os
import signal
import threading
import time

import httpx
import pyoxigraph as ox
from conftest import WRITE_TOKEN, build_store
from derived_lists import as_set
from rdflib import Graph
from server_helpers import log_size
from write_helpers import WRITE, case_id, cohort

from kg.build import rules, validate
from kg.namespaces import case_graph, derived_graph

SEED, PATIENTS = 170, 80


def triples_in(store: ox.Store, graph: str) -> set:
    return {(q.subject, q.predicate, as_set(q.object))
            for q in store.quads_for_pattern(None, None, None, ox.NamedNode(graph))}


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


# Each phase the write logs, and where a kill there must leave the store. Killed once the scratch copy is made, the
# check (derivation, SHACL over the whole graph) has seconds to run: the write cannot have landed. Killed once it
# is committed, it has. Between "validated" and "committed" the commit may or may not have happened, but never half.
PHASES = {"checkpoint": {"before"}, "validated": {"before", "after"}, "committing": {"before", "after"},
          "committed": {"after"}}


def test_a_write_killed_midway_leaves_the_store_before_or_after(start_server, tmp_path):
    store = build_store(tmp_path)
    body = cohort(SEED, patients=PATIENTS)
    expected = len(Graph().parse(data=body.decode(), format="turtle"))
    url = f"/cases/{case_id(SEED)}"

    def start():
        return start_server("--store", store, "--query-workers", "1", env={"SALVAGE_KG_WRITE_TOKEN": WRITE_TOKEN})

    live = start()
    outcomes = {}
    for phase, allowed in PHASES.items():
        offset = log_size(live)
        thread = threading.Thread(target=_put_ignoring_errors, args=(live.url + url, body))
        thread.start()
        seen = wait_for_log(live, offset, f"write phase: {phase}")
        os.kill(live.process.pid, signal.SIGKILL)
        live.process.wait()
        thread.join()
        assert seen, f"the server never logged 'write phase: {phase}':\n{live.log_path.read_text()[-3000:]}"
        outcomes[phase] = state_of(store, expected)
        assert outcomes[phase] in allowed, outcomes
        live = start()  # a killed server's leftovers (snapshots, scratch copy) must not stop the next
        if outcomes[phase] == "after":
            assert httpx.delete(live.url + url, headers=WRITE, timeout=120).status_code == 204
    # Killed after it answered, the write stays.
    assert httpx.put(live.url + url, content=body, headers=WRITE, timeout=120).status_code == 201
    os.kill(live.process.pid, signal.SIGKILL)
    live.process.wait()
    outcomes["answered"] = state_of(store, expected)
    assert outcomes["answered"] == "after"
    print(f"killed at each phase of the write -> {outcomes}")


def wait_for_log(live, offset: int, line: str, seconds: float = 120.0) -> bool:
    """Wait until the server's log, after `offset` bytes, holds the line; False if the server exits or time runs out."""
    deadline = time.monotonic() + seconds
    with live.log_path.open("rb") as log:
        log.seek(offset)
        seen = b""
        while time.monotonic() < deadline and live.process.poll() is None:
            seen += log.read()
            if line.encode() in seen:
                return True
            time.sleep(0.002)
    return False


def _put_ignoring_errors(url: str, body: bytes) -> None:
    with contextlib.suppress(httpx.HTTPError):  # the server is killed under it: what counts is what the store holds
        httpx.put(url, content=body, headers=WRITE, timeout=120)
