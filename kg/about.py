"""What the dataset is: version, when this graph was built, what it holds, its licence, how to cite it, and the
same as a VoID description (the W3C vocabulary that dataset catalogues and SPARQL clients read).

>>> import kg
>>> about = describe(kg.default_graph())
>>> about.counts["case_reports"], about.counts["synthetic_patients"]
(2, 0)
>>> "void:Dataset" in void_turtle(about, sparql_endpoint="http://127.0.0.1:8000/sparql")
True
"""

from dataclasses import dataclass, field
from importlib import metadata

from rdflib import RDF, XSD, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, FOAF

from kg.namespaces import BASE, SK, bind_prefixes

VOID = Namespace("http://rdfs.org/ns/void#")
DATASET = URIRef(BASE + "dataset")
LICENCE = "MIT"
LICENCE_URL = "https://spdx.org/licenses/MIT.html"
TITLE = "salvage-kg: salvage therapy in relapsed/refractory B-cell precursor ALL"
HOW_TO_CITE = ("salvage-kg contributors. salvage-kg: a knowledge graph of salvage therapy in relapsed/refractory "
               "B-cell precursor ALL, version {version}. Cite the case reports and studies behind each fact as well "
               "(every answer names them); see CITATION.cff.")


def version() -> str:
    try:
        return metadata.version("salvage-kg")
    except metadata.PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown"


@dataclass(frozen=True)
class About:
    version: str
    built_at: str  # when this process built or opened the graph (ISO 8601, UTC)
    counts: dict[str, int]
    named_graphs: tuple[str, ...]
    licence: str = LICENCE
    licence_url: str = LICENCE_URL
    title: str = TITLE
    how_to_cite: str = field(default="")

    @property
    def synthetic(self) -> bool:
        """True when generated patients are in the graph: its answers are then partly synthetic, never evidence."""
        return self.counts.get("synthetic_patients", 0) > 0


def describe(graph) -> About:
    """The about record of a KnowledgeGraph, counted once per state of the graph (a write counts again)."""
    return graph.summary("about", lambda: _count(graph))


def _count(graph) -> About:
    counts = graph.ask_internal("dataset-counts").rows[0]
    graphs = tuple(row["graph"] for row in graph.ask_internal("named-graphs").rows)
    return About(version=version(), built_at=graph.built_at.isoformat(timespec="seconds"),
                 counts={name: int(value or 0) for name, value in counts.items()}, named_graphs=graphs,
                 how_to_cite=HOW_TO_CITE.format(version=version()))


def void_turtle(about: About, sparql_endpoint: str) -> str:
    """The dataset as VoID: one void:Dataset with its counts and endpoint, each named graph a subset."""
    void = Graph()
    void.bind("void", VOID)
    void.bind("dcterms", DCTERMS)
    void.bind("foaf", FOAF)
    void.add((DATASET, RDF.type, VOID.Dataset))
    void.add((DATASET, DCTERMS.title, Literal(about.title, lang="en")))
    void.add((DATASET, DCTERMS.license, URIRef(about.licence_url)))
    void.add((DATASET, DCTERMS.hasVersion, Literal(about.version)))
    void.add((DATASET, DCTERMS.modified, Literal(about.built_at, datatype=XSD.dateTime)))
    void.add((DATASET, VOID.sparqlEndpoint, URIRef(sparql_endpoint)))
    void.add((DATASET, VOID.uriSpace, Literal(BASE)))
    void.add((DATASET, VOID.vocabulary, URIRef(str(SK))))
    void.add((DATASET, VOID.triples, Literal(about.counts["triples"], datatype=XSD.integer)))
    void.add((DATASET, VOID.entities, Literal(about.counts["statements"], datatype=XSD.integer)))
    void.add((DATASET, DCTERMS.bibliographicCitation, Literal(about.how_to_cite)))
    # The counts /about gives, as VoID class partitions: how many sources, case reports and patients.
    for cls, count in ((SK.SourceDocument, "sources"), (SK.CaseReport, "case_reports"), (SK.Patient, "patients")):
        partition = URIRef(f"{DATASET}#{count}")
        void.add((DATASET, VOID.classPartition, partition))
        void.add((partition, VOID["class"], cls))
        void.add((partition, VOID.entities, Literal(about.counts[count], datatype=XSD.integer)))
    bind_prefixes(void)
    for name in about.named_graphs:
        void.add((DATASET, VOID.subset, URIRef(name)))
        void.add((URIRef(name), RDF.type, VOID.Dataset))
    return void.serialize(format="turtle")
