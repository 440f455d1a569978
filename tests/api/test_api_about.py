"""/about and /.well-known/void on a live server: what the dataset is, counted from the graph, and its VoID."""

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF

VOID = Namespace("http://rdfs.org/ns/void#")
DATASET = URIRef("https://w3id.org/salvage-kg/dataset")


def test_about_counts_what_the_graph_holds(http, select):
    body = http.get("/about").json()
    patients = select("SELECT ?p WHERE { ?p a sk:Patient }")
    reports = select("SELECT ?r WHERE { ?r a sk:CaseReport }")
    assert body["counts"]["patients"] == len(patients)
    assert body["counts"]["case_reports"] == len(reports)
    assert body["counts"]["triples"] == select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")[0]["n"]
    assert body["synthetic"] is False
    assert body["licence"] == "MIT" and body["citation_file"] == "CITATION.cff"
    assert body["version"] == http.get("/openapi.json").json()["info"]["version"]


def test_void_describes_the_dataset_and_its_endpoint(http, server):
    for response in (http.get("/.well-known/void"), http.get("/about", headers={"Accept": "text/turtle"})):
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/turtle")
        void = Graph().parse(data=response.text, format="turtle")
        assert (DATASET, RDF.type, VOID.Dataset) in void
        assert (DATASET, VOID.sparqlEndpoint, URIRef(f"{server.url}/sparql")) in void
        triples = void.value(DATASET, VOID.triples)
        assert str(triples.datatype).endswith("#integer")
        assert int(triples) == http.get("/about").json()["counts"]["triples"]
        assert (DATASET, DCTERMS.license, URIRef("https://spdx.org/licenses/MIT.html")) in void
        subsets = set(void.objects(DATASET, VOID.subset))
        assert URIRef("https://w3id.org/salvage-kg/graph/case/pbc-2021") in subsets
        assert void.value(DATASET, DCTERMS.hasVersion) == Literal(http.get("/about").json()["version"])
