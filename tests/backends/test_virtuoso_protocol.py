"""SPARQL 1.1 Protocol query cases on every store: the embedded one, Oxigraph server and Virtuoso behind salvage-kg.

The W3C SPARQL 1.1 Protocol tests of the query endpoint run on each (tests/protocol_suite.py), with the suite's
graphs served beside ours (`serve --also`, `load --also`); then cases of our own: result media types, our graphs
as a protocol-given dataset, the base IRI. The base IRI of every query is
salvage-kg's own public /sparql URL, so a relative IRI never resolves against a remote store's internal URL.
"""

import subprocess

import httpx
import pyoxigraph as ox
import pytest
from conftest import EXE
from locations import DATA
from protocol_suite import CASES, check
from virtuoso_helpers import load, virtuoso, virtuoso_loaded  # noqa: F401 - fixtures

SUITE_GRAPHS = DATA / "protocol" / "graphs.trig"

OURS = "https://w3id.org/salvage-kg/graph/vocabulary"
SELECT = "SELECT ?r WHERE { ?r a <https://w3id.org/salvage-kg/ontology#Relapse> } ORDER BY ?r"
ASK = "ASK { ?r a <https://w3id.org/salvage-kg/ontology#Relapse> }"


@pytest.fixture(scope="module", params=["embedded", "Oxigraph server", "Virtuoso"])
def endpoint(request, start_server):
    """(salvage-kg's /sparql URL, the backend's own URL or None), the W3C suite's graphs beside ours."""
    if request.param == "embedded":
        return start_server("--also", str(SUITE_GRAPHS)).url + "/sparql", None
    if request.param == "Oxigraph server":
        request.getfixturevalue("remote_graph")
        backend = request.getfixturevalue("oxigraph_server") + "/query"
        done = subprocess.run([EXE, "load", "--sparql-endpoint", backend, "--also", str(SUITE_GRAPHS)],
                              capture_output=True, text=True, timeout=300)
    else:
        store = request.getfixturevalue("virtuoso_loaded")
        backend = store.sparql_url
        done = load(store, "--also", str(SUITE_GRAPHS))
    assert done.returncode == 0, done.stderr
    live = request.getfixturevalue("start_server")("--sparql-endpoint", backend)
    return live.url + "/sparql", backend


def test_relative_iris_in_construct_are_not_a_400_and_resolve_against_our_own_sparql_url(endpoint):
    url, backend = endpoint
    answer = httpx.get(url, params={"query": "CONSTRUCT { <s> <p> 1 } WHERE {}"},
                       headers={"Accept": "application/n-triples"}, timeout=60)
    assert answer.status_code == 200, answer.text
    base = url.rsplit("/", 1)[0]
    [triple] = ox.parse(answer.content, format=ox.RdfFormat.N_TRIPLES)
    assert (triple.subject.value, triple.predicate.value) == (base + "/s", base + "/p")
    assert backend is None or backend.rsplit("/", 1)[0] not in answer.text


def test_a_base_of_the_clients_own_takes_precedence(endpoint):
    url, _ = endpoint
    query = "BASE <http://example.org/x/> CONSTRUCT { <s> <p> 1 } WHERE {}"
    answer = httpx.post(url, data={"query": query}, headers={"Accept": "application/n-triples"}, timeout=60)
    [triple] = ox.parse(answer.content, format=ox.RdfFormat.N_TRIPLES)
    assert triple.subject.value == "http://example.org/x/s"


@pytest.mark.parametrize("query, accept, media_type", [
    (SELECT, "application/sparql-results+xml", "application/sparql-results+xml"),
    (SELECT, "application/sparql-results+json", "application/sparql-results+json"),
    (SELECT, "text/tab-separated-values", "text/tab-separated-values"),
    (ASK, "application/sparql-results+xml", "application/sparql-results+xml"),
    (ASK, "*/*", "application/sparql-results+json"),
    ("DESCRIBE <https://w3id.org/salvage-kg/ontology#Relapse>", "text/turtle", "text/turtle"),
    (SELECT.replace("SELECT ?r", "CONSTRUCT { ?r ?r ?r }"), "application/rdf+xml", "application/rdf+xml"),
])
def test_result_media_type_follows_the_query_form(endpoint, query, accept, media_type):
    url, _ = endpoint
    answer = httpx.get(url, params={"query": query}, headers={"Accept": accept}, timeout=60)
    assert answer.status_code == 200 and answer.headers["content-type"].split(";")[0] == media_type


def test_protocol_dataset_default_graph(endpoint):
    url, _ = endpoint
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    whole = httpx.get(url, params={"query": count}, timeout=60).json()["results"]["bindings"][0]["n"]["value"]
    one = httpx.get(url, params={"query": count, "default-graph-uri": OURS}, timeout=60)
    assert 0 < int(one.json()["results"]["bindings"][0]["n"]["value"]) < int(whole)


def test_protocol_dataset_named_graphs(endpoint):
    url, _ = endpoint
    query = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    answer = httpx.get(url, params={"query": query, "named-graph-uri": OURS}, timeout=60)
    assert [row["g"]["value"] for row in answer.json()["results"]["bindings"]] == [OURS]


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_w3c_sparql_protocol_suite(endpoint, case):
    """The W3C SPARQL 1.1 Protocol tests of the query operation (and the bad updates a query endpoint refuses):
    27 of the suite's 34; the other 7 are updates that succeed, which a read-only endpoint has none of."""
    url, backend = endpoint
    check(case, case.send(url))
