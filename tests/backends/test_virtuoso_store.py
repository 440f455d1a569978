"""Debian's Virtuoso as the remote store: `load` with the write account, then answers through salvage-kg."""

import subprocess
from urllib.parse import parse_qs

import httpx
import pyoxigraph as ox
import pytest
from virtuoso_helpers import EXE, WRITER, load, virtuoso, virtuoso_loaded  # noqa: F401 - fixtures

from kg.backends.remote import WRITTEN_ORDER_PRAGMAS, RemoteEngine, RemoteStoreError
from kg.backends.remote_terms import duration_text
from kg.knowledge_graph import KnowledgeGraph
from kg.progress import quiet
from kg.questions.catalogue import catalogue, read_header
from kg.questions.pages import Page

XSD_DURATION = "http://www.w3.org/2001/XMLSchema#duration"
OFFSETS = ("PREFIX sk: <https://w3id.org/salvage-kg/ontology#> "
           "SELECT ?event ?offset WHERE { ?event sk:timing/sk:offset ?offset } ORDER BY ?event ?offset")


@pytest.fixture(scope="module")
def over_virtuoso(virtuoso_loaded):  # noqa: F811
    return KnowledgeGraph(None, RemoteEngine(virtuoso_loaded.sparql_url, timeout=120))


def test_load_signs_in_with_digest_where_virtuoso_wants_it(virtuoso, graph):  # noqa: F811
    done = load(virtuoso)
    assert done.returncode == 0, done.stderr
    assert f"loaded {len(list(graph.store.named_graphs()))} named graphs" in done.stdout
    basic = httpx.put(virtuoso.graph_store_url, params={"graph": "https://example.org/g"}, auth=WRITER,
                      content=b"<https://example.org/s> <https://example.org/p> 1 .",
                      headers={"Content-Type": "application/n-triples"})
    assert basic.status_code == 401  # why --auth digest exists


def test_load_without_the_password_is_a_usage_error(virtuoso):  # noqa: F811
    done = subprocess.run([EXE, "load", "--sparql-endpoint", virtuoso.sparql_url, "--user", WRITER[0]],
                          capture_output=True, text=True, timeout=120, env={"PATH": "/usr/bin:/bin"})
    assert done.returncode == 2 and "SALVAGE_KG_STORE_PASSWORD" in done.stderr


def test_durations_come_back_as_the_typed_literals_they_were(over_virtuoso, graph, virtuoso_loaded):  # noqa: F811
    stored = virtuoso_loaded.select(OFFSETS.replace("?offset }", "?offset FILTER(isLiteral(?offset)) }"))
    assert any(row["offset"].isdigit() for row in stored)  # Virtuoso keeps them as month counts...
    expected = graph.engine.select(OFFSETS)[1]
    got = over_virtuoso.engine.select(OFFSETS)[1]
    assert got == expected and {str(row[1].datatype) for row in got} == {XSD_DURATION}  # ...we read durations


def test_durations_virtuoso_would_cut_are_refused_at_load(virtuoso):  # noqa: F811
    store = ox.Store()
    graph = ox.NamedNode("https://w3id.org/salvage-kg/graph/case/duration-probe")
    store.add(ox.Quad(ox.NamedNode("https://example.org/s"), ox.NamedNode("https://example.org/p"),
                      ox.Literal("P1Y2M3D", datatype=ox.NamedNode(XSD_DURATION)), graph))
    engine = RemoteEngine(virtuoso.sparql_url, virtuoso.graph_store_url, auth=httpx.DigestAuth(*WRITER))
    try:
        with pytest.raises(RemoteStoreError, match="P1Y2M3D") as refused:
            engine.upload(store, quiet)
        assert refused.value.kind == "store_altered"
    finally:
        httpx.delete(virtuoso.graph_store_url, params={"graph": graph.value}, auth=httpx.DigestAuth(*WRITER))


def test_the_stores_own_graphs_stay_out_of_answers(over_virtuoso, graph, virtuoso_loaded):  # noqa: F811
    everything = virtuoso_loaded.select("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert any("openlinksw" in row["g"] for row in everything)  # Virtuoso's system graphs are there...
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    assert over_virtuoso.engine.select(count)[1] == graph.engine.select(count)[1]  # ...but not in our answers
    assert over_virtuoso.ask_internal("named-graphs").rows == graph.ask_internal("named-graphs").rows


@pytest.mark.parametrize("stored, meant", [("12", "P1Y"), ("30", "P2Y6M"), ("0", "PT0S"), ("-6", "-P6M"),
                                           ("864000.0", "P10D"), ("90061.5", "P1DT1H1M1.5S"), ("P1Y", "P1Y")])
def test_virtuoso_duration_numbers_read_as_durations(stored, meant):
    assert duration_text(stored) == meant


def test_a_parameter_bound_by_the_remote_engine_keeps_every_row_on_virtuoso(over_virtuoso, graph):
    """A VALUES block opening the WHERE lost every row on Virtuoso (search-statements for "MRD": 0 of 16)."""
    expected = graph.ask("search-statements", {"text": "MRD"}).rows
    assert len(expected) >= 16 and over_virtuoso.ask("search-statements", {"text": "MRD"}).rows == expected


def test_the_account_behind_virtuosos_sparql_may_only_select(virtuoso_loaded):  # noqa: F811
    """What `serve --sparql-endpoint` is given reads and cannot write, as the README's set-up leaves it: the
    anonymous account (SPARQL) holds SPARQL_SELECT and not SPARQL_UPDATE."""
    probe = "urn:salvage-kg:read-only-probe"
    update = f'INSERT DATA {{ GRAPH <{probe}> {{ <urn:salvage-kg:s> <urn:salvage-kg:p> "written" }} }}'
    answer = httpx.post(virtuoso_loaded.sparql_url, data={"query": update}, timeout=60)
    assert answer.status_code != 200
    assert virtuoso_loaded.select(f"SELECT ?o WHERE {{ GRAPH <{probe}> {{ ?s ?p ?o }} }}") == []


class Recording(httpx.HTTPTransport):
    """The real transport to the store, keeping the query text of every request."""

    def __init__(self):
        super().__init__()
        self.queries: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.queries += parse_qs(request.content.decode()).get("query", [])
        return super().handle_request(request)


def test_questions_declaring_the_written_order_keep_it_on_virtuoso_and_only_they(virtuoso_loaded, graph):  # noqa: F811
    """pathway-steps took 16.7 s the first time Virtuoso planned it over the two reports (0.02 s in the written
    order); salvage-options, with the pragma, let through a therapy its FILTER NOT EXISTS excludes (regressions)."""
    engine = RemoteEngine(virtuoso_loaded.sparql_url, timeout=120)
    recording = Recording()
    engine.client = httpx.Client(transport=recording, timeout=120)
    over_virtuoso = KnowledgeGraph(None, engine)
    for name, declared in (("pathway-steps", True), ("salvage-options", False)):
        params = {"lost_antigen": "CD19"} if name == "salvage-options" else {}
        assert over_virtuoso.ask(name, params).rows == graph.ask(name, params).rows
        sent = recording.queries[-1]
        assert sent.startswith(WRITTEN_ORDER_PRAGMAS["virtuoso"]) is declared, name


def test_every_written_order_declaration_names_a_store_with_such_a_pragma():
    declared = {store for question in catalogue().values()
                for store in read_header(question.text).get("written-order-on") or []}
    assert declared and declared <= WRITTEN_ORDER_PRAGMAS.keys()


def test_a_refused_question_asked_by_page_is_refused_too(over_virtuoso):
    """A page's text is the question's with its limit written in; the refusal was looked up by the exact text, so
    a page of remission-durations went to Virtuoso and came back with month counts for durations (regression)."""
    with pytest.raises(RemoteStoreError) as refused:
        over_virtuoso.ask("remission-durations", page=Page(limit=2))
    assert refused.value.kind == "not_on_this_store" and "month count" in str(refused.value)
