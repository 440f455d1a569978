"""`salvage-kg loadtest` runs end to end and reports its figures (a few seconds on the bundled cases).

It needs wrk (Debian package `wrk`, which scripts/test installs when run as root); without it the test is skipped
with the reason, and the command itself fails and says so.
"""

import json
import shutil
import subprocess

from conftest import EXE, missing_tool

from kg.questions.catalogue import catalogue


def test_loadtest_reports_throughput_latency_and_errors(tmp_path):
    if shutil.which("wrk") is None:
        missing_tool("wrk is not installed: apt-get install wrk (scripts/test does so as root)")
    out = tmp_path / "load.json"
    done = subprocess.run([EXE, "loadtest", "--patients", "0", "--users", "2", "--duration", "3", "--workers", "1",
                           "--out", str(out)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(out.read_text())
    assert result["errors"] == 0 and result["requests"] > 10
    assert 0 < result["p50_ms"] <= result["p99_ms"] <= result["max_ms"]
    assert result["requests_per_s"] > 0
    assert result["named_questions"] == sorted(catalogue())  # every named question is in the mix
    assert "requests/s" in done.stdout and "p99" in done.stdout
