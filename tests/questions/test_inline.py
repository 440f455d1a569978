"""Graph terms written into the query text (kg.questions.inline) give exactly the rows, in the same order, that
the same terms bound as substitutions give; and what a person types never reaches the text."""

import pytest
from rdflib import Literal, URIRef

from kg.knowledge_graph import KnowledgeGraph
from kg.paths import case_files
from kg.questions.catalogue import catalogue
from kg.questions.inline import inline, written
from kg.questions.parameters import ParameterError
from kg.tools import synth

SK = "https://w3id.org/salvage-kg/ontology#"
IRI = URIRef("https://w3id.org/salvage-kg/patient/pbc-2021")
WITH_PARAMS = sorted(name for name, question in catalogue().items() if question.params)


def _both_ways(graph: KnowledgeGraph, name: str, params: dict) -> tuple[list, list]:
    graph.write_terms = False
    try:
        bound = list(graph.ask(name, params).rows)
        graph.write_terms = True
        return bound, list(graph.ask(name, params).rows)
    finally:
        graph.write_terms = None


@pytest.mark.parametrize("name", WITH_PARAMS)
def test_written_terms_give_the_rows_substitutions_give_on_the_cases(graph, name):
    question = catalogue()[name]
    every = {param.name: param.example for param in question.params if param.example}
    required = {param.name: param.example for param in question.params if param.required}
    for params in (every, required):
        bound, inlined = _both_ways(graph, name, params)
        assert inlined == bound, (name, params)


@pytest.fixture(scope="module")
def cohort(tmp_path_factory):
    path = tmp_path_factory.mktemp("cohort") / "synthetic.ttl"
    path.write_text("".join(synth.cohort_turtle(patients=30, seed=7)), encoding="utf-8")
    return KnowledgeGraph.build(cases=case_files() + [path])


@pytest.mark.parametrize("name", WITH_PARAMS)
def test_written_terms_give_the_rows_substitutions_give_on_a_cohort(cohort, name):
    question = catalogue()[name]
    values = {}  # every accepted value of each IRI parameter (at most 8 patients), others at their example
    for param in question.params:
        if param.type == "iri" and param.range:
            values[param.name] = [choice.iri for choice in cohort.choices(SK + param.range.split(":")[1])][:8]
        else:
            values[param.name] = [param.example]
    checked = 0
    for param in question.params:
        for value in values[param.name]:
            params = {other.name: values[other.name][0] for other in question.params if other.required}
            params[param.name] = value
            bound, inlined = _both_ways(cohort, name, params)
            assert inlined == bound, (name, params)
            checked += bool(bound)
    assert checked or name in ("study-results",), name  # most values find rows, so the comparison means something


def test_the_one_patient_questions_run_with_the_patient_written_in(graph):
    question = catalogue()["transplant-details"]
    text, rest = graph.query_for(question, {"_patient_iri": IRI})
    assert rest == {}
    def query(text: str) -> str:  # without its comments, which may name the variable
        return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))

    assert "?_patient_iri" not in query(text).replace(f"(<{IRI}> AS ?_patient_iri)", "")
    # transplant-details is one query shape since #20 (no variant): the text it runs with a patient is its own
    assert query(text).count(f"<{IRI}>") == query(question.text).count("?_patient_iri")


def test_a_persons_text_never_reaches_the_query_text(graph):
    sent = []
    engine_select = graph.engine.select

    def spy(text, bindings=None):
        sent.append((text, dict(bindings or {})))
        return engine_select(text, bindings)

    graph.engine.select = spy
    hostile = 'MRD" } } SELECT * WHERE { ?s ?p ?o } #{'
    try:
        with pytest.raises(ParameterError):
            graph.ask("patients", patient='pbc-2021> } ; ?s ?p ?o {')
        graph.ask("search-statements", text=hostile)
        graph.ask("patients", patient="PBC-2021 ")  # accepted as a name: the graph's own IRI is what is written
    finally:
        del graph.engine.select
    assert all('pbc-2021> }' not in text and hostile not in text for text, _ in sent)
    [searched] = [(text, bindings) for text, bindings in sent if "_text" in bindings]
    assert searched[1]["_text"] == Literal(hostile)  # the typed text went as a bound literal, the text untouched
    assert searched[0] == catalogue()["search-statements"].text
    assert "PBC-2021 " not in sent[-1][0] and f"<{IRI}>" in sent[-1][0]


def test_only_an_iri_that_an_iriref_can_hold_is_written():
    assert written(IRI) == f"<{IRI}>"
    for term in (URIRef("http://x/a>b"), URIRef("http://x/a b"), URIRef('http://x/"'), URIRef("http://x/{}"),
                 Literal("http://x/a"), Literal(3)):
        assert written(term) is None
    text = "SELECT ?_p_iri ?o WHERE { ?_p_iri ?q ?o }"
    assert inline(text, {"_p_iri": URIRef("http://x/a>b")}, {"_p_iri"}) == (text, {"_p_iri": URIRef("http://x/a>b")})


@pytest.mark.parametrize("text, expected", [
    ("SELECT ?_p ?o WHERE { ?_p <q> ?o } ORDER BY ?_p DESC(?_p)",
     "SELECT (<x:p> AS ?_p) ?o WHERE { <x:p> <q> ?o } ORDER BY (<x:p>) DESC(<x:p>)"),
    ("SELECT ?_p (COUNT(?o) AS ?n) WHERE { ?_p <q> ?o FILTER(?_p != <x:q>) } GROUP BY ?_p",
     "SELECT (<x:p> AS ?_p) (COUNT(?o) AS ?n) WHERE { <x:p> <q> ?o FILTER(<x:p> != <x:q>) } GROUP BY (<x:p>)"),
    ("SELECT ?_p ?o WHERE { { SELECT ?_p ?o WHERE { ?_p <q> ?o } } }",
     "SELECT (<x:p> AS ?_p) ?o WHERE { { SELECT  ?o WHERE { <x:p> <q> ?o } } }"),
])
def test_each_place_of_a_variable_gets_what_means_the_same_there(text, expected):
    assert inline(text, {"_p": URIRef("x:p")}, {"_p"}) == (expected, {})


@pytest.mark.parametrize("text", [
    "SELECT ?_p WHERE { ?s <q> ?o BIND(?s AS ?_p) }",                      # assigned
    "SELECT ?_p WHERE { VALUES ?_p { <x:a> } ?_p <q> ?o }",                 # a VALUES variable
    "SELECT ?_p ?o WHERE { ?s <q> ?o FILTER(!BOUND(?_p)) }",                # BOUND takes a variable
    "SELECT ?_p ?o WHERE { ?s <q> ?o MINUS { ?_p <q> ?o } }",               # MINUS's shared-variable rule
    "SELECT * WHERE { ?_p <q> ?o }",                                        # the column would drop out
    "SELECT ?_p ?n WHERE { ?_p <q> ?o { SELECT (COUNT(?_p) AS ?n) WHERE { ?_p <r> ?x } } }",  # another ?_p inside
    "SELECT ?_p WHERE { { SELECT ?_p WHERE { ?_p <q> ?o } } }",             # a subquery left with no column
    "SELECT ?_p WHERE { ?_p <q> ",                                          # not read whole
])
def test_a_shape_that_is_not_simple_keeps_the_substitution(text):
    bindings = {"_p": URIRef("x:p")}
    assert inline(text, bindings, {"_p"}) == (text, bindings)
