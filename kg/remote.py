"""A remote SPARQL 1.1 store (Oxigraph server, Fuseki, GraphDB, Virtuoso, Neptune) as an engine and a load target.

Queries go out over the SPARQL 1.1 Protocol. A remote endpoint cannot take pre-bound variables, so parameters
travel as a VALUES block placed at the start of the query's outermost WHERE: the values are RDF terms written by
rdflib (`Term.n3()`), never text a user typed, and the block joins before every other pattern, as pre-binding
does. Graphs are loaded with the Graph Store Protocol (PUT replaces a named graph whole).

The named questions read the union of all graphs as the default graph: start Oxigraph server with
`--union-default-graph` (Fuseki: `tdb2:unionDefaultGraph true`; GraphDB and Virtuoso do so by default).
"""

import re
from collections.abc import Mapping

import httpx
import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

from kg.progress import Progress

_WHERE = re.compile(r"\bWHERE\s*\{", re.IGNORECASE)
_SAFE_IRI = re.compile(r'^[^\s<>"{}|^`\\]*$')


class RemoteStoreError(RuntimeError):
    """The remote store refused or failed a request; the message carries its status and answer."""


def _written(term: Node) -> str:
    if isinstance(term, URIRef) and not _SAFE_IRI.match(str(term)):
        raise ValueError(f"not a valid IRI: {str(term)!r}")
    return term.n3()


def with_values(text: str, bindings: Mapping[str, Node] | None) -> str:
    """The query with its parameters bound by a VALUES block at the start of the outermost WHERE."""
    if not bindings:
        return text
    # The first WHERE outside comment lines is the outermost one: subqueries come later in the text.
    offset = 0
    for line in text.splitlines(keepends=True):
        match = None if line.lstrip().startswith("#") else _WHERE.search(line)
        if match:
            insert_at = offset + match.end()
            break
        offset += len(line)
    else:
        raise ValueError("the query has no WHERE clause to bind parameters in")
    names = " ".join(f"?{name}" for name in bindings)
    row = " ".join(_written(term) for term in bindings.values())
    return f"{text[:insert_at]}\n  VALUES ({names}) {{ ({row}) }}{text[insert_at:]}"


def _term(binding: dict) -> Node:
    kind = binding["type"]
    if kind == "uri":
        return URIRef(binding["value"])
    if kind == "bnode":
        return BNode(binding["value"])
    if "xml:lang" in binding:
        return Literal(binding["value"], lang=binding["xml:lang"])
    datatype = binding.get("datatype")
    if datatype == "http://www.w3.org/2001/XMLSchema#string":
        datatype = None
    return Literal(binding["value"], datatype=URIRef(datatype) if datatype else None)


class RemoteEngine:
    """Runs questions on a SPARQL 1.1 endpoint; same interface as the in-process engines."""

    name = "remote"

    def __init__(self, query_url: str, graph_store_url: str | None = None, timeout: float = 30.0):
        self.query_url = query_url
        # Oxigraph server's layout (/query, /store) is the default; other stores give their own URL.
        self.graph_store_url = graph_store_url or re.sub(r"/(query|sparql)/?$", "/store", query_url)
        self.client = httpx.Client(timeout=timeout)

    def _post(self, text: str, bindings) -> dict:
        try:
            response = self.client.post(self.query_url, data={"query": with_values(text, bindings)},
                                        headers={"Accept": "application/sparql-results+json"})
        except httpx.HTTPError as exc:
            raise RemoteStoreError(f"{self.query_url}: {exc}") from exc
        if response.status_code != 200:
            raise RemoteStoreError(f"{self.query_url} answered {response.status_code}: {response.text[:500]}")
        return response.json()

    def select(self, text: str, bindings: Mapping[str, Node] | None = None):
        body = self._post(text, bindings)
        columns = body["head"]["vars"]
        rows = [tuple(_term(solution[c]) if c in solution else None for c in columns)
                for solution in body["results"]["bindings"]]
        return columns, rows

    def ask(self, text: str, bindings: Mapping[str, Node] | None = None) -> bool:
        return bool(self._post(text, bindings)["boolean"])

    def upload(self, store: ox.Store, progress: Progress) -> int:
        """Replace each named graph of the remote store with the built one (Graph Store Protocol PUT)."""
        graphs = sorted(store.named_graphs(), key=lambda graph: graph.value)
        for number, graph in enumerate(graphs, start=1):
            triples = (ox.Triple(q.subject, q.predicate, q.object)
                       for q in store.quads_for_pattern(None, None, None, graph))
            body = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
            progress(f"uploading graph {number}/{len(graphs)}: {graph.value}")
            try:
                response = self.client.put(self.graph_store_url, params={"graph": graph.value}, content=body,
                                           headers={"Content-Type": "application/n-triples"})
            except httpx.HTTPError as exc:
                raise RemoteStoreError(f"{self.graph_store_url}: {exc}") from exc
            if response.status_code not in (200, 201, 204):
                raise RemoteStoreError(f"{self.graph_store_url} answered {response.status_code} for "
                                       f"{graph.value}: {response.text[:500]}")
        return len(graphs)


class RemoteQueries:
    """The /sparql side over a remote store: forwards a query, bounded in time and size, like QueryWorkers."""

    def __init__(self, query_url: str, timeout: float = 10.0, size: int = 8):
        from kg.query_workers import QueryError, QueryResult  # the same request/result shapes as the workers

        self._error, self._result = QueryError, QueryResult
        self.query_url = query_url
        self.timeout = timeout
        self.size = size
        self.starting = 0  # no processes of our own to restart: the remote store runs the queries
        self.client = httpx.Client(timeout=timeout)

    def run(self, request, cancelled=None):
        """Forward one query; `cancelled` (a threading.Event set when our client has gone) stops reading it."""
        from api.sparql_guard import Unsafe, check  # the remote store may federate: never forward a SERVICE

        try:
            check(request.query)
        except Unsafe as exc:
            raise self._error("service_disabled" if exc.kind == "service_disabled" else "syntax", str(exc)) \
                from None
        params = [("default-graph-uri", iri) for iri in request.default_graphs]
        params += [("named-graph-uri", iri) for iri in request.named_graphs]
        headers = {"Accept": ", ".join(request.accept)}
        try:
            with self.client.stream("POST", self.query_url, params=params, data={"query": request.query},
                                    headers=headers) as response:
                body = bytearray()
                for chunk in response.iter_bytes():
                    if cancelled is not None and cancelled.is_set():
                        raise self._error("cancelled", "the client went away; the query was stopped")
                    body += chunk
                    if len(body) > request.max_bytes:
                        raise self._error("too_large", f"the result is larger than {request.max_bytes} bytes; "
                                                       "add LIMIT or narrow the query")
        except httpx.TimeoutException:
            raise self._error("timeout", f"the remote store did not answer within {self.timeout:g} s") from None
        except httpx.HTTPError as exc:
            raise self._error("busy", f"the remote store is unreachable: {exc}") from None
        if response.status_code == 406:
            raise self._error("not_acceptable", "no acceptable result format for this query")
        if response.status_code != 200:
            raise self._error("syntax", f"the remote store answered {response.status_code}: "
                                        f"{bytes(body[:500]).decode('utf-8', 'replace')}")
        media_type = response.headers.get("content-type", "application/octet-stream").split(";")[0]
        return self._result(media_type, bytes(body))

    def close(self) -> None:
        self.client.close()
