"""Raw /sparql SELECT results forwarded from Virtuoso: its durations (month or second counts) read as durations,
written in the client's format by pyoxigraph.

Virtuoso 7.2 answers `"P1Y"^^xsd:duration` as `"12"^^xsd:duration`, which is no duration at all; named questions
were repaired (kg.backends.remote_terms.from_json), raw /sparql results were passed on as the store wrote them, and
its TSV writes IRIs as quoted strings and drops datatypes ("12" where a client should read a duration)."""

import json

import pyoxigraph as ox
import pytest

from kg.backends.remote_terms import solutions_in, triples_in

DURATION = "http://www.w3.org/2001/XMLSchema#duration"
VIRTUOSO_JSON = json.dumps({"head": {"link": [], "vars": ["event", "offset", "n"]}, "results": {"bindings": [
    {"event": {"type": "uri", "value": "https://example.org/relapse-2"},
     "offset": {"type": "typed-literal", "datatype": DURATION, "value": "12"},
     "n": {"type": "typed-literal", "datatype": "http://www.w3.org/2001/XMLSchema#integer", "value": "12"}},
    {"event": {"type": "uri", "value": "https://example.org/remission-1"},
     "offset": {"type": "typed-literal", "datatype": DURATION, "value": "864000.0"}}]}}).encode()


def test_virtuoso_durations_in_raw_sparql_results_read_as_durations():
    rows = json.loads(solutions_in(VIRTUOSO_JSON, ox.QueryResultsFormat.JSON))["results"]["bindings"]
    assert [row["offset"]["value"] for row in rows] == ["P1Y", "P10D"] and rows[0]["n"]["value"] == "12"


@pytest.mark.parametrize("results_format, expected", [
    (ox.QueryResultsFormat.TSV, f'<https://example.org/relapse-2>\t"P1Y"^^<{DURATION}>\t12'),
    (ox.QueryResultsFormat.XML, f'<literal datatype="{DURATION}">P10D</literal>'),
    (ox.QueryResultsFormat.CSV, "https://example.org/relapse-2,P1Y,12"),
])
def test_each_format_is_written_from_the_repaired_solutions(results_format, expected):
    assert expected in solutions_in(VIRTUOSO_JSON, results_format).decode()


def test_an_answer_that_is_no_json_result_is_refused():
    with pytest.raises(ValueError):
        solutions_in(b"<html>an error page</html>", ox.QueryResultsFormat.TSV)


def test_virtuoso_durations_in_constructed_triples_read_as_durations():
    virtuoso = (f'_:b1\t<https://example.org/offset>\t"12"^^<{DURATION}> .\n'
                f'<https://example.org/e>\t<https://example.org/offset>\t"P2D"^^<{DURATION}> .\n').encode()
    written = triples_in(virtuoso, ox.RdfFormat.N_TRIPLES).decode()
    assert f'"P1Y"^^<{DURATION}>' in written and f'"P2D"^^<{DURATION}>' in written and '"12"' not in written
