"""Adding, replacing and removing cases in a persistent store: all or nothing, checked against the whole graph.

A case is one report: one source node (under source/) and the patients it describes (under patient/), written
in Turtle or JSON-LD. It lives in its own named graph (graph/case/ID, ID being the source's local name).

Every change is tried first on a scratch copy of the store (a RocksDB checkpoint: hard links, so cheap even for
a large store): the case is swapped in, the derivation rules are re-run and the SHACL shapes are checked over
the whole graph. Only a change that conforms is committed, and it is committed as one SPARQL Update, which
Oxigraph applies in a single transaction: a reader, a restart or a killed process sees the graph as it was
before or as it is after, never in between. Changes are serialised by one lock per store.
"""

import logging
import re
import shutil
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from kg.build import rules

from kg.build import validate
from kg.build.case_scope import Limits, OutOfScope, check_alone, check_in, check_size
from kg.namespaces import GRAPH, PATIENT, SOURCE, case_graph, derived_graph
from kg.build.validate import Violation

CASE_ID = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$"
MEDIA_TYPES = {"text/turtle": ox.RdfFormat.TURTLE, "application/ld+json": ox.RdfFormat.JSON_LD}
_CASE_GRAPHS = str(GRAPH["case/"])
# One line per phase of a write ("write phase: checkpoint", "validated", "committing", "committed"): an operator
# sees where a slow write is, and tests/build/test_crash_safety.py kills the server at each phase it observes.
log = logging.getLogger("salvage_kg.curation")


class CaseError(ValueError):
    """A change that is refused; `kind` says why: syntax, invalid, too_large, conflict, not_found, rejected or
    cancelled."""

    def __init__(self, kind: str, message: str, violations: list[Violation] | None = None):
        self.kind = kind
        self.violations = violations or []
        super().__init__(message)


@dataclass(frozen=True)
class Case:
    id: str
    triples: tuple[ox.Triple, ...]

    @property
    def graph(self) -> ox.NamedNode:
        return ox.NamedNode(str(case_graph(self.id)))


_FIRST = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#first")


def _parsed(data: bytes, rdf_format: ox.RdfFormat, limits: Limits) -> list[ox.Quad]:
    """The statements, read one at a time and stopped at the size limits (never a million-item list in memory)."""
    quads, items = [], 0
    # No base IRI: a relative IRI in a case is a mistake, not something to resolve against our address.
    for quad in ox.parse(data, rdf_format, without_named_graphs=True):
        quads.append(quad)
        items += quad.predicate == _FIRST
        check_size(len(quads), items, limits)
    return quads


def read_case(data: bytes, media_type: str = "text/turtle", limits: Limits | None = None) -> Case:
    """Parse a case file and check that it describes exactly one source, only that source's patients and nodes
    under their IRIs (kg.build.case_scope), within the size limits."""
    rdf_format = MEDIA_TYPES.get(media_type)
    if rdf_format is None:
        raise CaseError("syntax", f"a case is sent as {' or '.join(MEDIA_TYPES)}, not {media_type}")
    try:
        quads = _parsed(data, rdf_format, limits or Limits())
    except OutOfScope as exc:
        raise CaseError(exc.kind, str(exc)) from None
    except (SyntaxError, ValueError) as exc:
        raise CaseError("syntax", f"not valid {rdf_format.name}: {exc}") from None
    if not quads:
        raise CaseError("invalid", "the case holds no statements")
    subjects = {quad.subject for quad in quads if isinstance(quad.subject, ox.NamedNode)}
    sources = sorted(s.value for s in subjects if s.value.startswith(str(SOURCE)))
    if len(sources) != 1:
        raise CaseError("invalid", f"a case describes exactly one source (an IRI under {SOURCE}); "
                                   f"this one describes {len(sources)}")
    case_id = sources[0][len(str(SOURCE)):]
    if not re.match(CASE_ID, case_id):
        raise CaseError("invalid", f"the source's name {case_id!r} cannot name a case: use letters, digits, "
                                   "'.', '_' and '-' (at most 100)")
    strangers = sorted(s.value for s in subjects if s.value != sources[0] and not s.value.startswith(str(PATIENT)))
    if strangers:
        # Anything else (ontology terms, agents, other sources) belongs to the ontology or to another case.
        raise CaseError("invalid", "a case may describe only its source and its patients (under "
                                   f"{PATIENT}); it also describes {', '.join(strangers[:5])}")
    triples = tuple(ox.Triple(q.subject, q.predicate, q.object) for q in quads)
    try:
        check_alone(sources[0], triples)
    except OutOfScope as exc:
        raise CaseError(exc.kind, str(exc)) from None
    return Case(case_id, triples)


def case_ids(graph_names) -> list[str]:
    """The ids of the cases among a store's named graphs (IRIs as text)."""
    return sorted(name[len(_CASE_GRAPHS):] for name in graph_names if name.startswith(_CASE_GRAPHS))


def _ntriples(triples) -> str:
    # pyoxigraph writes each term in N-Triples, whose escaping is also valid inside SPARQL Update data.
    return ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES).decode("utf-8") if triples else ""


def _in_graph(graph: ox.NamedNode, triples) -> str:
    return f"GRAPH <{graph.value}> {{\n{_ntriples(triples)}}}\n"


class Curator:
    """Writes cases into one store opened read-write; `committed` is called after each commit.

    `directory` is where an on-disk store lives (its scratch copies go beside it); None for one in memory.
    """

    def __init__(self, store: ox.Store, directory: Path | None = None, committed: Callable[[], None] = lambda: None):
        self.store = store
        self.directory = Path(directory) if directory else None
        self.committed = committed
        self._lock = threading.Lock()

    # --- reading ---------------------------------------------------------------------------------------------

    def case_ids(self) -> list[str]:
        return case_ids(graph.value for graph in self.store.named_graphs() if isinstance(graph, ox.NamedNode))

    def exists(self, case_id: str) -> bool:
        return ox.NamedNode(str(case_graph(case_id))) in set(self.store.named_graphs())

    # --- writing ---------------------------------------------------------------------------------------------

    def put(self, case: Case, *, replace: bool = True, cancelled: threading.Event | None = None) -> bool:
        """Add a case, or replace the one with its id; True when it is new. Raises CaseError. `cancelled` (set
        when the client has gone) stops the write between its steps, before anything is committed."""
        with self._lock:
            existed = self.exists(case.id)
            if existed and not replace:
                raise CaseError("conflict", f"case {case.id!r} exists; replace it with PUT /cases/{case.id}")
            try:
                check_in(self.store, case.graph, _CASE_GRAPHS, case.triples)
            except OutOfScope as exc:
                raise CaseError(exc.kind, str(exc)) from None
            insert = _in_graph(case.graph, case.triples)
            change = f"DROP SILENT GRAPH <{case.graph.value}> ;\nINSERT DATA {{\n{insert}}}"
            self._commit(change, cancelled)
            return not existed

    def delete(self, case_id: str, cancelled: threading.Event | None = None) -> None:
        with self._lock:
            if not self.exists(case_id):
                raise CaseError("not_found", f"no case {case_id!r}; known: {', '.join(self.case_ids())}")
            self._commit(f"DROP GRAPH <{case_graph(case_id)}>", cancelled)

    def _commit(self, change: str, cancelled: threading.Event | None = None) -> None:
        """Try the change with fresh derived facts on a scratch copy; commit it with them if all shapes hold."""

        def go_on() -> None:
            if cancelled is not None and cancelled.is_set():
                raise CaseError("cancelled", "the client went away; nothing was written")

        derived_now = self._derived(self.store)
        scratch_dir = self.directory.with_name(self.directory.name + ".scratch") if self.directory else None
        scratch = None
        try:
            scratch = self._scratch_copy(scratch_dir)
            log.info("write phase: checkpoint")
            go_on()
            scratch.update(change)
            rules.derive(scratch)
            go_on()
            violations = validate.violations_in_store(scratch)
            derived_then = self._derived(scratch)
            go_on()
        finally:
            # Dropped on every path, a failure too: an open scratch store keeps its lock, and the next write's
            # copy could not be made (every later write failed until a restart).
            scratch = None  # noqa: F841 - closes the scratch store before its files go
            if scratch_dir:
                shutil.rmtree(scratch_dir, ignore_errors=True)
        if violations:
            raise CaseError("rejected", f"the graph would violate {len(violations)} SHACL constraint(s); "
                                        "nothing was written", violations)
        log.info("write phase: validated")
        # Derived facts name events by IRI and hold no blank nodes, so they can be compared and written as data.
        removed = "".join(_in_graph(g, derived_now[g] - derived_then.get(g, set())) for g in derived_now)
        added = "".join(_in_graph(g, derived_then[g] - derived_now.get(g, set())) for g in derived_then)
        log.info("write phase: committing")
        self.store.update(f"{change} ;\nDELETE DATA {{\n{removed}}} ;\nINSERT DATA {{\n{added}}}")
        log.info("write phase: committed")
        self.committed()

    def _scratch_copy(self, directory: Path | None) -> ox.Store:
        if directory is None:
            scratch = ox.Store()
            scratch.bulk_extend(self.store)
            return scratch
        shutil.rmtree(directory, ignore_errors=True)  # left by a process killed while checking
        self.store.backup(str(directory))
        return ox.Store(str(directory))

    @staticmethod
    def _derived(store: ox.Store) -> dict[ox.NamedNode, set[ox.Triple]]:
        found = {}
        for rule in rules.rules():
            graph = ox.NamedNode(str(derived_graph(rule.name)))
            quads = store.quads_for_pattern(None, None, None, graph)
            triples = {ox.Triple(q.subject, q.predicate, q.object) for q in quads}
            if any(isinstance(term, ox.BlankNode) for t in triples for term in t):
                # Cases may not hold blank-node events (kg.build.case_scope), so this is a rule's mistake, refused whole.
                raise CaseError("invalid", f"rule {rule.name} would derive a fact about a blank node, which could "
                                           "not be updated as data; blank-node events are refused")
            found[graph] = triples
        return found
