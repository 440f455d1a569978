"""/questions, /salvage-options, /patients and /health on a live server."""

import csv
import io

import pytest

from kg.questions.catalogue import catalogue

EXAMPLES = {
    name: {p.name: p.example for p in question.params if p.required} for name, question in catalogue().items()
}


def test_health(http, graph):
    body = http.get("/health").json()
    assert body["status"] == "ok" and body["quads"] > 1000
    assert body["named_graphs"] == len(graph.ask_internal("named-graphs").rows) >= 7  # 2 ontology, 2 cases, 3 rules


def test_catalogue_lists_every_question_with_typed_parameters(http):
    listing = {q["name"]: q for q in http.get("/questions").json()}
    assert set(listing) == set(catalogue())
    salvage = listing["salvage-options"]
    assert salvage["parameters"] == [{
        "name": "lost_antigen", "type": "iri", "example": "CD19", "required": True, "accepts": "sk:Antigen",
        "description": "The antigen the relapsed blasts no longer express (a label such as CD19, or an IRI).",
    }, {
        "name": "evidence_level", "type": "iri", "example": "C", "required": False, "accepts": "sk:EvidenceLevel",
        "description": 'Only the rows at this evidence level: C for case reports, "target link" for the therapies '
                       "listed on the ontology's target link alone, \"synthetic\" for generated patients; optional.",
    }]
    assert salvage["path"] == "/questions/salvage-options"


@pytest.mark.parametrize("name", sorted(catalogue()))
def test_each_question_over_http_gives_the_library_answer(http, graph, name):
    response = http.get(f"/questions/{name}", params=EXAMPLES[name])
    assert response.status_code == 200
    assert response.json()["rows"] == [dict(row) for row in graph.ask(name, EXAMPLES[name]).rows]


def test_rows_stating_clinical_facts_carry_citation_and_evidence_level(http):
    rows = http.get("/questions/responses-to-therapy", params={"therapy": "blinatumomab"}).json()["rows"]
    assert len(rows) == 2
    assert all(row["citation"].startswith("Rascon J") and row["evidence_level"] == "C" for row in rows)


def test_question_as_csv(http):
    response = http.get("/questions/antigen-status-at-relapse", params={"antigen": "CD22"},
                        headers={"Accept": "text/csv"})
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [(r["patient"], r["ordinal"], r["status_label"]) for r in rows if r["status_label"] != "not reported"] == [
        ("pbc-2021", "3", "positive")]


@pytest.mark.parametrize("path, params, status, fragment", [
    ("/questions/no-such-question", {}, 404, "no question named 'no-such-question'"),
    ("/questions/salvage-options", {}, 422, "lost_antigen"),
    ("/questions/salvage-options", {"lost_antigen": "CD20"}, 422, "'CD20' is not a known sk:Antigen"),
    ("/questions/salvage-options", {"lost_antigen": "CD19", "colour": "red"}, 422, "not a parameter"),
    ("/questions/salvage-options", [("lost_antigen", "CD19"), ("lost_antigen", "CD22")], 422, "give it once"),
    ("/questions/therapy-sequence", {"patient": 'x" } UNION { ?s ?p ?o'}, 422, "not a known sk:Patient"),
    ("/questions/search-statements", {"text": "x" * 300}, 422, "longer than 200"),
])
def test_bad_question_requests(http, path, params, status, fragment):
    response = http.get(path, params=params)
    assert response.status_code == status
    assert fragment in response.json()["message"]


def test_salvage_options_after_cd19_loss(http):
    body = http.get("/salvage-options", params={"lost_antigen": "CD19"}).json()
    assert body["query"] == {"lost_antigen": "CD19", "expressed": None, "prior": [], "age_group": None}
    assert "not treatment advice" in body["disclaimer"]
    labels = [option["therapy"]["label"] for option in body["options"]]
    # A randomised trial first (INO-VATE), then a non-randomised study, then a case report alone.
    assert labels == ["inotuzumab ozogamicin", "CD22-directed CAR-T cells", "haploidentical allogeneic HSCT"]
    assert all("CD19" not in option["therapy"]["targets"] for option in body["options"])
    inotuzumab = body["options"][0]
    assert inotuzumab["rank"] == 1
    assert inotuzumab["therapy"] == {"id": "https://w3id.org/salvage-kg/agent/inotuzumab-ozogamicin",
                                     "label": "inotuzumab ozogamicin", "modality": "antibody-drug conjugate",
                                     "targets": ["CD22"]}
    assert "strongest evidence: randomised trial (INO-VATE)" in inotuzumab["reason"]
    assert inotuzumab["evidence"][0] == {
        "patient": "pbc-2021", "administration": "inotuzumab ozogamicin, cycle 1", "setting": "salvage",
        "response": "complete remission: fourth complete remission",
        "source": {"citation": inotuzumab["evidence"][0]["source"]["citation"], "doi": "10.1002/pbc.28980",
                   "locator": "Letter, sentences 8-11", "pmid": None},
        "evidence_level": "C",
    }


def test_salvage_transplant_whose_response_is_not_reported_is_never_a_failure(http):
    """Regression: the answer said "complete remission in 0 of 1 reported administrations" of the transplant whose
    response the report does not give."""
    body = http.get("/salvage-options", params={"lost_antigen": "CD19"}).json()
    [transplant] = [option for option in body["options"] if option["therapy"]["label"].startswith("haploidentical")]
    assert [case["response"] for case in transplant["evidence"]] == ["response not reported"]
    assert "0 of 1" not in transplant["reason"] and "1 response not reported" in transplant["reason"]


def test_prior_therapy_goes_last_and_says_why(http):
    body = http.get("/salvage-options", params=[("lost_antigen", "CD19"), ("prior", "inotuzumab ozogamicin")]).json()
    assert body["options"][-1]["therapy"]["label"] == "inotuzumab ozogamicin"
    assert "already given (prior)" in body["options"][-1]["reason"]
    # A modality describes the patient (prior CAR-T); it marks no product of it as given.
    by_modality = http.get("/salvage-options", params={"lost_antigen": "CD19", "prior": "immunotherapy"}).json()
    assert not any(option["already_given"] for option in by_modality["options"])


def test_expressed_antigen_makes_every_therapy_aimed_at_it_an_option(http):
    body = http.get("/salvage-options", params={"lost_antigen": "CD19", "expressed": "CD22"}).json()
    aimed = [option for option in body["options"] if "CD22" in option["therapy"]["targets"]]
    assert {option["therapy"]["label"] for option in aimed} == {"inotuzumab ozogamicin", "CD22-directed CAR-T cells"}
    assert all("targets CD22, which the relapse still expresses" in option["why"] for option in aimed)


@pytest.mark.parametrize("params, fragment", [
    ({"lost_antigen": "CD20"}, "'CD20' is not a known sk:Antigen"),
    ({"lost_antigen": "CD19", "expressed": "PD-1"}, "parameter expressed"),
    ({"lost_antigen": "CD19", "prior": "aspirin"}, "parameter prior"),
    ({}, "lost_antigen"),
])
def test_salvage_options_bad_parameters(http, params, fragment):
    response = http.get("/salvage-options", params=params)
    assert response.status_code == 422 and fragment in response.json()["message"]


def test_patients(http):
    patients = {p["id"]: p for p in http.get("/patients").json()}
    assert set(patients) == {"pbc-2021", "rascon-2022"}
    rascon = http.get("/patients/rascon-2022").json()
    assert rascon == patients["rascon-2022"]
    assert (rascon["relapses"], rascon["transplants"], rascon["age_at_diagnosis"]) == (3, 2, "P3Y")
    assert rascon["last_known_state"] == "rising MRD after second transplant"
    assert "hyperdiploid karyotype (50XY), no aberrations" in rascon["findings_at_diagnosis"]
    assert http.get("/patients/pbc-2021").json()["findings_at_diagnosis"] == ["ETV6-RUNX1 rearrangement"]


def test_timeline_in_order_with_timing_precision_and_provenance(http):
    body = http.get("/patients/pbc-2021/timeline").json()
    events = body["events"]
    assert [e["sequence"] for e in events] == list(range(1, 17))
    relapse = next(e for e in events if e["label"] == "third relapse")
    assert relapse["age"] == "P12Y"
    assert relapse["timing"] == ["P1Y after anti-CD19 CAR-T cells (ELIANA trial) (approximate)"]
    assert relapse["source"] == {"citation": relapse["source"]["citation"], "doi": "10.1002/pbc.28980",
                                 "locator": "Letter, sentence 7", "pmid": None}
    assert relapse["evidence_level"] == "C"


def test_unknown_patient_is_404(http):
    for path in ("/patients/nobody", "/patients/nobody/timeline"):
        response = http.get(path)
        assert response.status_code == 404 and "'nobody' is not a known sk:Patient" in response.json()["message"]


def test_openapi_documents_an_example_for_every_parameter(http):
    spec = http.get("/openapi.json").json()
    for path, operations in spec["paths"].items():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                has_example = "example" in parameter or "examples" in parameter or \
                    "examples" in parameter.get("schema", {})
                assert has_example, f"{path} {parameter['name']}"
    assert "/questions/salvage-options" in spec["paths"]


def test_the_page_offers_a_select_box_only_for_ranges_small_enough(graph):
    from kg.questions.parameters import pickers

    every = pickers(graph)
    assert len(every["sk:Patient"]) == 2
    small = pickers(graph, at_most=2)
    assert "sk:Patient" in small
    assert all(len(choices) <= 2 for choices in small.values())
    assert set(every) - set(small) == {name for name, choices in every.items() if len(choices) > 2} != set()
