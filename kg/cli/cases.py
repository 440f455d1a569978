"""`salvage-kg add-case`: a case report into a store or a folder of case files, checked with the whole graph.

The target is always named (--store DIR or --into DIR): a default would write into the installed package, where a
reinstall loses the case and every user of that Python shares it. A store is left compact after the write
(kg.build.curation.compact), and each phase of a long write is said on stderr.
"""

import shutil
from pathlib import Path

import pyoxigraph as ox

from kg.backends.open import open_backend
from kg.build import curation, export
from kg.build import pipeline as build
from kg.cli.options import UsageError, existing, progress
from kg.namespaces import PREFIXES
from kg.paths import CASES_DIR, case_files, installed

MEDIA_TYPES = {".jsonld": "application/ld+json", ".json": "application/ld+json"}


def media_type(path: Path) -> str:
    """How a case file is written, from its name: JSON-LD (.jsonld, .json) or Turtle."""
    return MEDIA_TYPES.get(path.suffix.lower(), "text/turtle")


def _folder(name: str) -> Path:
    folder = Path(name)
    if not folder.is_dir():
        raise UsageError(f"no folder {folder} to add the case to")
    if installed() and folder.resolve() == CASES_DIR.resolve():
        raise UsageError(f"{folder} is the installed package's own cases: a reinstall would lose the case; give "
                         "a folder of your own (--into DIR) or a store (--store DIR)")
    return folder


def cmd_add_case(args) -> int:
    [path] = existing([args.file])
    kind = media_type(path)
    progress(f"reading {path.name}")
    case = curation.read_case(path.read_bytes(), kind)
    if args.store:
        with open_backend(store=args.store, writable=True, progress=progress) as backend:
            created = backend.curator.put(case, replace=args.replace)
        print(f"case {case.id} {'added to' if created else 'replaced in'} the store at {args.store}")
        return 0
    # The case files are the folder's graph: check the case with them, then add its file beside them.
    folder = _folder(args.into)
    target = folder / f"{case.id}.ttl"
    curator = curation.Curator(build.build_store(case_files(folder), progress=progress), progress=progress)
    created = curator.put(case, replace=args.replace)
    if kind == "text/turtle":  # the curator's own file, comments and all
        export.replace_atomically(target, lambda out: shutil.copyfile(path, out))
    else:
        export.replace_atomically(target, lambda out: ox.serialize(case.triples, out, ox.RdfFormat.TURTLE,
                                                                   prefixes=PREFIXES))
    print(f"case {case.id} {'added' if created else 'replaced'}: {target}")
    return 0


def add_commands(commands) -> None:
    p = commands.add_parser("add-case", help="add a case report (Turtle or JSON-LD) after checking it with the "
                            "whole graph: to an on-disk store, or to a folder of case files")
    p.add_argument("file", help="the case: one source (under source/) and its patients (under patient/)")
    target = p.add_mutually_exclusive_group(required=True)
    target.add_argument("--store", metavar="DIR", help="add it to a store written by `build --store` (this or "
                        "--into; no default)")
    target.add_argument("--into", metavar="DIR", help="add its file to this folder of case files, checked with "
                        "the others there (this or --store; no default)")
    p.add_argument("--replace", action="store_true", help="replace a case with the same id (default: refuse)")
    p.set_defaults(run=cmd_add_case)
