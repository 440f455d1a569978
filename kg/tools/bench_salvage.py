"""The ranked salvage options on a large cohort: `kg.salvage_options` in process (and `GET /salvage-options` over
HTTP with --http) against the whole answers it read before #20, interleaved round by round on the same store, so
that their ratio holds on a noisy shared machine. Medians in milliseconds.

Before #20 the ranked answer read three whole answers and left their synthetic rows out: salvage-options for the
lost antigen, therapy-warnings (avoid) for it, and every antigen any finding tests. The baseline here is those three
reads, as the questions give them with no evidence level (the same rows the frozen texts give); the ranked answer
now asks for them at the published sources' levels only.

    python -m kg.tools.bench_salvage --store STORE [--rounds 7] [--http]

Not part of the test suite's pass/fail.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

import httpx

from kg.backends.stores import open_read_only
from kg.clinical.salvage_options import salvage_options
from kg.knowledge_graph import KnowledgeGraph
from kg.tools.local_server import LocalServer

ASKED = {
    "CD19 lost, CD22 expressed, prior CAR-T, child": {"lost": "CD19", "expressed": "CD22", "prior": ["CAR-T"],
                                                      "age_group": "child"},
    "CD19 lost": {"lost": "CD19"},
}


def _before(graph: KnowledgeGraph, asked: dict) -> int:
    """The whole answers the ranked answer read before #20; their rows."""
    return (len(graph.ask("salvage-options", lost_antigen=asked["lost"]).rows)
            + len(graph.ask("therapy-warnings", antigen=asked["lost"], level="sk:Avoid").rows)
            + len(graph.ask_internal("antigens-tested").rows))


def _now(graph: KnowledgeGraph, asked: dict) -> int:
    return len(salvage_options(**asked, graph=graph).options)


def _over_http(url: str, asked: dict) -> int:
    query = {"lost_antigen": asked["lost"], "expressed": asked.get("expressed"), "prior": asked.get("prior", []),
             "age_group": asked.get("age_group")}
    response = httpx.get(f"{url}/salvage-options", params={k: v for k, v in query.items() if v}, timeout=120,
                         headers={"Cache-Control": "no-cache"})  # the graph asked each time, not a kept answer
    response.raise_for_status()
    return len(response.json()["options"])


def _ms(run, *args) -> float:
    started = time.perf_counter()
    run(*args)
    return (time.perf_counter() - started) * 1000


def measure(graph: KnowledgeGraph, rounds: int, url: str | None, progress=print) -> dict[str, dict]:
    found = {}
    for label, asked in ASKED.items():
        first = _ms(_now, graph, asked)  # the ranges' names are looked up once, on the first call
        times: dict[str, list[float]] = {"before": [], "now": [], "http": []}
        for _ in range(rounds):
            times["before"].append(_ms(_before, graph, asked))
            times["now"].append(_ms(_now, graph, asked))
            if url:
                times["http"].append(_ms(_over_http, url, asked))
        found[label] = {"first_call_ms": round(first, 1), "rounds": rounds,
                        **{f"{name}_ms": round(statistics.median(values), 1) for name, values in times.items()
                           if values}}
        progress(f"{label}: {found[label]}")
    return found


def table(found: dict[str, dict]) -> str:
    lines = [f"{'asked':48s} {'before':>9} {'now':>8} {'ratio':>7} {'http':>8} {'1st call':>9} {'n':>3}"]
    for label, row in found.items():
        http = f"{row['http_ms']:>8.1f}" if "http_ms" in row else f"{'-':>8}"
        ratio = row["before_ms"] / row["now_ms"]
        lines.append(f"{label:48s} {row['before_ms']:>9.1f} {row['now_ms']:>8.1f} {ratio:>6.1f}x {http} "
                     f"{row['first_call_ms']:>9.1f} {row['rounds']:>3}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, required=True, help="an on-disk store `build --store` wrote")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--http", action="store_true", help="also GET /salvage-options from `serve --store STORE`")
    args = parser.parse_args(argv)
    graph = KnowledgeGraph(open_read_only(args.store))
    server = LocalServer("--store", str(args.store)).wait(600) if args.http else None
    try:
        found = measure(graph, args.rounds, server and server.url, lambda line: print(line, file=sys.stderr))
    finally:
        if server:
            server.stop()
    print("ranked salvage options: before = the whole answers it read before #20; medians (ms) of n interleaved rounds")
    print(table(found))
    return 0


if __name__ == "__main__":
    sys.exit(main())
