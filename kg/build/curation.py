"""Adding, replacing and removing cases in a persistent store: all or nothing, checked against the whole graph.

A case is one report: one source node (under source/) and the patients it describes (under patient/), written
in Turtle or JSON-LD. It lives in its own named graph (graph/case/ID, ID being the source's local name).

Every change is tried first on small scratch stores holding the shared graphs (ontology, vocabulary, studies) and
that case alone, before and after the change (kg/build/case_facts.py): cases are self-contained, so the case
rules derive there exactly what they derive for that case in the whole graph, and the SHACL shapes check there
what the case adds; who owns which patient is checked against the store (kg/build/case_scope.py). A write costs
what its case costs, not what the graph holds. Only a change that conforms is committed, and it is committed
with the derived facts that come and go as one SPARQL Update, which
Oxigraph applies in a single transaction: a reader, a restart or a killed process sees the graph as it was
before or as it is after, never in between. Changes are serialised by one lock per store.
"""

import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from kg.backends.stores import compact
from kg.build import case_facts
from kg.build.case_scope import Limits, OutOfScope, check_alone, check_in, check_size
from kg.build.validate import Violation
from kg.errors import SalvageKgError
from kg.namespaces import GRAPH, PATIENT, SOURCE, case_graph
from kg.progress import Progress, heartbeat, quiet

CASE_ID = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$"
MEDIA_TYPES = {"text/turtle": ox.RdfFormat.TURTLE, "application/ld+json": ox.RdfFormat.JSON_LD}
_CASE_GRAPHS = str(GRAPH["case/"])
# One line per phase of a write ("write phase: checkpoint", "validated", "committing", "committed"): an operator
# sees where a slow write is, and tests/build/test_crash_safety.py kills the server at each phase it observes.
log = logging.getLogger("salvage_kg.curation")


class CaseError(SalvageKgError, ValueError):
    """A change that is refused; `kind` says why: syntax, invalid, too_large, conflict, not_found, rejected or
    cancelled."""

    kinds = ("invalid", "syntax", "too_large", "conflict", "not_found", "rejected", "cancelled")

    def __init__(self, kind: str, message: str, violations: list[Violation] | None = None):
        self.violations = violations or []
        super().__init__(message, kind)


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
    `progress` hears each phase of a write (the command line prints them on stderr).
    """

    def __init__(self, store: ox.Store, directory: Path | None = None, committed: Callable[[], None] = lambda: None,
                 progress: Progress = quiet):
        self.store = store
        self.directory = Path(directory) if directory else None
        self.committed = committed
        self.progress = progress
        self._lock = threading.Lock()

    def _phase(self, message: str) -> None:
        log.info("write phase: %s", message)
        self.progress(message)

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
            self._commit(change, case.graph, case.triples, cancelled)
            return not existed

    def delete(self, case_id: str, cancelled: threading.Event | None = None) -> None:
        with self._lock:
            if not self.exists(case_id):
                raise CaseError("not_found", f"no case {case_id!r}; known: {', '.join(self.case_ids())}")
            graph = ox.NamedNode(str(case_graph(case_id)))
            self._commit(f"DROP GRAPH <{graph.value}>", graph, None, cancelled)

    def _commit(self, change: str, graph: ox.NamedNode, triples: tuple[ox.Triple, ...] | None,
                cancelled: threading.Event | None = None) -> None:
        """Derive the case's facts before and after the change, each on a scratch store of the shared graphs and
        that case alone (kg/build/case_facts.py); check the new case there; commit the change with the derived
        facts that come and go if all shapes hold. `triples` is the new case, None when it is removed."""

        def go_on() -> None:
            if cancelled is not None and cancelled.is_set():
                raise CaseError("cancelled", "the client went away; nothing was written")

        shared = case_facts.shared_quads(self.store)
        before = [ox.Triple(q.subject, q.predicate, q.object)
                  for q in self.store.quads_for_pattern(None, None, None, graph)]
        self._phase("checkpoint")
        go_on()
        self._phase("deriving facts")
        with heartbeat(self.progress, "deriving facts"):
            derived_now = self._derived(case_facts.scratch(shared, graph, before))
            scratch = case_facts.scratch(shared, graph, triples or ())
            derived_then = self._derived(scratch)
        go_on()
        self._phase("validating with SHACL")
        violations = case_facts.violations(scratch, self.progress) if triples is not None else []
        del scratch
        go_on()
        if violations:
            raise CaseError("rejected", f"the graph would violate {len(violations)} SHACL constraint(s); "
                                        "nothing was written", violations)
        self._phase("validated")
        # Derived facts name events by IRI and hold no blank nodes, so they can be compared and written as data.
        # What goes is what the store holds about the nodes the old case derives, not the re-derivation itself: a
        # list made by GROUP_CONCAT may come out in another order each time (SPARQL leaves it open), and an old
        # list that matched no re-derived one would stay beside the new one.
        stored = {g: self._stored_about(g, {t.subject for t in triples}) for g, triples in derived_now.items()}
        removed = {g: stored[g] - derived_then.get(g, set()) for g in stored}
        added = {g: derived_then[g] - stored.get(g, set()) for g in derived_then}
        roots = case_facts.owners([*before, *(triples or ())])
        for g, changed in [*removed.items(), *added.items()]:
            strays = case_facts.outside(changed, roots)
            if strays:
                raise CaseError("invalid", f"rule {g.value.rsplit('/', 1)[-1]} would derive a fact about "
                                           f"{strays[0].subject}, which is not this case's own node; a case rule "
                                           "may derive facts only under the case's patients, so nothing was written")
        deletes = "".join(_in_graph(g, changed) for g, changed in removed.items())
        inserts = "".join(_in_graph(g, changed) for g, changed in added.items())
        go_on()  # the last moment a client that has gone can still stop the write
        self._phase("committing")
        with heartbeat(self.progress, "committing"):
            self.store.update(f"{change} ;\nDELETE DATA {{\n{deletes}}} ;\nINSERT DATA {{\n{inserts}}}")
        self._phase("committed")
        if self.directory:
            started = time.monotonic()
            with heartbeat(self.progress, "flushing"):
                compact(self.store, merge=False)
            self._phase(f"flushed ({time.monotonic() - started:.1f} s)")
        self.committed()

    def _stored_about(self, graph: ox.NamedNode, subjects: set) -> set[ox.Triple]:
        return {ox.Triple(q.subject, q.predicate, q.object)
                for subject in subjects for q in self.store.quads_for_pattern(subject, None, None, graph)}

    @staticmethod
    def _derived(store: ox.Store) -> case_facts.Derived:
        found = case_facts.derived(store)
        for graph, triples in found.items():
            if any(isinstance(term, ox.BlankNode) for t in triples for term in t):
                # Cases hold no blank-node events (kg.build.case_scope): a rule's mistake, refused whole.
                raise CaseError("invalid", f"rule {graph.value.rsplit('/', 1)[-1]} would derive a fact about a blank "
                                           "node, which could not be updated as data; blank-node events are refused")
        return found
