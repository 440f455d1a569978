"""One way to open the graph wherever it lives, for the command line and the server alike.

    open_backend()                                  built in memory from the bundled cases
    open_backend(store="build/store")               an on-disk store written by `build --store`, read-only
    open_backend(store="build/store", writable=True) the same, read-write, with a curator for /cases
    open_backend(sparql_endpoint="http://.../query") a remote SPARQL 1.1 store loaded with `salvage-kg load`

Each gives a Backend: the KnowledgeGraph, its size and graph names, the curator when writable, and, for a server,
`start_workers`: the /sparql runner (query worker processes over a local graph, a forwarder to a remote store;
one declared interface, SparqlRunner) and, over a local graph, a pool of its own for the named questions. What
differs between the four stays here, so no caller asks where the graph lives.

>>> with open_backend() as backend:
...     backend.quads() > 1_000, "https://w3id.org/salvage-kg/graph/case/pbc-2021" in backend.graph_names()
(True, True)
"""

import os
import subprocess
import sys
import tempfile
import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import pyoxigraph as ox

from kg.backends import stores
from kg.backends.query_workers import (
    NQuadsDump,
    PooledEngine,
    QueryRequest,
    QueryResult,
    QueryWorkers,
    StoreCopy,
    WorkerLoad,
)
from kg.backends.remote import RemoteEngine, RemoteQueries, RemoteStoreError
from kg.errors import SalvageKgError
from kg.knowledge_graph import KnowledgeGraph
from kg.progress import Progress, quiet


class BackendError(SalvageKgError, ValueError):
    """A combination of where the graph lives and how it is opened that does not exist (writable and remote)."""

    kinds = ("usage",)


class SparqlRunner(Protocol):
    """What /sparql runs a query through: QueryWorkers (processes over a local graph) or RemoteQueries."""

    @property
    def size(self) -> int: ...  # queries run at the same time

    @property
    def starting(self) -> int: ...  # runners being restarted after one was stopped; not yet ready

    def run(self, request: QueryRequest, cancelled: threading.Event | None = None) -> QueryResult: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class WorkerLimits:
    """How a server runs queries: per-query time and memory limits, and how many at once."""

    timeout: float = 10.0
    memory_mb: int | None = None  # each /sparql worker's memory beyond its copy of the graph; None or 0: no limit
    question_memory_mb: int | None = None  # the same for the named questions' workers (api.settings says why)
    sparql_workers: int = 2
    question_workers: int = 2


class Backend:
    """The graph and what serving it needs; close() (or `with`) gives back its processes and files."""

    curator = None  # a kg.build.curation.Curator on a writable store; None elsewhere

    def __init__(self, graph: KnowledgeGraph):
        self.graph = graph
        self.sparql: SparqlRunner | None = None
        self.questions: QueryWorkers | None = None

    # --- what the graph holds ------------------------------------------------------------------------------

    def graph_names(self) -> list[str]:
        # The store lists its graphs directly; the SPARQL look-up scans every quad (17 s at 2M quads).
        return sorted(name.value for name in self.graph.store.named_graphs())

    def quads(self) -> int | None:
        return len(self.graph.store)  # a scan of every quad: 7-11 s at 100,000 patients on disk

    counted_quickly = True  # whether quads() is cheap enough to wait for (a server counts a store on disk aside)

    # --- serving --------------------------------------------------------------------------------------------

    def worker_load(self) -> WorkerLoad | None:
        """What a query worker loads to answer from this graph; None where the queries run elsewhere."""
        raise NotImplementedError

    def start_workers(self, limits: WorkerLimits) -> SparqlRunner:
        """Start the /sparql runner and, over a local graph, the named questions' own pool (both with the same
        limits: a flood of slow /sparql queries leaves the questions' latency alone); the graph's questions then
        run in those workers, where they can be stopped at a request's time limit."""
        load = self.worker_load()
        common = {"timeout": limits.timeout, "retired": self._retired}
        self.sparql = QueryWorkers(load, size=limits.sparql_workers, nice=10, memory_mb=limits.memory_mb, **common)
        self.questions = QueryWorkers(load, size=limits.question_workers, name="salvage-kg-question-worker",
                                      memory_mb=limits.question_memory_mb, **common)
        self.graph.engine = PooledEngine(self.questions)
        return self.sparql

    def starting(self) -> int:
        """Workers started in place of ones killed at the time limit, not yet ready."""
        return sum(pool.starting for pool in (self.sparql, self.questions) if pool is not None)

    def _retired(self, location: str) -> None:
        """A pool no longer reads the copy of the graph at `location` (a writable store's snapshot)."""

    def close(self) -> None:
        for pool in (self.sparql, self.questions):
            if pool is not None:
                pool.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class MemoryBackend(Backend):
    """Built from the case files at start-up; workers load their own copies from a dump of it."""

    _dump: str | None = None

    def worker_load(self) -> NQuadsDump:
        if self._dump is None:
            handle, self._dump = tempfile.mkstemp(prefix="salvage-kg-", suffix=".nq")
            os.close(handle)
            self.graph.store.dump(self._dump, ox.RdfFormat.N_QUADS)
        return NQuadsDump(self._dump)

    def close(self) -> None:
        super().close()
        if self._dump:
            os.unlink(self._dump)
            self._dump = None


_COUNT = "import sys, pyoxigraph; print(len(pyoxigraph.Store.read_only(sys.argv[1])))"


class DiskBackend(Backend):
    """An on-disk store opened read-only by every process: no copy of the graph per worker in memory."""

    counted_quickly = False

    def __init__(self, directory: Path):
        super().__init__(KnowledgeGraph(stores.open_read_only(directory)))
        self.directory = Path(directory)

    def quads(self) -> int:
        # len() scans every quad without letting go of Python's lock: 7 s at 100,000 patients in which the server
        # answered nothing, not even /health, though a thread counted. A process of its own counts instead.
        counted = subprocess.run([sys.executable, "-c", _COUNT, str(self.directory)], capture_output=True,
                                 text=True, check=True, timeout=600)
        return int(counted.stdout)

    def worker_load(self) -> StoreCopy:
        return StoreCopy(str(self.directory))


class WritableDiskBackend(Backend):
    """An on-disk store this process alone writes (RocksDB lets one process do that); its workers read snapshots
    of it, renewed after each commit, and a snapshot is discarded once neither pool reads it."""

    def __init__(self, directory: Path, on_commit: Callable[[], None], progress: Progress = quiet):
        from kg.build.curation import Curator  # the build layer; only a writable store needs it

        self.directory = Path(directory)
        self.store = stores.open_writable(self.directory)
        super().__init__(KnowledgeGraph(self.store))
        self.on_commit = on_commit
        self.curator = Curator(self.store, self.directory, self._committed, progress=progress)
        self._snapshots: stores.Snapshots | None = None
        self._released: Counter[str] = Counter()

    def worker_load(self) -> StoreCopy:
        if self._snapshots is None:
            self._snapshots = stores.Snapshots(self.directory)
        return StoreCopy(self._snapshots.take(self.store))

    def _committed(self) -> None:
        self.graph.changed()
        if self.sparql is not None:
            snapshot = self.worker_load()
            with ThreadPoolExecutor(2, thread_name_prefix="salvage-kg-reload") as reloading:  # both pools at once
                list(reloading.map(lambda pool: pool.reload(snapshot), (self.sparql, self.questions)))
        self.on_commit()

    def _retired(self, location: str) -> None:
        self._released[location] += 1
        if self._released[location] == 2:  # both pools
            self._snapshots.discard(location)

    def close(self) -> None:
        super().close()
        if self._snapshots is not None:
            self._snapshots.close()


class RemoteBackend(Backend):
    """A remote SPARQL 1.1 store: questions and /sparql queries are forwarded; nothing runs here."""

    def __init__(self, query_url: str):
        self.engine = RemoteEngine(query_url)
        super().__init__(KnowledgeGraph(None, self.engine))
        self._check_rules(query_url)

    def _check_rules(self, query_url: str) -> None:
        """Refuse a store loaded with facts other rule texts derived (kg.build.rules.stale); a store that does not
        answer is left to say so on the first question, as it does whenever it goes down."""
        from kg.build.rules import stale  # the build layer names the rules

        try:
            rows = self.graph.ask_internal("rule-digests").rows
        except RemoteStoreError:
            return
        digests: dict[str, list[str]] = {}
        for row in rows:
            digests.setdefault(row["rule"], []).extend([row["digest"]] if row["digest"] else [])
        found = stale(digests)
        if found:
            self.engine.client.close()
            raise stores.StaleStore(f"the store at {query_url} holds facts derived by other versions of the rules "
                                    f"{', '.join(found)} (loaded by an older salvage-kg?): questions would answer "
                                    f"from them wrongly. Load it again: `salvage-kg load --sparql-endpoint "
                                    f"{query_url}`")

    def graph_names(self) -> list[str]:
        return [row["graph"] for row in self.graph.ask_internal("named-graphs").rows]

    def quads(self) -> None:
        return None  # counting them would scan the remote store

    def worker_load(self) -> None:
        return None

    def start_workers(self, limits: WorkerLimits) -> SparqlRunner:
        self.sparql = RemoteQueries(self.engine.query_url, timeout=limits.timeout, dataset=self.engine.dataset)
        return self.sparql

    def close(self) -> None:
        super().close()
        self.engine.client.close()


def open_backend(store: str | Path | None = None, sparql_endpoint: str | None = None, writable: bool = False, *,
                 engine: str = "oxigraph", on_commit: Callable[[], None] = lambda: None,
                 progress: Progress = quiet, also: tuple[str, ...] = ()) -> Backend:
    """The graph where it lives: a remote store (`sparql_endpoint`; it wins over `store`), an on-disk `store`
    (read-write with `writable`, calling `on_commit` after each write), else built in memory (`engine`: the query
    engine, "oxigraph" or rdflib's own for comparison; `also`: extra graph files added in memory). Raises
    BackendError, StoreInUse, FileNotFoundError."""
    if writable and (sparql_endpoint or not store):
        raise BackendError("writes need an on-disk store written by `salvage-kg build --store DIR`"
                           + (" (a remote store is loaded with `salvage-kg load`)" if sparql_endpoint else ""))
    if sparql_endpoint:
        return RemoteBackend(sparql_endpoint)
    if store:
        return WritableDiskBackend(Path(store), on_commit, progress) if writable else DiskBackend(Path(store))
    graph = KnowledgeGraph.build(engine=engine, progress=progress)
    if also:  # `serve --also`: graphs beside ours, e.g. the W3C protocol suite's (TriG or N-Quads, never ours)
        from kg.build.extra_graphs import add_extra_graphs

        add_extra_graphs(graph.store, also)
    return MemoryBackend(graph)
