"""Pages by key against pages by OFFSET, in one run: for each question keyed by patient, its first page and a later
one (after the Nth patient), asked both ways, interleaved round by round on the same in-memory store, so that
their ratio holds on a noisy shared machine. Medians in milliseconds; each pair's rows are checked equal.

    python -m kg.tools.bench_pages --cohort /tmp/cohort-10000.ttl [--rounds 3] [--limit 100] [--later 5000]
    python -m kg.tools.bench_pages --store STORE --questions therapy-warnings,antigen-escapes

A question ordered by groups before the patient (therapy-warnings) has its later page after the first page's key.

The OFFSET page is the question's query with `LIMIT n+1 OFFSET k` appended, as every page was asked before #20
(kg.questions.pages.Page.applied_to); the key page is `KnowledgeGraph.ask(..., page=Page(limit, after=KEY))`.
Not part of the test suite's pass/fail.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

from kg.backends.stores import open_read_only
from kg.build.pipeline import build_store
from kg.knowledge_graph import KnowledgeGraph
from kg.paths import case_files
from kg.questions.answers import to_python
from kg.questions.catalogue import catalogue
from kg.questions.pages import Key, Page
from kg.questions.parameters import resolve

ROUND_BUDGET_S = 60.0  # a question slower than this per round gets fewer rounds (still at least 3 when asked)


def _by_offset(graph: KnowledgeGraph, name: str, limit: int, offset: int) -> list[tuple]:
    question = catalogue()[name]
    text, bindings = graph.query_for(question, resolve(question, question.examples, graph.choices))
    columns, rows = graph.engine.select(Page(limit, offset).applied_to(text), bindings)
    shown = [index for index, column in enumerate(columns) if not column.startswith("_")]
    return [tuple(_value(columns[index], row[index], question.lists) for index in shown) for row in rows[:limit]]


def _value(column: str, term, lists: tuple[str, ...]):
    value = to_python(term)  # as KnowledgeGraph.ask gives it, "a|b" lists included
    return sorted(part for part in (value or "").split("|") if part) if column in lists else value


def _by_key(graph: KnowledgeGraph, name: str, limit: int, after: str | None) -> list[tuple]:
    answer = graph.ask(name, catalogue()[name].examples, page=Page(limit, after=after))
    return [tuple(row.values()) for row in answer.rows]


def _timed(run, *args) -> tuple[float, list]:
    started = time.perf_counter()
    rows = run(*args)
    return (time.perf_counter() - started) * 1000, rows


def measure(graph: KnowledgeGraph, rounds: int, limit: int, later: int, progress=print,
            names: list[str] | None = None) -> dict[str, dict]:
    roster_ms, roster = _timed(graph.roster)
    progress(f"patient roster: {len(roster)} patients read in {roster_ms:.0f} ms (once per state of the graph)")
    after_id = roster.ids[min(later, len(roster) - 1)]
    found = {"_roster": {"patients": len(roster), "read_ms": round(roster_ms, 1)}}
    for name, question in catalogue().items():
        if not question.keyed_by or (names and name not in names):
            continue
        if question.patients_read_once:
            ms, _ = _timed(graph.roster, question.patients_read_once)
            progress(f"{name}: its patients ({question.patients_read_once}) read in {ms:.0f} ms "
                     "(once per state of the graph)")
        if question.grouped_by:
            ms, _ = _timed(graph.groups, question)
            progress(f"{name}: its groups ({question.grouped_by}) read in {ms:.0f} ms (once per state of the graph)")
            # Ordered by groups before the patient: the later page is the second, after the key the first gave.
            whole_ms, whole, offset = None, None, limit
            first = graph.ask(name, question.examples, page=Page(limit))
            cases = {"first": (0, None), "later": (limit, first.page["next"])}
        else:
            started = time.perf_counter()
            # Where the later page starts, as an offset: after every row of the Nth patient.
            whole = graph.ask(name, question.examples).rows
            whole_ms = (time.perf_counter() - started) * 1000
            offset = sum(1 for row in whole if row["patient"] <= after_id)
            cases = {"first": (0, None), "later": (offset, Key(after_id).written())}
        times = {(case, way): [] for case in cases for way in ("offset", "key")}
        started = time.perf_counter()
        for index in range(rounds):
            for case, (at, key) in cases.items():
                order = ("offset", "key") if index % 2 else ("key", "offset")
                rows = {}
                for way in order:
                    ms, rows[way] = (
                        _timed(_by_offset, graph, name, limit, at)
                        if way == "offset"
                        else _timed(_by_key, graph, name, limit, key)
                    )
                    times[case, way].append(ms)
                if rows["offset"] != rows["key"]:
                    raise AssertionError(f"{name} {case} page: the rows by key differ from the rows by OFFSET")
            if index >= 2 and time.perf_counter() - started > ROUND_BUDGET_S:
                break
        medians = {f"{case}_{way}_ms": round(statistics.median(values), 1) for (case, way), values in times.items()}
        found[name] = {
            "rows": len(whole) if whole is not None else "-",
            "whole_ms": round(whole_ms, 1) if whole_ms is not None else None,
            "later_offset": offset,
            "rounds": len(times["first", "key"]),
            **medians,
        }
        progress(f"{name}: {table_row(name, found[name])}")
    return found


def table_row(name: str, row: dict) -> str:
    first = row["first_offset_ms"] / row["first_key_ms"]
    later = row["later_offset_ms"] / row["later_key_ms"]
    return (
        f"{name:26s} {row['rows']:>7} {row['first_offset_ms']:>10.1f} {row['first_key_ms']:>8.1f} {first:>6.2f}x"
        f" {row['later_offset_ms']:>10.1f} {row['later_key_ms']:>8.1f} {later:>6.2f}x {row['rounds']:>3}"
    )


def table(found: dict[str, dict]) -> str:
    heading = (
        f"{'question':26s} {'rows':>7} {'1st OFFSET':>10} {'1st key':>8} {'ratio':>7} {'later OFFS':>10} "
        f"{'later key':>8} {'ratio':>7} {'n':>3}"
    )
    return "\n".join([heading] + [table_row(name, row) for name, row in found.items() if not name.startswith("_")])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--cohort", type=Path, help="a synthetic cohort's Turtle (kg.tools.synth), built in memory")
    source.add_argument("--store", type=Path, help="an on-disk store `build --store` wrote, opened read-only")
    parser.add_argument("--questions", help="only these keyed questions, comma-separated (default: every one)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--limit", type=int, default=100)
    parser.add_argument("--later", type=int, default=5000, help="the later page starts after this patient")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    if args.store:
        graph = KnowledgeGraph(open_read_only(args.store))
    else:
        graph = KnowledgeGraph(build_store(case_files() + [args.cohort], check=False))
        print(f"built in memory (no validation) in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    names = args.questions.split(",") if args.questions else None
    found = measure(graph, args.rounds, args.limit, args.later, lambda line: print(line, file=sys.stderr), names)
    print(f"pages of {args.limit} rows; later page after patient #{args.later}; medians (ms) of n interleaved rounds")
    print(table(found))
    return 0


if __name__ == "__main__":
    sys.exit(main())
