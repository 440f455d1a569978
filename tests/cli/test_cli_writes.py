"""The commands that write a graph (issue 17, point 7): add-case names its target and leaves a store compact,
saying what it does on the way; validate takes what add-case takes; build takes extra case files."""

import shutil
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.cli import cases as cli_cases
from kg.cli.main import main
from kg.paths import CASES_DIR
from kg.tools import synth

EXE = shutil.which("salvage-kg", path=str(Path(sys.executable).parent)) or "salvage-kg"


def cohort_file(folder: Path, seed: int, patients: int = 2, suffix: str = ".ttl") -> Path:
    turtle = "".join(synth.cohort_turtle(patients=patients, seed=seed))
    path = folder / f"cohort-{seed}{suffix}"
    if suffix == ".ttl":
        path.write_text(turtle, encoding="utf-8")
    else:  # the same statements as JSON-LD
        triples = ox.parse(turtle.encode(), ox.RdfFormat.TURTLE)
        path.write_bytes(ox.serialize(triples, format=ox.RdfFormat.JSON_LD))
    return path


def sorted_bytes(store: Path) -> int:
    """RocksDB's sorted files: what an open reads without replaying the write-ahead log."""
    return sum(path.stat().st_size for path in store.glob("*.sst"))


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("cli-writes")
    cohort = cohort_file(folder, seed=71)
    done = subprocess.run([EXE, "build", "--out", str(folder / "out"), "--store", str(folder / "store"), str(cohort)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return folder / "store"


def test_build_takes_extra_case_files(store):
    """`build` could not take extra case files: a cohort had to go in with add-case afterwards."""
    asked = subprocess.run([EXE, "ask", "patients", "--store", str(store), "--format", "csv"], capture_output=True,
                           text=True, timeout=120)
    assert "synth-71-000001" in asked.stdout


def test_add_case_leaves_the_store_compact_and_says_each_phase(store, tmp_path):
    """One add-case left a 309 MB RocksDB log that every later open replayed (17 s); now it is flushed and
    compacted, and a long write says where it is on stderr."""
    cohort = cohort_file(tmp_path, seed=72, patients=60)
    before = sorted_bytes(store)
    done = subprocess.run([EXE, "add-case", str(cohort), "--store", str(store)], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    for phase in ("reading cohort-72.ttl", "validating with SHACL", "committed", "flushed"):
        assert phase in done.stderr
    assert done.stdout.strip() == f"case synthetic-cohort-72 added to the store at {store}"
    # Unflushed, the 60 patients' statements (~4 MB) were only in the log and the sorted files did not grow at all.
    assert sorted_bytes(store) - before > 1_000_000, "the case was left in the log for every open to replay"


def test_add_case_needs_a_target(tmp_path, capsys):
    """add-case wrote into the installed package's kg/cases/ when no target was given."""
    cohort = cohort_file(tmp_path, seed=73)
    with pytest.raises(SystemExit) as exited:
        main(["add-case", str(cohort)])
    assert exited.value.code == 2
    assert "one of the arguments --store --into is required" in capsys.readouterr().err


def test_add_case_never_writes_into_the_installed_package(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(cli_cases, "installed", lambda: True)
    before = sorted(CASES_DIR.iterdir())
    assert main(["add-case", str(cohort_file(tmp_path, seed=74)), "--into", str(CASES_DIR)]) == 2
    assert "installed package" in capsys.readouterr().err
    assert sorted(CASES_DIR.iterdir()) == before


def test_validate_accepts_json_ld_as_add_case_does(tmp_path, capsys):
    """validate refused the JSON-LD that add-case accepts."""
    good = cohort_file(tmp_path, seed=75, suffix=".jsonld")
    assert main(["validate", str(good)]) == 0
    assert "conforms" in capsys.readouterr().out
    broken = tmp_path / "broken.jsonld"
    turtle = "".join(synth.cohort_turtle(patients=2, seed=76)).replace("sk:sequence 1 ;", "", 1)
    broken.write_bytes(ox.serialize(ox.parse(turtle.encode(), ox.RdfFormat.TURTLE), format=ox.RdfFormat.JSON_LD))
    assert main(["validate", str(broken)]) == 1
    assert "sk:sequence" in capsys.readouterr().err
