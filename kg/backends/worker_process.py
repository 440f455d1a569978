"""Inside a query worker process: no network, a memory limit, one read-only copy of the graph, one query at a time.

The server (kg.backends.query_workers) sends a QueryRequest through a pipe and gets back a QueryResult or an error. The
process leaves the network before it does anything else, and caps its own memory once the graph is loaded, so a
query can neither reach out (SERVICE) nor take the machine's memory: past the cap the engine aborts and the
server tells the client so and starts a fresh worker.
"""

import ctypes
import os
import re
import resource
import signal
from dataclasses import dataclass

import pyoxigraph as ox

from kg.errors import SalvageKgError
from kg.negotiation import choose
from kg.questions.safe_output import neutralise_csv, well_formed_xml

# After an answer this large, a worker reads its on-disk copy through a fresh handle: a RocksDB handle that has read
# a whole cohort answers every later query slower, until it is reopened (10,000 patients: a page of patients 9.5 ->
# 11.7-14.2 ms after iterating 20,004 patients' names, 9.7-10.0 again once reopened; 100,000: 13.0 -> 16.5, 10.6).
# Reopening took 29-64 ms; a page of rows never comes near this size (at most 10,001 rows a page).
LARGE_ROWS = 5_000
LARGE_BYTES = 2_000_000

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


class QueryError(SalvageKgError):
    """A query not answered: `kind` is syntax, not_acceptable, too_large, timeout, busy, crashed (a /sparql query
    took its worker down: out of memory or an engine crash), question_failed (a named question's did), cancelled,
    service_disabled, or store_* over a remote store."""

    kinds = ("syntax", "not_acceptable", "not_representable", "too_large", "timeout", "busy", "crashed", "cancelled",
             "question_failed", "service_disabled", "store_unreachable", "store_failed", "store_timeout")

    def __init__(self, kind: str, message: str, offered: tuple[str, ...] = ()):
        self.offered = offered
        super().__init__(message, kind)


@dataclass(frozen=True)
class StoreCopy:
    """What a worker loads: an on-disk store (or a snapshot of one), opened read-only, shared with the other
    workers through the page cache instead of copied into each."""

    path: str

    def open(self) -> ox.Store:
        return ox.Store.read_only(self.path)

    reopened_after_large_answers = True  # cheap to open again (kg.backends.worker_process.LARGE_ROWS)


@dataclass(frozen=True)
class NQuadsDump:
    """What a worker loads: a dump of a graph built in memory, loaded into a store of the worker's own, so that
    a worker killed at the time limit never takes the server's graph with it."""

    path: str

    def open(self) -> ox.Store:
        store = ox.Store()
        store.bulk_load(path=self.path, format=ox.RdfFormat.N_QUADS)
        return store

    reopened_after_large_answers = False  # in memory: no RocksDB handle to renew, and loading it again is slow


WorkerLoad = StoreCopy | NQuadsDump


@dataclass(frozen=True)
class QueryRequest:
    query: str
    accept: tuple[str, ...]  # media types the client accepts, best first; "*/*" for anything
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()
    max_bytes: int = 20_000_000
    base_iri: str | None = None  # the endpoint's own public URL: relative IRIs in the query resolve against it
    # A named question's parameters, bound as RDF terms (pyoxigraph substitutions); with `rows`, the answer
    # comes back as terms (columns, rows or a boolean) instead of a serialised document.
    substitutions: tuple[tuple[str, object], ...] = ()
    rows: bool = False


@dataclass(frozen=True)
class QueryResult:
    media_type: str
    body: bytes
    rows: object = None  # (columns, [tuple of plain terms]) or a bool, for a request with `rows`


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


def plain(term):
    """A term as the server receives it (kg.backends.engines.from_plain): an IRI as str, a literal as (value,
    datatype, language), a blank node as (id,). Plain tuples cross the pipe several times faster than
    pyoxigraph's terms, which pickle one by one through Python calls (4-6 ms a 100-row page at 10,000 patients,
    against under 1 ms)."""
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return term.value
    if isinstance(term, ox.Literal):
        return term.value, term.datatype.value, term.language
    return (term.value,)


def _execute(store: ox.Store, request: QueryRequest) -> QueryResult:
    options = {}
    if request.default_graphs:
        options["default_graph"] = [ox.NamedNode(iri) for iri in request.default_graphs]
    else:
        options["use_default_graph_as_union"] = True
    if request.named_graphs:
        options["named_graphs"] = [ox.NamedNode(iri) for iri in request.named_graphs]
    if request.base_iri:
        options["base_iri"] = request.base_iri
    if request.substitutions:
        options["substitutions"] = {ox.Variable(name): term for name, term in request.substitutions}
    try:
        result = store.query(request.query, **options)
    except SyntaxError as exc:
        raise QueryError("syntax", str(exc)) from None
    if request.rows:
        if isinstance(result, ox.QueryBoolean):
            return QueryResult("", b"", bool(result))
        columns = [variable.value for variable in result.variables]
        return QueryResult("", b"", (columns, [tuple(plain(solution[n]) for n in range(len(columns)))
                                               for solution in result]))
    if isinstance(result, ox.QueryBoolean):
        formats = BOOLEAN_FORMATS
    elif isinstance(result, ox.QuerySolutions):
        formats = SOLUTION_FORMATS
    else:
        formats = GRAPH_FORMATS
    media_type = choose(request.accept, tuple(formats))
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
    body = b"".join(sink.parts)
    if media_type == "text/csv":
        body = neutralise_csv(body)
    elif media_type.endswith("xml") and not well_formed_xml(body):
        others = tuple(other for other in formats if not other.endswith("xml"))
        raise QueryError("not_representable", "this result cannot be written as well-formed XML (a literal holds a "
                                              "character XML 1.0 cannot carry, or a property IRI RDF/XML cannot "
                                              f"name); ask for {', '.join(others)}", others)
    return QueryResult(media_type, body)


_CLONE_NEWNET, _CLONE_NEWUSER = 0x40000000, 0x10000000


def _leave_the_network() -> str | None:
    """Move this process into a network namespace of its own, which holds only a loopback that is down: SERVICE
    (which pyoxigraph carries out as an HTTP request, and which its Python API cannot switch off) then has no
    network to reach, whatever the query check missed. Root may do this directly; others through a user namespace
    of their own (the process must still be single-threaded). None when done, else why not."""
    try:
        unshare = ctypes.CDLL(None, use_errno=True).unshare
    except (OSError, AttributeError):
        return "this system has no unshare (network namespaces are Linux's)"
    for flags in (_CLONE_NEWNET, _CLONE_NEWUSER | _CLONE_NEWNET):
        if unshare(flags) == 0:
            return None
    return os.strerror(ctypes.get_errno())


def _cap_memory(megabytes: int | None) -> None:
    """Let this process's data grow by at most `megabytes` beyond what it holds now (its copy of the graph).
    Past it the engine's allocation fails and it aborts: a query cannot take the machine's memory."""
    if not megabytes:
        return
    try:
        status = open("/proc/self/status").read()  # noqa: SIM115 - read once, closed at once
        held = int(re.search(r"VmData:\s+(\d+) kB", status).group(1)) * 1024
    except (OSError, AttributeError):
        held = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # no /proc: what it has used so far
    limit = held + megabytes * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))


def _large(result: QueryResult) -> bool:
    if isinstance(result.rows, tuple):
        return len(result.rows[1]) > LARGE_ROWS
    return len(result.body) > LARGE_BYTES


def _renewed(load: StoreCopy, store: ox.Store) -> ox.Store:
    """A fresh handle on the worker's copy; the old one where it cannot be opened again (the worker goes on)."""
    try:
        return load.open()
    except Exception:  # noqa: BLE001 - the answer is sent already: a second message would break the exchange
        return store


def worker_main(connection, load: WorkerLoad, memory_mb: int | None, errors: str) -> None:
    no_network = _leave_the_network()  # first, while this process has one thread
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the server, which then stops us
    # What the engine says as it aborts (out of memory, a panic) goes to a file the server reads once, briefly,
    # instead of a backtrace in the server's log.
    os.environ["RUST_BACKTRACE"] = "0"
    os.dup2(os.open(errors, os.O_WRONLY | os.O_APPEND), 2)
    store = load.open()
    _cap_memory(memory_mb)
    connection.send(("ready", no_network))
    while True:
        try:
            request = connection.recv()
        except EOFError:
            return
        try:
            result = _execute(store, request)
            connection.send(("ok", result))
            if load.reopened_after_large_answers and _large(result):
                store = _renewed(load, store)
            result = None  # not held until the next query
        except QueryError as exc:
            connection.send(("error", (exc.kind, str(exc), exc.offered)))
        except MemoryError:
            connection.send(("error", ("crashed", f"the query worker stopped: it ran out of its memory limit of "
                                                  f"{memory_mb} MB; narrow the query", ())))
            return  # the server starts a fresh worker
        except Exception as exc:  # an engine error must not kill the worker silently
            connection.send(("error", ("syntax", f"{type(exc).__name__}: {exc}", ())))
