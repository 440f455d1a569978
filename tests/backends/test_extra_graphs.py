"""Extra graphs beside ours (`serve --also`, `load --also`): named graphs only, never under our namespace."""

import pyoxigraph as ox
import pytest
from locations import DATA

from kg.build.extra_graphs import ExtraGraphError, add_extra_graphs, read_extra_graphs

SUITE = DATA / "protocol" / "graphs.trig"


def test_the_protocol_suites_graphs_keep_their_names():
    store = ox.Store()
    assert add_extra_graphs(store, [SUITE]) == 4
    assert ox.NamedNode("http://kasei.us/2009/09/sparql/data/data1.rdf") in set(store.named_graphs())


@pytest.mark.parametrize("name, text, reason", [
    ("triples.ttl", "<urn:s> <urn:p> <urn:o> .", "TriG"),
    ("default.trig", "<urn:s> <urn:p> <urn:o> .", "named graph"),
    ("ours.trig", "<https://w3id.org/salvage-kg/graph/case/x> { <urn:s> <urn:p> <urn:o> . }", "namespace"),
    ("broken.nq", "<urn:s> <urn:p> .", "not valid"),
])
def test_files_that_could_not_stand_beside_ours_are_refused_with_the_reason(tmp_path, name, text, reason):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ExtraGraphError, match=reason):
        read_extra_graphs([path])


def test_a_missing_file_is_refused_with_the_reason(tmp_path):
    with pytest.raises(ExtraGraphError, match="cannot read"):
        read_extra_graphs([tmp_path / "absent.trig"])
