"""Answers as files and as RDF, and conditional GETs, against a live server (issue 17, point 4).

pandas.read_csv(url) sends no Accept header: a CSV link must say so in the URL (format=csv or NAME.csv), or the
reader gets JSON cut into columns (a 0 x 102 frame in the issue).
"""

import io

import pandas as pd
import pytest
from rdflib import RDF, Graph, URIRef

from kg.namespaces import PATIENT, SK

QUESTION = "antigen-status-at-relapse"


@pytest.mark.parametrize("path, params", [
    (f"/questions/{QUESTION}", {"antigen": "CD22", "format": "csv"}),
    (f"/questions/{QUESTION}.csv", {"antigen": "CD22"}),
])
def test_csv_link_reads_in_pandas_as_the_json_rows(server, http, path, params):
    rows = http.get(f"/questions/{QUESTION}", params={"antigen": "CD22"}).json()["rows"]
    url = http.build_request("GET", path, params=params).url
    frame = pd.read_csv(str(url))  # pandas' own HTTP client, as a user would call it
    assert list(frame.columns) == list(rows[0])
    assert len(frame) == len(rows) > 0
    assert sorted(frame["patient"]) == sorted(row["patient"] for row in rows)
    response = http.get(path, params=params)
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"] == f'attachment; filename="{QUESTION}.csv"'


def test_sparql_results_as_a_csv_link(http):
    query = "SELECT ?patient WHERE { ?p a <https://w3id.org/salvage-kg/ontology#Patient> ; " \
            "<http://www.w3.org/2004/02/skos/core#notation> ?patient } ORDER BY ?patient"
    url = http.build_request("GET", "/sparql", params={"query": query, "format": "csv"}).url
    assert list(pd.read_csv(str(url))["patient"]) == ["pbc-2021", "rascon-2022"]
    response = http.get(url)
    assert response.headers["content-disposition"] == 'attachment; filename="sparql.csv"'
    assert http.get("/sparql", params={"query": query, "format": "tsv"}).text.startswith("?patient\n")


def test_sparqlwrapper_format_hint_is_left_to_the_accept_header(http, server):
    """SPARQLWrapper sends format=json and output=json beside its Accept header: they were refused with 422 once
    format=csv became a file link (the tour's HTTP section failed on a fresh install)."""
    from SPARQLWrapper import JSON, SPARQLWrapper

    client = SPARQLWrapper(f"{server.url}/sparql")
    client.setQuery("SELECT ?s WHERE { ?s a <https://w3id.org/salvage-kg/ontology#Patient> }")
    client.setReturnFormat(JSON)
    assert len(client.queryAndConvert()["results"]["bindings"]) == 2


def test_accept_csv_is_a_file_too(http):
    response = http.get(f"/questions/{QUESTION}", params={"antigen": "CD22"}, headers={"Accept": "text/csv"})
    assert response.headers["content-disposition"] == f'attachment; filename="{QUESTION}.csv"'
    assert len(pd.read_csv(io.StringIO(response.text))) > 0


def test_format_csv_was_refused_with_422(http):
    """?format=csv was refused with 422 (an unknown parameter of the question); now it is the CSV link."""
    assert http.get(f"/questions/{QUESTION}", params={"format": "csv"}).status_code == 200
    refused = http.get(f"/questions/{QUESTION}", params={"format": "xlsx"})
    assert refused.status_code == 422 and "format" in refused.json()["message"]


def test_an_unknown_question_as_csv_is_404_naming_it(http):
    response = http.get("/questions/no-such-question.csv")
    assert response.status_code == 404 and "no-such-question" in response.json()["message"]


def test_the_csv_link_is_documented(http):
    spec = http.get("/openapi.json").json()
    assert f"/questions/{QUESTION}.csv" in spec["paths"]
    names = [p["name"] for p in spec["paths"][f"/questions/{QUESTION}"]["get"]["parameters"]]
    assert "format" in names


def _turtle(response) -> Graph:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/turtle")
    return Graph().parse(data=response.text, format="turtle")


def test_patients_ignored_accept_turtle(http):
    """/patients answered JSON to Accept: text/turtle; now the statements of the page's patients."""
    patients = [row["id"] for row in http.get("/patients").json()]
    graph = _turtle(http.get("/patients", headers={"Accept": "text/turtle"}))
    typed = {str(s) for s in graph.subjects(RDF.type, URIRef(str(SK.Patient)))}
    assert typed == {str(PATIENT[patient]) for patient in patients}


def test_one_patient_as_turtle_holds_its_events_and_their_timings(http, select):
    graph = _turtle(http.get("/patients/pbc-2021", headers={"Accept": "text/turtle"}))
    patient = URIRef(str(PATIENT["pbc-2021"]))
    events = {row["s"] for row in select(f"SELECT DISTINCT ?s WHERE {{ ?s sk:patient <{patient}> }}")}
    assert events and events <= {str(s) for s in graph.subjects(URIRef(str(SK.patient)), patient)}
    assert list(graph.objects(None, URIRef(str(SK.timing)))), "the timings (blank nodes) come with the events"
    other = URIRef(str(PATIENT["rascon-2022"]))
    assert not list(graph.triples((other, None, None))), "only this patient's statements"
    assert http.get("/patients/pbc-2021", headers={"Accept": "application/n-triples"}).status_code == 200
    assert http.get("/patients/pbc-2021").json()["id"].endswith("pbc-2021")  # JSON stays the default


def test_patients_refuse_a_format_they_do_not_offer(http):
    response = http.get("/patients/pbc-2021", headers={"Accept": "image/png"})
    assert response.status_code == 406 and "text/turtle" in response.json()["message"]


@pytest.mark.parametrize("path", [f"/questions/{QUESTION}?antigen=CD22", "/patients", "/patients/pbc-2021",
                                  "/about", "/salvage-options?lost_antigen=CD19"])
def test_answers_carry_an_etag_and_answer_304_when_unchanged(http, path):
    first = http.get(path)
    tag = first.headers["etag"]
    assert first.headers["cache-control"] == "no-cache" and "accept" in first.headers["vary"].lower()
    again = http.get(path, headers={"If-None-Match": tag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == tag
    as_csv = http.get(path, headers={"Accept": "text/csv", "If-None-Match": tag})
    assert as_csv.status_code != 304, "another representation has another tag"
    assert http.get(path, headers={"If-None-Match": '"something-else"'}).status_code == 200


def test_a_304_to_another_origin_carries_the_cors_headers(http):
    origin = {"Origin": "http://localhost:3000"}  # the test server's --cors-origin
    tag = http.get("/about", headers=origin).headers["etag"]
    again = http.get("/about", headers={**origin, "If-None-Match": tag})
    assert again.status_code == 304 and again.headers["access-control-allow-origin"] == "http://localhost:3000"


def test_refusals_carry_no_etag(http):
    response = http.get("/patients/nobody")
    assert response.status_code == 404 and "etag" not in response.headers
