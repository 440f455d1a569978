"""`salvage-kg bench-similar`: how long the similar-course index takes to build and a search takes to answer, on a
synthetic cohort of the size asked (100,000 patients: the issue's target).

The cohort is generated into a file, then loaded beside the two reports with the rules applied, as `salvage-kg
build` does; it is not validated here (`salvage-kg bench` validates the same generator's cohorts, and SHACL at
100,000 patients takes minutes and memory the index does not need). Then the index is built from the graph (as the
server does on its first search) and searches are timed: a course described from each report, a short course, and
the courses of patients drawn from the cohort. Median and p95 in milliseconds, and the process's peak RSS.
Not part of the test suite's pass/fail.
"""

import os
import random
import resource
import statistics
import tempfile
import time
from pathlib import Path

from kg.build.pipeline import build_store
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
REPORTS = ("pbc-2021", "rascon-2022")


def _peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _ms(samples: list[float]) -> dict:
    ordered = sorted(samples)
    return {"p50": round(statistics.median(ordered) * 1000, 2),
            "p95": round(ordered[round(0.95 * (len(ordered) - 1))] * 1000, 2)}


def _time_searches(graph, index, queries, repeat) -> tuple[dict, dict]:
    """Wall-clock and CPU milliseconds per search: the CPU time is what one search costs on a core of its own, the
    wall clock adds the turns other processes take on a shared machine."""
    wall, cpu = [], []
    for kind, value in queries:
        search(graph, **{kind: value}, k=5, index=index)  # warm
        for _ in range(repeat):
            started, started_cpu = time.perf_counter(), time.process_time()
            search(graph, **{kind: value}, k=5, index=index)
            wall.append(time.perf_counter() - started)
            cpu.append(time.process_time() - started_cpu)
    return _ms(wall), _ms(cpu)


def run(patients: int, seed: int = 1, repeat: int = 5, drawn: int = 20, progress: Progress = quiet) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        cohort = Path(folder) / "cohort.ttl"
        with cohort.open("w", encoding="utf-8") as handle:
            for chunk in synth.cohort_turtle(patients, seed, progress=progress):
                handle.write(chunk)
        started = time.perf_counter()
        graph = KnowledgeGraph(build_store(case_files() + [cohort], check=False, progress=progress))
        built = time.perf_counter() - started
    quads, built_rss = len(graph.store), _peak_rss_mb()
    progress(f"{quads:,} quads in {built:.1f} s; building the similar-course index")
    # CPU time beside wall-clock time: on a shared machine the wall clock also counts the other processes' turns.
    started, cpu = time.perf_counter(), time.process_time()
    index = CourseIndex.build(graph)
    indexed, indexed_cpu = time.perf_counter() - started, time.process_time() - cpu
    progress(f"index of {len(index):,} courses in {indexed:.1f} s; timing searches")
    synthetic = sorted(name for name in index.courses if name not in REPORTS)
    chosen = random.Random(seed).sample(synthetic, min(drawn, len(synthetic)))
    queries = [("course", text) for text in COURSES.values()] + [("patient", name) for name in chosen]
    found = {name: search(graph, course=COURSES[name], k=2, index=index).hits for name in REPORTS}
    wall, cpu = _time_searches(graph, index, queries, repeat)
    return {"patients": len(index), "synthetic": patients, "quads": quads, "graph_build_s": round(built, 1),
            "index_build_s": round(indexed, 1), "index_build_cpu_s": round(indexed_cpu, 1),
            "courses_timed": len(queries), "search_ms": wall, "search_cpu_ms": cpu,
            "first_hit": {name: hits[0].patient for name, hits in found.items()},
            # how far the next patient is: the margin by which the report's patient came first
            "distances": {name: [round(hit.distance, 3) for hit in hits] for name, hits in found.items()},
            "peak_rss_mb": {"after_build": built_rss, "at_end": _peak_rss_mb()},
            "load_average": [round(value, 1) for value in os.getloadavg()]}  # how busy the machine was


def summary(result: dict) -> str:
    found = [f"{name} -> {hit} " + ("first" if hit == name else "NOT first") +
             f" (distances {' then '.join(map(str, result['distances'][name]))})"
             for name, hit in result["first_hit"].items()]
    return "\n".join([
        f"similar-course search over {result['patients']:,} patients (the two reports + {result['synthetic']:,} "
        f"synthetic; {result['quads']:,} quads):",
        f"  graph load and rules {result['graph_build_s']} s (not validated here); index build "
        f"{result['index_build_s']} s ({result['index_build_cpu_s']} s of CPU)",
        f"  search (k=5) over {result['courses_timed']} courses: median {result['search_ms']['p50']} ms, "
        f"p95 {result['search_ms']['p95']} ms (CPU: median {result['search_cpu_ms']['p50']} ms, "
        f"p95 {result['search_cpu_ms']['p95']} ms)",
        f"  a course described from each report finds: {'; '.join(found)}",
        f"  peak RSS {result['peak_rss_mb']['after_build']:,} MB after the build, "
        f"{result['peak_rss_mb']['at_end']:,} MB at the end; load average {result['load_average'][0]} on "
        f"{os.cpu_count()} cores"])
