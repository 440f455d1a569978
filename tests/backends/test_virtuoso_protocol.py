"""SPARQL 1.1 Protocol query cases on every store: the embedded one, Oxigraph server and Virtuoso behind salvage-kg.

The cases follow the W3C protocol tests' query operations (GET, POST form, POST direct; result media types per
query form; a protocol-given dataset; bad requests), with our graphs as data. The base IRI of every query is
salvage-kg's own public /sparql URL, so a relative IRI never resolves against a remote store's internal URL.
"""

import httpx
import pyoxigraph as ox
import pytest
from virtuoso_helpers import virtuoso, virtuoso_loaded  # noqa: F401 - fixtures

OURS = "https://w3id.org/salvage-kg/graph/vocabulary"
SELECT = "SELECT ?r WHERE { ?r a <https://w3id.org/salvage-kg/ontology#Relapse> } ORDER BY ?r"
ASK = "ASK { ?r a <https://w3id.org/salvage-kg/ontology#Relapse> }"


@pytest.fixture(scope="module", params=["embedded", "Oxigraph server", "Virtuoso"])
def endpoint(request, server):
    """(salvage-kg's /sparql URL, the backend's own URL or None)."""
    if request.param == "embedded":
        return server.url + "/sparql", None
    if request.param == "Oxigraph server":
        request.getfixturevalue("remote_graph")
        backend = request.getfixturevalue("oxigraph_server") + "/query"
    else:
        backend = request.getfixturevalue("virtuoso_loaded").sparql_url
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


@pytest.mark.parametrize("how", ["get", "post_form", "post_direct"])
def test_query_operations(endpoint, how):
    url, _ = endpoint
    if how == "get":
        answer = httpx.get(url, params={"query": SELECT}, timeout=60)
    elif how == "post_form":
        answer = httpx.post(url, data={"query": SELECT}, timeout=60)
    else:
        answer = httpx.post(url, content=SELECT, headers={"Content-Type": "application/sparql-query"}, timeout=60)
    assert answer.status_code == 200
    assert len(answer.json()["results"]["bindings"]) == 6


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


@pytest.mark.parametrize("send", [
    lambda url: httpx.get(url, params=[("query", ASK), ("query", SELECT)], timeout=60),
    lambda url: httpx.post(url, content=ASK, headers={"Content-Type": "text/plain"}, timeout=60),
    lambda url: httpx.get(url, params={"query": "SELECT * WHERE { ?s ?p }"}, timeout=60),
    lambda url: httpx.get(url, params={"update": "CLEAR ALL"}, timeout=60),
    lambda url: httpx.post(url, data={"update": "CLEAR ALL"}, timeout=60),
], ids=["multiple-queries", "wrong-media-type", "syntax", "update-get", "update-post"])
def test_bad_requests_are_4xx(endpoint, send):
    assert 400 <= send(endpoint[0]).status_code < 500
