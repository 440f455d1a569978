"""Similar-course search: ontology-derived costs, alignments that say which steps matched, what happened next with
sources, and each report's patient found first from a course described from it, among 1,000 synthetic patients."""

import numpy as np
import pytest
from conftest import THOUSAND_SEED

from kg.clinical.similar import CourseIndex, align, search, similar_courses
from kg.clinical.similar.course import MAX_TEXT, parse_course
from kg.clinical.similar.events import GAP, NEVER, relapse, state, therapy
from kg.clinical.similar.search import nearest
from kg.knowledge_graph import KnowledgeGraph
from kg.questions.parameters import ParameterError
from kg.tools.bench_similar import COURSES


@pytest.fixture(scope="module")
def cohort(thousand) -> KnowledgeGraph:
    """The two cases and 1,000 synthetic patients (the session's, tests/conftest.py)."""
    return thousand


@pytest.fixture(scope="module")
def cohort_index(cohort) -> CourseIndex:
    return CourseIndex.build(cohort)


def _agent(name: str) -> str:
    return f"https://w3id.org/salvage-kg/agent/{name}"


def test_costs_come_from_the_ontology(graph):
    from kg.clinical.similar.index import index_for

    alphabet = index_for(graph).alphabet
    blinatumomab, car_t = therapy(_agent("blinatumomab")), therapy(_agent("tisagenlecleucel"))
    inotuzumab, chemo = therapy(_agent("inotuzumab-ozogamicin")), therapy(_agent("high-risk-chemotherapy"))
    # Same target antigen (CD19) and both immunotherapy: closer than two immunotherapies with different targets,
    # which are closer than an immunotherapy and chemotherapy.
    assert alphabet.cost(blinatumomab, car_t) < alphabet.cost(blinatumomab, inotuzumab) < \
        alphabet.cost(blinatumomab, chemo)
    sibling = therapy(_agent("matched-sibling-hsct"), transplant=True)
    haplo = therapy(_agent("haploidentical-hsct"), transplant=True)
    cord = therapy(_agent("cord-blood-transplant"), transplant=True)
    assert alphabet.cost(sibling, haplo) < alphabet.cost(sibling, blinatumomab)
    assert alphabet.cost(sibling, sibling) == 0 and alphabet.cost(haplo, cord) > 0
    # Antigen states: agreement costs nothing, a stated disagreement costs most, silence on one side a little.
    neg, pos, silent = relapse(cd19="negative"), relapse(cd19="positive"), relapse()
    assert alphabet.cost(neg, neg) == 0 < alphabet.cost(neg, silent) < alphabet.cost(neg, pos)
    assert alphabet.cost(state("remission"), car_t) == NEVER


def test_vectorised_distances_equal_one_by_one_alignment(cohort_index):
    costs = cohort_index.alphabet.costs()
    query = np.array(cohort_index.courses["pbc-2021"], dtype=np.int16)
    for group in list(cohort_index.groups.values())[:6]:
        fast = align.distances(query, group.codes, costs, GAP)
        for row, distance in zip(group.codes[:20], fast[:20], strict=False):
            steps, _ = align.traceback(list(query), list(row), costs, GAP)
            assert sum(step[3] for step in steps) == pytest.approx(float(distance), abs=1e-4)


@pytest.mark.parametrize("report", ["pbc-2021", "rascon-2022"])
def test_a_course_described_from_a_report_finds_its_patient_first_among_1000_synthetic(cohort, cohort_index, report):
    hits = similar_courses(cohort, course=COURSES[report], k=5, index=cohort_index)
    assert hits[0].patient == report
    assert all(hit.patient.startswith(f"synth-{THOUSAND_SEED}-") for hit in hits[1:])
    assert hits[0].distance < hits[1].distance


def test_similar_synthetic_hits_say_synthetic(cohort, cohort_index):
    """The case-report disclaimer came with hits that were synthetic patients too (issue 17, point 8)."""
    mixed = search(cohort, course=COURSES["pbc-2021"], k=5, index=cohort_index)
    assert {hit.evidence_level for hit in mixed.hits} == {"C", "synthetic"}
    assert "CIViC level C" in mixed.disclaimer and "Synthetic data" in mixed.disclaimer
    only = search(cohort, patient=f"synth-{THOUSAND_SEED}-000001", k=3, index=cohort_index)
    assert {hit.evidence_level for hit in only.hits} == {"synthetic"}
    assert "CIViC level C" not in only.disclaimer and "Synthetic data" in only.disclaimer


def test_each_hit_shows_its_alignment_and_what_happened_next_with_sources(graph):
    found = search(graph, course="relapse CD19-negative; inotuzumab; CR", k=2)
    first = found.hits[0]
    assert first.patient == "pbc-2021"
    # CD22+ is stated only in the report: no disagreement, but not the same either.
    assert [step.what for step in first.alignment] == ["match where both state", "match", "match"]
    assert first.alignment[1].patient_event == "inotuzumab ozogamicin"
    assert first.alignment[1].source.doi == "10.1002/pbc.28980"
    assert [item.event for item in first.next] == ["inotuzumab ozogamicin", "haploidentical allogeneic HSCT"]
    assert all(item.source.locator for item in first.next)
    second = found.hits[1]
    assert second.patient == "rascon-2022"
    assert ("differs", "inotuzumab ozogamicin", "tisagenlecleucel") in \
        [(step.what, step.asked, step.patient_event) for step in second.alignment]
    assert "not treatment advice" in found.disclaimer


def test_search_by_patient_leaves_the_patient_out(cohort, cohort_index):
    hits = similar_courses(cohort, patient="rascon-2022", k=5, index=cohort_index)
    assert len(hits) == 5 and "rascon-2022" not in [hit.patient for hit in hits]
    assert [hit.distance for hit in hits] == sorted(hit.distance for hit in hits)


def test_the_length_prefilter_returns_what_aligning_everyone_returns(cohort_index):
    costs = cohort_index.alphabet.costs()
    for patient in ("pbc-2021", "rascon-2022", f"synth-{THOUSAND_SEED}-000001"):
        query = np.array(cohort_index.courses[patient], dtype=np.int16)
        every = sorted((float(d), p) for group in cohort_index.groups.values()
                       for d, p in zip(align.distances(query, group.codes, costs, GAP), group.patients, strict=True)
                       if p != patient)
        found = nearest(cohort_index, query, 10, exclude=patient)
        assert [round(d, 4) for _, d in found] == [round(d, 4) for d, _ in every[:10]]


def test_a_class_named_in_a_course_matches_its_members(graph):
    hits = similar_courses(graph, course="relapse; CAR-T; CR", k=2)
    assert {hit.patient for hit in hits if hit.distance == 0} == {"pbc-2021", "rascon-2022"}
    assert hits[0].alignment[1].what == "match"


def test_course_text_names_its_events(graph):
    events = parse_course("relapse CD19- CD22+; InO; CR3 MRD-negative; refractory; rising MRD; HSCT", graph)
    assert events[0] == relapse("negative", "positive")
    assert events[1] == therapy(_agent("inotuzumab-ozogamicin"))
    assert [event.kind for event in events[2:5]] == ["remission", "refractory", "rising MRD"]
    assert events[5].term.endswith("#HematopoieticStemCellTransplant")


@pytest.mark.parametrize("text, reason", [
    ("relapse; aspirin", "not a known sk:TherapyAgent"),
    ("relapse CD33-negative", "only CD19 and CD22"),
    ("relapse early", "antigen states such as"),
    (" ; ", "describe the course"),
    ("relapse; " * 61, "at most 60 events"),
    ("x" * (MAX_TEXT + 1), f"at most {MAX_TEXT} characters"),
])
def test_a_course_that_cannot_be_read_is_refused_with_the_reason(graph, text, reason):
    with pytest.raises(ParameterError, match=reason):
        search(graph, course=text)


def test_bad_requests_are_refused(graph):
    with pytest.raises(ParameterError, match="not both"):
        search(graph, patient="pbc-2021", course="relapse")
    with pytest.raises(ParameterError, match="k is between"):
        search(graph, patient="pbc-2021", k=0)
    with pytest.raises(ParameterError, match="not a known sk:Patient"):
        search(graph, patient="nobody")


def test_index_is_kept_until_the_graph_changes_without_counting_quads(monkeypatch):
    from kg.clinical.similar.index import index_for

    graph = KnowledgeGraph.build()
    first = index_for(graph)
    monkeypatch.setattr(type(graph.store), "__len__", lambda self: pytest.fail("the store's quads were counted"),
                        raising=False)
    assert index_for(graph) is first
    graph.changed()  # what a curator's write calls
    assert index_for(graph) is not first


def test_concurrent_searches_naming_new_classes_do_not_race():
    from concurrent.futures import ThreadPoolExecutor

    graph = KnowledgeGraph.build()
    courses = ["relapse; CAR-T; CR", "relapse; HSCT", "relapse; ADC; CR", "relapse; bispecific T-cell engager",
               "relapse; allo-HSCT", "relapse; chemotherapy", "relapse; immunotherapy", "relapse; cytotoxic drug"] * 4
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda text: search(graph, course=text, k=2), courses))
    assert all(len(answer.hits) == 2 for answer in answers)


# --- over HTTP, on a live server --------------------------------------------------------------------------------

def test_http_patients_like_this_one(http, graph):
    response = http.get("/patients/pbc-2021/similar", params={"k": 1})
    assert response.status_code == 200
    body = response.json()
    assert [hit["patient"] for hit in body["hits"]] == ["rascon-2022"]
    assert body["hits"][0] == search(graph, patient="pbc-2021", k=1).hits[0].as_dict() | {
        "distance": body["hits"][0]["distance"]}
    assert "not treatment advice" in body["disclaimer"]


def test_http_similar_to_a_described_course(http):
    response = http.post("/similar", json={"course": "relapse CD19-negative; inotuzumab; CR", "k": 2})
    assert response.status_code == 200
    hits = response.json()["hits"]
    assert hits[0]["patient"] == "pbc-2021" and hits[0]["alignment"][1]["what"] == "match"
    assert hits[0]["next"][0]["source"]["doi"] == "10.1002/pbc.28980"


@pytest.mark.parametrize("send, status, error", [
    ({"json": {"course": "relapse; aspirin"}}, 422, "invalid_parameter"),
    ({"json": {"course": "relapse", "k": 0}}, 422, "invalid_parameter"),
    ({"json": {"k": 3}}, 422, "invalid_parameter"),
    ({"content": b"not json", "headers": {"content-type": "application/json"}}, 422, "invalid_parameter"),
    ({"content": b"\xff\xfe", "headers": {"content-type": "application/json"}}, 400, "invalid_encoding"),
    ({"content": b"x" * 20_000, "headers": {"content-type": "application/json"}}, 413, "body_too_large"),
])
def test_http_a_bad_course_is_refused_with_a_reason(http, send, status, error):
    response = http.post("/similar", **send)
    assert response.status_code == status
    assert response.json()["error"] == error


def test_http_unknown_patient_is_404(http):
    response = http.get("/patients/nobody/similar")
    assert response.status_code == 404 and response.json()["error"] == "unknown_patient"


# --- the command line -------------------------------------------------------------------------------------------

def test_cli_similar_as_json_and_table(capsys):
    import json

    from kg.cli.main import main

    assert main(["similar", "--course", "relapse CD19-negative; inotuzumab; CR", "-k", "1", "--format", "json"]) == 0
    body = json.loads(capsys.readouterr().out)
    assert body["hits"][0]["patient"] == "pbc-2021"
    assert main(["similar", "--patient", "rascon-2022", "-k", "1"]) == 0
    table = capsys.readouterr().out
    assert "1. pbc-2021" in table and "then:" in table and "source: Inotuzumab ozogamicin" in table


def test_cli_similar_with_an_unknown_therapy_exits_2(capsys):
    from kg.cli.main import main

    assert main(["similar", "--course", "relapse; aspirin"]) == 2
    assert "aspirin" in capsys.readouterr().err


# --- on the page, in a browser ----------------------------------------------------------------------------------

from browser_helpers import browser, visit  # noqa: E402, F401  (the page tests' browser fixtures)


def test_page_shows_patients_like_this_one_with_what_happened_next(visit):  # noqa: F811
    seen = visit()
    card = seen.page.locator("#patient-rascon-2022")
    card.get_by_role("button", name="Patients like this one").click()
    hit = card.locator(".similar li").first
    hit.wait_for()
    assert "pbc-2021" in hit.inner_text() and "Then: " in hit.inner_text()
    assert "not treatment advice" in card.locator(".similar").inner_text()
    assert seen.errors == []
