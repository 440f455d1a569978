"""A reshaped question against its frozen text (tests/questions/baseline/, #20), in one run on the same in-memory
store, interleaved round by round so that the ratio holds on a noisy shared machine: the whole answer, and a first
page as each pages it (the frozen text cut by LIMIT after its ORDER BY, as pages were cut until now; the reshaped
text with `VALUES ?_patient_iri { the first patients }` at the top of its WHERE, as pages by patient key are). Also
times the derivation rules the reshaped questions read. Medians in milliseconds; not part of the tests' pass/fail.

    python -m kg.tools.bench_reshaped --cohort /tmp/cohort-10000.ttl --questions pathway-steps,salvage-options \
        --rules therapy-steps,therapy-outcomes [--rounds 3] [--page 100]
"""

import argparse
import re
import statistics
import sys
import time
from pathlib import Path

import pyoxigraph as ox

from kg.build import rules as derivation
from kg.knowledge_graph import KnowledgeGraph
from kg.namespaces import derived_graph
from kg.paths import case_files
from kg.questions.catalogue import Question, catalogue
from kg.questions.parameters import resolve

BASELINE = Path(__file__).resolve().parents[2] / "tests" / "questions" / "baseline"
_WHERE = re.compile(r"^WHERE \{", re.MULTILINE)


def _run(graph: KnowledgeGraph, question: Question, text: str, params: dict) -> tuple[float, int]:
    bindings = resolve(question, params, graph.choices)
    query, rest = graph._inline(text, bindings, {p.variable for p in question.params if p.range})
    started = time.perf_counter()
    _, rows = graph.engine.select(query, rest)
    count = len(list(rows))
    return (time.perf_counter() - started) * 1000, count


def first_page_text(text: str, patients: list[str]) -> str:
    """The reshaped text restricted to a page of patients, the way a page by patient key asks for it."""
    values = "VALUES ?_patient_iri { " + " ".join(f"<{iri}>" for iri in patients) + " }\n  "
    found = _WHERE.search(text)
    return text[: found.end()] + "\n  " + values + text[found.end() :]


def variants(name: str, page: int, patients: list[str]) -> dict[str, tuple[Question, str]]:
    frozen, reshaped = catalogue(BASELINE)[name], catalogue()[name]
    found = {
        "frozen whole": (frozen, frozen.text),
        "reshaped whole": (reshaped, reshaped.text),
        "frozen page": (frozen, frozen.text + f"\nLIMIT {page}"),
    }
    if "?_patient_iri" in reshaped.text:
        found["reshaped page"] = (reshaped, first_page_text(reshaped.text, patients))
    else:  # ordered by something other than the patient: its page is still cut after the sort
        found["reshaped page"] = (reshaped, reshaped.text + f"\nLIMIT {page}")
    return found


def measure(graph: KnowledgeGraph, names: list[str], rounds: int, page: int, progress=print) -> dict:
    patients = sorted(
        (c.iri for c in graph.choices("https://w3id.org/salvage-kg/ontology#Patient")),
        key=lambda iri: iri.rsplit("/", 1)[-1],
    )[:page]  # the answers' order: by notation
    found = {}
    for name in names:
        params = {p.name: p.example for p in catalogue()[name].params if p.required}
        runs = variants(name, page, patients)
        times: dict[str, list[float]] = {key: [] for key in runs}
        rows = {}
        for index in range(rounds):
            order = list(runs) if index % 2 == 0 else list(reversed(runs))
            for key in order:
                elapsed, rows[key] = _run(graph, *runs[key], params)
                times[key].append(elapsed)
        medians = {key: statistics.median(values) for key, values in times.items()}
        found[name] = {"medians_ms": medians, "rows": rows}
        progress(
            f"{name}: "
            + ", ".join(f"{key} {medians[key]:.1f} ms ({rows[key]} rows)" for key in runs)
            + f"; whole {medians['frozen whole'] / medians['reshaped whole']:.0f}x faster"
        )
    return found


def time_rules(store: ox.Store, names: list[str]) -> dict[str, float]:
    """Seconds each rule takes as the build runs it (query, serialise, load), on the store as built."""
    found = {}
    for rule in derivation.rules():
        if rule.name not in names:
            continue
        graph = ox.NamedNode(str(derived_graph(rule.name)))
        store.remove_graph(graph)
        started = time.perf_counter()
        derived = ox.serialize(store.query(rule.text, use_default_graph_as_union=True), format=ox.RdfFormat.N_TRIPLES)
        store.bulk_load(derived, ox.RdfFormat.N_TRIPLES, to_graph=graph)
        found[rule.name] = time.perf_counter() - started
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cohort", type=Path, required=True, help="a synthetic cohort's Turtle (salvage-kg synth)")
    parser.add_argument("--questions", required=True, help="comma-separated names")
    parser.add_argument("--rules", default="", help="comma-separated rule names to time")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--page", type=int, default=100)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    graph = KnowledgeGraph.build(cases=case_files() + [args.cohort])
    print(f"built in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    for rule, seconds in time_rules(graph.store, [n for n in args.rules.split(",") if n]).items():
        print(f"rule {rule}: {seconds * 1000:.0f} ms")
    measure(graph, args.questions.split(","), args.rounds, args.page)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
