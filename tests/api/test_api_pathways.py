"""/pathways, /pathways/sankey and /patients/{id}/timeline.svg on a live server."""

import re
import xml.etree.ElementTree as ET

import pytest

from kg.clinical.pathways import Cohort, Options, node_link
from kg.questions.answers import DISCLAIMER


def test_pathways_json_is_the_library_answer(http, graph):
    body = http.get("/pathways", params={"mode": "changes", "max_length": 4}).json()
    expected = node_link(Cohort.read(graph).transitions(Options(mode="changes", max_length=4)))
    assert {key: value for key, value in body.items() if key != "disclaimer"} == expected
    assert body["disclaimer"] == DISCLAIMER
    assert body["graph"]["patients"] == 2 and max(node["step"] for node in body["nodes"]) == 4


def test_pathways_json_carries_outcomes_states_and_sources(http):
    body = http.get("/pathways").json()
    nodes = {node["id"]: node for node in body["nodes"]}
    car_t = nodes["3. anti-CD19 CAR-T cells (ELIANA trial)"]
    assert car_t["outcomes"] == {"complete remission, MRD-negative": 1}
    assert car_t["sources"][0]["citation"].endswith("doi:10.1002/pbc.28980")
    (link,) = [link for link in body["links"] if link["source"] == car_t["id"]]
    assert (link["target"], link["via"]) == ("4. inotuzumab ozogamicin", {"relapse, CD19-negative": 1})


def test_min_count_hides_rare_pathways_over_http(http):
    body = http.get("/pathways", params={"min_count": 2}).json()
    assert (body["nodes"], body["graph"]["hidden"]) == ([], 2)


def test_band_lists_the_patients_of_one_band(http):
    link = http.get("/pathways").json()["links"][0]
    band = http.get("/pathways/band", params={"source": link["source"], "target": link["target"]}).json()
    assert len(band["patients"]) == link["count"] and band["patients"][0] in {"pbc-2021", "rascon-2022"}
    hidden = http.get("/pathways/band", params={"source": link["source"], "target": link["target"], "min_count": 2})
    assert hidden.json()["patients"] == []  # not drawn, so no one to list
    missing = http.get("/pathways/band", params={"source": link["source"]})
    assert missing.status_code == 422 and "target" in missing.json()["message"]


def test_sankey_takes_the_width_of_its_frame(http):
    narrow = http.get("/pathways/sankey", params={"width": 1240}).text
    svg_width = float(re.search(r'<svg[^>]* width="([0-9.]+)"', narrow).group(1))
    assert svg_width <= 1240 - 48  # inside the page's margins
    assert http.get("/pathways/sankey", params={"width": 10}).status_code == 422


@pytest.mark.parametrize("path", ["/pathways", "/pathways/sankey", "/pathways/band"])
@pytest.mark.parametrize("params, fragment", [
    ({"mode": "last"}, "query.mode"),
    ({"min_count": 0}, "query.min_count"),
    ({"min_count": "many"}, "query.min_count"),
    ({"max_length": 0}, "query.max_length"),
    ({"max_length": 51}, "query.max_length"),
])
def test_bad_options_are_422_json(http, path, params, fragment):
    band = {"source": "1. blinatumomab", "target": "2. tisagenlecleucel"} if path.endswith("/band") else {}
    response = http.get(path, params={**params, **band})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error", "message"} and fragment in body["message"]


def test_sankey_page_is_self_contained_html(http):
    response = http.get("/pathways/sankey", params={"mode": "changes"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    page = response.text
    assert "<svg" in page and "inotuzumab ozogamicin" in page and "not treatment advice" in page
    # no script, stylesheet, image or font to fetch: the page works offline
    assert not re.search(r"<script|<link|<img|<iframe|\bsrc=|href=|url\(|@import", page, re.IGNORECASE)


def test_timeline_svg_is_a_swimmer_plot(http):
    response = http.get("/patients/rascon-2022/timeline.svg")
    assert response.status_code == 200 and response.headers["content-type"].startswith("image/svg+xml")
    ET.fromstring(response.content)
    for text in ("rascon-2022", "relapse 3", "refractory", "rising MRD", "+11 mo", "not a time scale"):
        assert text in response.text, text
    assert "pbc-2021" not in response.text


def test_timeline_svg_of_an_unknown_patient_is_404_json(http):
    response = http.get("/patients/nobody/timeline.svg")
    assert response.status_code == 404
    refusal = response.json()
    assert refusal["error"] == "unknown_patient" and "'nobody' is not a known sk:Patient" in refusal["message"]


def test_pathway_routes_are_documented_with_examples(http):
    paths = http.get("/openapi.json").json()["paths"]
    for path in ("/pathways", "/pathways/sankey", "/patients/{patient_id}/timeline.svg"):
        operation = paths[path]["get"]
        assert operation["summary"]
        for parameter in operation["parameters"]:
            assert parameter["description"]
            assert {"example", "examples"} & (set(parameter) | set(parameter["schema"])), parameter["name"]
    assert set(paths["/pathways"]["get"]["responses"]) == {"200", "422"}
    assert "text/html" in paths["/pathways/sankey"]["get"]["responses"]["200"]["content"]
    assert "image/svg+xml" in paths["/patients/{patient_id}/timeline.svg"]["get"]["responses"]["200"]["content"]
