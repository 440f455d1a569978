"""The `salvage-kg` command: build, validate, list and ask questions, serve over HTTP."""

import argparse
import json
import shutil
import sys
from pathlib import Path

import pyoxigraph as ox

from kg import build, curation, export, stores, synth
from kg.knowledge_graph import KnowledgeGraph, UnknownQuestion
from kg.namespaces import PREFIXES
from kg.parameters import ParameterError
from kg.paths import CASES_DIR, case_files
from kg.questions import catalogue
from kg.remote import RemoteEngine, RemoteStoreError
from kg.validate import ValidationError


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _pairs(items: list[str]) -> dict[str, str]:
    params = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ParameterError(item, "write parameters as name=value, e.g. lost_antigen=CD19")
        params[key] = value
    return params


class UsageError(ValueError):
    """A command line that cannot be run as given (exit code 2)."""


def _existing(names: list[str]) -> list[Path]:
    """Extra case files named on the command line; all must exist."""
    paths = [Path(name) for name in names]
    missing = [str(path) for path in paths if not path.is_file()]
    if missing:
        raise UsageError(f"no such file: {', '.join(missing)}")
    return paths


def cmd_build(args) -> int:
    store = build.build_store(progress=_progress)
    for path in export.write_all(store, Path(args.out)):
        print(path)
    if args.store:
        print(stores.write_on_disk(store, Path(args.store), _progress))
    return 0


def cmd_validate(args) -> int:
    # Extra files are checked together with the bundled cases, as they would be served.
    build.build_store(case_files() + _existing(args.files), progress=_progress)
    print("conforms: the graph satisfies every shape in ontology/shapes.ttl")
    return 0


def cmd_add_case(args) -> int:
    [path] = _existing([args.file])
    media_type = "application/ld+json" if path.suffix in (".jsonld", ".json") else "text/turtle"
    case = curation.read_case(path.read_bytes(), media_type)
    if args.store:
        curator = curation.Curator(stores.open_writable(Path(args.store)), Path(args.store))
        created = curator.put(case, replace=args.replace)
        print(f"case {case.id} {'added to' if created else 'replaced in'} the store at {args.store}")
        return 0
    # The case files are the default store's source: check the case with them, then add its file beside them.
    folder = Path(args.into)
    if not folder.is_dir():
        raise UsageError(f"no folder {folder} to add the case to")
    target = folder / f"{case.id}.ttl"
    curator = curation.Curator(build.build_store(case_files(folder), progress=_progress))
    created = curator.put(case, replace=args.replace)
    if media_type == "text/turtle":  # the curator's own file, comments and all
        export.replace_atomically(target, lambda out: shutil.copyfile(path, out))
    else:
        export.replace_atomically(target, lambda out: ox.serialize(case.triples, out, ox.RdfFormat.TURTLE,
                                                                   prefixes=PREFIXES))
    print(f"case {case.id} {'added' if created else 'replaced'}: {target}")
    return 0


def cmd_questions(args) -> int:
    questions = catalogue()
    if args.format == "json":
        listing = [
            {
                "name": q.name,
                "title": q.title,
                "description": q.description,
                "parameters": [p.__dict__ | {"variable": p.variable} for p in q.params],
            }
            for q in questions.values()
        ]
        print(json.dumps(listing, indent=2))
        return 0
    for question in questions.values():
        params = " ".join(
            f"{p.name}=<{p.example}>" if p.required else f"[{p.name}=<{p.example}>]" for p in question.params
        )
        print(f"{question.name} {params}".rstrip())
        print(f"    {question.title}")
    return 0


def cmd_load(args) -> int:
    store = build.build_store(progress=_progress)
    remote = RemoteEngine(args.sparql_endpoint, args.graph_store)
    count = remote.upload(store, _progress)
    print(f"loaded {count} named graphs ({len(store)} quads) into {remote.graph_store_url}")
    return 0


def cmd_ask(args) -> int:
    if args.sparql_endpoint:
        graph = KnowledgeGraph(None, RemoteEngine(args.sparql_endpoint))
    elif args.store:
        graph = KnowledgeGraph(stores.open_read_only(Path(args.store)))
    else:
        graph = KnowledgeGraph.build(engine=args.engine)
    answer = graph.ask(args.name, _pairs(args.params))
    if args.format == "json":
        print(answer.to_json())
    elif args.format == "csv":
        sys.stdout.write(answer.to_csv())
        print(answer.disclaimer, file=sys.stderr)
    else:
        print(answer.to_table())
    return 0


def cmd_salvage_options(args) -> int:
    from kg.clinical import salvage_options  # the ranked answer; the same as kg.salvage_options and /salvage-options

    answer = salvage_options(lost=args.lost, expressed=args.expressed, prior=args.prior, age_group=args.age_group,
                             graph=KnowledgeGraph.build())
    print(answer.to_json() if args.format == "json" else answer.to_table())
    return 0


def cmd_synth(args) -> int:
    def write(partial: str) -> None:
        with open(partial, "w", encoding="utf-8") as handle:
            handle.writelines(synth.cohort_turtle(args.patients, args.seed, progress=_progress))

    export.replace_atomically(Path(args.out), write)  # a reader never sees half a cohort
    print(args.out)
    return 0


def cmd_pathways(args) -> int:
    from kg import pathways  # only this command draws: the others start without it
    from kg.pathways.sankey import sankey_html, sankey_svg

    extra = _existing(args.cases)
    if not Path(args.out).resolve().parent.is_dir():
        print(f"error: no folder to write {args.out} into", file=sys.stderr)
        return 2
    options = pathways.Options(mode=args.mode, max_length=args.max_length, min_count=args.min_count)
    graph = KnowledgeGraph.build(cases=case_files() + extra, progress=_progress)
    merged = pathways.Cohort.read(graph).transitions(options)
    try:
        if args.format in ("svg", "html"):
            draw = sankey_svg if args.format == "svg" else sankey_html
            Path(args.out).write_text(draw(merged), encoding="utf-8")
        else:
            pathways.write(merged, args.format, args.out)
    except OSError as exc:
        print(f"error: cannot write {args.out}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    print(f"{args.out}: {merged.graph['shown']} of {merged.graph['patients']} patients shown "
          f"({merged.graph['hidden']} in pathways of fewer than {options.min_count})", file=sys.stderr)
    return 0


def cmd_bench(args) -> int:
    from kg import bench  # starts servers; only when asked

    try:
        sizes = [int(size) for size in args.patients.split(",")]
    except ValueError:
        print("error: --patients takes sizes like 1000,10000", file=sys.stderr)
        return 2
    bench.run(sizes, Path(args.out), seed=args.seed, repeat=args.repeat, rdflib_limit=args.rdflib_limit,
              question_limit=args.question_limit)
    print(args.out)
    return 0


def cmd_loadtest(args) -> int:
    from kg import loadtest  # starts a server and wrk; only when asked

    result = loadtest.run(args.patients, args.users, args.duration, Path(args.out), seed=args.seed,
                          workers=args.workers, query_workers=args.query_workers, cache=Path(args.cache),
                          progress=_progress)
    print(loadtest.summary(result))
    return 1 if result["errors"] else 0


def cmd_serve(args) -> int:
    from api.server import serve  # the HTTP face is optional for notebook users

    return serve(args)


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="salvage-kg",
        description="Knowledge graph of salvage therapy in relapsed/refractory B-cell precursor ALL. "
        "Evidence from case reports, not treatment advice.",
    )
    commands = root.add_subparsers(dest="command", required=True)

    p = commands.add_parser(
        "build", help="build, validate and write the merged graph (Turtle, N-Triples, JSON-LD, TriG)"
    )
    p.add_argument("--out", default="build", help="output folder (default: build)")
    p.add_argument("--store", metavar="DIR", help="also write a persistent on-disk store that serve/ask can open")
    p.set_defaults(run=cmd_build)

    p = commands.add_parser("validate", help="check the graph, with extra case files, against the SHACL shapes")
    p.add_argument("files", nargs="*", help="extra case files (Turtle) to check with the bundled cases")
    p.set_defaults(run=cmd_validate)

    p = commands.add_parser("add-case", help="add a case report (Turtle or JSON-LD) after checking it with the "
                            "whole graph: to the bundled cases, or to an on-disk store")
    p.add_argument("file", help="the case: one source (under source/) and its patients (under patient/)")
    target = p.add_mutually_exclusive_group()
    target.add_argument("--into", metavar="DIR", default=str(CASES_DIR),
                        help="add its file to this folder of case files (default: the bundled cases, kg/cases/)")
    target.add_argument("--store", metavar="DIR", help="add it to a store written by `build --store`")
    p.add_argument("--replace", action="store_true", help="replace a case with the same id")
    p.set_defaults(run=cmd_add_case)

    p = commands.add_parser("questions", help="list the named questions")
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.set_defaults(run=cmd_questions)

    p = commands.add_parser("ask", help="run a named question: ask NAME key=value ...")
    p.add_argument("name")
    p.add_argument("params", nargs="*", metavar="key=value")
    p.add_argument("--format", choices=("table", "json", "csv"), default="table")
    p.add_argument("--engine", choices=("oxigraph", "rdflib"), default="oxigraph",
                   help="query engine (rdflib's own is slower; for comparison)")
    p.add_argument("--store", metavar="DIR", help="ask a store written by `build --store` instead of building")
    p.add_argument("--sparql-endpoint", metavar="URL", help="ask a remote SPARQL 1.1 store loaded with `load`")
    p.set_defaults(run=cmd_ask)

    p = commands.add_parser("salvage-options", help="ranked salvage options after a relapse that lost an antigen, "
                            "with case and study evidence and what to avoid (evidence, not advice)")
    p.add_argument("--lost", required=True, metavar="ANTIGEN", help="the antigen the relapse lost, e.g. CD19")
    p.add_argument("--expressed", metavar="ANTIGEN", help="an antigen the relapse still expresses, e.g. CD22")
    p.add_argument("--prior", action="append", default=[], metavar="THERAPY",
                   help="a therapy or modality given before, e.g. CAR-T (repeatable)")
    p.add_argument("--age-group", metavar="GROUP", help="the patient's age group, e.g. child or adult")
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.set_defaults(run=cmd_salvage_options)

    p = commands.add_parser("load", help="build, validate and load the graph into a remote SPARQL 1.1 store")
    p.add_argument("--sparql-endpoint", required=True, metavar="URL",
                   help="the store's query URL, e.g. http://127.0.0.1:7878/query (Oxigraph server)")
    p.add_argument("--graph-store", metavar="URL",
                   help="its Graph Store Protocol URL (default: the query URL with /query replaced by /store)")
    p.set_defaults(run=cmd_load)

    p = commands.add_parser("synth", help="write a synthetic cohort (marked synthetic; never evidence) as Turtle")
    p.add_argument("--patients", type=_positive, required=True, metavar="N")
    p.add_argument("--seed", type=int, default=1, metavar="S", help="the same seed gives the same cohort")
    p.add_argument("--out", required=True, metavar="FILE")
    p.set_defaults(run=cmd_synth)

    p = commands.add_parser("pathways", help="treatment pathways merged across patients: GraphML, node-link JSON, "
                            "Cytoscape.js JSON, or a Sankey diagram (SVG, HTML)")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--all", dest="mode", action="store_const", const="all", help="every therapy given (default)")
    mode.add_argument("--changes", dest="mode", action="store_const", const="changes",
                      help="repeats of a therapy in a row count once")
    mode.add_argument("--first", dest="mode", action="store_const", const="first",
                      help="each therapy only where it is first given")
    p.add_argument("--min-count", type=_positive, default=1, metavar="N",
                   help="hide pathways of fewer patients (default 1: the bundled cases are published; use 5+ else)")
    p.add_argument("--max-length", type=_positive, default=None, metavar="N", help="only the first N therapies")
    p.add_argument("--format", choices=("graphml", "json", "cytoscape", "svg", "html"), required=True)
    p.add_argument("--out", required=True, metavar="FILE")
    p.add_argument("cases", nargs="*", help="extra case files (Turtle), e.g. a synthetic cohort")
    p.set_defaults(run=cmd_pathways, mode="all")

    p = commands.add_parser("bench", help="measure load, validation, memory and question latency at several sizes")
    p.add_argument("--patients", default="1000,10000,100000", help="cohort sizes (default 1000,10000,100000)")
    p.add_argument("--out", default="bench.json", metavar="FILE")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--repeat", type=_positive, default=20, help="timed runs per question and path (default 20)")
    p.add_argument("--rdflib-limit", type=float, default=10.0, metavar="SECONDS",
                   help="stop rdflib's engine on a question after this long (default 10)")
    p.add_argument("--question-limit", type=float, default=60.0, metavar="SECONDS",
                   help="a question slower than this on its first run is timed once; over HTTP it is abandoned "
                        "and recorded as '> limit' (default 60)")
    p.set_defaults(run=cmd_bench)

    p = commands.add_parser("loadtest", help="N concurrent clients (wrk) for a fixed time against a served synthetic "
                            "cohort: requests/s, p50/p99, errors")
    p.add_argument("--patients", type=int, default=10_000, metavar="N",
                   help="synthetic patients beside the bundled cases (default 10000; 0: the bundled cases only)")
    p.add_argument("--users", type=_positive, default=50, help="concurrent clients (default 50)")
    p.add_argument("--duration", type=float, default=60.0, metavar="SECONDS", help="default 60")
    p.add_argument("--workers", type=_positive, default=2, help="server processes (serve --workers; default 2)")
    p.add_argument("--query-workers", type=_positive, default=2, metavar="N", help="serve --query-workers (default 2)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--cache", default="build/load", metavar="DIR",
                   help="where the synthetic store is built once and reused (default build/load)")
    p.add_argument("--out", default="load.json", metavar="FILE")
    p.set_defaults(run=cmd_loadtest)

    p = commands.add_parser("serve", help="serve the graph over HTTP (SPARQL endpoint, questions, patients)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--query-timeout", type=float, default=10.0, metavar="SECONDS",
                   help="stop SPARQL queries after this many seconds (default 10)")
    p.add_argument("--max-query-length", type=int, default=100_000, metavar="CHARS",
                   help="refuse SPARQL text longer than this (default 100000)")
    p.add_argument("--max-result-bytes", type=int, default=20_000_000, metavar="BYTES",
                   help="refuse SPARQL results larger than this (default 20 MB)")
    p.add_argument("--query-workers", type=int, default=2, metavar="N",
                   help="processes that run /sparql queries (default 2)")
    p.add_argument("--store", metavar="DIR",
                   help="serve a store written by `build --store`, opened read-only; read-write, accepting "
                   "/cases writes, when SALVAGE_KG_WRITE_TOKEN is set (default: build in memory)")
    p.add_argument("--sparql-endpoint", metavar="URL",
                   help="serve a remote SPARQL 1.1 store loaded with `load` (its query URL)")
    p.add_argument("--cors-origin", action="append", default=[], metavar="ORIGIN",
                   help="allow browsers from this origin (repeatable; '*' for any)")
    p.set_defaults(run=cmd_serve)
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.run(args)
    except (ParameterError, UnknownQuestion, UsageError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except curation.CaseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        for violation in exc.violations:
            print(f"  - {violation}", file=sys.stderr)
        return 1
    except (ValidationError, build.CaseFileError, FileNotFoundError, RemoteStoreError, stores.StoreInUse) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
