"""Answers a page at a time: in Python (`page=Page(...)`) and over HTTP (`limit`, `offset`, a `Link` to the next).

Pages follow the question's own order, so walking them gives back the whole answer, row for row."""

import csv
import io

import pytest
from rdflib import URIRef

from kg.questions.pages import Page, PageError

# pathway-states: every disease state of both patients (19 rows on the bundled cases), ordered by patient and step.
NAME = "pathway-states"


def test_walking_the_pages_in_python_gives_the_whole_answer_in_order(graph):
    whole = graph.ask(NAME).rows
    assert len(whole) > 5
    rows, offset, pages = [], 0, 0
    while offset is not None:
        answer = graph.ask(NAME, page=Page(limit=4, offset=offset))
        assert answer.page["offset"] == offset and answer.page["limit"] == 4
        assert len(answer.rows) == 4 or answer.page["next_offset"] is None
        rows += answer.rows
        offset = answer.page["next_offset"]
        pages += 1
    assert rows == list(whole)
    assert pages == -(-len(whole) // 4)


def test_a_page_past_the_end_is_empty_and_last(graph):
    answer = graph.ask(NAME, page=Page(limit=10, offset=1000))
    assert answer.rows == () and answer.page["next_offset"] is None


def test_an_answer_that_fits_one_page_says_it_is_the_last(graph):
    whole = graph.ask(NAME).rows
    answer = graph.ask(NAME, page=Page(limit=len(whole)))
    assert answer.rows == whole and answer.page["next_offset"] is None
    assert graph.ask(NAME).page is None  # no page asked for: the whole answer, and no page said


def test_pages_work_with_bound_parameters_on_both_engines(graph, rdflib_graph):
    patient = URIRef("https://w3id.org/salvage-kg/patient/rascon-2022")
    for engine in (graph, rdflib_graph):
        whole = engine.ask(NAME, patient=patient).rows
        first = engine.ask(NAME, page=Page(limit=3), patient=patient)
        second = engine.ask(NAME, page=Page(limit=3, offset=3), patient=patient)
        assert first.rows + second.rows == whole[:6]
        assert {row["patient"] for row in whole} == {"rascon-2022"}


@pytest.mark.parametrize("limit, offset", [(0, 0), (10_001, 0), (5, -1), (5, 10**12), ("5", 0), (True, 0)])
def test_bad_pages_are_refused_with_the_range(limit, offset):
    with pytest.raises(PageError, match="whole number from"):
        Page(limit=limit, offset=offset)


def test_over_http_the_link_header_walks_to_the_end(http, graph):
    whole = [dict(row) for row in graph.ask(NAME).rows]
    rows, url, params = [], f"/questions/{NAME}", {"limit": 5}
    while url:
        response = http.get(url, params=params)
        assert response.status_code == 200
        body = response.json()
        rows += body["rows"]
        link = response.links.get("next")
        # pathway-states is ordered by patient: its link says the next key (tests/questions/test_pages_by_key.py)
        assert (link is None) == (body["page"]["next"] is None)
        url, params = (link["url"], None) if link else (None, None)
    assert rows == whole


def test_over_http_the_default_page_and_csv(http, graph):
    body = http.get(f"/questions/{NAME}").json()
    assert body["page"] == {"offset": 0, "limit": 100, "next_offset": None, "after": None, "next": None}
    response = http.get(f"/questions/{NAME}", params={"limit": 2, "offset": 2}, headers={"Accept": "text/csv"})
    assert "offset=4" in response.links["next"]["url"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    whole = graph.ask(NAME).rows
    assert [(row["patient"], row["label"]) for row in rows] == [(row["patient"], row["label"]) for row in whole[2:4]]


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 10_001}, {"offset": -1}, {"limit": "ten"},
                                    {"offset": 10**12}, {"offset": "1e3"}])
def test_over_http_bad_pages_get_422_with_a_reason(http, params):
    response = http.get(f"/questions/{NAME}", params=params)
    assert response.status_code == 422
    assert response.json()["error"] == "invalid_parameter"
    assert next(iter(params)) in response.json()["message"]


def test_patients_come_a_page_at_a_time_with_a_link_to_the_next(http, graph):
    every = [row["patient"] for row in graph.ask("patients").rows]
    assert len(every) >= 2
    ids, url, params = [], "/patients", {"limit": 1}
    while url:
        response = http.get(url, params=params)
        assert response.status_code == 200
        page = response.json()
        assert len(page) == 1
        ids += [patient["id"] for patient in page]
        link = response.links.get("next")
        url, params = (link["url"], None) if link else (None, None)
    assert ids == every
    last = http.get("/patients")
    assert "next" not in last.links and [patient["id"] for patient in last.json()] == every


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 10_001}, {"offset": -1}, {"offset": "x"}])
def test_bad_pages_of_patients_get_422_with_a_reason(http, params):
    response = http.get("/patients", params=params)
    assert response.status_code == 422
    assert response.json()["error"] == "invalid_parameter"
    assert next(iter(params)) in response.json()["message"]
