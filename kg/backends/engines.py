"""Query engines behind one small interface: Oxigraph (the default, fast) and rdflib's own (the reference).

Both run the same standard SPARQL 1.1 text over the union of all named graphs; parameters are bound as RDF terms
(pyoxigraph `substitutions`, rdflib `initBindings`), never pasted into the text (KnowledgeGraph writes graph terms
in, in canonical form, before a query reaches Oxigraph: kg.questions.inline). pyoxigraph only substitutes
variables that the query projects, so every question projects its parameter variables.

>>> from kg.build.pipeline import build_store
>>> engine = OxigraphEngine(build_store())
>>> engine.ask("ASK { ?relapse a <https://w3id.org/salvage-kg/ontology#Relapse> }")
True
"""

from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Protocol

import pyoxigraph as ox
from oxrdflib import OxigraphStore
from rdflib import BNode, Dataset, Literal, URIRef
from rdflib.namespace import XSD
from rdflib.plugins.sparql import prepareQuery
from rdflib.term import Node

Row = tuple[Node | None, ...]


class Engine(Protocol):
    name: str

    def select(self, text: str, bindings: Mapping[str, Node] | None = None) -> tuple[list[str], list[Row]]: ...

    def ask(self, text: str, bindings: Mapping[str, Node] | None = None) -> bool: ...


# --- term conversion between pyoxigraph and rdflib -----------------------------------------------------------

def to_rdflib(term) -> Node | None:
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.Literal):
        return _literal(term.value, term.datatype.value, term.language)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    raise TypeError(f"unexpected term {term!r}")


def from_plain(term) -> Node | None:
    """A term as a query worker sends it (kg.backends.worker_process.plain: an IRI as str, a literal as
    (value, datatype, language), a blank node as (id,)), as rdflib's."""
    if term is None:
        return None
    if type(term) is str:
        return URIRef(term)
    if len(term) == 3:
        return _literal(*term)
    return BNode(term[0])


@lru_cache(maxsize=16_384)  # bounded: a page of 100 rows holds under 2,000 literals
def _literal(value: str, datatype: str, language: str | None) -> Literal:
    """rdflib parses a literal's value as it makes one (a date, a duration, a number: 5-13 us each, about half
    of a 100-row page's time in Python at 10,000 patients). A page repeats most of its literals (labels,
    citations, statuses, and across pages), and a Literal cannot change, so one is made once and shared."""
    if language:
        return Literal(value, lang=language)
    return Literal(value, datatype=None if datatype == _XSD_STRING else URIRef(datatype))


_XSD_STRING = str(XSD.string)


def to_oxigraph(term: Node):
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is None:
            return ox.Literal(str(term))
        return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
    raise TypeError(f"cannot bind {term!r}")


# --- engines ---------------------------------------------------------------------------------------------------

class OxigraphEngine:
    """pyoxigraph's Rust engine over a Store; the default."""

    name = "oxigraph"

    def __init__(self, store: ox.Store):
        self.store = store

    def _query(self, text: str, bindings: Mapping[str, Node] | None):
        substitutions = {ox.Variable(name): to_oxigraph(value) for name, value in (bindings or {}).items()}
        return self.store.query(text, use_default_graph_as_union=True, substitutions=substitutions or None)

    def select(self, text, bindings=None):
        solutions = self._query(text, bindings)
        columns = [variable.value for variable in solutions.variables]
        rows = [tuple(to_rdflib(solution[index]) for index in range(len(columns))) for solution in solutions]
        return columns, rows

    def ask(self, text, bindings=None) -> bool:
        return bool(self._query(text, bindings))

    def construct(self, text: str) -> Iterable[ox.Triple]:
        return self._query(text, None)


@lru_cache(maxsize=256)  # bounded: each page of an answer is a text of its own
def _prepared(text: str):
    return prepareQuery(text)


class RdflibEngine:
    """rdflib's own SPARQL engine over a Dataset whose default graph is the union; the reference for portability."""

    name = "rdflib"

    def __init__(self, dataset: Dataset):
        self.dataset = dataset

    def _query(self, text, bindings):
        return self.dataset.query(_prepared(text), initBindings=dict(bindings or {}))

    def select(self, text, bindings=None):
        result = self._query(text, bindings)
        columns = [str(variable) for variable in result.vars]
        return columns, [tuple(row) for row in result]

    def ask(self, text, bindings=None) -> bool:
        return bool(self._query(text, bindings).askAnswer)


def rdflib_dataset(store: ox.Store) -> Dataset:
    """Copy every quad of the store into an rdflib Dataset whose default graph is the union of all graphs."""
    dataset = Dataset(default_union=True)
    data = store.dump(format=ox.RdfFormat.N_QUADS)
    dataset.parse(data=data.decode("utf-8"), format="nquads")
    return dataset


def oxigraph_dataset(store: ox.Store, copy: bool = True) -> Dataset:
    """An rdflib Dataset (default graph = the union) whose SPARQL runs on Oxigraph, over a copy of the store.

    The notebook face: people keep rdflib's Graph API, and a query string is answered by Oxigraph through the
    oxrdflib store plugin, at Oxigraph's speed and with its reading of the standard (rdflib 7.6 evaluates a
    subquery with the outer solution's bindings, which SPARQL 1.1 scopes out). A copy, so that what a notebook
    adds or removes never reaches the validated graph that questions run on. A query given as a prepared Query
    object, or with keyword arguments oxrdflib does not take, is refused by the plugin rather than run elsewhere.
    (`copy=False` shares the store: the benchmark times the query path at 100,000 patients without a second copy.)
    """
    if copy:
        shared, store = store, ox.Store()
        store.extend(shared.quads_for_pattern(None, None, None, None))
    return Dataset(store=OxigraphStore(store=store), default_union=True)


def plain_texts(store: ox.Store | None, engine: Engine, text: str, bindings=None):
    """A look-up's rows with each term as its text (an IRI, a literal's lexical form; None when unbound), for reading
    a whole cohort at once. On a local store pyoxigraph's terms are read as they come: turning each into an rdflib
    term and a Python value took most of the time of such a read (tens of seconds at 10,000 patients). Elsewhere
    (a remote store, rdflib's engine), through the engine."""
    if store is None:
        _, rows = engine.select(text, bindings or None)
        return (tuple(None if term is None else str(term) for term in row) for row in rows)
    substitutions = {ox.Variable(name): to_oxigraph(term) for name, term in (bindings or {}).items()}
    solutions = store.query(text, use_default_graph_as_union=True, substitutions=substitutions or None)
    return (tuple(None if term is None else term.value for term in solution) for solution in solutions)


def notebook_dataset(store: ox.Store | None, engine: Engine) -> Dataset:
    """The notebook's copy of a graph (oxigraph_dataset); a graph in a remote store has no copy here to give, and
    says so with the way to query it instead."""
    if store is None:
        from kg.backends.remote import RemoteStoreError

        # Copying it over the protocol is no answer: stores cap result sizes (Virtuoso at 10,000 rows by default)
        # and a silently truncated copy would answer wrongly.
        raise RemoteStoreError("this graph lives in a remote SPARQL store, with no copy here for rdflib: query it "
                               "with rdflib's SPARQLStore (rdflib.Graph(store=SPARQLStore("
                               f"{getattr(engine, 'query_url', 'its query URL')!r})))", "not_on_this_store")
    return oxigraph_dataset(store)
