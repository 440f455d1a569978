"""Run arbitrary SPARQL in worker processes that can be stopped at a time limit.

pyoxigraph's Store.query cannot be interrupted, so a query a user sends is run in a separate process holding its
own read-only copy of the graph; when the time limit passes, that process is killed (its CPU is freed at once)
and a fresh one takes its place. Results are serialised by pyoxigraph inside the worker and come back as bytes,
capped at a size limit, so the server never builds Python objects per row.
"""

import ctypes
import logging
import multiprocessing
import os
import queue
import signal
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import pyoxigraph as ox

log = logging.getLogger("salvage_kg.query_workers")

# Media types per result kind; the first is the default when the client accepts anything.
SOLUTION_FORMATS = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "text/csv": ox.QueryResultsFormat.CSV,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
    "application/json": ox.QueryResultsFormat.JSON,
}
BOOLEAN_FORMATS = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "application/json": ox.QueryResultsFormat.JSON,
}
GRAPH_FORMATS = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
}


class QueryError(Exception):
    """A query not answered: `kind` is syntax, not_acceptable, too_large, timeout, busy, crashed or cancelled."""

    def __init__(self, kind: str, message: str, offered: tuple[str, ...] = ()):
        self.kind = kind
        self.offered = offered
        super().__init__(message)


@dataclass(frozen=True)
class QueryRequest:
    query: str
    accept: tuple[str, ...]  # media types the client accepts, best first; "*/*" for anything
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()
    max_bytes: int = 20_000_000


@dataclass(frozen=True)
class QueryResult:
    media_type: str
    body: bytes


# --- inside the worker process --------------------------------------------------------------------------

class _Capped:
    """A binary sink that refuses to grow past a limit (pyoxigraph streams into it)."""

    def __init__(self, limit: int):
        self.limit = limit
        self.parts: list[bytes] = []
        self.size = 0
        self.exceeded = False

    def write(self, data) -> int:
        self.size += len(data)
        if self.size > self.limit:
            self.exceeded = True
            raise OSError("result larger than the limit")
        self.parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass


def _choose(accept: tuple[str, ...], formats: dict) -> str | None:
    for media_type in accept:
        if media_type in formats:
            return media_type
        if media_type in ("*/*", "application/*", "text/*"):
            family = media_type.split("/")[0]
            for offered in formats:
                if family == "*" or offered.startswith(family + "/"):
                    return offered
    return None


def _execute(store: ox.Store, request: QueryRequest) -> QueryResult:
    options = {}
    if request.default_graphs:
        options["default_graph"] = [ox.NamedNode(iri) for iri in request.default_graphs]
    else:
        options["use_default_graph_as_union"] = True
    if request.named_graphs:
        options["named_graphs"] = [ox.NamedNode(iri) for iri in request.named_graphs]
    try:
        result = store.query(request.query, **options)
    except SyntaxError as exc:
        raise QueryError("syntax", str(exc)) from None
    if isinstance(result, ox.QueryBoolean):
        formats = BOOLEAN_FORMATS
    elif isinstance(result, ox.QuerySolutions):
        formats = SOLUTION_FORMATS
    else:
        formats = GRAPH_FORMATS
    media_type = _choose(request.accept, formats)
    if media_type is None:
        raise QueryError("not_acceptable", "no acceptable result format for this query", tuple(formats))
    sink = _Capped(request.max_bytes)
    try:
        result.serialize(sink, formats[media_type])
    except (OSError, ValueError) as exc:
        if sink.exceeded:
            raise QueryError("too_large", f"the result is larger than {request.max_bytes} bytes; "
                                          "add LIMIT or narrow the query") from None
        raise QueryError("syntax", str(exc)) from None
    return QueryResult(media_type, b"".join(sink.parts))


_CLONE_NEWNET, _CLONE_NEWUSER = 0x40000000, 0x10000000


def _leave_the_network() -> str | None:
    """Move this process into a network namespace of its own, which holds only a loopback that is down: SERVICE
    (which pyoxigraph carries out as an HTTP request, and which its Python API cannot switch off) then has no
    network to reach, whatever the query check missed. Root may do this directly; others through a user namespace
    of their own (the process must still be single-threaded). None when done, else why not."""
    libc = ctypes.CDLL(None, use_errno=True)
    for flags in (_CLONE_NEWNET, _CLONE_NEWUSER | _CLONE_NEWNET):
        if libc.unshare(flags) == 0:
            return None
    return os.strerror(ctypes.get_errno())


def _worker_main(connection, load: tuple[str, str]) -> None:
    no_network = _leave_the_network()  # first, while this process has one thread
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the server, which then stops us
    kind, location = load
    if kind == "store":
        store = ox.Store.read_only(location)
    else:
        store = ox.Store()
        store.bulk_load(path=location, format=ox.RdfFormat.N_QUADS)
    connection.send(("ready", no_network))
    while True:
        try:
            request = connection.recv()
        except EOFError:
            return
        try:
            connection.send(("ok", _execute(store, request)))
        except QueryError as exc:
            connection.send(("error", (exc.kind, str(exc), exc.offered)))
        except Exception as exc:  # an engine error must not kill the worker silently
            connection.send(("error", ("syntax", f"{type(exc).__name__}: {exc}", ())))


# --- in the server process ----------------------------------------------------------------------------------

_CONTEXT = multiprocessing.get_context("spawn")  # never fork a process that runs server threads
_TICK = 0.05  # seconds between looks at the time limit and at the client while a query runs


_warned = threading.Event()  # the missing namespace is said once per server, not once per worker


class _Worker:
    def __init__(self, load: tuple[str, str]):
        self.load = load
        self.connection, child = _CONTEXT.Pipe()
        self.process = _CONTEXT.Process(target=_worker_main, args=(child, load), daemon=True,
                                        name="salvage-kg-query-worker")
        self.process.start()
        child.close()
        status, no_network = self.connection.recv()  # wait until the graph is loaded
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


class QueryWorkers:
    """A fixed number of worker processes; a query waits for a free one, runs, and is killed at the limit.

    `retired(load)` is called once no worker reads a copy of the graph that `reload` replaced.
    """

    def __init__(self, load: tuple[str, str], size: int = 2, timeout: float = 10.0,
                 retired: Callable[[str], None] = lambda location: None):
        self.load = load
        self.timeout = timeout
        self.retired = retired
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._lock = threading.Lock()
        self._readers: Counter[tuple[str, str]] = Counter()
        self._closed = False
        self._starting = 0  # replacements for killed workers, loading in the background
        for _ in range(size):
            self._idle.put(self._start(load))
        self.size = size

    def _start(self, load: tuple[str, str]) -> _Worker:
        worker = _Worker(load)
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
            self.retired(worker.load[1])

    def reload(self, load: tuple[str, str]) -> None:
        """Answer later queries from a new copy of the graph; queries running now finish on the old one."""
        fresh = [self._start(load) for _ in range(self.size)]  # ready before the swap: readers never wait
        with self._lock:
            self.load = load
            stale = []
            while not self._idle.empty():
                stale.append(self._idle.get_nowait())
            for worker in fresh:
                self._idle.put(worker)
        for worker in stale:
            self._stop(worker)

    def _next_idle(self, cancelled: threading.Event | None) -> _Worker:
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                return self._idle.get(timeout=_TICK)
            except queue.Empty:
                if cancelled is not None and cancelled.is_set():
                    raise QueryError("cancelled", "the client went away before a worker was free") from None
                if time.monotonic() > deadline:
                    raise QueryError("busy", f"all {self.size} query workers stayed busy for {self.timeout:g} s") \
                        from None

    def run(self, request: QueryRequest, cancelled: threading.Event | None = None) -> QueryResult:
        """Run one query; `cancelled` (set when the client has gone) stops it early, like the time limit does."""
        worker = self._next_idle(cancelled)
        alive = True
        try:
            worker.connection.send(request)
            deadline = time.monotonic() + self.timeout
            while not worker.connection.poll(_TICK):
                stop = None
                if cancelled is not None and cancelled.is_set():
                    stop = QueryError("cancelled", "the client went away; the query was stopped")
                elif time.monotonic() > deadline:
                    stop = QueryError("timeout", f"the query ran longer than the limit of {self.timeout:g} s "
                                                 "and was stopped")
                if stop is not None:
                    self._stop(worker)
                    alive = False
                    raise stop
            status, payload = worker.connection.recv()
        except (EOFError, OSError):
            # The process died under the query: in practice a stack overflow in the parser or the memory limit.
            self._stop(worker)
            alive = False
            raise QueryError("crashed", "the query stopped the process running it (nested too deeply or needing "
                                        "too much memory) and was not answered; simplify it") from None
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
        while True:
            try:
                self._stop(self._idle.get_nowait())
            except queue.Empty:
                return
