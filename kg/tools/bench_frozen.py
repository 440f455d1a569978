"""Today's named questions against their frozen definitions (tests/questions/baseline, #20), in one run on the same
in-memory store: the whole answer and its first page (100 rows, as the HTTP API serves it), interleaved round by
round so that the ratio holds on a noisy shared machine; medians in milliseconds, rows read into Python both ways.

    python -m kg.tools.bench_frozen --patients 10000 [--cohort FILE] [--rounds 3] [--questions a,b]

Each question is asked with its example parameters (required ones; `--all-params` adds the optional ones). The
answers are compared too: "same" says both gave the same rows in the same order. Needs a checkout of the project
(the frozen texts live with the tests). Not part of the test suite's pass/fail.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

from kg.build.pipeline import build_store
from kg.knowledge_graph import KnowledgeGraph
from kg.paths import case_files
from kg.questions.answers import records
from kg.questions.catalogue import Question, catalogue
from kg.questions.pages import DEFAULT_LIMIT, Page
from kg.questions.parameters import expand, resolve
from kg.tools import synth

BASELINE = Path(__file__).resolve().parents[2] / "tests" / "questions" / "baseline"
ROUND_BUDGET_S = 30.0  # a question slower than this both ways gets fewer rounds: its ratio is already plain


def frozen_rows(graph: KnowledgeGraph, question: Question, params: dict, page: Page | None) -> list[dict]:
    """The rows the frozen text gives (one page of them, or all), read as the library reads its own."""
    text, rest = graph.query_for(question, resolve(question, params, graph.choices))
    columns, rows = graph.engine.select(page.applied_to(text) if page else text, rest)
    if page:
        rows = rows[: page.limit]
    return records(columns, rows, question.lists)


def _timed(run) -> tuple[float, list]:
    started = time.perf_counter()
    rows = run()
    return (time.perf_counter() - started) * 1000, rows


def measure(graph: KnowledgeGraph, names: list[str], rounds: int, all_params: bool, progress=print) -> list[dict]:
    frozen = catalogue(BASELINE)
    found = []
    for name in names:
        question = catalogue()[name]
        params = {p.name: p.example for p in question.params if p.required or all_params}
        for label, page in (("whole", None), ("page", Page(limit=DEFAULT_LIMIT))):
            runs = {
                "frozen": lambda q=frozen[name], p=params, page=page: frozen_rows(graph, q, p, page),
                "today": lambda n=name, p=params, page=page: list(graph.ask(n, p, page=page).rows),
            }
            times: dict[str, list[float]] = {"frozen": [], "today": []}
            answers = {}
            started = time.perf_counter()
            for index in range(rounds):
                for which in ("frozen", "today") if index % 2 == 0 else ("today", "frozen"):
                    elapsed, answers[which] = _timed(runs[which])
                    times[which].append(elapsed)
                if time.perf_counter() - started > ROUND_BUDGET_S:
                    break
            old, new = statistics.median(times["frozen"]), statistics.median(times["today"])
            row = {
                "question": name,
                "params": params,
                "answer": label,
                "frozen_ms": round(old, 2),
                "today_ms": round(new, 2),
                "faster": round(old / new, 1) if new else None,
                "rows": len(answers["today"]),
                "same": answers["today"] == answers["frozen"],
                "rounds": len(times["today"]),
            }
            found.append(row)
            progress(
                f"  {name:26s} {label:5s} frozen {old:9.1f} ms  today {new:9.1f} ms  {row['faster']:>6}x  "
                f"rows {row['rows']:>6}  same {row['same']}  ({row['rounds']} rounds)"
            )
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--patients", type=int, default=1000, help="synthetic patients beside the two cases")
    parser.add_argument("--cohort", type=Path, help="a synthetic cohort already written (Turtle), instead")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--questions", help="comma-separated names (default: every named question)")
    parser.add_argument("--all-params", action="store_true", help="give the optional parameters their examples")
    args = parser.parse_args(argv)
    if not BASELINE.is_dir():
        parser.error(f"the frozen questions are not here ({BASELINE}): run it from a checkout of the project")
    cohort = args.cohort
    if cohort is None:
        cohort = Path(f"/tmp/bench-frozen-{args.patients}-{args.seed}.ttl")
        if not cohort.exists():
            cohort.write_text("".join(synth.cohort_turtle(args.patients, args.seed)), encoding="utf-8")
    started = time.perf_counter()
    graph = KnowledgeGraph(build_store(case_files() + [cohort], check=False))
    print(f"built {cohort.name} in memory in {time.perf_counter() - started:.1f} s", flush=True)
    for question in catalogue().values():  # names looked up before timing, as a serving process has them
        for param in question.params:
            if param.range:
                graph.choices(expand(param.range))
    names = args.questions.split(",") if args.questions else list(catalogue())
    found = measure(graph, names, args.rounds, args.all_params, progress=lambda line: print(line, flush=True))
    return 0 if all(row["same"] for row in found) else 1


if __name__ == "__main__":
    sys.exit(main())
