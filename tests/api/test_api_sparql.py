"""/sparql on a live server: real SPARQL clients, raw HTTP for negotiation and for every error."""

import json

import pytest
import rdflib
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from server_helpers import while_health_polled, worker_cpu, worker_pids, workers_replaced
from SPARQLWrapper import CSV, JSON, TURTLE, XML, SPARQLWrapper

SK = "https://w3id.org/salvage-kg/ontology#"
CD19_QUERY = f"""PREFIX sk: <{SK}>
SELECT ?relapse ?status WHERE {{ ?f sk:findingAt ?relapse ; sk:antigen sk:CD19 ; sk:expressionStatus ?status }}
ORDER BY ?relapse"""
SLOW_QUERY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


# --- real clients --------------------------------------------------------------------------------------------

def test_sparqlwrapper_select_json(server):
    client = SPARQLWrapper(server.url + "/sparql")
    client.setQuery(CD19_QUERY)
    client.setReturnFormat(JSON)
    bindings = client.query().convert()["results"]["bindings"]
    statuses = {row["relapse"]["value"].rsplit("/", 2)[-2] + "/" + row["relapse"]["value"].rsplit("/", 1)[-1]:
                row["status"]["value"] for row in bindings}
    assert statuses["pbc-2021/relapse-3"] == SK + "Negative"
    assert len(bindings) == 8  # CD19 at 6 relapses and 2 diagnoses


def test_sparqlwrapper_post_ask_xml_and_construct_turtle(server):
    client = SPARQLWrapper(server.url + "/sparql")
    client.setMethod("POST")
    client.setQuery(f"ASK {{ ?x <{SK}antigen> <{SK}CD19> ; <{SK}expressionStatus> <{SK}Negative> }}")
    client.setReturnFormat(XML)
    assert client.query().convert().getElementsByTagName("boolean")[0].firstChild.data == "true"
    client.setQuery(f"CONSTRUCT {{ ?r a <{SK}Relapse> }} WHERE {{ ?r a <{SK}Relapse> }}")
    client.setReturnFormat(TURTLE)
    graph = rdflib.Graph().parse(data=client.query().convert(), format="turtle")
    assert len(graph) == 6


def test_sparqlwrapper_csv(server):
    client = SPARQLWrapper(server.url + "/sparql")
    client.setQuery(CD19_QUERY)
    client.setReturnFormat(CSV)
    lines = client.query().convert().decode().splitlines()
    assert lines[0] == "relapse,status" and len(lines) == 9


def test_rdflib_sparqlstore_as_a_remote_graph(server):
    store = SPARQLStore(server.url + "/sparql")
    graph = rdflib.Graph(store=store)
    rows = list(graph.query(f"SELECT ?label WHERE {{ ?a a <{SK}AntibodyDrugConjugate> ; "
                            "<http://www.w3.org/2000/01/rdf-schema#label> ?label }"))
    assert [str(row[0]) for row in rows] == ["inotuzumab ozogamicin"]
    assert (rdflib.URIRef(SK + "CD19"), rdflib.RDF.type, rdflib.URIRef(SK + "Antigen")) in graph


# --- content negotiation ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("accept, expected", [
    (None, "application/sparql-results+json"),
    ("*/*", "application/sparql-results+json"),
    ("application/sparql-results+xml", "application/sparql-results+xml"),
    ("text/csv", "text/csv"),
    ("text/tab-separated-values", "text/tab-separated-values"),
    ("text/html;q=0.9, text/csv;q=0.5", "text/csv"),
])
def test_select_negotiation(http, accept, expected):
    response = http.get("/sparql", params={"query": CD19_QUERY}, headers={"Accept": accept} if accept else {})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(expected)


@pytest.mark.parametrize("accept, expected, rdflib_format", [
    (None, "text/turtle", "turtle"),
    ("application/n-triples", "application/n-triples", "nt"),
    ("application/ld+json", "application/ld+json", "json-ld"),
    ("application/rdf+xml", "application/rdf+xml", "xml"),
])
def test_construct_negotiation(http, accept, expected, rdflib_format):
    query = f"DESCRIBE <{SK}CD22>"
    response = http.post("/sparql", content=query, headers={"Content-Type": "application/sparql-query",
                                                            **({"Accept": accept} if accept else {})})
    assert response.status_code == 200 and response.headers["content-type"].startswith(expected)
    graph = rdflib.Graph().parse(data=response.text, format=rdflib_format)
    assert (rdflib.URIRef(SK + "CD22"), rdflib.RDFS.label, rdflib.Literal("CD22", lang="en")) in graph


def test_default_graph_uri_restricts_the_dataset(http):
    query = "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?p a <https://w3id.org/salvage-kg/ontology#Patient> }"
    everything = http.get("/sparql", params={"query": query}).json()
    one_case = http.get("/sparql", params={
        "query": query, "default-graph-uri": "https://w3id.org/salvage-kg/graph/case/pbc-2021"}).json()
    assert everything["results"]["bindings"][0]["n"]["value"] == "2"
    assert one_case["results"]["bindings"][0]["n"]["value"] == "1"


def test_named_graph_uri_with_graph_patterns(http):
    query = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    derived = "https://w3id.org/salvage-kg/graph/derived/antigen-escape"
    response = http.post("/sparql", data={"query": query, "named-graph-uri": derived})
    assert [b["g"]["value"] for b in response.json()["results"]["bindings"]] == [derived]


def test_service_description(http):
    response = http.get("/sparql")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/turtle")
    graph = rdflib.Graph().parse(data=response.text, format="turtle")
    sd = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
    assert (None, sd.supportedLanguage, sd.SPARQL11Query) in graph
    names = {str(name) for name in graph.objects(None, sd.name)}
    assert "https://w3id.org/salvage-kg/graph/case/rascon-2022" in names


def test_cors_for_a_configured_origin(http):
    allowed = http.get("/sparql", params={"query": "ASK {}"}, headers={"Origin": "http://localhost:3000"})
    other = http.get("/sparql", params={"query": "ASK {}"}, headers={"Origin": "http://elsewhere.example"})
    assert allowed.headers.get("access-control-allow-origin") == "http://localhost:3000"
    assert "access-control-allow-origin" not in other.headers


# --- errors a client can act on ---------------------------------------------------------------------------------

def test_malformed_query_is_400_saying_where_the_parser_stopped(http):
    response = http.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p }"})
    assert response.status_code == 400
    assert response.json()["error"] == "syntax" and "line 1, column 23" in response.json()["message"]


def test_unacceptable_format_is_406(http):
    assert http.get("/sparql", params={"query": "ASK {}"}, headers={"Accept": "image/png"}).status_code == 406
    # CSV is offered for SELECT, not for ASK: the reason names what is offered
    response = http.get("/sparql", params={"query": "ASK {}"}, headers={"Accept": "text/csv"})
    assert response.status_code == 406 and "application/sparql-results+json" in response.json()["message"]


@pytest.mark.parametrize("send", [
    lambda http: http.get("/sparql", params={"query": "DROP ALL"}),
    lambda http: http.post("/sparql", data={"update": "INSERT DATA { <a:b> <a:c> <a:d> }"}),
    lambda http: http.post("/sparql", content="CLEAR DEFAULT", headers={"Content-Type": "application/sparql-update"}),
    lambda http: http.post("/sparql", content="PREFIX x: <a:> LOAD <http://example.org/data.ttl>",
                           headers={"Content-Type": "application/sparql-query"}),
])
def test_updates_are_refused_as_read_only(http, send):
    response = send(http)
    assert response.status_code == 403 and "read-only" in response.json()["message"]


def test_service_is_refused(http):
    response = http.get("/sparql", params={"query": "SELECT * WHERE { SERVICE <http://example.org/sparql> "
                                                    "{ ?s ?p ?o } }"})
    assert response.status_code == 400 and "no outbound requests" in response.json()["message"]


def test_query_length_limit(http):
    response = http.post("/sparql", data={"query": "ASK {}" + " " * 20001})
    assert response.status_code == 413 and "limit is 20000" in response.json()["message"]


def test_result_size_limit(http):
    response = http.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }"})
    assert response.status_code == 413 and "larger than 200000 bytes" in response.json()["message"]


def test_wrong_content_type_and_bad_encoding(http):
    assert http.post("/sparql", content="ASK {}", headers={"Content-Type": "text/plain"}).status_code == 415
    response = http.post("/sparql", content=b"ASK { \xff }", headers={"Content-Type": "application/sparql-query"})
    assert response.status_code == 400 and "UTF-8" in response.json()["message"]


def test_repeated_query_parameter_is_refused(http):
    assert http.get("/sparql", params=[("query", "ASK {}"), ("query", "ASK {}")]).status_code == 400


# --- the time limit ------------------------------------------------------------------------------------------------

def test_slow_query_is_stopped_at_the_limit_while_health_keeps_answering(server, http):
    before = worker_pids(server.process.pid)
    response, seconds, health = while_health_polled(
        server.url, lambda: http.get("/sparql", params={"query": SLOW_QUERY}))

    assert response.status_code == 503 and "longer than the limit of 2 s" in response.json()["message"]
    assert server.QUERY_TIMEOUT <= seconds < 2 * server.QUERY_TIMEOUT
    assert len(health) >= 5 and all(status == 200 for status, _ in health)
    assert max(latency for _, latency in health) < 0.5

    # The worker that ran it is gone, and nothing left behind keeps burning CPU.
    assert before - worker_pids(server.process.pid), "the busy worker should have been killed"
    workers_replaced(server.url)
    assert worker_cpu(server.process.pid, 1.0) < 0.3
    assert http.get("/sparql", params={"query": "ASK { ?s ?p ?o }"}).json()["boolean"] is True


def test_answers_are_json_not_tracebacks(http):
    response = http.get("/sparql", params={"query": "SELECT ?x WHERE { BIND(1/0 AS ?x) }"})
    assert response.status_code == 200
    assert json.loads(response.text)["head"]["vars"] == ["x"]
