"""A remote store gives every name a parameter accepts, for every range, whatever ranges were looked up before.

The regression: the parity fixture errored in CI (2 of 6 runs) with `evidence_level=C` refused on a store that
holds `sk:EvidenceLevelC skos:notation "C"`. Through terms-in-range's `rdf:type/rdfs:subClassOf*`, Virtuoso 7.2
answered the UNION of naming patterns with the labels and one notation alone once another range had been looked up
(every time here, with the antigens looked up first; the cases' patients lost their identifiers alike). The look-up
now writes the class closures as fixed chains, as the questions do.
"""

import pytest
from virtuoso_helpers import virtuoso, virtuoso_loaded  # noqa: F401 - fixtures

from kg.backends.remote import RemoteEngine
from kg.knowledge_graph import KnowledgeGraph
from kg.questions.catalogue import catalogue
from kg.questions.parameters import expand

# Sorted, as the server looks them up at start-up (api/app.py): the antigens before the evidence levels, the order
# that exposed the bug.
RANGES = sorted({expand(param.range) for question in catalogue().values() for param in question.params
                 if param.range})


def names(graph: KnowledgeGraph, range_iri: str) -> dict[str, frozenset]:
    return {choice.iri: choice.names for choice in graph.choices(range_iri).listed}


@pytest.mark.parametrize("store", ["Oxigraph server", "Virtuoso"])
def test_evidence_level_c_is_accepted_on_a_remote_store_after_other_ranges_were_looked_up(request, graph, store):
    url = (request.getfixturevalue("remote_graph").engine.query_url if store == "Oxigraph server"
           else request.getfixturevalue("virtuoso_loaded").sparql_url)
    for round_ in range(2):  # a second round: the store has planned every range's look-up once
        remote = KnowledgeGraph(None, RemoteEngine(url, timeout=120))  # nothing cached
        for range_iri in RANGES:
            assert names(remote, range_iri) == names(graph, range_iri), (round_, range_iri)
        assert remote.lookup("sk:EvidenceLevel", "C", "evidence_level").iri.endswith("#EvidenceLevelC")
