"""What a case may say: its own source, its own patients and the nodes under their IRIs, and nothing else.

The SHACL shapes check that what a case says is well formed; they cannot see that it reaches outside itself:
an event under another patient's IRI shows in that patient's timeline, a finding attached to another case's
relapse changes what that relapse reads, a new subclass of sk:Antigen labelled "CD19" or a new agent labelled
"Kymriah" changes what a parameter means, a second patient with another's notation hides it. So a case is read
against these rules before anything is tried, and against the store (who owns which patient, which names are
taken, which classes and properties exist) under the write lock.
"""

from dataclasses import dataclass

import pyoxigraph as ox

from kg.errors import SalvageKgError
from kg.namespaces import PATIENT, SK, SOURCE
from kg.questions.catalogue import internal

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
TYPE = ox.NamedNode(RDF + "type")
NOTATION = ox.NamedNode(SKOS + "notation")
SK_PATIENT = ox.NamedNode(str(SK.Patient))
# The only things a case writes as blank nodes: the structured values inside one of its events.
BLANK_NODE_TYPES = {str(SK.Timing), str(SK.Dose)}
# Vocabulary words a case may use as predicates besides the ontology's own properties; never ones that define
# classes or properties (rdfs:subClassOf, owl:...).
OTHER_PREDICATES = {RDF + "type", RDF + "first", RDF + "rest", RDFS + "label", RDFS + "comment", RDFS + "seeAlso",
                    SKOS + "notation", SKOS + "altLabel", SKOS + "prefLabel"}
OTHER_NAMESPACES = ("http://purl.org/dc/terms/", "http://purl.org/ontology/bibo/", "http://www.w3.org/ns/prov#")
# Classes whose members a case may add besides the statements and sources queries/internal/case-classes.rq finds:
# who the statements are about and the structured values inside them.
CASE_CLASSES = {str(SK.Patient), str(SK.Timing), str(SK.Dose)}


class OutOfScope(SalvageKgError, ValueError):
    """The case reaches outside itself; `kind` is invalid (422) or conflict (409)."""

    kinds = ("invalid", "conflict", "too_large")

    def __init__(self, kind: str, message: str):
        super().__init__(message, kind)


@dataclass(frozen=True)
class Limits:
    """How large one case may be: past these, a write would take minutes and gigabytes (a 1-million-item list
    took 7 minutes and 7 GB)."""

    max_triples: int = 20_000
    max_list_items: int = 1_000


def _shown(terms) -> str:
    return ", ".join(sorted(str(term) for term in terms)[:5])


def check_alone(source: str, triples: tuple[ox.Triple, ...]) -> None:
    """The rules a case can be held to on its own: no triple terms, blank nodes only inside events, IRIs under
    patient/ only under its own patients, no other source, no predicates that define vocabulary."""
    terms = [term for triple in triples for term in triple]
    nested = [term for term in terms if isinstance(term, ox.Triple)]
    if nested:
        raise OutOfScope("invalid", f"triple terms (RDF 1.2) are refused in a case: {_shown(nested[:1])}")
    typed: dict[ox.BlankNode | ox.NamedNode, set[str]] = {}
    for triple in triples:
        if triple.predicate == TYPE:
            typed.setdefault(triple.subject, set()).add(triple.object.value)
    blanks = {term for term in terms if isinstance(term, ox.BlankNode)}
    events = {blank for blank in blanks if not typed.get(blank) or not typed[blank] <= BLANK_NODE_TYPES}
    if events:
        kinds = sorted({kind.rsplit("#", 1)[-1] for blank in events for kind in typed.get(blank, {"untyped"})})
        raise OutOfScope("invalid", "blank-node events are refused: a blank node may only be a sk:Timing or a "
                                    "sk:Dose inside an event; give each event, finding or response an IRI under "
                                    f"its patient (found blank nodes typed {', '.join(kinds)})")
    patients = {subject.value for subject, kinds in typed.items()
                if isinstance(subject, ox.NamedNode) and str(SK.Patient) in kinds}
    iris = {term.value for term in terms if isinstance(term, ox.NamedNode)}
    under = len(str(PATIENT))
    foreign = {iri for iri in iris if iri.startswith(str(PATIENT))
               and str(PATIENT) + iri[under:].split("/", 1)[0] not in patients}
    if foreign:
        raise OutOfScope("invalid", "a case may name only its own patients (typed sk:Patient in it) and nodes "
                                    f"under their IRIs; it also names {_shown(foreign)}")
    other_sources = {iri for iri in iris if iri.startswith(str(SOURCE)) and iri != source}
    if other_sources:
        raise OutOfScope("invalid", f"a case may cite only its own source ({source}); it also names "
                                    f"{_shown(other_sources)}")
    defining = {triple.predicate.value for triple in triples
                if not triple.predicate.value.startswith(str(SK)) and triple.predicate.value not in OTHER_PREDICATES
                and not triple.predicate.value.startswith(OTHER_NAMESPACES)}
    if defining:
        raise OutOfScope("invalid", "the ontology and vocabulary are not writable through a case: "
                                    f"{_shown(defining)} may not be used")


def _case_classes(store: ox.Store) -> set[str]:
    solutions = store.query(internal("case-classes").text, use_default_graph_as_union=True)
    return {solution["class"].value for solution in solutions} | CASE_CLASSES


def _identifiers(store: ox.Store, subject: ox.NamedNode) -> set[str]:
    """What a patient is looked up by (/patients/{id}, `patient=`): its notation and its IRI's last segment.
    Labels may repeat ("synthetic patient 1" in every synthetic cohort); identifiers may not."""
    names = {subject.value.rsplit("/", 1)[-1].casefold()}
    return names | {quad.object.value.casefold() for quad in store.quads_for_pattern(subject, NOTATION, None, None)}


def check_in(store: ox.Store, case_graph: ox.NamedNode, case_graphs: str, triples: tuple[ox.Triple, ...]) -> None:
    """The rules that need the graph: only case classes, only declared properties, patients that no other case
    describes, and patient identifiers that no other patient has."""
    classes = _case_classes(store)
    types = {t.object.value for t in triples if t.predicate == TYPE}
    if types - classes:
        raise OutOfScope("invalid", "a case may add only patients, their events, findings and responses (with "
                                    "their timings and doses) and its source; the ontology and vocabulary "
                                    "(agents, antigens, classes) are not writable through a case: it types nodes "
                                    f"{_shown(types - classes)}")
    used = {t.predicate for t in triples if t.predicate.value.startswith(str(SK))}
    undeclared = {p.value for p in used if not any(True for _ in store.quads_for_pattern(p, TYPE, None, None))}
    if undeclared:
        raise OutOfScope("invalid", f"no such property in the ontology: {_shown(undeclared)}")

    def elsewhere(subject: ox.NamedNode) -> str | None:
        for quad in store.quads_for_pattern(subject, None, None, None):
            graph = quad.graph_name
            if graph != case_graph and isinstance(graph, ox.NamedNode) and graph.value.startswith(case_graphs):
                return graph.value[len(case_graphs):]
        return None

    patients = {t.subject for t in triples if t.predicate == TYPE and t.object == SK_PATIENT}
    for patient in patients:
        owner = elsewhere(patient)
        if owner:
            raise OutOfScope("conflict", f"{patient.value} is described by case {owner!r}, not by this one")
    new_names = {patient.value.rsplit("/", 1)[-1].casefold(): patient for patient in patients}
    new_names |= {t.object.value.casefold(): t.subject for t in triples
                  if t.predicate == NOTATION and t.subject in patients}
    for other in sorted(_namesakes(store, set(new_names)), key=lambda node: node.value):
        if other in patients or not _is_patient(store, other) or not elsewhere(other):
            continue
        taken = _identifiers(store, other) & new_names.keys()
        if taken:
            name = sorted(taken)[0]
            raise OutOfScope("conflict", f"patient {new_names[name].value} would share the identifier {name!r} with "
                                         f"{other.value}, which case {elsewhere(other)!r} describes")


def _namesakes(store: ox.Store, names: set[str]) -> set[ox.NamedNode]:
    """A superset of the patients that may share one of these (casefolded) identifiers, to be checked exactly in
    Python (queries/internal/patient-namesakes.rq). The names are bound as one literal term, never written into
    the query's text: they are the person's, not yet the graph's."""
    if not names:
        return set()
    wanted = "".join(f"\n{name}" for name in sorted(names)) + "\n"
    bindings = {ox.Variable("_wanted"): ox.Literal(wanted), ox.Variable("_patient_prefix"): ox.Literal(str(PATIENT))}
    solutions = store.query(internal("patient-namesakes").text, substitutions=bindings,
                            use_default_graph_as_union=True)
    return {solution["other"] for solution in solutions if isinstance(solution["other"], ox.NamedNode)}


def _is_patient(store: ox.Store, node: ox.NamedNode) -> bool:
    return any(True for _ in store.quads_for_pattern(node, TYPE, SK_PATIENT, None))


def check_size(triples_seen: int, list_items: int, limits: Limits) -> None:
    if triples_seen > limits.max_triples:
        raise OutOfScope("too_large", f"a case may hold at most {limits.max_triples:,} statements; split it")
    if list_items > limits.max_list_items:
        raise OutOfScope("too_large", f"a case may hold at most {limits.max_list_items:,} RDF list items")
