"""The `salvage-kg` command: build, validate, list and ask questions, serve over HTTP."""

import argparse
import contextlib
import json
import os
import sys
from importlib.metadata import entry_points
from pathlib import Path

import httpx

from kg.backends import stores
from kg.backends.open import open_backend
from kg.backends.remote import RemoteEngine
from kg.build import export, parts
from kg.build import pipeline as build
from kg.build.extra_graphs import add_extra_graphs
from kg.cli import cases as cli_cases
from kg.cli import courses as cli_courses
from kg.cli import options as opts
from kg.cli.exits import exit_code
from kg.cli.options import UsageError, existing, progress
from kg.errors import SalvageKgError
from kg.knowledge_graph import KnowledgeGraph
from kg.paths import case_files
from kg.questions.catalogue import catalogue
from kg.questions.pages import DEFAULT_LIMIT, Page
from kg.questions.parameters import ParameterError
from kg.tools import synth


def _pairs(items: list[str]) -> dict[str, str]:
    params = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ParameterError(item, "write parameters as name=value, e.g. lost_antigen=CD19")
        params[key] = value
    return params


def _output(name: str) -> Path:
    """A file to write at the end of a command: its folder must exist now, not after minutes of work."""
    path = Path(name)
    if not path.resolve().parent.is_dir():
        raise UsageError(f"no folder to write {name} into")
    return path


def cmd_build(args) -> int:
    extra = existing(args.cases)
    if args.store:
        return _build_on_disk(args, extra)
    if args.no_files:
        raise UsageError("--no-files leaves nothing to write without --store DIR")
    Path(args.out).mkdir(parents=True, exist_ok=True)  # a folder that cannot be made fails now, not after the build
    store = build.build_store(case_files() + extra, progress=progress)
    for path in export.write_all(store, Path(args.out)):
        print(path)
    return 0


def _build_on_disk(args, extra: list[Path]) -> int:
    """Each case file (each part of a cohort) built on its own and streamed into the store: one part in memory."""
    if not args.no_files:
        Path(args.out).mkdir(parents=True, exist_ok=True)
    directory = parts.build_on_disk(case_files() + extra, Path(args.store), progress=progress)
    if not args.no_files:
        # Read back from the store on disk; exporting holds every triple once in memory (use --no-files at size).
        for path in export.write_all(stores.open_read_only(directory), Path(args.out)):
            print(path)
    print(directory)
    return 0


def cmd_validate(args) -> int:
    # Extra files are checked together with the bundled cases, as they would be served.
    build.build_store(case_files() + existing(args.files), progress=progress)
    print("conforms: the graph satisfies every shape in ontology/shapes.ttl")
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


def _write_auth(args):
    """The store's write account: the name from --user, the password from the environment (never the command
    line, which other users of the machine can read)."""
    if not args.user:
        return None
    password = os.environ.get("SALVAGE_KG_STORE_PASSWORD")
    if password is None:
        raise UsageError("--user needs the password in the SALVAGE_KG_STORE_PASSWORD environment variable")
    return (httpx.DigestAuth if args.auth == "digest" else httpx.BasicAuth)(args.user, password)


def cmd_load(args) -> int:
    auth = _write_auth(args)
    store = build.build_store(progress=progress)
    add_extra_graphs(store, args.also)  # an ExtraGraphError is a usage error (kg/cli/exits.py)
    remote = RemoteEngine(args.sparql_endpoint, args.graph_store, auth=auth)
    count = remote.upload(store, progress)
    print(f"loaded {count} named graphs ({len(store)} quads) into {remote.graph_store_url}")
    return 0


def _page(args) -> Page | None:
    """One page when --limit or --after is given; else the whole answer, as before."""
    if args.limit is None and args.after is None:
        return None
    return Page(args.limit or DEFAULT_LIMIT, after=args.after)  # a bad key: PageError, a usage error


def _next_page(name: str, page: dict) -> str:
    if page["next"]:
        return f"next page: --after {page['next']}"
    if page["next_offset"] is not None:
        return (f"more rows follow; {name} is not ordered by patient and has no --after key: ask without --limit "
                "for the whole answer, or page it with offset over HTTP")
    return "last page"


def cmd_ask(args) -> int:
    page = _page(args)
    with open_backend(args.store, args.sparql_endpoint, engine=args.engine) as backend:
        answer = backend.graph.ask(args.name, _pairs(args.params), page=page)
    if args.format == "json":
        print(answer.to_json())  # the page, its `next` key included, is in the JSON
    elif args.format == "csv":
        sys.stdout.write(answer.to_csv())
        print(answer.disclaimer, file=sys.stderr)
    else:
        print(answer.to_table())
    if page is not None and args.format != "json":
        print(_next_page(args.name, answer.page), file=sys.stderr)  # stderr: stdout stays a table or a CSV file
    return 0


def cmd_salvage_options(args) -> int:
    from kg.clinical import salvage_options  # the ranked answer; the same as kg.salvage_options and /salvage-options

    answer = salvage_options(lost=args.lost, expressed=args.expressed, prior=args.prior, age_group=args.age_group,
                             graph=KnowledgeGraph.build())
    print(answer.to_json() if args.format == "json" else answer.to_table())
    return 0


def cmd_synth(args) -> int:
    if args.per_file:
        return _synth_parts(args)

    def write(partial: str) -> None:
        with open(partial, "w", encoding="utf-8") as handle:
            handle.writelines(synth.cohort_turtle(args.patients, args.seed, progress=progress))

    export.replace_atomically(_output(args.out), write)  # a reader never sees half a cohort
    print(args.out)
    return 0


def _synth_parts(args) -> int:
    """The cohort as part files in a folder, for `build --store` to build one part at a time."""
    folder = Path(args.out)
    folder.mkdir(parents=True, exist_ok=True)
    for name, chunks in synth.cohort_parts(args.patients, args.seed, args.per_file):
        path = folder / f"{name}.ttl"

        def write(partial: str, chunks=chunks) -> None:
            with open(partial, "w", encoding="utf-8") as handle:
                handle.writelines(chunks)

        export.replace_atomically(path, write)
        progress(f"wrote {path}")
        print(path)
    return 0


def cmd_pathways(args) -> int:
    from kg.clinical import pathways  # only this command draws: the others start without it
    from kg.clinical.pathways.sankey import sankey_html, sankey_svg

    extra = existing(args.cases)
    _output(args.out)
    options = pathways.Options(mode=args.mode, max_length=args.max_length, min_count=args.min_count)
    graph = KnowledgeGraph.build(cases=case_files() + extra, progress=progress)
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
    from kg.tools import bench  # starts servers; only when asked

    try:
        sizes = [int(size) for size in args.patients.split(",")]
    except ValueError:
        print("error: --patients takes sizes like 1000,10000", file=sys.stderr)
        return 2
    rdflib_limit = 0 if args.no_rdflib else args.rdflib_limit
    bench.run(sizes, _output(args.out), seed=args.seed, repeat=args.repeat, rdflib_limit=rdflib_limit,
              question_limit=args.question_limit, before=args.before, in_parts=args.in_parts)
    print(args.out)
    return 0


def cmd_loadtest(args) -> int:
    from kg.tools import loadtest  # starts a server and wrk; only when asked

    result = loadtest.run(args.patients, args.users, args.duration, _output(args.out), seed=args.seed,
                          workers=args.workers, query_workers=args.query_workers, cache=Path(args.cache),
                          answer_cache_mb=args.answer_cache_mb, progress=progress)
    print(loadtest.summary(result))
    return 1 if result["errors"] else 0


def parser() -> argparse.ArgumentParser:
    root = opts.Parser(
        prog="salvage-kg",
        description="Knowledge graph of salvage therapy in relapsed/refractory B-cell precursor ALL. "
        "Evidence from case reports, not treatment advice.",
    )
    root.add_argument("--version", action="version", version=f"%(prog)s {opts.installed_version()}")
    commands = root.add_subparsers(dest="command", required=True)

    p = commands.add_parser(
        "build", help="build, validate and write the merged graph (Turtle, N-Triples, JSON-LD, TriG)"
    )
    p.add_argument("--out", default="build", metavar="DIR", help="output folder")
    p.add_argument("--store", metavar="DIR", help="also write a persistent on-disk store that serve/ask can open, "
                   "built one case file (one part of a cohort, see synth --per-file) at a time so that memory holds "
                   "one part (default: none)")
    p.add_argument("--no-files", action="store_true", help="with --store: write only the store, no export files "
                   "(exporting holds the whole graph in memory; default: write them)")
    p.add_argument("cases", nargs="*", help="extra case files (Turtle or JSON-LD), e.g. a synthetic cohort")
    p.set_defaults(run=cmd_build)

    p = commands.add_parser("validate", help="check the graph, with extra case files, against the SHACL shapes")
    p.add_argument("files", nargs="*", help="extra case files (Turtle or JSON-LD, as add-case takes) to check with "
                   "the bundled cases")
    p.set_defaults(run=cmd_validate)

    p = commands.add_parser("questions", help="list the named questions")
    p.add_argument("--format", choices=("table", "json"), default="table", help="how to print the catalogue")
    p.set_defaults(run=cmd_questions)

    p = commands.add_parser("ask", help="run a named question: ask NAME key=value ...")
    p.add_argument("name")
    p.add_argument("params", nargs="*", metavar="key=value")
    p.add_argument("--format", choices=("table", "json", "csv"), default="table", help="how to print the answer")
    p.add_argument("--engine", choices=("oxigraph", "rdflib"), default="oxigraph",
                   help="query engine (rdflib's own is slower; for comparison)")
    p.add_argument("--limit", type=opts.positive, metavar="ROWS",
                   help=f"one page of this many rows (default: the whole answer; {DEFAULT_LIMIT} with --after)")
    p.add_argument("--after", metavar="KEY", help="the page after this key: the `next page: --after KEY` the page "
                   "before printed (questions ordered by patient; default: the first page)")
    p.add_argument("--store", metavar="DIR", help="ask a store written by `build --store` (default: build the "
                   "graph in memory)")
    p.add_argument("--sparql-endpoint", metavar="URL", help="ask a remote SPARQL 1.1 store loaded with `load` "
                   "(default: none)")
    p.set_defaults(run=cmd_ask)

    p = commands.add_parser("salvage-options", help="ranked salvage options after a relapse that lost an antigen, "
                            "with case and study evidence and what to avoid (evidence, not advice)")
    p.add_argument("--lost", required=True, metavar="ANTIGEN",
                   help="the antigen the relapse lost, e.g. CD19 (required; no default)")
    p.add_argument("--expressed", metavar="ANTIGEN",
                   help="an antigen the relapse still expresses, e.g. CD22 (default: none)")
    p.add_argument("--prior", action="append", default=[], metavar="THERAPY",
                   help="a therapy or modality given before, e.g. CAR-T (repeatable)")
    p.add_argument("--age-group", metavar="GROUP", help="the patient's age group, e.g. child or adult (default: any)")
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.set_defaults(run=cmd_salvage_options)

    p = commands.add_parser("load", help="build, validate and load the graph into a remote SPARQL 1.1 store")
    p.add_argument("--sparql-endpoint", required=True, metavar="URL",
                   help="the store's query URL, e.g. http://127.0.0.1:7878/query (Oxigraph server; required, "
                   "no default)")
    p.add_argument("--graph-store", metavar="URL",
                   help="its Graph Store Protocol URL (default: the query URL with /query replaced by /store); "
                        "Virtuoso: http://HOST:8890/sparql-graph-crud-auth")
    p.add_argument("--user", metavar="NAME", help="the store's write account; its password is read from the "
                   "SALVAGE_KG_STORE_PASSWORD environment variable (default: none, no sign-in)")
    p.add_argument("--auth", choices=("basic", "digest"), default="basic",
                   help="how --user signs in (Virtuoso wants digest; default: basic)")
    p.add_argument("--also", action="append", default=[], metavar="FILE",
                   help="load the named graphs of this TriG or N-Quads file beside ours, e.g. a test suite's data "
                   "(repeatable; default: none)")
    p.set_defaults(run=cmd_load)

    p = commands.add_parser("synth", help="write a synthetic cohort (marked synthetic; never evidence) as Turtle")
    p.add_argument("--patients", type=opts.positive, required=True, metavar="N", help="how many (required; no default)")
    p.add_argument("--seed", type=int, default=1, metavar="S", help="the same seed gives the same cohort")
    p.add_argument("--out", required=True, metavar="FILE", help="the Turtle file to write, or with --per-file the "
                   "folder to write the parts into (required; no default)")
    p.add_argument("--per-file", type=opts.positive, metavar="N", help="write the cohort as part files of at most N "
                   "patients each, for `build --store` to build one at a time (default: one file)")
    p.set_defaults(run=cmd_synth)

    p = commands.add_parser("pathways", help="treatment pathways merged across patients: GraphML, node-link JSON, "
                            "Cytoscape.js JSON, or a Sankey diagram (SVG, HTML)")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--all", dest="mode", action="store_const", const="all", help="every therapy given (default)")
    mode.add_argument("--changes", dest="mode", action="store_const", const="changes",
                      help="repeats of a therapy in a row count once")
    mode.add_argument("--first", dest="mode", action="store_const", const="first",
                      help="each therapy only where it is first given")
    p.add_argument("--min-count", type=opts.positive, default=1, metavar="N",
                   help="hide pathways of fewer patients (default 1: the bundled cases are published; use 5+ else)")
    p.add_argument("--max-length", type=opts.positive, default=None, metavar="N",
                   help="only the first N therapies (default: all)")
    p.add_argument("--format", choices=("graphml", "json", "cytoscape", "svg", "html"), required=True,
                   help="what to write (required; no default)")
    p.add_argument("--out", required=True, metavar="FILE", help="the file to write (required; no default)")
    p.add_argument("cases", nargs="*", help="extra case files (Turtle), e.g. a synthetic cohort")
    p.set_defaults(run=cmd_pathways, mode="all")

    p = commands.add_parser("bench", help="measure load, validation, memory and question latency at several sizes")
    p.add_argument("--patients", default="1000,10000,100000", help="cohort sizes (default 1000,10000,100000)")
    p.add_argument("--out", default="bench.json", metavar="FILE", help="where the figures go")
    p.add_argument("--seed", type=int, default=1, help="the synthetic cohorts' seed")
    p.add_argument("--repeat", type=opts.positive, default=20, help="timed runs per question and path (default 20)")
    p.add_argument("--rdflib-limit", type=opts.seconds, default=10.0, metavar="SECONDS",
                   help="stop rdflib's engine on a question after this long (default 10)")
    p.add_argument("--no-rdflib", action="store_true",
                   help="leave rdflib's engine out (at 100,000 patients it cannot load within 8 GB)")
    p.add_argument("--before", type=Path, default=None, metavar="DIR",
                   help="also time each question's first page as the .rq files in DIR ask it, on the same engine "
                        "and data (e.g. tests/questions/baseline, the questions before #20; default: not timed)")
    p.add_argument("--question-limit", type=opts.seconds, default=60.0, metavar="SECONDS",
                   help="a question slower than this on its first run is timed once; over HTTP it is abandoned "
                        "and recorded as '> limit' (default 60)")
    p.add_argument("--in-parts", type=opts.positive, metavar="N", help="build a size above N patients in parts of N "
                   "on disk and ask its questions there, so that 100,000 fits in memory (default: in memory)")
    p.set_defaults(run=cmd_bench)

    p = commands.add_parser("loadtest", help="N concurrent clients (wrk) for a fixed time against a served synthetic "
                            "cohort: requests/s, p50/p99, errors")
    p.add_argument("--patients", type=opts.count, default=10_000, metavar="N",
                   help="synthetic patients beside the bundled cases (default 10000; 0: the bundled cases only)")
    p.add_argument("--users", type=opts.positive, default=50, help="concurrent clients (default 50)")
    p.add_argument("--duration", type=opts.seconds, default=60.0, metavar="SECONDS", help="how long the clients run")
    p.add_argument("--workers", type=opts.positive, default=2, help="server processes (serve --workers; default 2)")
    p.add_argument("--query-workers", type=opts.positive, default=2, metavar="N",
                   help="serve --query-workers (default 2)")
    p.add_argument("--answer-cache-mb", type=opts.count, default=64, metavar="MB",
                   help="serve --answer-cache-mb (default 64; 0: every request asks the graph)")
    p.add_argument("--seed", type=int, default=1, help="the synthetic cohort's seed")
    p.add_argument("--cache", default="build/load", metavar="DIR",
                   help="where the synthetic store is built once and reused (default build/load)")
    p.add_argument("--out", default="load.json", metavar="FILE", help="where the figures go")
    p.set_defaults(run=cmd_loadtest)


    cli_cases.add_commands(commands)
    cli_courses.add_commands(commands)
    for entry in entry_points(group="salvage_kg.commands"):
        # Commands of other faces (the HTTP server's `serve`), registered in pyproject.toml: the library never
        # imports the server, and a notebook install without it still has every other command.
        entry.load()(commands)
    return root


def _say(message: str) -> None:
    with contextlib.suppress(OSError):  # stderr may be a closed pipe too
        print(message, file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        code = args.run(args)
        sys.stdout.flush()  # a reader that went away shows here, where it can be reported, not at exit
        return code
    except SalvageKgError as exc:  # every library error: its kind says the exit code (kg/cli/exits.py)
        message = str(exc)
        _say(f"error: {message}")
        for violation in exc.violations:
            if str(violation) not in message:  # a graph's violations are in its message; a case's are not
                _say(f"  - {violation}")
        return exit_code(exc)
    except BrokenPipeError:
        # `salvage-kg ask ... | head -1`: the reader closed the pipe. Python flushes stdout once more at exit;
        # pointed at /dev/null, that flush is quiet.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        _say("error: the output was closed before all of it was written (piped into head?)")
        return 141  # as a shell reports a command stopped by SIGPIPE
    except OSError as exc:  # a missing or unwritable file or folder, a full disk
        _say(f"error: {exc.strerror}: {exc.filename}" if exc.strerror and exc.filename else f"error: {exc}")
        return 1
    except KeyboardInterrupt:
        _say("error: interrupted")
        return 130
    except Exception as exc:  # a bug: one line for the user; SALVAGE_KG_TRACEBACK=1 for the developer
        if os.environ.get("SALVAGE_KG_TRACEBACK") == "1":
            raise
        _say(f"error: unexpected {type(exc).__name__}: {exc} (SALVAGE_KG_TRACEBACK=1 shows where)")
        return 1


if __name__ == "__main__":
    sys.exit(main())
