"""Run SPARQL in worker processes that can be stopped at a time limit, within a memory limit, without network.

pyoxigraph's Store.query cannot be interrupted, so a query is run in a separate process holding its own read-only copy
of the graph (kg.backends.worker_process); when the time limit passes or the client leaves, that process is killed
(its CPU is freed at once) and a fresh one takes its place; one that dies under a query (its memory limit, an engine
crash) is replaced the same way, and the client is told which. Results are serialised by pyoxigraph inside the worker
and come back as bytes, capped at a size limit, so the server never builds Python objects per row. The server keeps
two pools: one for /sparql, one for the named questions, so a flood on one does not slow the other.
"""

import contextlib
import logging
import multiprocessing
import os
import signal
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextvars import ContextVar
from pathlib import Path

from kg.backends.waiting_line import WaitingLine
from kg.backends.worker_process import (  # noqa: F401 - the request and result shapes are used through this module
    BOOLEAN_FORMATS,
    GRAPH_FORMATS,
    SOLUTION_FORMATS,
    NQuadsDump,
    QueryError,
    QueryRequest,
    QueryResult,
    StoreCopy,
    WorkerLoad,
    worker_main,
)

log = logging.getLogger("salvage_kg.query_workers")

_CONTEXT = multiprocessing.get_context("spawn")  # never fork a process that runs server threads
_TICK = 0.05  # seconds between looks at the time limit and at the client while a query runs


_warned = threading.Event()  # the missing namespace is said once per server, not once per worker


class _Worker:
    def __init__(self, load: WorkerLoad, memory_mb: int | None, name: str, nice: int = 0):
        self.load = load
        self.memory_mb = memory_mb
        # What the worker writes to stderr as it dies (Oxigraph's panic, a failed allocation) tells the client why.
        # The file is unlinked once the worker has it open, and read through our own descriptor: nothing is left
        # on disk however the server ends, SIGKILL included.
        self._errors, path = tempfile.mkstemp(prefix="salvage-kg-worker-", suffix=".err")
        try:
            self.connection, child = _CONTEXT.Pipe()
            self.process = _CONTEXT.Process(target=worker_main, args=(child, load, memory_mb, path),
                                            daemon=True, name=name)
            self.process.start()
            if nice:  # at once, so that even its start-up (imports, loading the graph) yields the CPU
                os.setpriority(os.PRIO_PROCESS, self.process.pid, nice)
            child.close()
            status, no_network = self.connection.recv()  # wait until the graph is loaded
        finally:
            Path(path).unlink(missing_ok=True)
        assert status == "ready"
        if no_network and not _warned.is_set():
            _warned.set()
            log.warning("query workers keep the network (no network namespace: %s); SERVICE is refused by the "
                        "query check alone", no_network)

    def kill(self) -> None:
        if self.process.is_alive():
            os.kill(self.process.pid, signal.SIGKILL)
        self.process.join(timeout=5)
        self.connection.close()
        with contextlib.suppress(OSError):
            os.close(self._errors)

    def why_it_stopped(self) -> QueryError:
        """After the process died under a query: what to tell the client, from what the engine wrote as it
        stopped; logged once, in one line."""
        self.process.join(timeout=5)
        try:
            size = os.fstat(self._errors).st_size
            said = os.pread(self._errors, 4000, max(0, size - 4000)).decode("utf-8", "replace")
        except OSError:
            said = ""
        lines = [line.strip() for line in said.splitlines() if line.strip() and not line.startswith("note:")]
        if "memory allocation of" in said or "MemoryError" in said:
            reason = f"it ran out of its memory limit of {self.memory_mb} MB"
        elif self.process.exitcode == -signal.SIGSEGV:
            reason = "it crashed (its stack overflowed)"
        else:
            reason = "it crashed"
        log.warning("query worker %s stopped under a query (exit %s): %s%s", self.process.pid,
                    self.process.exitcode, reason, f"; it said: {lines[-1][:300]}" if lines else "")
        return QueryError("crashed", f"the query worker stopped: {reason}; the query was not answered (narrow "
                                     "or simplify it). A fresh worker takes its place.")


class QueryWorkers:
    """A fixed number of worker processes; a query waits for a free one, runs, and is killed at the limit.

    `retired(load)` is called once no worker reads a copy of the graph that `reload` replaced.
    """

    def __init__(self, load: WorkerLoad, size: int = 2, timeout: float = 10.0,
                 retired: Callable[[str], None] = lambda location: None, memory_mb: int | None = None,
                 name: str = "salvage-kg-query-worker", nice: int = 0):
        self.load = load
        self.timeout = timeout
        self.memory_mb = memory_mb
        self.name = name
        self.nice = nice  # added to the workers' CPU niceness: the /sparql pool yields to everything else
        self.retired = retired
        self._idle: WaitingLine[_Worker] = WaitingLine()  # free workers, handed out earliest deadline first
        self._lock = threading.Lock()
        self._readers: Counter[WorkerLoad] = Counter()
        self._closed = False
        self._starting = 0  # replacements for killed workers, loading in the background
        for _ in range(size):
            self._idle.put(self._start(load))
        self.size = size

    def _start(self, load: WorkerLoad) -> _Worker:
        worker = _Worker(load, self.memory_mb, self.name, self.nice)
        with self._lock:
            self._readers[load] += 1
        return worker

    @property
    def starting(self) -> int:
        """Workers being started in place of killed ones; 0 once the pool is back to full strength."""
        with self._lock:
            return self._starting

    def _replace(self) -> None:
        # In the background: loading a copy of the graph takes seconds on a busy machine, and the answer to the
        # query that was stopped (a 503 at the time limit) must not wait for it.
        with self._lock:
            self._starting += 1

        def start() -> None:
            try:
                worker = self._start(self.load)
                if self._closed:
                    self._stop(worker)
                else:
                    self._idle.put(worker)
            finally:
                with self._lock:
                    self._starting -= 1

        threading.Thread(target=start, daemon=True, name="salvage-kg-worker-start").start()

    def _stop(self, worker: _Worker) -> None:
        worker.kill()
        with self._lock:
            self._readers[worker.load] -= 1
            unread = self._readers[worker.load] == 0 and worker.load != self.load
        if unread:
            self.retired(worker.load.path)

    def reload(self, load: WorkerLoad) -> None:
        """Answer later queries from a new copy of the graph; queries running now finish on the old one."""
        # Ready before the swap: readers never wait. Started side by side: each is a process that imports the
        # library and opens its copy, and a write answers only once every pool has its new workers.
        with ThreadPoolExecutor(self.size, thread_name_prefix="salvage-kg-worker-start") as starting:
            fresh = list(starting.map(lambda _: self._start(load), range(self.size)))
        with self._lock:
            self.load = load
            stale = self._idle.take_free()
        for worker in fresh:
            self._idle.put(worker)
        for worker in stale:
            self._stop(worker)

    def _next_idle(self, cancelled: threading.Event | None, limit: float) -> _Worker:
        waited = time.monotonic()
        deadline = waited + limit

        def still_waiting() -> None:
            if cancelled is not None and cancelled.is_set():
                raise QueryError("cancelled", "the client went away before a worker was free")
            if time.monotonic() > deadline:
                raise QueryError("busy", f"all {self.size} query workers stayed busy for "
                                         f"{time.monotonic() - waited:.3g} s")

        # Due when the request must be answered (a named question's budget: every query of one request shares it);
        # work the server does for itself, with a longer limit, is due as a request arriving now would be.
        return self._idle.get(waited + min(limit, self.timeout), still_waiting, _TICK)

    def run(self, request: QueryRequest, cancelled: threading.Event | None = None,
            timeout: float | None = None) -> QueryResult:
        """Run one query; `cancelled` (set when the client has gone) stops it early, like the time limit does.
        `timeout` (seconds) replaces the pool's limit for this query: what is left of a request's own limit, or
        a longer one for work the server does for itself."""
        limit = self.timeout if timeout is None else timeout
        worker = self._next_idle(cancelled, limit)
        alive = True
        try:
            worker.connection.send(request)
            deadline = time.monotonic() + limit
            while not worker.connection.poll(_TICK):
                stop = None
                if cancelled is not None and cancelled.is_set():
                    stop = QueryError("cancelled", "the client went away; the query was stopped")
                elif time.monotonic() > deadline:
                    stop = QueryError("timeout", f"the query ran longer than the limit of {limit:g} s "
                                                 "and was stopped")
                if stop is not None:
                    self._stop(worker)
                    alive = False
                    raise stop
            status, payload = worker.connection.recv()
            if status == "error" and payload[0] == "crashed":  # it said so, then left: out of memory
                self._stop(worker)
                alive = False
        except (EOFError, OSError):
            # The process died under the query: its memory limit, an engine crash or a stack overflow.
            stopped = worker.why_it_stopped()
            self._stop(worker)
            alive = False
            raise stopped from None
        finally:
            if worker.load != self.load:
                # A write replaced the copy it reads while it ran; `reload` has already started its successor.
                if alive:
                    self._stop(worker)
            elif alive:
                self._idle.put(worker)
            elif not self._closed:
                self._replace()
        if status == "ok":
            return payload
        kind, message, offered = payload
        raise QueryError(kind, message, tuple(offered))

    def close(self) -> None:
        self._closed = True
        for worker in self._idle.take_free():
            self._stop(worker)


# --- the named questions' engine, over a pool of its own ---------------------------------------------------------

class Budget:
    """One request's limits, shared by every query it runs: when it must be done, and whether its client left."""

    def __init__(self, seconds: float):
        self.deadline = time.monotonic() + seconds
        self.cancelled = threading.Event()

    def left(self) -> float:
        return self.deadline - time.monotonic()


# Set per request by the API (api.time_limits); unset for work the server does for itself (start-up look-ups,
# building the pathways), which gets the pool's `internal_timeout` instead.
BUDGET: ContextVar[Budget | None] = ContextVar("salvage_kg_budget", default=None)


@contextlib.contextmanager
def held_within_budget(lock: threading.Lock):
    """Hold a lock another thread may hold while it reads the graph for everyone (a range's look-up, the patient
    roster), waiting no longer than the request's time limit and not at all once its client has left: under load
    such a read waits for a worker like any query, and the requests queued behind it outlived their clients
    (499) instead of answering 503 at their limit. Work the server does for itself waits as long as it takes."""
    budget = BUDGET.get()
    if budget is None:
        lock.acquire()
    else:
        while not lock.acquire(timeout=_TICK):
            if budget.cancelled.is_set():
                raise QueryError("cancelled", "the client went away while a look-up it needs was under way")
            if budget.left() <= 0:
                raise QueryError("timeout", "the request ran longer than its time limit waiting for a look-up "
                                            "of the graph under way (at start-up or after a write); retry shortly")
    try:
        yield
    finally:
        lock.release()


class PooledEngine:
    """The Engine interface (kg.backends.engines) over a pool of query workers: named questions, look-ups and pathways
    run in processes that can be stopped at the request's time limit or when its client leaves, not in threads
    that cannot."""

    name = "oxigraph"

    def __init__(self, pool: QueryWorkers, internal_timeout: float = 600.0):
        self.pool = pool
        self.internal_timeout = internal_timeout

    def _run(self, text: str, bindings):
        from kg.backends.engines import to_oxigraph  # rdflib terms in, as the other engines take them

        request = QueryRequest(text, ("*/*",), substitutions=tuple(
            (name, to_oxigraph(value)) for name, value in (bindings or {}).items()), rows=True)
        budget = BUDGET.get()
        try:
            if budget is None:
                return self.pool.run(request, timeout=self.internal_timeout).rows
            left = budget.left()
            if left <= 0:
                raise QueryError("timeout", "the request ran longer than its time limit and was stopped")
            return self.pool.run(request, budget.cancelled, timeout=left).rows
        except QueryError as exc:
            if exc.kind in ("timeout", "busy", "cancelled"):
                raise
            # The project's own question took its worker down (or the engine failed on it): not the client's
            # doing, unlike a /sparql query's crash; the client may retry (a fresh worker takes its place).
            raise QueryError("question_failed", str(exc)) from None

    def select(self, text, bindings=None):
        from kg.backends.engines import from_plain

        columns, rows = self._run(text, bindings)
        return columns, [tuple(from_plain(term) for term in row) for row in rows]

    def ask(self, text, bindings=None) -> bool:
        return bool(self._run(text, bindings))
