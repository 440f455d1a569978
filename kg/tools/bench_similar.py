"""`salvage-kg bench-similar`: how long the similar-course index takes to build and a search takes to answer.

A synthetic cohort of the size asked is built beside the two reports (load, rules, SHACL), the index is built
from the pathway questions, then searches are timed: a course described from each report, a short course, and
courses of patients drawn from the cohort. Median and p95 in milliseconds. Search time depends only on the number
and length of the courses, so the same courses repeated `scale` times (e.g. 10,000 x 10) give the search time
at that size without building so large a graph; the figure is labelled as such. Not part of the test suite.
"""

import random
import statistics
import tempfile
import time
from pathlib import Path

from kg.clinical.similar.index import CourseIndex
from kg.clinical.similar.search import search
from kg.knowledge_graph import KnowledgeGraph
from kg.paths import case_files
from kg.progress import Progress, quiet
from kg.tools import synth

# Courses as a clinician would describe them from each report (and a short one from a relapse on).
COURSES = {
    "pbc-2021": "relapse; CR; cord blood transplant; relapse; anti-CD19 CAR-T cells (ELIANA trial); CR; "
                "relapse CD19-negative CD22-positive; inotuzumab; CR; inotuzumab; haploidentical HSCT",
    "rascon-2022": "NOPHO ALL-2008 protocol; CR; relapse; high-risk chemotherapy; refractory; blinatumomab; CR; "
                   "matched sibling HSCT; relapse; tisagenlecleucel; CR; rising MRD; tisagenlecleucel; relapse; "
                   "blinatumomab; CR; matched sibling HSCT; rising MRD",
    "short": "relapse CD19-negative; inotuzumab; CR",
}


def _ms(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return round(statistics.median(ordered) * 1000, 2), round(ordered[round(0.95 * (len(ordered) - 1))] * 1000, 2)


def repeated(index: CourseIndex, times: int) -> CourseIndex:
    """The same courses `times` over, under new names: for timing a search at a larger size."""
    courses, shown, evidence = {}, {}, {}
    for copy in range(times):
        for name, codes in index.courses.items():
            key = name if copy == 0 else f"{name}~{copy}"
            courses[key], shown[key], evidence[key] = codes, index.shown[name], index.evidence[name]
    return CourseIndex(index.alphabet, index.labels, courses, shown, evidence)


def _time_searches(graph, index, queries, repeat) -> tuple[float, float]:
    samples = []
    for kind, value in queries:
        search(graph, **{kind: value}, k=5, index=index)  # warm
        for _ in range(repeat):
            started = time.perf_counter()
            search(graph, **{kind: value}, k=5, index=index)
            samples.append(time.perf_counter() - started)
    return _ms(samples)


def run(patients: int, seed: int = 1, repeat: int = 5, scale: int = 10, progress: Progress = quiet) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        cohort = Path(folder) / "cohort.ttl"
        progress(f"synthesising {patients} patients")
        cohort.write_text("".join(synth.cohort_turtle(patients, seed)), encoding="utf-8")
        started = time.perf_counter()
        graph = KnowledgeGraph.build(cases=case_files() + [cohort], progress=progress)
        built = time.perf_counter() - started
    progress("building the similar-course index")
    started = time.perf_counter()
    index = CourseIndex.build(graph)
    indexed = time.perf_counter() - started
    drawn = random.Random(seed).sample(sorted(name for name in index.courses if name.startswith("synth")), 10)
    queries = [("course", text) for text in COURSES.values()] + [("patient", name) for name in drawn]
    firsts = {name: search(graph, course=text, k=5, index=index).hits[0].patient for name, text in COURSES.items()}
    result = {"patients": len(index), "graph_build_s": round(built, 1), "index_build_s": round(indexed, 2),
              "search_ms": _ms_pair(_time_searches(graph, index, queries, repeat)),
              "first_hit": {name: firsts[name] for name in ("pbc-2021", "rascon-2022")}}
    if scale > 1:
        progress(f"timing searches over the same courses repeated {scale} times")
        bigger = repeated(index, scale)
        result["repeated"] = {"courses": len(bigger),
                              "search_ms": _ms_pair(_time_searches(graph, bigger, queries, repeat))}
    return result


def _ms_pair(pair: tuple[float, float]) -> dict:
    return {"p50": pair[0], "p95": pair[1]}


def summary(result: dict) -> str:
    lines = [f"similar-course search over {result['patients']:,} patients (the two reports + synthetic):",
             f"  graph build {result['graph_build_s']} s; index build {result['index_build_s']} s (from the pathway "
             "questions)",
             f"  search (k=5): median {result['search_ms']['p50']} ms, p95 {result['search_ms']['p95']} ms",
             f"  a course described from each report finds first: {result['first_hit']}"]
    if "repeated" in result:
        repeated_result = result["repeated"]
        lines.append(f"  over {repeated_result['courses']:,} courses (the same courses repeated; no graph of that "
                     f"size built): median {repeated_result['search_ms']['p50']} ms, "
                     f"p95 {repeated_result['search_ms']['p95']} ms")
    return "\n".join(lines)
