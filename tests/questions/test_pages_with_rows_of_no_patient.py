"""Pages by key of an answer that holds rows of no patient (#20): salvage-options lists, within each therapy, its
target-link row (from the ontology, no patient) before its patients' rows. Its first page by OFFSET was the whole
cohort's answer joined and sorted (5.5 s at 100,000 patients); by key, a page asks each therapy's target-link row
apart (kg.questions.branches) and then its patients, a chunk at a time (kg.questions.group_pages).

The walks of tests/questions/test_pages_by_key.py cover it as its example asks it (CD19 lost) on the two cases,
200 and 30 synthetic patients; here, the other parameters, the keys within the rows of no patient, the number of
queries a first page asks, and which texts may be split."""

import pytest
from question_helpers import CountingEngine, walk

from kg.knowledge_graph import KnowledgeGraph
from kg.questions.branches import split
from kg.questions.catalogue import catalogue
from kg.questions.group_pages import NO_PATIENT
from kg.questions.pages import Key, Page, PageError

NAME = "salvage-options"


def test_salvage_options_is_keyed_within_its_therapies():
    question = catalogue()[NAME]
    assert question.keyed_by == "patient" and question.grouped_by == "salvage-option-groups"
    assert question.group_order == ("therapy_label",) and question.group_variables == ("therapy",)
    assert question.patients_by == ("_lost_antigen_iri", "_evidence_level_iri")
    assert split(question.text) is not None


def test_a_walk_a_row_at_a_time_passes_through_the_rows_of_no_patient(graph):
    """On the two cases each therapy listed for its target link alone is one row of no patient: pages of one row
    end within them, and the keys say so (the patient "")."""
    whole = list(graph.ask(NAME, lost_antigen="CD19").rows)
    assert any(row["patient"] is None for row in whole) and any(row["patient"] for row in whole)
    rows, keys = walk(graph, NAME, 1, lost_antigen="CD19")
    assert rows == whole
    assert any(key.patient == NO_PATIENT for key in keys) and all(key.group for key in keys)


def test_rdflibs_engine_walks_it_too(rdflib_graph):
    """Without terms written in: each therapy and the page's patients go to the engine as VALUES blocks."""
    whole = list(rdflib_graph.ask(NAME, lost_antigen="CD19").rows)
    assert walk(rdflib_graph, NAME, 2, lost_antigen="CD19")[0] == whole


@pytest.mark.parametrize("limit", [3, 100])
def test_on_a_cohort_the_keys_walk_every_therapy_with_its_target_link_row_first(cohort, limit):
    whole = list(cohort.ask(NAME, lost_antigen="CD19").rows)
    target_links = [row for row in whole if row["patient"] is None]
    assert len(whole) > 30 and target_links
    assert all(row["evidence_level"] == "target link" for row in target_links)
    assert walk(cohort, NAME, limit, lost_antigen="CD19")[0] == whole


@pytest.mark.parametrize("limit", [4, 100])
def test_at_the_synthetic_level_the_keys_walk_only_that_levels_patients(cohort, limit, monkeypatch):
    monkeypatch.setattr("kg.knowledge_graph.FEW_PATIENTS", 0)  # 200 patients are few: by OFFSET, else
    whole = list(cohort.ask(NAME, lost_antigen="CD19", evidence_level="synthetic").rows)
    assert len(whole) > 20 and all(row["patient"] for row in whole)
    rows, keys = walk(cohort, NAME, limit, lost_antigen="CD19", evidence_level="synthetic")
    assert rows == whole and all(key.patient != NO_PATIENT for key in keys)


def test_another_lost_antigen_walks_its_own_answer(cohort):
    whole = list(cohort.ask(NAME, lost_antigen="CD22").rows)
    assert walk(cohort, NAME, 5, lost_antigen="CD22")[0] == whole


@pytest.mark.parametrize("level", ["C", "target link"])
def test_at_a_level_of_few_patients_a_page_is_one_query_by_offset(cohort, level):
    """The published cases' level and the target links: one query from their few statements, as before."""
    whole = list(cohort.ask(NAME, lost_antigen="CD19", evidence_level=level).rows)
    assert whole
    counting = KnowledgeGraph(cohort.store, CountingEngine(cohort.engine))
    counting.ask(NAME, lost_antigen="CD19", evidence_level=level, page=Page(limit=1))  # look-ups, read once
    counting.engine.queries = 0
    answer = counting.ask(NAME, lost_antigen="CD19", evidence_level=level, page=Page(limit=100))
    assert list(answer.rows) == whole and counting.engine.queries == 1 and answer.page["next"] is None


def test_a_first_page_asks_only_for_the_therapies_it_shows(cohort):
    counting = KnowledgeGraph(cohort.store, CountingEngine(cohort.engine))
    counting.ask(NAME, lost_antigen="CD19", page=Page(limit=1))  # the groups and the antigens' names, read once
    counting.engine.queries = 0
    answer = counting.ask(NAME, lost_antigen="CD19", page=Page(limit=10))
    whole = list(cohort.ask(NAME, lost_antigen="CD19").rows)
    therapies = {row["therapy_label"] for row in whole[:11]}
    assert list(answer.rows) == whole[:10] and answer.page["next"]
    # At most a target-link query and two chunks of patients a therapy shown, and a probe of the next.
    assert counting.engine.queries <= 3 * len(therapies) + 1


def test_a_key_within_the_rows_of_no_patient_needs_a_group():
    assert Key.read(Key(NO_PATIENT, 1, ("inotuzumab ozogamicin",)).written()).patient == NO_PATIENT
    for key in (Key(NO_PATIENT), Key(NO_PATIENT, 1)):
        with pytest.raises(PageError, match="after must be the `next` key"):
            Page(limit=5, after=key.written())


PREFIX = "PREFIX ex: <https://example.org/>\n"
ORDER = " ORDER BY ?l ?patient"


@pytest.mark.parametrize("where, splits", [
    # A patients' branch and a branch of no patient: split.
    ("{ ?_patient_iri ex:id ?patient ; ex:t ?t } UNION { ?t ex:link ?x } ?t ex:l ?l", True),
    # The union not first, three branches, or a FILTER in the patients' branch (its scope would widen): not split.
    ("?t ex:l ?l { ?_patient_iri ex:id ?patient ; ex:t ?t } UNION { ?t ex:link ?x }", False),
    ("{ ?_patient_iri ex:id ?patient ; ex:t ?t } UNION { ?t ex:link ?x } UNION { ?t ex:y ?x } ?t ex:l ?l", False),
    ("{ ?_patient_iri ex:id ?patient ; ex:t ?t FILTER(?t != ex:z) } UNION { ?t ex:link ?x } ?t ex:l ?l", False),
    # The patient bound only in an OPTIONAL, named in the other branch, or in the rest of the WHERE: not split.
    ("{ ?x ex:t ?t OPTIONAL { ?_patient_iri ex:id ?patient } } UNION { ?t ex:link ?x } ?t ex:l ?l", False),
    ("{ ?_patient_iri ex:id ?patient ; ex:t ?t } UNION { ?t ex:link ?patient } ?t ex:l ?l", False),
    ("{ ?_patient_iri ex:t ?t } UNION { ?t ex:link ?x } ?t ex:l ?l . ?_patient_iri ex:id ?patient", False),
])
def test_only_a_union_of_patients_rows_and_rows_of_no_patient_is_split(where, splits):
    text = f"{PREFIX}SELECT ?patient ?l WHERE {{ {where} }}{ORDER}"
    found = split(text)
    assert (found is not None) == splits
    if splits:
        assert "UNION" not in found.patients and "?_patient_iri ex:id ?patient" in found.patients
        assert "?patient ; ex:t" not in found.head and "{ ?t ex:link ?x }" in found.head
