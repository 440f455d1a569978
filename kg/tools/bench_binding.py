"""Binding both ways, in one run: each named question with its example parameters, the graph terms passed as
pyoxigraph `substitutions` and written into the query text (kg.questions.inline), interleaved round by round on
the same store, so that their ratio holds on a noisy shared machine. Whole answers; medians in milliseconds.

    python -m kg.tools.bench_binding --patients 10000 [--cache build/load] [--rounds 5]

The store is the on-disk one `salvage-kg loadtest` builds and keeps (bundled cases plus a synthetic cohort), opened
read-only as `serve --store` opens it. Not part of the test suite's pass/fail.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

from kg.backends import stores
from kg.knowledge_graph import KnowledgeGraph
from kg.questions.catalogue import catalogue
from kg.tools.loadtest import cached_store

ROUND_BUDGET_S = 20.0  # a question slower than this both ways gets one round: its ratio is already plain


def _once(graph: KnowledgeGraph, name: str, params: dict, written: bool) -> float:
    graph.write_terms = written
    started = time.perf_counter()
    graph.ask(name, params)
    return (time.perf_counter() - started) * 1000


def measure(graph: KnowledgeGraph, rounds: int, progress=lambda message: None) -> dict[str, dict]:
    """{question: {"substitutions_ms", "written_ms", "ratio"}} for every question with a graph-term parameter."""
    found = {}
    for name, question in catalogue().items():
        params = {p.name: p.example for p in question.params if p.example}
        if not any(p.type == "iri" and p.range for p in question.params):
            continue
        _once(graph, name, params, True), _once(graph, name, params, False)  # warm both
        times: dict[bool, list[float]] = {True: [], False: []}
        started = time.perf_counter()
        for index in range(rounds):
            for written in ((True, False) if index % 2 else (False, True)):
                times[written].append(_once(graph, name, params, written))
            if time.perf_counter() - started > ROUND_BUDGET_S:
                break
        bound, inlined = statistics.median(times[False]), statistics.median(times[True])
        found[name] = {"params": params, "substitutions_ms": round(bound, 2), "written_ms": round(inlined, 2),
                       "ratio": round(bound / inlined, 2) if inlined else None}
        progress(f"{name}: substitutions {bound:.1f} ms, written {inlined:.1f} ms")
    graph.write_terms = None
    return found


def table(found: dict[str, dict]) -> str:
    lines = [f"  {'question':28s} {'substitutions':>14s} {'written':>10s} {'faster':>7s}"]
    for name, row in found.items():
        lines.append(f"  {name:28s} {row['substitutions_ms']:14.2f} {row['written_ms']:10.2f} {row['ratio']:>6}x")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--patients", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--cache", type=Path, default=Path("build/load"))
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)

    def progress(message: str) -> None:
        print(f"  {message}", file=sys.stderr, flush=True)

    started = time.perf_counter()
    directory = cached_store(args.patients, args.seed, args.cache, progress)
    graph = KnowledgeGraph(stores.open_read_only(directory))
    found = measure(graph, args.rounds, progress)
    print(f"{args.patients} patients, on disk (read-only), whole answers, median of up to {args.rounds} "
          f"interleaved rounds; 'faster' = substitutions / written:")
    print(table(found))
    print(f"total {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
