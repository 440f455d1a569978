"""A cohort built one part at a time into the on-disk store (kg/build/parts.py) holds exactly what the in-memory
build of the same files holds, and a part that breaks a shape stops the build, named."""

import subprocess
import time
from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest import EXE
from derived_lists import as_set
from rdflib import Graph
from rdflib.compare import isomorphic

from kg.backends.stores import open_read_only
from kg.build import parts
from kg.build.pipeline import build_store
from kg.paths import case_files
from kg.tools import synth


def write_parts(folder: Path, patients: int = 30, per_part: int = 10, seed: int = 5) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, chunks in synth.cohort_parts(patients, seed, per_part):
        path = folder / f"{name}.ttl"
        path.write_text("".join(chunks), encoding="utf-8")
        paths.append(path)
    return paths


def by_graph(store: ox.Store) -> dict[str, list[ox.Quad]]:
    found: dict[str, list[ox.Quad]] = {}
    for quad in store:
        quad = ox.Quad(quad.subject, quad.predicate, as_set(quad.object), quad.graph_name)
        found.setdefault(str(quad.graph_name), []).append(quad)
    return found


def as_rdflib(quads: list[ox.Quad]) -> Graph:
    triples = [ox.Triple(q.subject, q.predicate, q.object) for q in quads]
    return Graph().parse(data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES).decode(), format="nt")


def test_the_parts_are_the_cohort_split_with_unique_patients(tmp_path):
    paths = write_parts(tmp_path, patients=25, per_part=10)
    assert [path.stem for path in paths] == [f"synthetic-cohort-5-part-00{n}" for n in (1, 2, 3)]
    texts = [path.read_text() for path in paths]
    notations = [line for text in texts for line in text.splitlines() if "skos:notation" in line]
    assert len(notations) == len(set(notations)) == 25
    # The same patients as the single-file cohort of that seed, only each part with its own source.
    whole = "".join(synth.cohort_turtle(25, 5))
    assert whole.count("a sk:Patient") == sum(text.count("a sk:Patient") for text in texts)
    eleventh = "<https://w3id.org/salvage-kg/patient/synth-5-000011>"
    twelfth = "<https://w3id.org/salvage-kg/patient/synth-5-000012>"
    in_whole = whole[whole.index(eleventh) : whole.index(twelfth)]
    in_part = texts[1][texts[1].index(eleventh) : texts[1].index(twelfth)]
    assert in_part == in_whole.replace("src:synthetic-cohort-5 ", "src:synthetic-cohort-5-part-002 ")


def test_a_cohort_built_in_three_parts_holds_exactly_the_in_memory_build(tmp_path):
    files = case_files() + write_parts(tmp_path / "cohort")
    said = []
    directory = parts.build_on_disk(files, tmp_path / "store", progress=said.append)
    on_disk, in_memory = by_graph(open_read_only(directory)), by_graph(build_store(files))
    assert set(on_disk) == set(in_memory)
    for graph, quads in in_memory.items():
        # Blank nodes (timings, doses) get fresh names at every load: compared up to renaming them.
        assert len(on_disk[graph]) == len(quads), graph
        named = {q for q in quads if not any(isinstance(term, ox.BlankNode) for term in q)}
        assert named <= set(on_disk[graph]), graph
        assert isomorphic(as_rdflib(on_disk[graph]), as_rdflib(quads)), graph
    assert any("part 5/5 (synthetic-cohort-5-part-003.ttl)" in line for line in said)
    assert not (tmp_path / "store.partial").exists()


def test_a_part_that_breaks_a_shape_stops_the_build_naming_it(tmp_path):
    files = write_parts(tmp_path / "cohort")
    second = files[1]
    second.write_text(second.read_text().replace("sk:sequence 1 ;", "", 1), encoding="utf-8")
    with pytest.raises(parts.PartInvalid) as stopped:
        parts.build_on_disk(files, tmp_path / "store")
    assert "part 2/3 (synthetic-cohort-5-part-002.ttl)" in str(stopped.value)
    [violation] = stopped.value.violations
    assert violation.node == "patient:synth-5-000011/diagnosis" and violation.path == "sk:sequence"
    assert not (tmp_path / "store").exists() and not (tmp_path / "store.partial").exists()


def test_two_parts_describing_one_patient_stop_the_build(tmp_path):
    files = write_parts(tmp_path / "cohort", patients=4, per_part=2)
    copy = tmp_path / "cohort" / "again.ttl"
    copy.write_text(files[0].read_text().replace("part-001", "part-009"), encoding="utf-8")
    with pytest.raises(parts.PartConflict, match="synth-5-000001 is described by an earlier part"):
        parts.build_on_disk([*files, copy], tmp_path / "store")


def test_synth_per_file_then_build_store_in_parts_from_the_command_line(tmp_path):
    done = subprocess.run(
        [EXE, "synth", "--patients", "6", "--per-file", "3", "--seed", "9", "--out", str(tmp_path / "parts")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    written = sorted((tmp_path / "parts").glob("*.ttl"))
    assert [path.name for path in written] == ["synthetic-cohort-9-part-001.ttl", "synthetic-cohort-9-part-002.ttl"]
    done = subprocess.run(
        [EXE, "build", "--no-files", "--store", str(tmp_path / "store"), *map(str, written)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "part 4/4 (synthetic-cohort-9-part-002.ttl)" in done.stderr
    asked = subprocess.run(
        [EXE, "ask", "patients", "--store", str(tmp_path / "store"), "--format", "csv"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "synth-9-000006" in asked.stdout and "synth-9-000001" in asked.stdout


def test_a_part_describing_the_patients_of_the_part_just_before_stops_the_build(tmp_path, monkeypatch):
    # The part before is written on a thread of its own while this one is derived: the check must wait for it,
    # however slow the write (made slower here than deriving a part).
    write = parts._Writer._write

    def slow_write(self, *args):
        time.sleep(3)
        write(self, *args)

    monkeypatch.setattr(parts._Writer, "_write", slow_write)
    files = write_parts(tmp_path / "cohort", patients=2, per_part=2)
    copy = tmp_path / "cohort" / "again.ttl"
    copy.write_text(files[0].read_text().replace("part-001", "part-009"), encoding="utf-8")
    with pytest.raises(parts.PartConflict, match="synth-5-000001 is described by an earlier part"):
        parts.build_on_disk([files[0], copy], tmp_path / "store")
    assert not (tmp_path / "store").exists() and not (tmp_path / "store.partial").exists()


def test_a_write_that_fails_on_its_thread_stops_the_build_and_leaves_nothing(tmp_path, monkeypatch):
    files = write_parts(tmp_path / "cohort", patients=4, per_part=2)

    def spool_then_lose(scratch, path):
        parts_spool(scratch, path)
        path.write_text("<not> <valid> n-quads", encoding="utf-8")
        return path

    parts_spool = parts._spool
    monkeypatch.setattr(parts, "_spool", spool_then_lose)
    with pytest.raises(SyntaxError):
        parts.build_on_disk(files, tmp_path / "store")
    assert not (tmp_path / "store").exists() and not (tmp_path / "store.partial").exists()
    assert not list(tmp_path.glob("store.partial.nq*"))
