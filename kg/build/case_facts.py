"""One case's derived facts and SHACL check, on a small scratch store instead of the whole graph.

A case names only its own source, its patients and the nodes under their IRIs (kg/build/case_scope.py), and a
case rule never joins across patients (kg/build/rules.py). So what the case rules derive for one case, and
whether that case conforms, can be found on a store holding only what every case may read (the ontology,
vocabulary and studies graphs, and the facts the vocabulary rules derived from them) plus that one case: a
write at 100,000 patients then costs what a write at one patient costs, and a build of a large cohort holds one
part in memory at a time, not all of it.
"""

from collections.abc import Iterable

import pyoxigraph as ox

from kg.build import rules, validate
from kg.build.validate import Violation
from kg.namespaces import ONTOLOGY_GRAPH, PATIENT, SOURCE, STUDIES_GRAPH, VOCABULARY_GRAPH
from kg.progress import Progress, quiet

Derived = dict[ox.NamedNode, set[ox.Triple]]
_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")


def shared_graphs() -> list[ox.NamedNode]:
    """The graphs every case may read and no case write changes."""
    stated = [ox.NamedNode(str(graph)) for graph in (ONTOLOGY_GRAPH, VOCABULARY_GRAPH, STUDIES_GRAPH)]
    return stated + [rules.graph_of(rule) for rule in rules.vocabulary_rules()]


def shared_quads(store: ox.Store) -> list[ox.Quad]:
    """What a case's scratch store starts from, read from the whole store (a few thousand quads)."""
    return [quad for graph in shared_graphs() for quad in store.quads_for_pattern(None, None, None, graph)]


def scratch(
    shared: Iterable[ox.Quad], graph: ox.NamedNode | None = None, triples: Iterable[ox.Triple] = ()
) -> ox.Store:
    """An in-memory store of the shared graphs plus one case (none when `graph` is None), its rules derived."""
    store = ox.Store()
    store.extend(shared)
    if graph is not None:
        store.extend(ox.Quad(t.subject, t.predicate, t.object, graph) for t in triples)
    rules.derive(store, rules.case_rules())
    return store


def derived(store: ox.Store) -> Derived:
    """The case rules' facts in a store, per rule graph."""
    return {
        graph: {ox.Triple(q.subject, q.predicate, q.object) for q in store.quads_for_pattern(None, None, None, graph)}
        for graph in map(rules.graph_of, rules.case_rules())
    }


def violations(store: ox.Store, progress: Progress = quiet) -> list[Violation]:
    """The SHACL violations of a scratch store: the case's, since the shared graphs conform on their own."""
    return validate.violations_in_store(store, progress)


def owners(triples: Iterable[ox.Triple]) -> tuple[str, ...]:
    """The IRIs under which a case's own nodes live: its patients' and its source's."""
    found = {
        t.subject.value
        for t in triples
        if isinstance(t.subject, ox.NamedNode)
        and t.predicate == _TYPE
        and (t.subject.value.startswith(str(PATIENT)) or t.subject.value.startswith(str(SOURCE)))
    }
    return tuple(sorted(found))


def outside(triples: Iterable[ox.Triple], roots: tuple[str, ...]) -> list[ox.Triple]:
    """The derived triples about a node that is not the case's own (nor under its IRI). A fact that a case
    derives about a shared node could be derived by another case too, and removing it with one case would
    remove it for both: such a rule breaks the contract that lets a write derive per case."""
    patients = str(PATIENT)
    owned_patients = {root for root in roots if root.startswith(patients)}
    others = tuple(root for root in roots if root not in owned_patients)

    def owned(iri: str) -> bool:
        if iri.startswith(patients):  # the patient a node is under is the first segment after patient/
            return patients + iri[len(patients) :].split("/", 1)[0] in owned_patients
        return any(iri == root or iri.startswith(root + "/") for root in others)

    return [t for t in triples if not (isinstance(t.subject, ox.NamedNode) and owned(t.subject.value))]
