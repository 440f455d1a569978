"""Pages by key (#20): an answer ordered by patient is paged `after=KEY`, a few patients at a time, never by OFFSET.

Walking the pages from key to key must give back the whole answer, row for row and in order, whatever the page's
size: a patient whose rows run over several pages included (the key then says how many of theirs were given)."""

import re

import pyoxigraph as ox
import pytest
from question_helpers import CountingEngine, examples, walk
from rdflib.namespace import SKOS

from kg.build.curation import Curator, read_case
from kg.knowledge_graph import KnowledgeGraph
from kg.paths import QUERIES_DIR, case_files
from kg.questions.catalogue import QuestionFileError, catalogue, load_question
from kg.questions.pages import Key, Page, PageError
from kg.questions.parameters import expand, resolve
from kg.questions.patient_pages import (
    MAX_CHUNK,
    Roster,
    among_filter,
    keyed_problem,
    page_by_patient,
    with_patients,
)
from kg.tools import synth

KEYED = sorted(name for name, question in catalogue().items() if question.keyed_by)
PATIENT = "https://w3id.org/salvage-kg/patient/"
# Parameters that find synthetic patients' rows where the header's example finds only the two cases' ("MRD").
ON_SYNTHETIC = {"search-statements": {"text": "relapse"}}


def synthetic_examples(name: str) -> dict[str, str]:
    return ON_SYNTHETIC.get(name, examples(name))


def test_the_questions_ordered_by_patient_are_keyed():
    assert {
        "patients",
        "pathway-steps",
        "pathway-states",
        "pathway-timings",
        "remission-durations",
        "transplant-details",
        "antigen-status-at-relapse",
        "salvage-options",  # by key within each therapy, after its target-link row
    } <= set(KEYED)
    # among the patients whose statements hold the words (kg.questions.text_index)
    assert catalogue()["search-statements"].patients_by_words == ("_text", "statement-words")
    assert "search-statements" in KEYED


@pytest.mark.parametrize("limit", [1, 7, 100])
@pytest.mark.parametrize("name", KEYED)
def test_walking_the_keys_gives_the_whole_answer_in_order_on_the_two_cases(graph, name, limit):
    whole = list(graph.ask(name, **examples(name)).rows)
    assert whole
    rows, keys = walk(graph, name, limit, **examples(name))
    assert rows == whole
    assert len(keys) == -(-len(whole) // limit) - 1
    assert [row["patient"] for row in graph.ask(name, page=Page(limit=limit), **examples(name)).rows] == [
        row["patient"] for row in whole[:limit]
    ]  # the first page, by key, is the OFFSET path's first page


def test_a_patient_whose_rows_span_pages_is_continued_where_the_page_ended(graph):
    whole = list(graph.ask("pathway-states").rows)
    rows, keys = walk(graph, "pathway-states", 4)
    assert rows == whole
    within = [key for key in keys if key.given]
    assert within and all(key.given % 4 == 0 for key in within)  # 19 rows of two patients: pages end inside them


def test_keys_work_on_rdflib_and_with_other_parameters(graph, rdflib_graph):
    for engine in (graph, rdflib_graph):
        whole = list(engine.ask("antigen-status-at-relapse", antigen="CD19").rows)
        assert whole and {row["antigen_label"] for row in whole} == {"CD19"}
        assert walk(engine, "antigen-status-at-relapse", 2, antigen="CD19")[0] == whole


def test_with_the_patient_given_the_keys_walk_that_patients_rows(graph, rdflib_graph):
    for engine in (graph, rdflib_graph):
        whole = list(engine.ask("pathway-steps", patient="pbc-2021").rows)
        assert len(whole) > 3 and {row["patient"] for row in whole} == {"pbc-2021"}
        assert walk(engine, "pathway-steps", 3, patient="pbc-2021")[0] == whole


@pytest.mark.parametrize("limit", [100, pytest.param(7, marks=pytest.mark.slow)])
@pytest.mark.parametrize("name", KEYED)
def test_walking_the_keys_gives_the_whole_answer_on_two_hundred_synthetic_patients(cohort, name, limit):
    whole = list(cohort.ask(name, **synthetic_examples(name)).rows)
    assert len({row["patient"] for row in whole}) > 10  # some have none (no transplant, escape...)
    rows, keys = walk(cohort, name, limit, **synthetic_examples(name))
    assert rows == whole
    if limit == 7 and len(whole) > len({row["patient"] for row in whole}):
        assert any(key.given for key in keys)  # some patient's rows ran over the end of a page


@pytest.fixture(scope="module")
def thirty(tmp_path_factory) -> KnowledgeGraph:
    """The two cases and 30 of the 200 synthetic patients above (the same seed)."""
    path = tmp_path_factory.mktemp("cohort") / "synthetic-30.ttl"
    path.write_text("".join(synth.cohort_turtle(patients=30, seed=3)), encoding="utf-8")
    return KnowledgeGraph.build(cases=case_files() + [path])


# Pages of one row are one query a row: on the 200 patients above that was about 1,200 queries for pathway-steps
# alone (a minute of the suite). Thirty patients still give every kind of page: each a key, patients with no rows
# skipped, and the rows of a patient with several running over as many pages.
@pytest.mark.slow
@pytest.mark.parametrize("name", KEYED)
def test_walking_the_keys_a_row_at_a_time_gives_the_whole_answer_on_thirty_synthetic_patients(thirty, name):
    whole = list(thirty.ask(name, **synthetic_examples(name)).rows)
    assert len({row["patient"] for row in whole}) > 2  # some have none (no transplant, escape...)
    rows, keys = walk(thirty, name, 1, **synthetic_examples(name))
    assert rows == whole


def test_a_write_between_pages_does_not_break_the_walk(tmp_path):
    """A case added between two pages: the walk goes on over the graph as it now is, from the key's patient."""
    old = tmp_path / "synthetic-5.ttl"
    old.write_text("".join(synth.cohort_turtle(patients=12, seed=5)), encoding="utf-8")
    graph = KnowledgeGraph.build(cases=case_files() + [old])
    first = graph.ask("pathway-steps", page=Page(limit=5))
    key = Key.read(first.page["next"])
    assert key.patient == "pbc-2021"
    new = "".join(synth.cohort_turtle(patients=6, seed=2)).encode("utf-8")  # synth-2-*: before synth-5-*
    assert Curator(graph.store).put(read_case(new)) is True
    graph.changed()
    rows, after = [], first.page["next"]
    while after is not None:
        answer = graph.ask("pathway-steps", page=Page(limit=5, after=after))
        rows += answer.rows
        after = answer.page["next"]
    now = list(graph.ask("pathway-steps").rows)
    assert any(row["patient"].startswith("synth-2-") for row in rows)
    assert list(first.rows) + rows == now  # nothing of pbc-2021 given twice; the new patients in their place


@pytest.mark.parametrize(
    "after",
    [
        "garbage",
        "",
        "x" * 3_000,
        Key("pbc-2021").written() + "!",
        "WyJwYmMtMjAyMSIsMF0",
        "WyJwYmMtMjAyMSIsLTFd",
        "WzFd",
        "e30",
    ],
)
def test_a_key_that_no_page_gave_is_refused_with_a_reason(after):
    with pytest.raises(PageError, match="after must be the `next` key"):
        Page(limit=5, after=after)


def test_after_with_offset_or_on_a_question_not_keyed_is_refused(graph):
    with pytest.raises(PageError, match="after and offset"):
        Page(limit=5, offset=5, after=Key("pbc-2021").written())
    with pytest.raises(PageError, match="not ordered by patient"):
        graph.ask("therapies-by-target", antigen="CD22", page=Page(limit=5, after=Key("pbc-2021").written()))


def test_a_key_past_every_patient_is_an_empty_last_page(graph):
    answer = graph.ask("patients", page=Page(limit=5, after=Key("zzz").written()))
    assert answer.rows == () and answer.page["next"] is None and "patient" in answer.columns


def test_a_key_past_every_patient_is_an_empty_last_page_on_rdflibs_engine_too(rdflib_graph):
    """Its columns came from asking for no patient, an empty VALUES block, which rdflib's engine fails on
    (AttributeError): the columns are read from the query now."""
    for name, past in (("patients", Key("zzz")), ("therapy-warnings", Key("zzz", None, ("zzz",)))):
        answer = rdflib_graph.ask(name, page=Page(limit=5, after=past.written()))
        assert answer.rows == () and answer.page["next"] is None and "patient" in answer.columns


# --- over HTTP ---------------------------------------------------------------------------------------------------


def test_over_http_the_next_link_walks_by_key_to_the_end(http, graph):
    whole = [dict(row) for row in graph.ask("pathway-steps").rows]
    rows, url, params, keys = [], "/questions/pathway-steps", {"limit": 3}, []
    while url:
        response = http.get(url, params=params)
        assert response.status_code == 200, response.text
        body = response.json()
        rows += body["rows"]
        link = response.links.get("next")
        assert (link is None) == (body["page"]["next"] is None)
        if link:
            assert f"after={body['page']['next']}" in link["url"] and "offset" not in link["url"]
            keys.append(body["page"]["next"])
        url, params = (link["url"], None) if link else (None, None)
    assert rows == whole and len(keys) == -(-len(whole) // 3) - 1


def test_over_http_csv_pages_carry_the_next_key_too(http, graph):
    whole = graph.ask("pathway-states").rows
    first = http.get("/questions/pathway-states.csv", params={"limit": 5})
    second = http.get(first.links["next"]["url"])
    assert second.status_code == 200 and second.headers["content-type"].startswith("text/csv")
    assert second.text.count("\n") == 6  # a heading and five rows
    assert second.text.splitlines()[1].startswith(f"{whole[5]['patient']},{whole[5]['sequence']},")


@pytest.mark.parametrize(
    "params", [{"after": "garbage"}, {"after": Key("pbc-2021").written(), "offset": 5}, {"after": "x" * 3_000}]
)
def test_over_http_a_bad_key_gets_422_with_a_reason(http, params):
    response = http.get("/questions/patients", params=params)
    assert response.status_code == 422
    assert response.json()["error"] == "invalid_parameter"
    assert "after" in response.json()["message"]


def test_over_http_a_key_on_a_question_not_keyed_gets_422(http):
    response = http.get(
        "/questions/therapies-by-target", params={"antigen": "CD22", "after": Key("pbc-2021").written()}
    )
    assert response.status_code == 422 and "not ordered by patient" in response.json()["message"]


# --- what a question must be to be keyed --------------------------------------------------------------------------


def test_the_values_block_goes_at_the_top_of_the_outermost_where(graph):
    question = catalogue()["patients"]
    restricted = with_patients(question.text, [PATIENT + "rascon-2022"])
    _, rows = graph.engine.select(restricted)
    assert [str(row[0]) for row in rows] == ["rascon-2022"]
    assert restricted.index(
        "VALUES ?_patient_iri { <https://w3id.org/salvage-kg/patient/rascon-2022> }"
    ) < restricted.index("?_patient_iri a sk:Patient")


HEAD = "#+ summary: s\n#+ description: d\n#+ keyed-by: patient\nPREFIX ex: <https://example.org/>\n"


@pytest.mark.parametrize(
    "body, problem",
    [
        ("SELECT ?patient WHERE { ?_patient_iri ex:id ?patient } ORDER BY ?x ?patient", "ORDER BY does not start"),
        ("SELECT ?patient WHERE { ?_patient_iri ex:id ?patient } ORDER BY DESC(?patient)", "ORDER BY does not start"),
        ("SELECT ?id WHERE { ?_patient_iri ex:id ?id } ORDER BY ?patient", "does not project ?patient"),
        (
            "SELECT ?patient WHERE { ?x ex:id ?patient OPTIONAL { ?x ex:p ?_patient_iri } } ORDER BY ?patient",
            "no required pattern",
        ),
        (
            "SELECT ?patient WHERE { ?x ex:id ?patient { SELECT ?_patient_iri WHERE { ?_patient_iri ex:p ?y } } } "
            "ORDER BY ?patient",
            "no required pattern",
        ),
        (
            "SELECT ?patient (COUNT(?x) AS ?n) WHERE { ?_patient_iri ex:id ?patient ; ex:x ?x ; ex:k ?k } GROUP BY ?k "
            "?patient ORDER BY ?patient",
            None,
        ),
        (
            "SELECT (COUNT(?x) AS ?n) ?patient WHERE { ?_patient_iri ex:id ?patient ; ex:x ?x ; ex:k ?patient } "
            "GROUP BY ?k ORDER BY ?patient",
            "GROUP BY does not group",
        ),
        ("SELECT ?patient WHERE { ?_patient_iri ex:id ?patient } ORDER BY ?patient LIMIT 5", "LIMIT or OFFSET"),
    ],
)
def test_a_question_keyed_by_patient_is_checked_when_loaded(tmp_path, body, problem):
    path = tmp_path / "q.rq"
    path.write_text(HEAD + body, encoding="utf-8")
    if problem is None:
        assert load_question(path).keyed_by == "patient"
    else:
        with pytest.raises(QuestionFileError, match=re.escape(problem)):
            load_question(path)
    assert keyed_problem("SELECT ?patient WHERE { ?_patient_iri ?p ?patient } ORDER BY ?patient", "therapy")


def test_no_persons_text_reaches_the_query_through_a_key(graph):
    """The key only says where to start among the graph's own patients: a patient id in it is never written."""
    hostile = Key("a> } } SELECT * WHERE { ?s ?p ?o } #").written()
    answer = graph.ask("patients", page=Page(limit=1, after=hostile))
    assert [row["patient"] for row in answer.rows] == ["pbc-2021"]  # the first patient after "a> } } ..."
    assert answer.page["next"] == Key("pbc-2021").written()


def test_after_the_first_page_each_page_is_one_query_sized_by_the_rows_a_patient(cohort):
    """transplant-details has fewer rows than patients: a chunk of one patient a row would fall short each time."""
    counting = KnowledgeGraph(cohort.store, CountingEngine(cohort.engine))
    whole = list(counting.ask("transplant-details").rows)
    assert len(whole) < len(counting.roster())
    rows, after, queries = [], None, []
    while True:
        counting.engine.queries = 0
        answer = counting.ask("transplant-details", page=Page(limit=20, after=after))
        queries.append(counting.engine.queries)
        rows += answer.rows
        after = answer.page["next"]
        if after is None:
            break
    assert rows == whole
    # Sized by one patient a row, most pages would ask twice; sized by the rows a patient seen, nearly all once.
    assert queries[1:-1].count(1) >= 0.8 * len(queries[1:-1]), queries


def test_a_page_of_rare_rows_asks_at_most_max_chunk_patients_a_query_and_stops_once_full():
    """One row every tenth patient: a page of 100 needs ~1,000 patients, asked a few at a time (a wide VALUES block
    cost Oxigraph more a patient), and no patient past the one that filled the page is asked for."""
    roster = Roster((f"p{number:05d}", f"{PATIENT}p{number:05d}") for number in range(5_000))
    asked = []

    def run(iris, limit):
        asked.append(len(iris))
        rows = [(iri.rsplit("/", 1)[1], iri) for iri in iris if iri.endswith("0")]
        return ["patient", "_patient_iri"], rows[:limit]

    found = page_by_patient(roster, Page(limit=100), run, rate=0.1)
    assert [row[0] for row in found.rows] == [f"p{number:05d}" for number in range(0, 1_000, 10)]
    assert found.next == Key("p00990")
    assert max(asked) <= MAX_CHUNK and sum(asked) < 1_000 + MAX_CHUNK, asked


def test_a_patient_with_two_identifiers_is_paged_by_offset_not_given_twice_or_divided_by_zero(tmp_path):
    """The shapes allow a patient one identifier, but a store written without them may hold two: a chunk asked for
    by that patient's IRI returned its rows under both (given twice, out of order), and a chunk whose rows all sorted
    before it counted no patient seen (ZeroDivisionError). Such a graph is paged by OFFSET: every row once, in
    order; a key is refused with the reason."""
    cohort = tmp_path / "synthetic-12.ttl"
    cohort.write_text("".join(synth.cohort_turtle(patients=12, seed=5)), encoding="utf-8")
    graph = KnowledgeGraph.build(cases=case_files() + [cohort])
    iri = graph.roster().iris[3][0]
    graph.store.add(ox.Quad(ox.NamedNode(iri), ox.NamedNode(str(SKOS.notation)), ox.Literal("aaa-also"),
                            ox.NamedNode("https://example.org/written-without-the-shapes")))
    graph.changed()
    for name in ("pathway-steps", "pathway-states"):
        whole = list(graph.ask(name).rows)
        assert {"aaa-also", iri.rsplit("/", 1)[1]} <= {row["patient"] for row in whole}
        for limit in (1, 7):
            rows, offset = [], 0
            while offset is not None:
                answer = graph.ask(name, page=Page(limit=limit, offset=offset))
                assert answer.page["next"] is None
                rows += answer.rows
                offset = answer.page["next_offset"]
            assert rows == whole
        with pytest.raises(PageError, match="two identifiers"):
            graph.ask(name, page=Page(limit=7, after=Key("pbc-2021").written()))


# --- a page's rows kept to the terms a parameter matches (members-from, responses-to-therapy) ------------------

def test_responses_to_a_therapy_page_by_key_with_a_filter_of_the_agents_it_matches(cohort):
    """responses-to-therapy declares `members-from: {therapy: therapies-matched}`: each query of its pages by key
    holds a FILTER to the agents the therapy matches (Oxigraph tests it as soon as the agent is bound), the very set
    its class pattern matches, so for every therapy and modality the graph accepts the keys walk the whole answer."""
    name = "responses-to-therapy"
    question = catalogue()[name]
    assert question.members_from == (("_therapy_iri", "therapies-matched"),)
    counting = KnowledgeGraph(cohort.store, CountingEngine(cohort.engine))
    listed = cohort.choices(expand(question.param("therapy").range)).listed
    assert len(listed) > 20
    answered = 0
    for choice in listed:
        whole = list(cohort.ask(name, therapy=choice.label).rows)
        counting.engine.texts.clear()
        assert walk(counting, name, 100, therapy=choice.label)[0] == whole, choice.label
        bindings = resolve(question, {"therapy": choice.label}, cohort.choices)
        matched = cohort._members_among(question, bindings)
        assert matched.keys() == {"therapy"}
        paged = [text for text in counting.engine.texts if "VALUES ?_patient_iri" in text]
        assert (paged or not whole) and among_filter(matched), choice.label
        assert all(among_filter(matched) in text for text in paged), choice.label
        answered += bool(whole)
    assert answered > 5


def test_a_filter_of_matched_terms_is_left_out_when_a_term_is_no_absolute_iri():
    """The FILTER only narrows what the question's own patterns already keep: a listed value that is not an
    absolute IRI (a literal's text, a relative name) is not written in, and the page goes without it."""
    agents = frozenset({"https://w3id.org/salvage-kg/agent/tisagenlecleucel", "https://example.org/b"})
    assert among_filter({"therapy": agents}) == (
        "FILTER(?therapy IN (<https://example.org/b>, <https://w3id.org/salvage-kg/agent/tisagenlecleucel>))")
    assert among_filter({"therapy": agents | {"tisagenlecleucel"}}) == ""
    assert among_filter({"therapy": agents | {"a> } ?s ?p ?o . { <x"}}) == ""
    assert among_filter({}) == ""


def test_a_keyed_questions_members_from_must_list_what_its_required_patterns_bind(tmp_path):
    text = (QUERIES_DIR / "responses-to-therapy.rq").read_text(encoding="utf-8")
    path = tmp_path / "responses-to-therapy.rq"
    # patients-given-therapy takes the therapy but lists ?patient_iri, which the question does not bind
    path.write_text(text.replace("{therapy: therapies-matched}", "{therapy: patients-given-therapy}"), encoding="utf-8")
    with pytest.raises(QuestionFileError, match="must take \\?_therapy_iri and project variables its required"):
        load_question(path)
    path.write_text(text.replace("{therapy: therapies-matched}", "{therapy: patient-ids}"), encoding="utf-8")
    with pytest.raises(QuestionFileError, match="patient-ids must take \\?_therapy_iri"):
        load_question(path)
