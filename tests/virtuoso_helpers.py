"""Debian's Virtuoso (`virtuoso-t`) on loopback as a remote store, started the way the suite starts Oxigraph server.

Each run gets its own config file and database folder in a temporary directory and free ports for ISQL and HTTP,
bound to 127.0.0.1 only. The set-up gives the store the two accounts the README recommends: a writer for
`salvage-kg load` (SPARQL_UPDATE, Digest auth on /sparql-graph-crud-auth) and the anonymous /sparql endpoint,
read-only, for `salvage-kg serve`.
"""

import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from conftest import missing_tool

from kg.tools.ports import free_port

EXE = shutil.which("salvage-kg", path=str(Path(sys.executable).parent)) or "salvage-kg"
VIRTUOSO = shutil.which("virtuoso-t")
ISQL = shutil.which("isql-vt") or shutil.which("isql")
MISSING = "Debian's virtuoso-opensource is not installed (virtuoso-t, isql-vt): apt-get install virtuoso-opensource"

WRITER = ("salvage_writer", "writer-secret")
DBA_PASSWORD = "dba"  # a new database's own; reachable only from this machine, deleted with it

_CONFIG = """\
[Database]
DatabaseFile = {dir}/virtuoso.db
ErrorLogFile = {dir}/virtuoso.log
LockFile = {dir}/virtuoso.lck
TransactionFile = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa
TempStorage = TempDatabase
[TempDatabase]
DatabaseFile = {dir}/virtuoso-temp.db
TransactionFile = {dir}/virtuoso-temp.trx
[Parameters]
ServerPort = 127.0.0.1:{isql_port}
DisableUnixSocket = 1
MaxClientConnections = 8
CheckpointInterval = 0
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
DirsAllowed = {dir}
[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {dir}
ServerThreads = 8
MaxClientConnections = 8
[SPARQL]
ResultSetMaxRows = 100000
MaxQueryExecutionTime = 60
"""

_ACCOUNTS = """\
DB.DBA.USER_CREATE ('{user}', '{password}');
GRANT SPARQL_UPDATE TO "{user}";
"""


@dataclass
class Virtuoso:
    directory: Path
    isql_port: int
    http_port: int
    process: subprocess.Popen | None = None
    loaded: bool = False

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def sparql_url(self) -> str:
        """The anonymous, read-only query endpoint: what `serve --sparql-endpoint` is given."""
        return self.base + "/sparql"

    @property
    def graph_store_url(self) -> str:
        """The Graph Store Protocol URL that takes Digest auth: what `load --graph-store` is given."""
        return self.base + "/sparql-graph-crud-auth"

    def isql(self, script: str) -> str:
        """Run SQL as dba through ISQL (set-up only; salvage-kg itself speaks HTTP)."""
        path = self.directory / "script.sql"
        path.write_text(script)
        done = subprocess.run([ISQL, f"127.0.0.1:{self.isql_port}", "dba", DBA_PASSWORD, str(path)],
                              capture_output=True, text=True, timeout=60)
        if done.returncode != 0 or "*** Error" in done.stdout:
            raise RuntimeError(f"isql failed: {done.stdout}{done.stderr}")
        return done.stdout

    def select(self, query: str) -> list[dict]:
        """A query straight to the store (not through salvage-kg), rows as {name: value}."""
        response = httpx.post(self.sparql_url, data={"query": query},
                              headers={"Accept": "application/sparql-results+json"}, timeout=60)
        response.raise_for_status()
        return [{name: cell["value"] for name, cell in row.items()}
                for row in response.json()["results"]["bindings"]]

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_virtuoso(directory: Path, seconds: float = 90.0) -> Virtuoso:
    """A fresh Virtuoso in `directory` (its own config and database), in the foreground, accounts set up."""
    store = Virtuoso(Path(directory), free_port(), free_port())
    config = store.directory / "virtuoso.ini"
    config.write_text(_CONFIG.format(dir=store.directory, isql_port=store.isql_port, http_port=store.http_port))
    log = (store.directory / "stdout.log").open("wb")
    store.process = subprocess.Popen([VIRTUOSO, "+foreground", "+configfile", str(config)], cwd=store.directory,
                                     stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + seconds
    while True:
        if store.process.poll() is not None:
            raise RuntimeError("virtuoso-t exited:\n" + (store.directory / "stdout.log").read_text())
        try:
            if httpx.get(store.sparql_url, params={"query": "ASK {}"}, timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            store.stop()
            raise RuntimeError("virtuoso-t did not start:\n" + (store.directory / "stdout.log").read_text())
        time.sleep(0.5)
    store.isql(_ACCOUNTS.format(user=WRITER[0], password=WRITER[1]))
    return store


# --- fixtures (imported by the tests/test_virtuoso*.py modules) -------------------------------------------------

_running: dict[str, Virtuoso] = {}  # one store per test session, however many modules import the fixtures


@pytest.fixture(scope="session")
def virtuoso(tmp_path_factory):
    """A fresh Virtuoso on loopback; skipped with the reason when Debian's package is not installed."""
    if not (VIRTUOSO and ISQL):
        missing_tool(MISSING)
    if "store" not in _running:
        _running["store"] = start_virtuoso(tmp_path_factory.mktemp("virtuoso"))
    yield _running["store"]
    store = _running.pop("store", None)
    if store:
        store.stop()
        shutil.rmtree(store.directory, ignore_errors=True)


def load(store: Virtuoso, *extra: str) -> subprocess.CompletedProcess:
    """`salvage-kg load` into the store with the write account, as the README says to."""
    return subprocess.run([EXE, "load", "--sparql-endpoint", store.sparql_url, "--graph-store",
                           store.graph_store_url, "--user", WRITER[0], "--auth", "digest", *extra],
                          capture_output=True, text=True, timeout=600,
                          env={**os.environ, "SALVAGE_KG_STORE_PASSWORD": WRITER[1]})


@pytest.fixture(scope="session")
def virtuoso_loaded(virtuoso) -> Virtuoso:
    if not getattr(virtuoso, "loaded", False):
        done = load(virtuoso)
        assert done.returncode == 0, done.stderr
        virtuoso.loaded = True
    return virtuoso
