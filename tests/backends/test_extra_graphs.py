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


@pytest.mark.parametrize("extra, reason", [
    (["--sparql-endpoint", "http://127.0.0.1:9/sparql"], "load --also"),
    ([], "TriG"),
])
def test_serve_says_in_one_line_where_extra_graphs_cannot_go(tmp_path, extra, reason):
    import subprocess

    from conftest import EXE

    turtle = tmp_path / "triples.ttl"
    turtle.write_text("<urn:s> <urn:p> <urn:o> .", encoding="utf-8")
    also = str(SUITE if extra else turtle)
    done = subprocess.run([EXE, "serve", "--port", "9", "--also", also, *extra], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 2 and reason in done.stderr and "Traceback" not in done.stderr
