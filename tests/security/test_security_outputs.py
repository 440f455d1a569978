"""Outputs are always well-formed and safe to open: XML parses back, CSV cannot carry a spreadsheet formula, and a
405 names every method the route takes."""

import csv
import io
from xml.parsers import expat

import pytest
from rdflib import Graph

CONTROL = 'SELECT ?x WHERE { BIND("a\\u0001b" AS ?x) }'
ESCAPES = 'SELECT ?x WHERE { BIND("]]> <tag> & \\"quoted\\"" AS ?x) }'
UNNAMEABLE = "CONSTRUCT { <urn:x:a> <http://example.org/1> \"x\" } WHERE {}"
FORMULAS = ["=HYPERLINK(\"http://evil.example/\",\"click\")", "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)",
            "\tTAB", "\rCR"]


def _parses(body: bytes) -> bool:
    parser = expat.ParserCreate()
    try:
        parser.Parse(body, True)
    except expat.ExpatError:
        return False
    return True


def test_lower_sparql_xml_with_escapes_parses_back(http):
    response = http.get("/sparql", params={"query": ESCAPES}, headers={"Accept": "application/sparql-results+xml"})
    assert response.status_code == 200
    assert _parses(response.content)
    assert "]]&gt; &lt;tag&gt; &amp;" in response.text


def test_lower_sparql_xml_that_xml_cannot_carry_is_refused_not_sent_malformed(http):
    response = http.get("/sparql", params={"query": CONTROL}, headers={"Accept": "application/sparql-results+xml"})
    assert response.status_code == 406, response.text[:200]
    assert response.json()["error"] == "not_representable"
    assert "application/sparql-results+json" in response.json()["message"]
    # The same answer in JSON is whole.
    assert http.get("/sparql", params={"query": CONTROL}).json()["results"]["bindings"][0]["x"]["value"] == "a\x01b"


@pytest.mark.parametrize("query", [UNNAMEABLE, CONTROL.replace("SELECT ?x WHERE", "CONSTRUCT { <urn:x:a> "
                                                                              "<urn:x:p> ?x } WHERE")])
def test_lower_rdf_xml_is_well_formed_or_refused(http, query):
    response = http.get("/sparql", params={"query": query}, headers={"Accept": "application/rdf+xml"})
    if response.status_code == 200:
        assert _parses(response.content), response.text
        assert len(Graph().parse(data=response.text, format="xml")) == 1
    else:
        assert (response.status_code, response.json()["error"]) == (406, "not_representable")


def test_lower_every_case_is_served_as_rdf_xml_that_parses_back(http):
    for case in http.get("/cases").json():
        response = http.get(case["href"], headers={"Accept": "application/rdf+xml"})
        assert response.status_code == 200
        assert len(Graph().parse(data=response.text, format="xml")) > 10


@pytest.mark.parametrize("formula", FORMULAS)
def test_lower_sparql_csv_neutralises_formulas(http, formula):
    literal = formula.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t").replace("\r", "\\r")
    query = f'SELECT ?x ?n WHERE {{ BIND("{literal}" AS ?x) BIND(-3 AS ?n) }}'
    response = http.get("/sparql", params={"query": query}, headers={"Accept": "text/csv"})
    assert response.status_code == 200
    [header, row] = list(csv.reader(io.StringIO(response.text, newline="")))
    assert header == ["x", "n"]
    assert row == ["'" + formula, "-3"]  # the formula is text; a plain negative number stays a number


def test_lower_named_question_csv_neutralises_formulas():
    from kg.questions.safe_output import neutralise_csv

    # Named questions' CSV goes through the same function; the bundled answers hold no formula to try it on.
    body = b"label,value\n=1+1,-4\n"
    assert list(csv.reader(io.StringIO(neutralise_csv(body).decode()))) == [["label", "value"], ["'=1+1", "-4"]]


def test_lower_named_question_csv_is_served(http):
    response = http.get("/questions/antigen-escapes", headers={"Accept": "text/csv"})
    assert response.status_code == 200
    assert not any(cell.startswith(("=", "+", "@")) for row in csv.reader(io.StringIO(response.text))
                   for cell in row)


@pytest.mark.parametrize("path, methods", [("/sparql", {"GET", "POST"}), ("/health", {"GET"}),
                                           ("/cases", {"GET", "POST"})])
def test_lower_405_allow_lists_every_method_the_route_takes(http, path, methods):
    response = http.request("PATCH", path)
    assert response.status_code == 405
    allowed = {method.strip() for method in response.headers["allow"].split(",")}
    assert methods <= allowed and "PATCH" not in allowed
