"""The names a parameter accepts are read member by member for a range of few names (terms-in-small-range) and
all at once for a cohort's patients (terms-in-range): both look-ups give the same rows for every range (#20: each
small range took 5-6 s at 100,000 patients the second way)."""

import pytest
from rdflib import URIRef

from kg import knowledge_graph
from kg.knowledge_graph import KnowledgeGraph
from kg.questions.catalogue import catalogue, internal
from kg.questions.parameters import expand

RANGES = sorted({param.range for question in catalogue().values() for param in question.params if param.range}
                | {"sk:CARTProduct", "sk:Patient"})


def _rows(graph, look_up: str, range_name: str) -> set[tuple]:
    bindings = {"_range_iri": URIRef(expand(range_name))}
    _, rows = graph.engine.select(*graph._inline(internal(look_up).text, bindings, set(bindings)))
    return {tuple(str(term) for term in row) for row in rows}


@pytest.mark.parametrize("range_name", RANGES)
def test_both_look_ups_give_the_same_names(graph_with_cohort, range_name):
    every_name = _rows(graph_with_cohort, "terms-in-range", range_name)
    assert every_name, f"{range_name} has members"
    assert _rows(graph_with_cohort, "terms-in-small-range", range_name) == every_name


def test_an_engine_that_takes_the_range_as_a_bound_term_reads_every_name_at_once(graph, rdflib_graph):
    """Member by member needs the range written in as a constant: rdflib's engine (and a remote store, which gets
    it as a BIND) reads the names the first way, and accepts the same names."""
    assert not rdflib_graph._writes_terms()
    assert rdflib_graph.choices(expand("sk:TherapyAgent")) == graph.choices(expand("sk:TherapyAgent"))


@pytest.mark.parametrize("range_name", ["sk:Patient", "sk:TherapyAgent"])
def test_choices_are_the_same_whichever_look_up_reads_them(graph_with_cohort, monkeypatch, range_name):
    fresh = KnowledgeGraph(graph_with_cohort.store)
    member_by_member = fresh.choices(expand(range_name))  # 43 agents, 62 patients: a few hundred names
    monkeypatch.setattr(knowledge_graph, "MANY_NAMES", 10)  # every range here has more: read all at once
    fresh.changed()
    assert fresh.choices(expand(range_name)) == member_by_member
    assert len(member_by_member) > 10


def test_the_first_patient_name_typed_does_not_build_the_index_of_names(graph_with_cohort):
    """Regression: at 100,000 patients the first request naming a patient took 0.9 s more after the server's
    background look-up (api/warming.py) had read the names, which left their index by name to the first match.
    The index is made with the choices, so by that look-up."""
    choices = graph_with_cohort.choices(expand("sk:Patient"))
    assert "by_name" in vars(choices)  # there before any name is matched
    indexed = {choice.iri for found in choices.by_name.values() for choice in found}
    assert indexed == {choice.iri for choice in choices} and len(indexed) == 62  # the two cases and 60 synthetic
    [rascon] = choices.by_name["rascon-2022"]
    assert graph_with_cohort.lookup("sk:Patient", " Rascon-2022 ", "patient") == rascon
