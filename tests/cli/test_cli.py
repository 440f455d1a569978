"""The `salvage-kg` command as a user runs it: a real process, real files, real exit codes."""

import argparse
import csv
import io
import json
import re
import shutil
import socket
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
import rdflib

from kg.cli.main import parser
from kg.paths import case_files
from kg.tools.ports import free_port

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
    assert ("error: parameter lost_antigen: 'CD20' is not a known sk:Antigen (did you mean 'CD22'?); "
            "accepted: CD19, CD22, CD3") in done.stderr
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


# --- mistakes meet one line on stderr and a non-zero exit, never a traceback (issue 13) ------------------------------

def one_error_line(done) -> str:
    """The one line saying what went wrong (after any progress lines); no traceback."""
    assert done.returncode != 0, done.stdout[-500:]
    assert "Traceback" not in done.stderr and "Traceback" not in done.stdout, done.stderr[-3000:]
    errors = [line for line in done.stderr.splitlines() if "error" in line.lower()]
    assert len(errors) == 1, done.stderr[-3000:]
    assert done.stderr.rstrip().splitlines()[-1] == errors[0]
    return errors[0]


@pytest.fixture
def export_folder(tmp_path):
    """What `build --out` writes: easy to take for a store."""
    folder = tmp_path / "build"
    folder.mkdir()
    (folder / "salvage-kg.ttl").write_text("@prefix sk: <https://w3id.org/salvage-kg/ontology#> .\n")
    return folder


@pytest.mark.parametrize("command", [
    ("serve", "--port", "{port}"),
    ("ask", "salvage-options", "lost_antigen=CD19"),
    ("add-case", case_files()[0]),
])
def test_bad_store_path_is_one_line_not_a_traceback(command, export_folder, tmp_path):
    command = [str(part).format(port=free_port()) for part in command]
    for store, message in [(tmp_path / "no" / "such", "no store at"), (export_folder, "is not a store")]:
        done = run(*command, "--store", str(store), check=False)
        assert message in one_error_line(done)
        assert "serving on" not in done.stdout
    assert not (export_folder / "CURRENT").exists(), "no store was made in the export folder"


def test_serve_on_a_busy_port_is_one_line_not_a_traceback():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = run("serve", "--port", str(port), check=False)
    assert f"port {port} on 127.0.0.1 is in use" in one_error_line(done)
    assert "serving on" not in done.stdout


@pytest.mark.parametrize("args, message", [
    (("validate", "/no/such.ttl"), "no such file: /no/such.ttl"),
    (("add-case", "/no/such.ttl", "--into", "/no/such/folder"), "no such file: /no/such.ttl"),
    (("pathways", "--format", "svg", "--out", "/no/such/dir/out.svg"), "no folder to write /no/such/dir/out.svg"),
    (("synth", "--patients", "2", "--out", "/no/such/dir/out.ttl"), "no folder to write /no/such/dir/out.ttl"),
    (("bench", "--patients", "10", "--out", "/no/such/dir/bench.json"), "no folder to write"),
    (("loadtest", "--out", "/no/such/dir/load.json"), "no folder to write"),
    (("build", "--out", "/proc/no-folder-here"), "/proc/no-folder-here"),
])
def test_missing_file_or_folder_is_one_line_not_a_traceback(args, message):
    assert message in one_error_line(run(*args, check=False))


@pytest.mark.parametrize("args, message", [
    (("serve", "--port", "99999"), "argument --port: 99999 is not a port"),
    (("serve", "--port", "http"), "argument --port: 'http' is not a whole number"),
    (("serve", "--workers", "0"), "argument --workers: must be 1 or more, not 0"),
    (("serve", "--query-timeout", "-1"), "argument --query-timeout: -1 is not more than 0"),
    (("ask", "salvage-options", "--format", "xml"), "argument --format: invalid choice: 'xml'"),
    (("synth", "--patients", "many", "--out", "x.ttl"), "argument --patients: 'many' is not a whole number"),
    (("loadtest", "--duration", "soon"), "argument --duration: 'soon' is not a number of seconds"),
    (("ask", "salvage-options", "lost_antigen=CD20"), "'CD20' is not a known sk:Antigen"),
])
def test_bad_value_is_one_line_not_a_usage_block(args, message):
    line = one_error_line(run(*args, check=False))
    assert message in line
    assert len(run(*args, check=False).stderr.strip().splitlines()) == 1  # no usage block: --help shows it


def test_closed_pipe_is_one_line_not_a_traceback():
    # `salvage-kg ask ... | head -1`: the reader is gone before the answer is written.
    process = subprocess.Popen([EXE, "ask", "pathway-steps", "--format", "csv"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    process.stdout.close()
    stderr = process.stderr.read()
    done = subprocess.CompletedProcess(process.args, process.wait(timeout=120), "", stderr)
    assert "the output was closed" in one_error_line(done)


def test_serving_on_is_printed_only_once_the_server_listens():
    port = free_port()
    process = subprocess.Popen([EXE, "serve", "--port", str(port), "--query-workers", "1"], stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True)
    try:
        line = process.stdout.readline()  # printed after the graph is built and the port is bound
        assert line.startswith(f"salvage-kg: serving on http://127.0.0.1:{port}"), line
        assert httpx.get(f"http://127.0.0.1:{port}/health", timeout=10).json()["status"] == "ok"
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_version_is_the_installed_distribution_version():
    assert run("--version").stdout.strip() == f"salvage-kg {version('salvage-kg')}"


def test_every_option_help_says_its_default():
    root = parser()
    [commands] = [action for action in root._actions if isinstance(action, argparse._SubParsersAction)]
    missing = []
    for name, command in [("salvage-kg", root), *commands.choices.items()]:
        formatter = command._get_formatter()
        for action in command._actions:
            option = action.option_strings and action.default is not argparse.SUPPRESS  # not --help, --version
            if option and "default" not in formatter._get_help_string(action):
                missing.append(f"{name} {action.option_strings[0]}")
    assert missing == []
    # As a user sees it: each option's entry in `serve --help` (an entry starts on a line of its own).
    entries = {" ".join(entry.split()).split(" ", 2)[0]: " ".join(entry.split())
               for entry in re.split(r"\n(?=  -)", run("serve", "--help").stdout)}
    for option, default in [("--host", "127.0.0.1"), ("--port", "8000"), ("--workers", "1")]:
        assert entries[option].endswith(f"(default: {default})"), entries[option]
