"""Which code a term of the graph is written with in a phenopacket, and back.

A term is written with a code the vocabulary declares as its exact match (skos:exactMatch, added by the curators
only once verified; read through queries/internal/term-codes.rq), else under the project's own namespace
(`sk:Relapse`, `skagent:tisagenlecleucel`), declared in the phenopacket's resources. Close matches are never
used: a close match is not the same thing.

>>> import kg
>>> codes = Codes.read(kg.default_graph())
>>> codes.curie("https://w3id.org/salvage-kg/agent/blinatumomab"), codes.curie(str(SK.Relapse))
('NCIT:C62528', 'sk:Relapse')
>>> codes.term("NCIT:C62528") == str(AGENT["blinatumomab"]), codes.term("skagent:tisagenlecleucel")
(True, 'https://w3id.org/salvage-kg/agent/tisagenlecleucel')
"""

from dataclasses import dataclass

import phenopackets as pp

from kg.knowledge_graph import KnowledgeGraph
from kg.namespaces import AGENT, SK
from kg.build.phenopackets.validate import PhenopacketError


@dataclass(frozen=True)
class Namespace:
    prefix: str
    iri: str
    name: str
    url: str
    version: str


# Outside ontologies, in the order a code is preferred when a term has several exact matches. The versions are
# those the identifiers were verified against (shared/reference/identifiers.tsv); where the verification did not
# record one, the resource says so rather than guess.
EXTERNAL = (
    Namespace("MONDO", "http://purl.obolibrary.org/obo/MONDO_", "Mondo Disease Ontology",
              "http://purl.obolibrary.org/obo/mondo.obo", "not recorded"),
    Namespace("NCIT", "http://purl.obolibrary.org/obo/NCIT_", "NCI Thesaurus",
              "http://purl.obolibrary.org/obo/ncit.owl", "25.01d"),
    Namespace("MAXO", "http://purl.obolibrary.org/obo/MAXO_", "Medical Action Ontology",
              "http://purl.obolibrary.org/obo/maxo.owl", "2024-07-29"),
    Namespace("CHEBI", "http://purl.obolibrary.org/obo/CHEBI_", "Chemical Entities of Biological Interest",
              "http://purl.obolibrary.org/obo/chebi.owl", "not recorded"),
    Namespace("HGNC", "http://identifiers.org/hgnc/", "HUGO Gene Nomenclature Committee",
              "https://www.genenames.org", "not recorded"),
)
# The project's own terms, for everything without a verified code.
LOCAL = (
    Namespace("sk", str(SK), "salvage-kg ontology", "https://w3id.org/salvage-kg/ontology", "0.1.0"),
    Namespace("skagent", str(AGENT), "salvage-kg therapy agents", "https://w3id.org/salvage-kg/agent/", "0.1.0"),
)
NAMESPACES = {namespace.prefix: namespace for namespace in EXTERNAL + LOCAL}
_PREFERENCE = {namespace.prefix: rank for rank, namespace in enumerate(EXTERNAL)}


def _to_curie(iri: str) -> str | None:
    for namespace in sorted(NAMESPACES.values(), key=lambda ns: -len(ns.iri)):
        if iri.startswith(namespace.iri) and len(iri) > len(namespace.iri):
            return f"{namespace.prefix}:{iri[len(namespace.iri):]}"
    return None


def expand(curie: str) -> str | None:
    """'sk:Relapse' -> its IRI; None for a prefix no resource declares."""
    prefix, _, local = curie.partition(":")
    namespace = NAMESPACES.get(prefix)
    return namespace.iri + local if namespace and local else None


class Codes:
    def __init__(self, exact: dict[str, list[str]]):
        self._code = {}
        self._term = {}
        for term, codes in exact.items():
            known = [code for code in map(_to_curie, codes) if code]
            if known:
                known.sort(key=lambda code: _PREFERENCE.get(code.split(":")[0], len(_PREFERENCE)))
                self._code[term] = known[0]
                for code in known:
                    self._term.setdefault(code, term)

    @classmethod
    def read(cls, graph: KnowledgeGraph) -> "Codes":
        exact: dict[str, list[str]] = {}
        for row in graph.ask_internal("term-codes").rows:
            exact.setdefault(row["term"], []).append(row["code"])
        return cls(exact)

    def curie(self, term: str) -> str:
        """The verified code of a term, else its name under the project's namespace."""
        local = _to_curie(term)
        if term in self._code:
            return self._code[term]
        if local is None or local.split(":")[0] not in {namespace.prefix for namespace in LOCAL}:
            raise PhenopacketError([f"{term} has no verified code and is not one of the project's terms"])
        return local

    def ontology_class(self, term: str, label: str) -> pp.OntologyClass:
        return pp.OntologyClass(id=self.curie(term), label=label)

    def term(self, curie: str) -> str | None:
        """The graph's term a code stands for: the term it is an exact match of, or the project's own term."""
        if curie in self._term:
            return self._term[curie]
        prefix = curie.split(":")[0]
        return expand(curie) if prefix in {namespace.prefix for namespace in LOCAL} else None


def resources(curies) -> list[pp.Resource]:
    """The resources a phenopacket must declare: one per prefix its ontology classes use."""
    used = sorted({curie.split(":")[0] for curie in curies})
    return [pp.Resource(id=prefix.lower(), name=NAMESPACES[prefix].name, url=NAMESPACES[prefix].url,
                        version=NAMESPACES[prefix].version, namespace_prefix=prefix,
                        iri_prefix=NAMESPACES[prefix].iri) for prefix in used]
