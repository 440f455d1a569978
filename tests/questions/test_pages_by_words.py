"""search-statements paged by key among the patients whose statements hold the words (#20, kg.questions.text_index).

Its whole answer was one scan of every statement (4.5 s at 100,000 patients, for any page); a page now asks the
question for the page's patients' statements that hold the words, found in an index read once per state of the
graph. The index only narrows: walking the pages must give the whole answer, row for row and in order."""

import re

import pyoxigraph as ox
import pytest
from question_helpers import CountingEngine, walk
from rdflib import Literal

from kg.knowledge_graph import KnowledgeGraph
from kg.questions.catalogue import QuestionFileError, catalogue, load_question
from kg.questions.pages import Page
from kg.questions.patient_pages import child, select_of
from kg.questions.text_index import words

SK = "https://w3id.org/salvage-kg/ontology#"
SKOS_NOTATION = ox.NamedNode("http://www.w3.org/2004/02/skos/core#notation")
# Held by many synthetic patients, by few, by a word cut short, across punctuation, by none; and no words at all.
SEARCHED = ["relapse", "inotuzumab", "cd19 neg", "CD19-negative", "blinatumomab", "cord blood", "zzqq", " -- "]


@pytest.mark.parametrize("text", SEARCHED)
@pytest.mark.parametrize("limit", [1, 9, 100])
def test_walking_the_keys_gives_the_whole_answer_for_any_words(cohort, text, limit):
    whole = list(cohort.ask("search-statements", text=text).rows)
    rows, keys = walk(cohort, "search-statements", limit, text=text)
    assert rows == whole
    assert len(keys) == max(-(-len(whole) // limit) - 1, 0)


def test_the_words_are_made_as_the_questions_sparql_makes_them(graph):
    """The index is searched with words made in Python; the question makes them in SPARQL. Were they to differ,
    a page would walk the wrong patients: compared on text with case, digits, punctuation and letters whose lower
    case is ASCII (the Kelvin sign) or longer (a dotted capital I)."""
    expression = re.search(r"BIND\((REPLACE\(REPLACE\(LCASE\(STR\(\?_text\)\).*?) AS \?_words\)",
                           catalogue()["search-statements"].text).group(1)
    query = f"SELECT ?_text (({expression}) AS ?words) WHERE {{}}"
    for typed in ["MRD", "  CD19-negative, relapse!! ", "\u212aRAS", "\u0130", "t(12;21) ETV6::RUNX1",
                  "ÄÖÜ öl", "--", "cd19\tneg\n", "x.y_z"]:
        _, [row] = graph.engine.select(query, {"_text": Literal(typed)})
        assert words(typed) == str(row[1]), typed


def test_a_page_asks_once_for_the_statements_that_hold_the_words(cohort):
    """One query, starting from the statements the index found, each with its patient (before: one scan of every
    statement of the graph; chunks of every patient in turn would ask many times for a word few hold)."""
    asked = CountingEngine(cohort.engine)
    graph = KnowledgeGraph(cohort.store, asked)
    answer = graph.ask("search-statements", text="MRD", page=Page(limit=100))
    assert answer.rows and answer.rows == cohort.ask("search-statements", text="MRD").rows
    [text] = asked.texts
    pairs = re.search(r"VALUES \(\?node \?_patient_iri\) \{(.*?)\}", text).group(1)
    assert pairs.count("(") == len({row["node"] for row in answer.rows})


def test_no_words_ask_the_engine_nothing(cohort):
    counting = CountingEngine(cohort.engine)
    graph = KnowledgeGraph(cohort.store, counting)
    graph.text_index(graph.question("search-statements"))  # read once per state of the graph: not counted below
    counting.queries = 0
    assert graph.ask("search-statements", text=" -- ", page=Page(limit=10)).rows == ()
    assert counting.queries == 0


def test_patients_the_index_lists_without_rows_do_not_cut_the_answer_short():
    """Statements with words but not the rest a row needs (what the shapes would refuse, in a store not ours):
    three such patients sort first, more than a page of one row looks among (the key's patient and two more);
    the page then walks every patient the index lists, and the cases' rows are still found."""
    graph = KnowledgeGraph.build()
    for name in ("aaa-1", "aaa-2", "aaa-3"):
        patient = ox.NamedNode(f"https://w3id.org/salvage-kg/patient/{name}")
        node = ox.NamedNode(f"https://w3id.org/salvage-kg/patient/{name}/note")
        graph.store.add(ox.Quad(patient, SKOS_NOTATION, ox.Literal(name)))
        graph.store.add(ox.Quad(node, ox.NamedNode(SK + "patient"), patient))
        graph.store.add(ox.Quad(node, ox.NamedNode(SK + "searchText"), ox.Literal("relapse")))
    graph.changed()
    whole = list(graph.ask("search-statements", text="relapse").rows)
    assert whole and not any(row["patient"].startswith("aaa-") for row in whole)
    assert walk(graph, "search-statements", 1, text="relapse")[0] == whole


def test_a_write_is_searched_at_once(tmp_path):
    """The index is read again after a write: a statement added is found on the next page asked."""
    graph = KnowledgeGraph.build()
    assert graph.ask("search-statements", text="zzqq", page=Page(limit=5)).rows == ()
    node = ox.NamedNode("https://w3id.org/salvage-kg/patient/pbc-2021/supportive-care")
    [old] = graph.store.quads_for_pattern(node, ox.NamedNode(SK + "searchText"), None)
    graph.store.remove(old)
    graph.store.add(ox.Quad(node, old.predicate, ox.Literal(old.object.value + " zzqq"), old.graph_name))
    graph.changed()
    rows = graph.ask("search-statements", text="zzqq", page=Page(limit=5)).rows
    assert [row["node"] for row in rows] == [node.value] == [row["node"] for row in graph.ask(
        "search-statements", text="zzqq").rows]


@pytest.mark.parametrize(("header", "problem"), [
    ("#+ patients-by-words: {text: statement-words}\n", "without keyed-by"),
    ("#+ keyed-by: patient\n#+ patients-by-words: {text: no-such-look-up}\n", "names no look-up"),
    ("#+ keyed-by: patient\n#+ patients-by-words: {text: patient-ids}\n", "must project"),
    ("#+ keyed-by: patient\n#+ patients-by-words: [text]\n", "must map one parameter"),
])
def test_patients_by_words_is_checked_when_loaded(tmp_path, header, problem):
    text = catalogue()["search-statements"].text
    text = re.sub(r"#\+ keyed-by: patient\n#\+ patients-by-words: .*\n", "", text)
    path = tmp_path / "search-statements.rq"
    path.write_text(header + text, encoding="utf-8")
    with pytest.raises(QuestionFileError, match=problem):
        load_question(path)


def test_search_statements_writes_no_required_pattern_after_its_optionals():
    """Regression (#20, stop 35): three required patterns written after its OPTIONALs and a BIND were joined over
    the whole cohort, so a page of 150 statements took 112 ms at 100,000 patients (16 ms written before them)."""
    where = child(child(select_of(catalogue()["search-statements"].text), "where_clause"), "group_graph_pattern")
    kinds = [part.type for part in where.children]
    first_optional = kinds.index("optional_graph_pattern")
    assert "triples_block" not in kinds[first_optional:], kinds
