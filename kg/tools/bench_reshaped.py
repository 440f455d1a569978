"""Reshaped questions against their frozen texts (#20), in one run on one in-memory store: for each question, the
frozen text (tests/questions/baseline/) and today's, the whole answer and a first page, interleaved round by round
so that their ratio holds on a noisy shared machine. Medians in milliseconds. Also what each rule costs to derive.

    python -m kg.tools.bench_reshaped --cohort /tmp/cohort-10000.ttl [--rounds 3] [pathway-states patients ...]

A first page is what each text is paged by: the frozen text by OFFSET (`LIMIT 101 OFFSET 0` after its ORDER BY,
as kg.questions.pages does), today's by patient key (`VALUES ?_patient_iri { the first 100 patients }` at the top
of its WHERE). Raw engine time (every row read), no parameters. Not part of the test suite's pass/fail.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

import pyoxigraph as ox

from kg.build import pipeline, rules
from kg.paths import QUERIES_DIR, case_files
from kg.questions.catalogue import catalogue
from kg.questions.pages import Page

BASELINE_DIR = QUERIES_DIR.parent / "tests" / "questions" / "baseline"
PAGE = 100
_FIRST_PATIENTS = """
PREFIX sk: <https://w3id.org/salvage-kg/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?p WHERE { ?p a sk:Patient ; skos:notation ?n } ORDER BY ?n LIMIT %d
"""


def keyed_page(text: str, patients: list[str]) -> str:
    """The text with the page's patients as a VALUES block at the top of its (outermost) WHERE."""
    at = text.index("WHERE {") + len("WHERE {")
    return f"{text[:at]}\n  VALUES ?_patient_iri {{ {' '.join(patients)} }}{text[at:]}"


def _timed(store: ox.Store, text: str) -> tuple[float, int]:
    started = time.perf_counter()
    rows = sum(1 for _ in store.query(text, use_default_graph_as_union=True))
    return (time.perf_counter() - started) * 1000, rows


def derive_times(store: ox.Store, names: list[str]) -> dict[str, tuple[float, int]]:
    """{rule: (ms, triples)}: each rule's CONSTRUCT evaluated and serialised, as kg.build.rules.derive runs it."""
    found = {}
    for rule in rules.rules():
        if rule.name in names:
            started = time.perf_counter()
            derived = ox.serialize(
                store.query(rule.text, use_default_graph_as_union=True), format=ox.RdfFormat.N_TRIPLES
            )
            found[rule.name] = ((time.perf_counter() - started) * 1000, derived.count(b"\n"))
    return found


def measure(store: ox.Store, names: list[str], rounds: int) -> dict[str, dict[str, tuple[float, int]]]:
    """{question: {variant: (median ms, rows)}} for variants frozen/new x whole/page."""
    frozen = {name: (BASELINE_DIR / f"{name}.rq").read_text(encoding="utf-8") for name in names}
    patients = [str(row[0]) for row in store.query(_FIRST_PATIENTS % PAGE, use_default_graph_as_union=True)]
    texts = {}
    for name in names:
        today = catalogue()[name].text
        texts[name] = {
            "frozen whole": frozen[name],
            "new whole": today,
            "frozen page": Page(limit=PAGE, offset=0).applied_to(frozen[name]),
            "new page": keyed_page(today, patients),
        }
    times: dict[tuple[str, str], list[float]] = {}
    rows: dict[tuple[str, str], int] = {}
    for _ in range(rounds):
        for name in names:
            for variant, text in texts[name].items():
                elapsed, count = _timed(store, text)
                times.setdefault((name, variant), []).append(elapsed)
                rows[name, variant] = count
    return {
        name: {variant: (statistics.median(times[name, variant]), rows[name, variant]) for variant in texts[name]}
        for name in names
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cohort", type=Path, required=True, help="a synthetic cohort's Turtle file")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--rules", nargs="*", default=["disease-states", "patient-summaries", "transplant-summaries"])
    parser.add_argument(
        "questions",
        nargs="*",
        default=[
            "pathway-states",
            "remission-durations",
            "patients",
            "transplant-details",
            "antigen-status-at-relapse",
            "pathway-timings",
        ],
    )
    args = parser.parse_args(argv)
    started = time.perf_counter()
    store = pipeline.build_store([*case_files(), args.cohort], check=False)
    print(f"built {len(store):,} quads in {time.perf_counter() - started:.1f} s (no validation)", flush=True)
    for rule, (elapsed, triples) in derive_times(store, args.rules).items():
        print(f"rule {rule:28s} {elapsed:8.0f} ms  {triples:,} triples", flush=True)
    print(
        f"{'question':28s} {'frozen whole':>13s} {'new whole':>10s} {'ratio':>6s}   "
        f"{'frozen page':>12s} {'new page':>9s} {'ratio':>6s}   rows whole / new page"
    )
    for name, found in measure(store, args.questions, args.rounds).items():
        fw, nw, fp, np_ = (found[v][0] for v in ("frozen whole", "new whole", "frozen page", "new page"))
        print(
            f"{name:28s} {fw:13.1f} {nw:10.1f} {fw / nw:6.1f}   {fp:12.1f} {np_:9.1f} {fp / np_:6.1f}   "
            f"{found['frozen whole'][1]}={found['new whole'][1]} / {found['new page'][1]}",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
