"""The `salvage-kg` command as a user runs it: a real process, real files, real exit codes."""

import csv
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib

from kg.paths import case_files

EXE = shutil.which("salvage-kg", path=str(Path(sys.executable).parent)) or "salvage-kg"


def run(*args, check=True):
    done = subprocess.run([EXE, *args], capture_output=True, text=True, timeout=120)
    if check:
        assert done.returncode == 0, done.stderr
    return done


def test_build_writes_the_merged_graph_in_four_formats_that_load_back(tmp_path, graph):
    done = run("build", "--out", str(tmp_path))
    assert "validating with SHACL" in done.stderr  # progress is shown
    expected = len({(q.subject, q.predicate, q.object) for q in graph.store})
    for name, rdf_format in [("salvage-kg.ttl", "turtle"), ("salvage-kg.nt", "nt"), ("salvage-kg.jsonld", "json-ld")]:
        loaded = rdflib.Graph().parse(tmp_path / name, format=rdf_format)
        assert len(loaded) == expected, name
    trig = ox.Store()
    trig.load(path=str(tmp_path / "salvage-kg.trig"), format=ox.RdfFormat.TRIG)
    assert len(trig) == len(graph.store)
    assert not list(tmp_path.glob("*.partial"))


def test_ask_as_json(graph):
    answer = json.loads(run("ask", "salvage-options", "lost_antigen=CD19", "--format", "json").stdout)
    assert answer["question"] == "salvage-options"
    assert answer["parameters"] == {"lost_antigen": "https://w3id.org/salvage-kg/ontology#CD19"}
    assert {row["therapy_label"] for row in answer["rows"]} == {"inotuzumab ozogamicin", "CD22-directed CAR-T cells",
                                                                "haploidentical allogeneic HSCT"}
    assert "not treatment advice" in answer["disclaimer"]


def test_ask_as_csv_and_table():
    rows = list(csv.DictReader(io.StringIO(run("ask", "relapses-after-therapy", "modality=CAR-T",
                                               "--format", "csv").stdout)))
    assert [(row["patient"], row["time_to_relapse"]) for row in rows] == [("pbc-2021", "P1Y"), ("rascon-2022", "P1M")]
    table = run("ask", "therapy-sequence", "patient=pbc-2021").stdout
    assert "inotuzumab ozogamicin" in table and "(7 rows)" in table


def test_rdflib_engine_from_the_command_line_gives_the_same_json():
    args = ("ask", "transplant-details", "--format", "json")
    assert json.loads(run(*args).stdout) == json.loads(run(*args, "--engine", "rdflib").stdout)


def test_unknown_antigen_is_a_clear_error_with_exit_code_2():
    done = run("ask", "salvage-options", "lost_antigen=CD20", check=False)
    assert done.returncode == 2
    assert "error: parameter lost_antigen: 'CD20' is not a known sk:Antigen; accepted: CD19, CD22, CD3" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("args, message", [
    (("ask", "nope"), "no question named 'nope'"),
    (("ask", "salvage-options", "CD19"), "write parameters as name=value"),
    (("ask", "salvage-options"), "parameter lost_antigen: is required"),
])
def test_bad_requests_are_explained(args, message):
    done = run(*args, check=False)
    assert done.returncode == 2 and message in done.stderr and "Traceback" not in done.stderr


def test_questions_catalogue():
    listing = json.loads(run("questions", "--format", "json").stdout)
    salvage = next(q for q in listing if q["name"] == "salvage-options")
    assert salvage["parameters"][0]["name"] == "lost_antigen"
    assert "salvage-options lost_antigen=<CD19>" in run("questions").stdout


def test_validate_accepts_the_bundled_cases_and_rejects_a_broken_one(tmp_path):
    assert "conforms" in run("validate").stdout
    broken = tmp_path / "broken.ttl"
    text = case_files()[0].read_text().replace("pbc-2021", "broken-2021")
    broken.write_text(text.replace("    sk:ordinal 4 ;\n", ""))
    done = run("validate", str(broken), check=False)
    assert done.returncode == 1
    assert "patient:broken-2021/remission-4 violates shape:RemissionShape (path sk:ordinal)" in done.stderr


def test_validate_reports_unparseable_turtle_with_the_file_name(tmp_path):
    bad = tmp_path / "bad.ttl"
    bad.write_text("@prefix sk: <https://w3id.org/salvage-kg/ontology#> .\nsk:x sk:y ")
    done = run("validate", str(bad), check=False)
    assert done.returncode == 1 and "bad.ttl: not valid Turtle" in done.stderr
