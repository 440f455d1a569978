"""The persistent on-disk store: written once by `build --store`, then opened read-only by every process."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from kg.questions.catalogue import catalogue

EXE = shutil.which("salvage-kg", path=str(Path(sys.executable).parent)) or "salvage-kg"


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory):
    directory = tmp_path_factory.mktemp("store") / "graph"
    done = subprocess.run([EXE, "build", "--out", str(directory.parent / "out"), "--store", str(directory)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "writing" in done.stderr and directory.is_dir()
    assert not directory.with_name("graph.partial").exists()
    return directory


@pytest.fixture(scope="module")
def disk_server(start_server, store_dir):
    return start_server("--store", str(store_dir))


@pytest.mark.parametrize("name", sorted(catalogue()))
def test_every_question_gives_the_same_answer_from_disk_over_http(disk_server, http, name):
    params = {p.name: p.example for p in catalogue()[name].params if p.required}
    on_disk = httpx.get(f"{disk_server.url}/questions/{name}", params=params, timeout=30).json()
    in_memory = http.get(f"/questions/{name}", params=params).json()
    assert on_disk == in_memory


def test_sparql_workers_read_the_disk_store(disk_server, http):
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    on_disk = httpx.get(f"{disk_server.url}/sparql", params={"query": query}, timeout=30).json()
    assert on_disk == http.get("/sparql", params={"query": query}).json()


def test_cli_asks_the_disk_store(store_dir):
    done = subprocess.run([EXE, "ask", "relapses-after-therapy", "modality=CAR-T", "--store", str(store_dir),
                           "--format", "json"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert [row["time_to_relapse"] for row in json.loads(done.stdout)["rows"]] == ["P1Y", "P1M"]


def test_missing_store_is_a_clear_error(tmp_path):
    done = subprocess.run([EXE, "ask", "patients", "--store", str(tmp_path / "none")], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 1 and "no store at" in done.stderr and "Traceback" not in done.stderr


def test_a_store_derived_by_other_rules_is_refused_with_how_to_rebuild_it(store_dir, tmp_path):
    """A store built by an older salvage-kg holds the facts its rules derived: a question reading a fact a rule
    now writes (the patient's level on an antigen-negative relapse) would have answered nothing, silently."""
    import pyoxigraph as ox

    from kg.build.rules import graph_of, rules
    from kg.namespaces import SK

    stale = tmp_path / "stale"
    shutil.copytree(store_dir, stale)
    (rule,) = [rule for rule in rules() if rule.name == "antigen-negative-relapse"]
    store = ox.Store(str(stale))
    digest = ox.Quad(ox.NamedNode(rule.iri), ox.NamedNode(str(SK.ruleDigest)), ox.Literal(rule.digest),
                     graph_of(rule))
    assert digest in store, "the build wrote the rule's digest"
    store.remove(digest)
    store.add(ox.Quad(digest.subject, digest.predicate, ox.Literal("an older text"), digest.graph_name))
    store.flush()
    del store
    for command in (["ask", "patients", "--store", str(stale)], ["serve", "--store", str(stale), "--port", "1"]):
        done = subprocess.run([EXE, *command], capture_output=True, text=True, timeout=120)
        assert done.returncode == 1, done.stderr
        assert "derived by other versions of the rules antigen-negative-relapse" in done.stderr
        assert f"salvage-kg build --store {stale}" in done.stderr and "Traceback" not in done.stderr
