"""Build the graph: ontology, vocabulary, published studies, cases (one named graph each), derived facts; SHACL.

>>> store = build_store()
>>> len(store) > 1000
True
"""

from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph

from kg.build import rules, validate
from kg.errors import SalvageKgError
from kg.namespaces import ONTOLOGY_GRAPH, STUDIES_GRAPH, VOCABULARY_GRAPH, case_graph
from kg.paths import ONTOLOGY_FILE, VOCABULARY_FILE, case_files, study_files
from kg.progress import Progress, heartbeat, quiet
from kg.questions.catalogue import internal


class CaseFileError(SalvageKgError, ValueError):
    """A source file that cannot be parsed; the message names the file and the line."""

    kinds = ("syntax",)


# Case files as add-case takes them: JSON-LD by its name, Turtle otherwise.
_FORMATS = {".jsonld": ox.RdfFormat.JSON_LD, ".json": ox.RdfFormat.JSON_LD}


def load(store: ox.Store, path: Path, graph) -> None:
    # bulk_load streams the file rather than reading it whole (a 100,000-patient cohort is ~0.9 GB of Turtle);
    # it is not transactional, which does not matter here: a build that fails is thrown away.
    rdf_format = _FORMATS.get(path.suffix.lower(), ox.RdfFormat.TURTLE)
    try:
        store.bulk_load(path=str(path), format=rdf_format, to_graph=ox.NamedNode(str(graph)))
    except SyntaxError as exc:
        raise CaseFileError(f"{path.name}: not valid {rdf_format.name}: {exc}") from exc


def union_triples(store: ox.Store) -> Iterable[ox.Triple]:
    """Every distinct triple of every graph: the merged graph that is validated and exported."""
    return store.query(internal("all-triples").text, use_default_graph_as_union=True)


def union_graph(store: ox.Store) -> Graph:
    """The merged graph as an rdflib Graph, for pySHACL."""
    data = ox.serialize(union_triples(store), format=ox.RdfFormat.N_TRIPLES)
    return Graph().parse(data=data.decode("utf-8"), format="nt")


def build_store(
    cases: Iterable[Path] | None = None,
    *,
    check: bool = True,
    progress: Progress = quiet,
) -> ox.Store:
    """A fresh in-memory store holding the whole graph; raises ValidationError if it does not conform."""
    store = ox.Store()
    load(store, ONTOLOGY_FILE, ONTOLOGY_GRAPH)
    load(store, VOCABULARY_FILE, VOCABULARY_GRAPH)
    for path in study_files():
        load(store, path, STUDIES_GRAPH)
    paths = list(case_files() if cases is None else cases)
    for number, path in enumerate(paths, start=1):
        progress(f"loading case {number}/{len(paths)}: {path.name}")
        with heartbeat(progress, f"loading {path.name}"):
            load(store, path, case_graph(path.stem))
    progress("deriving facts")
    for rule, count in rules.derive(store).items():
        progress(f"  rule {rule}: {count} triples")
    if check:
        progress("validating with SHACL")
        validate.check(store, progress)
    progress(f"built {len(store)} quads")
    return store
