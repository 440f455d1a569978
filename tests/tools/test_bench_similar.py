"""`salvage-kg bench-similar` on a tiny cohort: it builds the cohort it names beside the two reports, times
searches and says whether each report's described course finds its patient first. Its figures are never
pass/fail."""

from kg.tools import bench_similar as bench
from kg.tools.bench_similar import COURSES


def test_the_bench_builds_the_cohort_it_names_and_reports_each_reports_first_hit():
    result = bench.run(40, repeat=1, drawn=3)
    assert result["patients"] == 42 and result["quads"] > 8000  # the two reports and 40 synthetic patients
    assert result["first_hit"] == {"pbc-2021": "pbc-2021", "rascon-2022": "rascon-2022"}
    assert result["courses_timed"] == len(COURSES) + 3
    assert 0 < result["search_ms"]["p50"] <= result["search_ms"]["p95"]
    text = bench.summary(result)
    assert "over 42 patients" in text and "pbc-2021 -> pbc-2021 first" in text
