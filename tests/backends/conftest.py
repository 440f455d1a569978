"""Fixtures of the store tests: a real Oxigraph server (PyPI `oxigraph`) on loopback, loaded with `salvage-kg load`."""

import contextlib
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from kg.backends.remote import RemoteEngine
from kg.knowledge_graph import KnowledgeGraph
from kg.tools.ports import free_port

BIN = Path(sys.executable).parent
EXE = shutil.which("salvage-kg", path=str(BIN)) or "salvage-kg"
OXIGRAPH = shutil.which("oxigraph", path=str(BIN)) or "oxigraph"


@contextlib.contextmanager
def oxigraph_serving(location: Path, log=subprocess.DEVNULL, *extra: str):
    """An Oxigraph server on a free loopback port, writable, its default graph the union of the named ones: its
    URL, once it answers (within 30 s); stopped on leaving."""
    port = free_port()
    process = subprocess.Popen([OXIGRAPH, "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}",
                                "--union-default-graph", *extra], stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            httpx.get(url + "/query", params={"query": "ASK {}"}, timeout=1)
            answered = True
        except httpx.HTTPError:
            answered = False
        # Ours, alive: a server that could not bind its port exits, and another's answer there would pass for it.
        if answered and process.poll() is None:
            break
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"Oxigraph server did not start on {url} (exit code {process.poll()})")
        time.sleep(0.2)
    try:
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def own_oxigraph_server(tmp_path):
    """An empty Oxigraph server for one test, which may change it as it likes."""
    with oxigraph_serving(tmp_path / "oxigraph") as url:
        yield url


# One Oxigraph server, loaded once, for the whole session: the tests only read it (loading again replaces each
# graph with the same one), and five modules use it.
@pytest.fixture(scope="session")
def oxigraph_server(tmp_path_factory):
    location = tmp_path_factory.mktemp("oxigraph")
    with (location / "server.log").open("wb") as log, oxigraph_serving(location / "data", log, "--timeout-s", "30") \
            as url:
        yield url


@pytest.fixture(scope="session")
def remote_graph(oxigraph_server, graph):
    done = subprocess.run([EXE, "load", "--sparql-endpoint", oxigraph_server + "/query"], capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    # ontology, vocabulary, the two cases, the studies and one graph per rule
    assert f"loaded {len(graph.ask_internal('named-graphs').rows)} named graphs" in done.stdout
    return KnowledgeGraph(None, RemoteEngine(oxigraph_server + "/query"))
