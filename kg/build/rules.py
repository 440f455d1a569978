"""Named derivation rules: SPARQL CONSTRUCT files in queries/rules/, run at build time.

What a rule derives goes into its own named graph (graph/derived/NAME), apart from what sources state, and every
derived node names its rule (sk:derivedBy) and the stated facts it rests on (prov:wasDerivedFrom).

A rule is either about the vocabulary (`#+ scope: vocabulary`: it reads only the ontology and vocabulary graphs, so
it is derived once at build time and no case write touches it) or about a case (the default: it reads one case's
patients, with the ontology, vocabulary and studies, and never joins across patients). Case rules can therefore be
run for one case alone on a small scratch store (kg/build/case_facts.py), which is how a write and a build in
parts bring them up to date. Vocabulary rules run first, so that case rules may read what they derive.
"""

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pyoxigraph as ox

from kg.namespaces import RULE, SK, derived_graph
from kg.paths import RULES_DIR
from kg.questions.catalogue import read_header, read_query

_RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
_LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
_DESCRIPTION = ox.NamedNode("http://purl.org/dc/terms/description")
_DIGEST = ox.NamedNode(str(SK.ruleDigest))


@dataclass(frozen=True)
class Rule:
    name: str
    title: str
    description: str
    text: str
    path: Path
    scope: str = "case"  # or "vocabulary"

    @property
    def iri(self) -> str:
        return str(RULE[self.name])

    @property
    def digest(self) -> str:
        """The SHA-256 of its text, written on its rule node: a store derived by another text is stale."""
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


@cache
def rules(directory: Path = RULES_DIR) -> tuple[Rule, ...]:
    found = []
    for path in sorted(directory.glob("*.rq")):
        text = read_query(path)
        header = read_header(text)
        scope = str(header.get("scope") or "case").strip()
        if scope not in SCOPES:
            raise ValueError(f"{path.name}: '#+ scope: {scope}' is not one of {', '.join(SCOPES)}")
        description = " ".join(str(header["description"]).split())
        found.append(Rule(path.stem, str(header["summary"]), description, text, path, scope))
    # Vocabulary rules first: a case rule may read their facts, never the other way round.
    return tuple(sorted(found, key=lambda rule: (rule.scope != "vocabulary", rule.name)))


SCOPES = ("case", "vocabulary")


def vocabulary_rules() -> tuple[Rule, ...]:
    return tuple(rule for rule in rules() if rule.scope == "vocabulary")


def case_rules() -> tuple[Rule, ...]:
    return tuple(rule for rule in rules() if rule.scope == "case")


def graph_of(rule: Rule) -> ox.NamedNode:
    return ox.NamedNode(str(derived_graph(rule.name)))


def derive(store: ox.Store, only: Iterable[Rule] | None = None) -> dict[str, int]:
    """Run the rules (every one, or `only` those) over the stated graph; replace each rule's graph. Returns
    triples derived per rule."""
    counts = {}
    for rule in rules() if only is None else tuple(only):
        graph = graph_of(rule)
        if graph in set(store.named_graphs()):
            store.remove_graph(graph)  # first, so that a rule never feeds on its own earlier output
        # Serialised, then bulk-loaded: a rule derives millions of triples on a large cohort, far lighter as
        # N-Triples bytes than as Python objects, and the query has finished before its graph is written.
        derived = ox.serialize(store.query(rule.text, use_default_graph_as_union=True), format=ox.RdfFormat.N_TRIPLES)
        store.bulk_load(derived, ox.RdfFormat.N_TRIPLES, to_graph=graph)
        rule_node = ox.NamedNode(rule.iri)
        store.extend([
            ox.Quad(rule_node, _RDF_TYPE, ox.NamedNode(str(SK.DerivationRule)), graph),
            ox.Quad(rule_node, _LABEL, ox.Literal(rule.title, language="en"), graph),
            ox.Quad(rule_node, _DESCRIPTION, ox.Literal(rule.description, language="en"), graph),
            ox.Quad(rule_node, ox.NamedNode(str(SK.ruleFile)), ox.Literal(f"queries/rules/{rule.path.name}"), graph),
            ox.Quad(rule_node, _DIGEST, ox.Literal(rule.digest), graph),
        ])
        counts[rule.name] = derived.count(b"\n")  # one triple per line
    return counts


def stale(digests: Mapping[str, Sequence[str]]) -> list[str]:
    """The rules whose derived facts are not what today's rule text derives (derived by another text, or never),
    given the digests written on each rule node a store holds ({rule IRI: digests}): questions read those facts,
    and would answer from them wrongly. None where the store holds no rule node (nothing derived there)."""
    if not digests:
        return []
    return [rule.name for rule in rules() if list(digests.get(rule.iri, ())) != [rule.digest]]


def stale_rules(store: ox.Store) -> list[str]:
    """stale() of a local store, each rule node read from its rule's graph."""
    def written(rule: Rule, predicate: ox.NamedNode) -> list[str]:
        return [quad.object.value for quad in store.quads_for_pattern(ox.NamedNode(rule.iri), predicate, None,
                                                                       graph_of(rule))]

    return stale({rule.iri: written(rule, _DIGEST) for rule in rules() if written(rule, _RDF_TYPE)})
