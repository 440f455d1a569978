"""Pages by key of an answer ordered by groups before the patient (#20): therapy-warnings, ordered by warning
level, antigen and therapy, then patient, is asked for one group at a time, each by patient
(kg.questions.group_pages). The walks of tests/questions/test_pages_by_key.py cover it with no parameter; here,
with each kind of parameter, and what is refused."""

import pytest
from question_helpers import CountingEngine, walk

from kg import knowledge_graph
from kg.knowledge_graph import KnowledgeGraph
from kg.questions.catalogue import QuestionFileError, catalogue, load_question
from kg.questions.group_pages import Groups, values_block
from kg.questions.pages import Key, Page, PageError
from kg.questions.parameters import expand, resolve
from kg.questions.patient_pages import with_patients

NAME = "therapy-warnings"


def test_therapy_warnings_is_keyed_within_its_groups():
    question = catalogue()[NAME]
    assert question.keyed_by == "patient" and question.grouped_by == "therapy-warning-groups"
    assert question.group_order == ("level_label", "antigen_label", "therapy_label")
    assert question.group_variables == ("_level_iri", "_antigen_iri", "therapy")
    assert question.patients_by == ("_evidence_level_iri",)


@pytest.mark.parametrize(
    "params", [{"level": "avoid"}, {"antigen": "CD22"}, {"level": "test first", "antigen": "CD19"}]
)
@pytest.mark.parametrize("limit", [5, 100])
def test_with_a_level_or_an_antigen_given_the_keys_walk_the_whole_answer(cohort, params, limit):
    whole = list(cohort.ask(NAME, **params).rows)
    assert len(whole) > 20
    rows, keys = walk(cohort, NAME, limit, **params)
    assert rows == whole
    assert all(key.group is not None for key in keys)


@pytest.mark.parametrize("params", [
    {"evidence_level": "synthetic"}, {"evidence_level": "synthetic", "level": "avoid", "antigen": "CD19"},
    {"therapy": "CAR-T"}, {"therapy": "blinatumomab"}, {"therapy": "CAR-T", "antigen": "CD22"},
    {"therapy": "immunotherapy", "evidence_level": "synthetic", "level": "avoid"},
])
@pytest.mark.parametrize("limit", [3, 100])
def test_with_an_evidence_level_or_a_therapy_given_the_keys_walk_that_answer(cohort, params, limit):
    """Both went by OFFSET, the whole answer joined and sorted: at 100,000 patients 30 s and more for the synthetic
    level; at 10,000, 5.3 s with a therapy given (time-outs under 50 clients). Now by key: each group among its
    patients at the level given; only the groups of the therapies a therapy or modality matches through the class
    hierarchy, which the groups do not hold (queries/internal/therapies-matched.rq)."""
    whole = list(cohort.ask(NAME, **params).rows)
    assert len(whole) > 3
    rows, keys = walk(cohort, NAME, limit, **params)
    assert rows == whole
    assert all(key.group is not None for key in keys) and (keys or limit >= len(whole))


def test_a_page_at_a_level_of_few_patients_is_one_query_by_offset(cohort):
    """The two published patients' warnings: one query from their few statements, not one a group."""
    whole = list(cohort.ask(NAME, evidence_level="C").rows)
    counting = KnowledgeGraph(cohort.store, CountingEngine(cohort.engine))
    counting.ask(NAME, evidence_level="C", page=Page(limit=1))  # the groups and the levels' names, read once
    counting.engine.queries = 0
    answer = counting.ask(NAME, evidence_level="C", page=Page(limit=20))
    assert list(answer.rows) == whole[:20] and answer.page["next"] is None and answer.page["next_offset"] == 20
    assert counting.engine.queries == 1
    key = walk(cohort, NAME, 7)[1][0].written()
    with pytest.raises(PageError, match="at most 100 patients at the evidence_level given"):
        cohort.ask(NAME, evidence_level="C", page=Page(limit=7, after=key))


def test_a_page_by_group_at_a_level_asks_only_for_that_levels_patients(cohort, monkeypatch):
    """Not chunk after chunk of a group's synthetic patients, who hold no row at level C: one query a group with
    rows at C (paged by group here however few they are)."""
    monkeypatch.setattr("kg.knowledge_graph.FEW_PATIENTS", 0)
    whole = list(cohort.ask(NAME, evidence_level="C").rows)
    counting = KnowledgeGraph(cohort.store, CountingEngine(cohort.engine))
    counting.ask(NAME, evidence_level="C", page=Page(limit=1))  # the groups and the levels' names, read once
    counting.engine.queries = 0
    answer = counting.ask(NAME, evidence_level="C", page=Page(limit=100))
    assert list(answer.rows) == whole and answer.page["next"] is None
    groups = {(row["level_label"], row["antigen_label"], row["therapy_label"]) for row in whole}
    assert counting.engine.queries <= len(groups)
    assert walk(counting, NAME, 5, evidence_level="C")[0] == whole


def test_a_page_that_ends_with_a_group_says_whether_another_follows(cohort):
    """Pages the size of the first group end exactly where it does: the next key starts after its last patient."""
    whole = list(cohort.ask(NAME, level="avoid").rows)
    first = [row for row in whole if row["therapy_label"] == whole[0]["therapy_label"]]
    rows, keys = walk(cohort, NAME, len(first), level="avoid")
    assert rows == whole and keys[0] == Key(first[-1]["patient"], None, tuple(
        first[-1][name] for name in ("level_label", "antigen_label", "therapy_label")))
    last = walk(cohort, NAME, len(whole), level="avoid")
    assert last == (whole, [])  # a page that holds the whole answer ends it: no key to an empty page


def test_a_first_page_asks_only_for_the_groups_it_shows(cohort):
    counting = KnowledgeGraph(cohort.store, CountingEngine(cohort.engine))
    counting.groups(counting.question(NAME))  # read once per state of the graph
    counting.engine.queries = 0
    answer = counting.ask(NAME, page=Page(limit=10))
    assert len(answer.rows) == 10 and answer.page["next"]
    assert counting.engine.queries <= 2  # the first group holds 19 rows or more: one query, or two


def test_a_page_with_a_therapy_given_asks_only_for_the_groups_of_the_therapies_it_matches(cohort):
    whole = list(cohort.ask(NAME, therapy="CAR-T").rows)
    counting = KnowledgeGraph(cohort.store, CountingEngine(cohort.engine))
    counting.ask(NAME, therapy="CAR-T", page=Page(limit=1))  # the groups and the therapies matched, read once
    counting.engine.queries = 0
    answer = counting.ask(NAME, therapy="CAR-T", page=Page(limit=len(whole)))
    assert list(answer.rows) == whole and answer.page["next"] is None
    groups = {(row["level_label"], row["antigen_label"], row["therapy_label"]) for row in whole}
    assert counting.engine.queries <= 2 * len(groups) < 2 * len(cohort.groups(catalogue()[NAME]).groups)


def test_a_therapy_given_matches_the_agents_the_question_itself_matches(cohort):
    """The look-up (the agent-classes rule's classes) and the question's own FILTER (a class closure) are one
    rule: for every therapy and modality the graph accepts, the therapies warned of that it lists are exactly those
    the question answers with it."""
    question = catalogue()[NAME]
    warned = {row["therapy"] for row in cohort.ask(NAME).rows}
    listed = cohort.choices(expand(question.param("therapy").range)).listed
    assert len(listed) > 20
    for choice in listed:
        bindings = resolve(question, {"therapy": choice.label}, cohort.choices)
        among = cohort._members_among(question, bindings)["therapy"]
        assert {row["therapy"] for row in cohort.ask(NAME, therapy=choice.label).rows} == among & warned, choice.label


def test_a_key_must_name_a_group_for_a_grouped_answer_and_none_for_another(graph):
    with pytest.raises(PageError, match="names no group"):
        graph.ask(NAME, page=Page(limit=5, after=Key("pbc-2021").written()))
    with pytest.raises(PageError, match="names a group"):
        graph.ask("patients", page=Page(limit=5, after=Key("pbc-2021", None, ("avoid",)).written()))


def test_a_groups_text_in_a_key_only_says_where_to_start(graph):
    """The group in a key is compared with the graph's own groups, never written into a query."""
    whole = list(graph.ask(NAME).rows)
    hostile = Key("a> } } SELECT * WHERE { ?s ?p ?o } #", None, ('a" } #',)).written()
    answer = graph.ask(NAME, page=Page(limit=100, after=hostile))
    assert list(answer.rows) == whole  # sorts before every group: the whole answer follows


def test_a_term_under_two_labels_sends_the_pages_to_offset():
    """Its rows would sit in two places of the answer: the groups cannot be told apart by their labels."""
    columns = ["_level_iri", "therapy", "level_label", "therapy_label", "patient", "_patient_iri"]
    one = ["https://x/avoid", "https://x/blina", "avoid", "blinatumomab", "p1", "https://x/p1"]
    other = ["https://x/avoid", "https://x/blina", "avoid", "Blincyto", "p2", "https://x/p2"]
    assert Groups(columns, [one], ["level_label", "therapy_label"]).problem is None
    assert "under two labels" in Groups(columns, [other, one], ["level_label", "therapy_label"]).problem


HEAD = "#+ summary: s\n#+ description: d\n#+ keyed-by: patient\n#+ grouped-by: {}\nPREFIX ex: <https://example.org/>\n"


@pytest.mark.parametrize(
    "groups, body, problem",
    [
        ("no-such-look-up", "SELECT ?patient WHERE { ?_patient_iri ex:id ?patient } ORDER BY ?patient",
         "names no look-up"),
        ("patient-ids", "SELECT ?patient ?l WHERE { ?_patient_iri ex:id ?patient ; ex:l ?l } ORDER BY ?l ?patient",
         "must project what the question orders by"),
        ("therapy-warning-groups\n#+ patients-by: [nothing]",
         "SELECT ?patient WHERE { ?_patient_iri ex:id ?patient } ORDER BY ?patient",
         "patients-by: nothing must name an IRI parameter"),
        ("therapy-warning-groups\n#+ members-from: {nothing: therapies-matched}",
         "SELECT ?patient WHERE { ?_patient_iri ex:id ?patient } ORDER BY ?patient",
         "members-from: nothing must name an optional IRI parameter"),
    ],
)
def test_a_grouped_question_is_checked_when_loaded(tmp_path, groups, body, problem):
    path = tmp_path / "q.rq"
    path.write_text(HEAD.format(groups) + body, encoding="utf-8")
    with pytest.raises(QuestionFileError, match=problem):
        load_question(path)


def test_a_grouped_question_must_bind_its_group_terms_by_required_patterns(tmp_path):
    path = tmp_path / "q.rq"
    body = ("SELECT ?patient ?level_label ?antigen_label ?therapy_label WHERE { ?_patient_iri ex:id ?patient ; "
            "ex:l ?level_label ; ex:a ?antigen_label ; ex:t ?therapy_label . ?_level_iri ex:x ?_antigen_iri "
            "OPTIONAL { ?w ex:agent ?therapy } } ORDER BY ?level_label ?antigen_label ?therapy_label ?patient")
    path.write_text(HEAD.format("therapy-warning-groups") + body, encoding="utf-8")
    with pytest.raises(QuestionFileError, match="no required pattern of its outermost WHERE binds \\?therapy"):
        load_question(path)


def test_a_group_of_several_members_is_asked_for_with_a_values_block_of_them(cohort):
    """Terms that share their labels share a group (two therapies of one name): asked for together."""
    question = catalogue()[NAME]
    groups = cohort.groups(question).groups
    two = [group for group in groups if group.order[:2] == ("avoid", "CD19")][:2]
    members = [dict(zip(question.group_variables, group.members[0], strict=True)) for group in two]
    iris = sorted({iri for group in two for iris in group.roster.iris for iri in iris})
    query = with_patients(question.text, iris, question.group_order, values_block(members))
    assert query.index("VALUES (?_level_iri ?_antigen_iri ?therapy)") < query.index("VALUES ?_patient_iri")
    _, rows = cohort.engine.select(query)
    labels = {group.order[2] for group in two}
    expected = [row for row in cohort.ask(NAME).rows if (row["level_label"], row["antigen_label"]) == (
        "avoid", "CD19") and row["therapy_label"] in labels]
    assert len(rows) == len(expected) > 20


# --- a question paged among the patients a look-up lists (`#+ patients-from:`) -------------------------------------


def test_antigen_escapes_are_paged_among_the_patients_with_an_escape(cohort):
    """Fewer than one patient in ten has an escape: chunks of every patient came back mostly empty (a first page by
    key was 6x slower than the whole answer sorted). The look-up lists those with one."""
    question = catalogue()["antigen-escapes"]
    assert question.keyed_by == "patient" and question.patients_from == "antigen-escape-patients"
    whole = list(cohort.ask("antigen-escapes").rows)
    escaped = cohort.roster("antigen-escape-patients")
    assert escaped.ids == sorted({row["patient"] for row in whole}) and len(escaped) < len(cohort.roster()) / 5
    counting = KnowledgeGraph(cohort.store, CountingEngine(cohort.engine))
    counting.roster("antigen-escape-patients")
    counting.engine.queries = 0
    assert list(counting.ask("antigen-escapes", page=Page(limit=100)).rows) == whole
    assert counting.engine.queries == 1


@pytest.mark.parametrize("name, param", [("responses-to-therapy", "therapy"), ("relapses-after-therapy", "modality")])
def test_a_therapy_given_to_few_is_paged_among_the_patients_given_it_not_every_patient(cohort, name, param):
    """At 10,000 patients a therapy given to few (rabbit anti-thymocyte globulin, low-molecular-weight heparin)
    walked every patient in chunks that came back nearly empty: 3.9 s for a first page, or past the 10 s limit.
    The question's patients-from look-up lists the patients given it, for the therapy asked for."""
    question = catalogue()[name]
    assert question.patients_from and question.patients_from_takes == (question.param(param).variable,)
    labels = [choice.label for choice in cohort.choices(expand(question.param(param).range)).listed]
    answered = {label: cohort.ask(name, {param: label}).rows for label in labels}
    rare = min((label for label in labels if answered[label]),
               key=lambda label: len({row["patient"] for row in answered[label]}))
    with_rows = {row["patient"] for row in answered[rare]}
    counting = KnowledgeGraph(cohort.store, CountingEngine(cohort.engine))
    assert list(counting.ask(name, {param: rare}, page=Page(limit=100)).rows) == list(answered[rare])
    counting.engine.queries = 0
    assert list(counting.ask(name, {param: rare}, page=Page(limit=100)).rows) == list(answered[rare])
    assert counting.engine.queries == 1, "one query for the few patients given it (the roster is read once)"
    rows, _ = walk(cohort, name, 2, **{param: rare})
    assert rows == list(answered[rare]) and len(with_rows) < len(cohort.roster()) / 5


def test_a_therapy_given_to_many_is_paged_among_every_patient(cohort, monkeypatch):
    """Past FEW_GIVEN patients the look-up is not read whole (a common therapy: as costly as the pages)."""
    monkeypatch.setattr(knowledge_graph, "FEW_GIVEN", 3)
    graph = KnowledgeGraph(cohort.store, cohort.engine)
    whole = list(graph.ask("responses-to-therapy", therapy="chemotherapy").rows)
    assert len({row["patient"] for row in whole}) > 3
    assert walk(graph, "responses-to-therapy", 40, therapy="chemotherapy")[0] == whole
    question = catalogue()["responses-to-therapy"]
    assert graph._roster_for(question, resolve(question, {"therapy": "chemotherapy"}, graph.choices)) is graph.roster()


@pytest.mark.parametrize("header, problem", [
    ("#+ patients-from: patient-ids\n", "without keyed-by"),
    ("#+ keyed-by: patient\n#+ patients-from: no-such-look-up\n", "names no look-up"),
])
def test_patients_from_is_checked_when_loaded(tmp_path, header, problem):
    path = tmp_path / "q.rq"
    path.write_text("#+ summary: s\n#+ description: d\n" + header + "PREFIX ex: <https://example.org/>\n"
                    "SELECT ?patient WHERE { ?_patient_iri ex:id ?patient } ORDER BY ?patient", encoding="utf-8")
    with pytest.raises(QuestionFileError, match=problem):
        load_question(path)
