"""Extra named graphs served beside ours (`serve --also FILE`, `load --also FILE`): a test suite's data, say.

Only files that name their graphs are taken (TriG, N-Quads): each graph keeps the name its file gives it, so the
W3C SPARQL Protocol suite finds its graphs where its queries look for them. A graph under our own namespace is
refused, so an extra file can add graphs but never replace or mix into the knowledge graph's own.
"""

from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox

from kg.errors import SalvageKgError
from kg.namespaces import GRAPH

QUAD_FORMATS = {".trig": ox.RdfFormat.TRIG, ".nq": ox.RdfFormat.N_QUADS}


class ExtraGraphError(SalvageKgError, ValueError):
    """An extra file that cannot be served beside our graphs; the message names the file and why."""

    kinds = ("usage",)


def read_extra_graphs(paths: Iterable[str | Path]) -> list[ox.Quad]:
    """The quads of every file, checked: a quad format, every triple in a named graph, none of ours."""
    quads: list[ox.Quad] = []
    for path in map(Path, paths):
        rdf_format = QUAD_FORMATS.get(path.suffix.lower())
        if rdf_format is None:
            raise ExtraGraphError(f"{path}: give TriG (.trig) or N-Quads (.nq), whose graphs have names")
        try:
            found = list(ox.parse(path=str(path), format=rdf_format))
        except OSError as exc:
            raise ExtraGraphError(f"{path}: cannot read it: {exc.strerror or exc}") from None
        except SyntaxError as exc:
            raise ExtraGraphError(f"{path}: not valid {path.suffix[1:]}: {exc}") from None
        for quad in found:
            if isinstance(quad.graph_name, ox.DefaultGraph):
                raise ExtraGraphError(f"{path}: put every triple in a named graph (one is in the default graph)")
            if quad.graph_name.value.startswith(str(GRAPH)):
                raise ExtraGraphError(f"{path}: the graph {quad.graph_name.value} is under salvage-kg's own "
                                      f"namespace ({GRAPH}); extra graphs go beside ours, not among them")
        quads += found
    return quads


def add_extra_graphs(store: ox.Store, paths: Iterable[str | Path]) -> int:
    """Add the files' graphs to the store; the number of graphs added."""
    quads = read_extra_graphs(paths)
    store.extend(quads)
    return len({quad.graph_name for quad in quads})
