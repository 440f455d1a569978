"""`salvage-kg bench-similar` on a tiny cohort: it builds the cohort it names beside the two reports, times
searches and says whether each report's described course finds its patient first. Its figures are never
pass/fail."""

import json

from kg.cli.main import main
from kg.tools.bench_similar import COURSES


def test_bench_similar_command_finds_its_bench_after_the_move_to_kg_tools(tmp_path, capsys):
    # The command imported kg.clinical.similar.bench, which the layered layout moved to kg.tools.bench_similar.
    out = tmp_path / "bench-similar.json"
    assert main(["bench-similar", "--patients", "40", "--repeat", "1", "--drawn", "3", "--out", str(out)]) == 0
    result = json.loads(out.read_text())
    assert result["patients"] == 42 and result["quads"] > 8000  # the two reports and 40 synthetic patients
    assert result["first_hit"] == {"pbc-2021": "pbc-2021", "rascon-2022": "rascon-2022"}
    assert result["courses_timed"] == len(COURSES) + 3
    assert 0 < result["search_ms"]["p50"] <= result["search_ms"]["p95"]
    printed = capsys.readouterr().out
    assert "over 42 patients" in printed and "pbc-2021 -> pbc-2021 first" in printed
