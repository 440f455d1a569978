"""Shared fixtures: the graph is built once per test session, on both engines; a live server when asked."""

import inspect
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import httpx
import pytest
from case_helpers import iri, one, short

from kg.backends.engines import RdflibEngine, rdflib_dataset
from kg.knowledge_graph import KnowledgeGraph
from kg.paths import case_files
from kg.questions.answers import to_python
from kg.tools import synth
from kg.tools.ports import free_port

PREFIXES = """
PREFIX sk:    <https://w3id.org/salvage-kg/ontology#>
PREFIX agent: <https://w3id.org/salvage-kg/agent/>
PREFIX src:   <https://w3id.org/salvage-kg/source/>
PREFIX rdf:   <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs:  <http://www.w3.org/2000/01/rdf-schema#>
PREFIX xsd:   <http://www.w3.org/2001/XMLSchema#>
PREFIX skos:  <http://www.w3.org/2004/02/skos/core#>
PREFIX prov:  <http://www.w3.org/ns/prov#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX bibo:  <http://purl.org/ontology/bibo/>
"""


@pytest.fixture(scope="session")
def graph() -> KnowledgeGraph:
    """The bundled cases on the default (Oxigraph) engine."""
    return KnowledgeGraph.build()


@pytest.fixture(scope="session")
def graph_with_cohort(tmp_path_factory) -> KnowledgeGraph:
    """The bundled cases beside a synthetic cohort of 60 patients (seed 3, which has CD19-negative relapses)."""
    cohort = tmp_path_factory.mktemp("cohort") / "cohort.ttl"
    cohort.write_text("".join(synth.cohort_turtle(patients=60, seed=3)), encoding="utf-8")
    return KnowledgeGraph.build(cases=case_files() + [cohort])


@pytest.fixture(scope="session")
def rdflib_graph(graph) -> KnowledgeGraph:
    """The same store's quads, answered by rdflib's own SPARQL engine."""
    return KnowledgeGraph(graph.store, RdflibEngine(rdflib_dataset(graph.store)))


THOUSAND_SEED = 5  # the synthetic patients of `thousand` are synth-5-000001 ... synth-5-001000


@pytest.fixture(scope="session")
def thousand(tmp_path_factory) -> KnowledgeGraph:
    """The two cases and 1,000 synthetic patients, built (and checked against the shapes) once for every test that
    needs a cohort that size: the contract test, the Phenopacket round trip, similar-course search. Read only."""
    path = tmp_path_factory.mktemp("cohort") / "synthetic-1000.ttl"
    path.write_text("".join(synth.cohort_turtle(patients=1000, seed=THOUSAND_SEED)), encoding="utf-8")
    return KnowledgeGraph.build(cases=case_files() + [path])


@pytest.fixture(scope="module")  # only for the modules that ask for it: elsewhere rdflib parses as it always does
def sparql_prepared_once():
    """pySHACL hands rdflib the text of each SPARQL-based constraint once per focus node, and rdflib parses it
    every time: 1.1 of the 1.4 s a pySHACL validation of the bundled graph takes. Here each text is parsed and
    translated once and the prepared query reused, as rdflib's prepareQuery is for a query run many times; what
    pySHACL, the reference validator, concludes is unchanged."""
    from rdflib.plugins.sparql import processor

    original = processor.SPARQLProcessor.query
    prepared = {}

    def query(self, text_or_query, initBindings=None, initNs=None, base=None, DEBUG=False):  # noqa: N803 - rdflib's
        if isinstance(text_or_query, str):
            key = (text_or_query, base, tuple(sorted((initNs or {}).items())))
            if key not in prepared:
                prepared[key] = processor.translateQuery(processor.parseQuery(text_or_query), base, initNs)
            text_or_query = prepared[key]
        return original(self, text_or_query, initBindings, initNs, base, DEBUG)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(processor.SPARQLProcessor, "query", query)
        yield


@pytest.fixture(scope="session")
def select(graph):
    """Run a SELECT (prefixes above included) and get rows as dicts of plain Python values."""

    def run(query: str) -> list[dict]:
        columns, rows = graph.engine.select(PREFIXES + query)
        return [{c: to_python(v) for c, v in zip(columns, row, strict=True)} for row in rows]

    return run


@pytest.fixture(scope="session")
def ask_sparql(graph):
    """Run an ASK (prefixes above included)."""

    def run(query: str) -> bool:
        return graph.engine.ask(PREFIXES + query)

    return run


# --- the temp directory is left as it was found; tools the suite needs from the system ----------------------------

@pytest.fixture(scope="session", autouse=True)
def nothing_left_in_the_temp_directory(tmp_path_factory):
    """Everything the suite, its servers and its notebook kernel put in the temp directory is gone at the end.

    They all get a temp directory of this session's own (TMPDIR, inherited by every process started), so that a
    leftover is caught here even while other runs share the machine's /tmp. pytest's own tmp_path folders stay
    where pytest keeps (and prunes) them.
    """
    tmp_path_factory.getbasetemp()  # made before TMPDIR changes below
    private = Path(tempfile.mkdtemp(prefix="salvage-kg-tests-"))
    before = os.environ.get("TMPDIR")
    os.environ["TMPDIR"] = str(private)
    tempfile.tempdir = None  # recomputed from TMPDIR on next use
    yield private
    if before is None:
        os.environ.pop("TMPDIR", None)
    else:
        os.environ["TMPDIR"] = before
    tempfile.tempdir = None
    left = sorted(path.name for path in private.iterdir())
    shutil.rmtree(private, ignore_errors=True)
    assert not left, f"the test suite left these in the temp directory: {left}"


def missing_tool(reason: str) -> None:
    """Skip a test that needs a system tool which is missing (scripts/test installs them when run as root).

    SALVAGE_KG_REQUIRE_TOOLS=1 (set by .ci/run, which installs them) makes it a failure instead: CI never passes
    by skipping.
    """
    if os.environ.get("SALVAGE_KG_REQUIRE_TOOLS") == "1":
        pytest.fail(f"{reason} (SALVAGE_KG_REQUIRE_TOOLS=1)")
    pytest.skip(reason)


CHROMIUM = Path(os.environ.get("SALVAGE_KG_CHROMIUM", "/usr/bin/chromium"))


def skip_without_browser() -> None:
    """Browser tests drive the system's chromium through Playwright (never a browser of Playwright's own)."""
    if os.environ.get("SALVAGE_KG_SKIP_BROWSER") == "1":
        pytest.skip("SALVAGE_KG_SKIP_BROWSER=1: browser tests skipped on purpose")
    if not CHROMIUM.is_file():
        missing_tool(f"no chromium at {CHROMIUM}: apt-get install chromium (scripts/test does so as root) "
                     "or point SALVAGE_KG_CHROMIUM at one")


# --- tiers ----------------------------------------------------------------------------------------------------------
# Markers follow from what a test uses, so a new test is put in its tier without anyone remembering to mark it:
# a fixture that starts a process of its own (our server, Oxigraph server, Virtuoso, the CLI) makes it `live`, one
# that opens chromium makes it `browser`. The fast tier is `-m "not live and not browser and not slow"`.
LIVE_FIXTURES = {"start_server", "server", "http", "oxigraph_server", "own_oxigraph_server", "remote_graph",
                 "disk_server", "virtuoso", "virtuoso_loaded", "cohort_server", "bare_install", "listener", "pool",
                 "question_pool"}
BROWSER_FIXTURES = {"browser"}


PROCESS_NAMES = {"EXE", "subprocess"}  # the installed `salvage-kg`, or any other program run by a test


def _starts_a_process(item) -> bool:
    """The test, or a helper of its own module that it calls, runs a program (the CLI in its own process)."""
    function = getattr(item, "function", None)
    if function is None or not hasattr(function, "__code__"):
        return False
    names = set(function.__code__.co_names)
    helpers = (getattr(item.module, name, None) for name in names)
    return bool(names & PROCESS_NAMES) or any(
        inspect.isfunction(helper) and helper.__module__ == item.module.__name__
        and PROCESS_NAMES & set(helper.__code__.co_names) for helper in helpers)


def pytest_collection_modifyitems(items):
    for item in items:
        used = set(getattr(item, "fixturenames", ()))
        if used & BROWSER_FIXTURES:
            item.add_marker(pytest.mark.browser)
        if used & LIVE_FIXTURES or item.get_closest_marker("browser") or _starts_a_process(item):
            item.add_marker(pytest.mark.live)


# --- a live server ------------------------------------------------------------------------------------------------

# The console script installed beside this Python: what a user runs.
EXE = shutil.which("salvage-kg", path=str(Path(sys.executable).parent)) or "salvage-kg"


class LiveServer:
    """`salvage-kg serve` in its own process on 127.0.0.1, as a user would start it."""

    QUERY_TIMEOUT = 2.0

    def __init__(self, *extra: str, env: dict[str, str] | None = None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        # A file, not a pipe: a pipe nobody reads fills up and the server blocks writing its access log.
        self.log_path = Path(tempfile.mkstemp(prefix="salvage-kg-server-", suffix=".log")[1])
        self._log = self.log_path.open("wb")  # noqa: SIM115 - open for the server's whole life
        self.process = subprocess.Popen(
            [EXE, "serve", "--port", str(self.port), "--query-timeout", str(self.QUERY_TIMEOUT),
             "--max-query-length", "20000", "--max-result-bytes", "200000", "--query-workers", "2",
             "--cors-origin", "http://localhost:3000", *extra],
            stdout=self._log, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})},
        )

    def wait(self, seconds: float = 60.0) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("server exited:\n" + self.log_path.read_text())
            try:
                if httpx.get(self.url + "/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        raise RuntimeError("server did not start")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._log.close()
        self.log_path.unlink(missing_ok=True)  # read by the tests while the server runs; nothing to keep after


@pytest.fixture(scope="session")
def start_server():
    """Start extra servers with more command-line options; each is stopped at the end of the session."""
    started = []

    def start(*extra: str, env: dict[str, str] | None = None) -> LiveServer:
        live = LiveServer(*extra, env=env)
        started.append(live)
        live.wait()
        return live

    yield start
    for live in started:
        live.stop()


WRITE_TOKEN = "curator-secret"


_built_stores: list[Path] = []  # the store `salvage-kg build --store` wrote, once per session, never written to


def build_store(directory: Path) -> str:
    """A persistent store a server can write to, in a folder: what `salvage-kg build --store` writes.

    The command runs once per session; each caller gets a copy of that closed store (a copy of the same files
    is the same store, and the tests write to theirs), not a build of its own."""
    if not _built_stores:
        built = directory / "built-store"
        subprocess.run([EXE, "build", "--out", str(directory / "out"), "--store", str(built)], check=True,
                       capture_output=True, timeout=300)
        _built_stores.append(built)
    store = directory / "store"
    shutil.copytree(_built_stores[0], store)
    return str(store)


@pytest.fixture(scope="session")
def server(start_server):
    return start_server()


@pytest.fixture(scope="session")
def http(server):
    # Idle connections let go of after 2 s, before the server's keep-alive of 5 s (uvicorn's): one reused as the
    # server closed it was "Server disconnected without sending a response" after a browser visit of ~5 s.
    with httpx.Client(base_url=server.url, timeout=30, limits=httpx.Limits(keepalive_expiry=2)) as client:
        yield client


# --- per-case fact helpers over the graph (tests/test_case_*.py) ----------------------------------------------


@pytest.fixture(scope="module")
def facts(select, request):
    """Predicate -> set of values of one node, all IRIs in compact form."""
    patient = request.module.PATIENT

    def of(node: str) -> dict[str, set]:
        found = defaultdict(set)
        for row in select(f"SELECT ?p ?o WHERE {{ <{iri(node, patient)}> ?p ?o }}"):
            found[short(row["p"], patient)].add(short(row["o"], patient))
        return found

    return of


@pytest.fixture(scope="module")
def structured(select, request):
    """The facts of each blank node a node points to through a property (doses, timings)."""
    patient = request.module.PATIENT

    def of(node: str, prop: str) -> list[dict[str, set]]:
        grouped = defaultdict(lambda: defaultdict(set))
        for row in select(f"SELECT ?x ?p ?o WHERE {{ <{iri(node, patient)}> {prop} ?x . ?x ?p ?o }}"):
            grouped[row["x"]][short(row["p"], patient)].add(short(row["o"], patient))
        return list(grouped.values())

    return of


@pytest.fixture(scope="module")
def timings(structured):
    """Stated timings of an event as (offset, anchor, precision)."""

    def of(node: str) -> set[tuple]:
        found = set()
        for timing in structured(node, "sk:timing"):
            assert timing["rdf:type"] == {"sk:Timing"}
            found.add((one(timing["sk:offset"]), one(timing["sk:relativeTo"]), one(timing["sk:precision"])))
        return found

    return of


@pytest.fixture(scope="module")
def doses(structured):
    """Dose entries under a property as (agent, amount, unit, days); amount and unit None where not stated."""

    def of(node: str, prop: str) -> set[tuple]:
        found = set()
        for dose in structured(node, prop):
            assert dose["rdf:type"] == {"sk:Dose"}
            amount = one(dose["sk:amount"]) if dose["sk:amount"] else None
            unit = one(dose["sk:unit"]) if dose["sk:unit"] else None
            found.add((one(dose["sk:agent"]), amount, unit, tuple(sorted(dose["sk:onDay"]))))
        return found

    return of


@pytest.fixture(scope="module")
def dose_of(structured):
    """All facts of the one dose of an agent under a property (to read fractionation or comments)."""

    def of(node: str, prop: str, agent: str) -> dict[str, set]:
        [dose] = [dose for dose in structured(node, prop) if dose["sk:agent"] == {agent}]
        return dose

    return of


@pytest.fixture(scope="module")
def statement_nodes(select, request):
    """Every node of the case file that is about the patient, and the patient itself."""
    patient, case_graph = request.module.PATIENT, request.module.CASE_GRAPH
    rows = select(f"SELECT DISTINCT ?s WHERE {{ GRAPH <{case_graph}> {{ ?s sk:patient <{patient}> }} }}")
    return sorted(short(row["s"], patient) for row in rows) + [short(patient, patient)]


