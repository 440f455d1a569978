"""The `salvage-kg` commands for courses of therapy: GA4GH Phenopackets out and in, and patients like one.

Kept apart from kg/cli/main.py, which holds the graph's own commands; `add_commands` registers these beside them.
"""

import json
import sys
from pathlib import Path

from kg.build.validate import ValidationError
from kg.cli import options as opts
from kg.cli.options import existing, progress
from kg.knowledge_graph import KnowledgeGraph
from kg.paths import case_files


def cmd_phenopackets_export(args) -> int:
    from kg.build.phenopackets import export_all

    graph = KnowledgeGraph.build(cases=case_files() + existing(args.cases), progress=progress)
    try:
        written = export_all(graph, Path(args.out))  # a PhenopacketError: main() says it, with its kind's code
    except OSError as exc:
        print(f"error: cannot write into {args.out}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    print(f"{len(written) // 2} phenopackets (and their loss logs) in {args.out}")
    return 0


def cmd_phenopackets_import(args) -> int:
    from kg.build.phenopackets.read import import_file

    [source] = existing([args.file])
    try:
        print(import_file(source, Path(args.out)))  # a PhenopacketImportError: main() says it (exit 2)
    except ValidationError as exc:
        print(f"error: the imported case does not conform: {exc}", file=sys.stderr)
        return 1
    return 0


def cmd_similar(args) -> int:
    from kg.clinical.similar import search

    graph = KnowledgeGraph.build(cases=case_files() + existing(args.cases), progress=progress)
    found = search(graph, patient=args.patient, course=args.course, k=args.k)
    if args.format == "json":
        print(json.dumps(found.as_dict(), indent=2, ensure_ascii=False))
        return 0
    print("asked: " + "; ".join(found.asked))
    for rank, hit in enumerate(found.hits, start=1):
        print(f"\n{rank}. {hit.patient} (distance {hit.distance:.2f}; evidence {hit.evidence_level})")
        for step in hit.alignment:
            print(f"   {step.what:<30} {step.asked or '-':<35} {step.patient_event or '-'}")
        after = "; ".join(item.event for item in hit.next) or "nothing further reported"
        print(f"   then: {after}")
        cited = {step.source.citation for step in hit.alignment if step.source}
        for citation in sorted(cited | {item.source.citation for item in hit.next}):
            print(f"   source: {citation}")
    print(f"\n{found.disclaimer}", file=sys.stderr)
    return 0


def cmd_bench_similar(args) -> int:
    from kg.tools import bench_similar as bench

    result = bench.run(args.patients, seed=args.seed, repeat=args.repeat, drawn=args.drawn, progress=progress)
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(bench.summary(result))
    return 0


def add_commands(commands) -> None:
    p = commands.add_parser("phenopackets", help="GA4GH Phenopackets v2: every patient out (with a log of what the "
                            "format cannot hold), or one phenopacket in as a case file")
    formats = p.add_subparsers(dest="direction", required=True)
    q = formats.add_parser("export", help="write <patient>.json and <patient>.losses.tsv for every patient")
    q.add_argument("--out", required=True, metavar="DIR", help="the folder to write into (required; no default)")
    q.add_argument("cases", nargs="*", help="extra case files (Turtle), e.g. a synthetic cohort")
    q.set_defaults(run=cmd_phenopackets_export)
    q = formats.add_parser("import", help="a phenopacket (JSON) as a case file (Turtle), checked by the shapes")
    q.add_argument("file", help="the phenopacket, as GA4GH protobuf JSON")
    q.add_argument("--out", required=True, metavar="FILE",
                   help="the case file (Turtle) to write (required; no default)")
    q.set_defaults(run=cmd_phenopackets_import)

    p = commands.add_parser("similar", help="the patients whose courses are most like a patient's or a described "
                            "course, with the alignment and what happened next")
    asked = p.add_mutually_exclusive_group(required=True)
    asked.add_argument("--patient", metavar="ID",
                       help="a patient in the graph, e.g. pbc-2021 (default: none; this or --course)")
    asked.add_argument("--course", metavar="TEXT",
                       help='events in order, e.g. "relapse CD19-negative; inotuzumab; CR" (default: none)')
    p.add_argument("-k", type=opts.positive, default=5, help="how many patients (default 5)")
    p.add_argument("--format", choices=("table", "json"), default="table", help="how to print the hits")
    p.add_argument("cases", nargs="*", help="extra case files (Turtle), e.g. a synthetic cohort")
    p.set_defaults(run=cmd_similar)

    p = commands.add_parser("bench-similar", help="time the similar-course index build and searches on a synthetic "
                            "cohort")
    p.add_argument("--patients", type=opts.positive, default=10_000, metavar="N", help="default 10000")
    p.add_argument("--seed", type=int, default=1, help="the synthetic cohort's seed")
    p.add_argument("--repeat", type=opts.positive, default=5, help="timed runs per search (default 5)")
    p.add_argument("--drawn", type=opts.positive, default=20,
                   help="patients drawn from the cohort whose courses are searched for (default 20)")
    p.add_argument("--out", default="bench-similar.json", metavar="FILE", help="the figures as JSON")
    p.set_defaults(run=cmd_bench_similar)
