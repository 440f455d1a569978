"""`salvage-kg ask ... --limit N --after KEY`: a page of an answer ordered by patient, and the key of the next one
on stderr (stdout stays the table or the CSV file)."""

import csv
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

EXE = shutil.which("salvage-kg", path=str(Path(sys.executable).parent)) or "salvage-kg"
NEXT = "next page: --after "


def ask(*args) -> subprocess.CompletedProcess:
    return subprocess.run([EXE, "ask", *args], capture_output=True, text=True, timeout=120)


def test_walking_the_keys_on_the_command_line_gives_the_whole_answer(graph):
    whole = [(row["patient"], str(row["sequence"])) for row in graph.ask("pathway-states").rows]
    rows, after = [], []
    while True:
        done = ask("pathway-states", "--limit", "7", "--format", "csv", *after)
        assert done.returncode == 0, done.stderr
        rows += [(row["patient"], row["sequence"]) for row in csv.DictReader(io.StringIO(done.stdout))]
        last = done.stderr.strip().splitlines()[-1]
        if last == "last page":
            break
        assert last.startswith(NEXT)
        after = ["--after", last.removeprefix(NEXT)]
    assert rows == whole and len(whole) > 14


def test_as_json_the_page_says_the_next_key():
    page = json.loads(ask("patients", "--limit", "1", "--format", "json").stdout)["page"]
    second = json.loads(ask("patients", "--after", page["next"], "--format", "json").stdout)
    assert [row["patient"] for row in second["rows"]] == ["rascon-2022"] and second["page"]["next"] is None


def test_a_bad_key_is_a_one_line_error_with_exit_code_2():
    done = ask("patients", "--after", "not-a-key!")
    assert done.returncode == 2
    assert "error: after must be the `next` key a page of this answer gave" in done.stderr
    assert "Traceback" not in done.stderr
