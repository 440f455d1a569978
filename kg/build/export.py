"""Write the built graph to files: merged triples as Turtle, N-Triples and JSON-LD, and TriG with named graphs.

Each file is written beside its final name and renamed into place, so a reader never sees half a file.
"""

import os
from pathlib import Path

import pyoxigraph as ox

from kg.build.pipeline import union_triples
from kg.namespaces import PREFIXES

MERGED_FORMATS = {
    "ttl": ox.RdfFormat.TURTLE,
    "nt": ox.RdfFormat.N_TRIPLES,
    "jsonld": ox.RdfFormat.JSON_LD,
}


def replace_atomically(path: Path, write) -> None:
    """Call write(partial_path), then move the finished file over `path`."""
    partial = path.with_name(path.name + ".partial")
    write(str(partial))
    os.replace(partial, path)


def write_all(store: ox.Store, directory: Path, stem: str = "salvage-kg") -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for extension, rdf_format in MERGED_FORMATS.items():
        path = directory / f"{stem}.{extension}"
        replace_atomically(
            path, lambda out, f=rdf_format: ox.serialize(union_triples(store), out, f, prefixes=PREFIXES)
        )
        written.append(path)
    # TriG keeps the named graphs: stated facts per case, derived facts per rule.
    trig = directory / f"{stem}.trig"
    replace_atomically(trig, lambda out: store.dump(out, ox.RdfFormat.TRIG, prefixes=PREFIXES))
    written.append(trig)
    return written
