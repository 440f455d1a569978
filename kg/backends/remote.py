"""A remote SPARQL 1.1 store (Oxigraph server, Fuseki, GraphDB, Virtuoso, Neptune) as an engine and a load target.

Queries go out over the SPARQL 1.1 Protocol. A remote endpoint cannot take pre-bound variables, so parameters
travel as BIND clauses placed at the start of the query's outermost WHERE: the values are RDF terms written by
rdflib (`Term.n3()`), never text a user typed, and they join before every other pattern, as pre-binding does.
(A VALUES block there means the same in SPARQL 1.1, but Virtuoso 7.2 loses rows with it: search-statements
found nothing for "MRD" where the BIND finds its 16 statements.) Graphs are loaded with the Graph Store Protocol
(PUT replaces a named graph whole), with Basic or Digest auth (Virtuoso's authenticated graph-store URL wants Digest).

Every query is asked against a dataset the protocol states (`default-graph-uri` and `named-graph-uri`, one per
graph of ours): the default graph is the merge of our named graphs, as the embedded store's union is, and a
store's own graphs (Virtuoso's 5,000 system triples) stay out, whatever the store's default dataset is.
"""

import re
from collections.abc import Mapping
from functools import lru_cache

import httpx
import pyoxigraph as ox
from rdflib import Literal, URIRef
from rdflib.term import Node

from kg.backends.query_workers import BUDGET
from kg.backends.remote_boolean import NotABoolean, boolean_from_json, boolean_result
from kg.backends.remote_terms import from_json, solutions_in, triples_in
from kg.errors import SalvageKgError
from kg.namespaces import GRAPH
from kg.progress import Progress
from kg.questions.catalogue import internal

_WHERE = re.compile(r"\bWHERE\s*\{", re.IGNORECASE)
# Virtuoso 7.2 searches join orders before it runs a query, at a cost that grows steeply with the triple patterns:
# over the two reports it planned pathway-steps (21 patterns) for 16 s and then ran it in 0.1 s; its first 13
# patterns alone took 0.6 s. A question written in the order its patterns are best joined (the patients first)
# declares `#+ written-order-on: [virtuoso]`, and goes out there with the store's pragma that keeps that order
# (0.02 s). Not every question: with it, Virtuoso let through a therapy that salvage-options' FILTER NOT EXISTS
# excludes. A /sparql query (RemoteQueries) is forwarded as its client wrote it.
WRITTEN_ORDER_PRAGMAS = {"virtuoso": 'DEFINE sql:select-option "order"\n'}
_SAFE_IRI = re.compile(r'^[^\s<>"{}|^`\\]*$')


class RemoteStoreError(SalvageKgError, RuntimeError):
    """The remote store could not be reached, was too slow, or refused or failed a request; the message says which.

    `kind` is store_unreachable, store_timeout, store_failed, store_altered (the store did not keep what it was
    sent) or not_on_this_store (a question declared not portable to this store)."""

    kinds = ("store_failed", "store_unreachable", "store_timeout", "store_altered", "not_on_this_store")

    def __init__(self, message: str, kind: str = "store_failed"):
        super().__init__(message, kind)


def _written(term: Node) -> str:
    if isinstance(term, URIRef) and not _SAFE_IRI.match(str(term)):
        raise ValueError(f"not a valid IRI: {str(term)!r}")
    return term.n3()


def with_values(text: str, bindings: Mapping[str, Node] | None) -> str:
    """The query with its parameters bound by BIND clauses at the start of the outermost WHERE (the name is
    older than the BIND: a VALUES block there lost rows on Virtuoso)."""
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
    # BIND at the very start of a group extends the empty solution: the same single row a one-row VALUES is.
    binds = " ".join(f"BIND({_written(term)} AS ?{name})" for name, term in bindings.items())
    return f"{text[:insert_at]}\n  {binds}{text[insert_at:]}"


def _answered(url: str, send) -> httpx.Response:
    """One request to the store; its failures as RemoteStoreError (unreachable, timeout, failed)."""
    try:
        response = send()
    except httpx.TimeoutException:
        raise RemoteStoreError(f"{url} did not answer in time", "store_timeout") from None
    except httpx.HTTPError as exc:
        raise RemoteStoreError(f"{url} is unreachable: {exc}", "store_unreachable") from None
    if response.status_code >= 300:
        raise RemoteStoreError(f"{url} answered {response.status_code}: {response.text[:500]}")
    return response


def _declared(text: str) -> dict:
    """What a question's text declares of stores (`refused-on`, `written-order-on`, `by-offset-on`), read from the
    `#+` header it still carries whatever was done to it after (a page's limit or key written in). Only the header
    is the key of the cache: every page of a question shares one parse."""
    lines = text.splitlines()
    body = next((n for n, line in enumerate(lines) if line.strip() and not line.startswith("#")), len(lines))
    return _declared_in("\n".join(lines[:body]))


@lru_cache(maxsize=256)
def _declared_in(header_text: str) -> dict:
    from kg.questions.catalogue import read_header

    header = read_header(header_text)
    return {"refused-on": {str(store).lower(): " ".join(str(why).split())
                           for store, why in (header.get("refused-on") or {}).items()},
            "written-order-on": [str(store).lower() for store in header.get("written-order-on") or []],
            "by-offset-on": [str(store).lower() for store in header.get("by-offset-on") or []]}


class RemoteEngine:
    """Runs questions on a SPARQL 1.1 endpoint; same interface as the in-process engines.

    A question that a store answers wrongly whatever standard form it is given declares so in its header
    (`#+ refused-on: {virtuoso: reason}`); over that store it is refused with the reason (not_on_this_store), never
    answered wrongly. The store is recognised by the `Server` header of its answers."""

    name = "remote"

    def __init__(self, query_url: str, graph_store_url: str | None = None, timeout: float = 30.0,
                 auth: httpx.Auth | None = None):
        self.query_url = query_url
        # Oxigraph server's layout (/query, /store) is the default; other stores give their own URL.
        self.graph_store_url = graph_store_url or re.sub(r"/(query|sparql)/?$", "/store", query_url)
        self.auth = auth  # for writes only: queries go to the read-only endpoint without credentials
        self.timeout = timeout
        self.client = httpx.Client(timeout=timeout)
        self._graphs: list[str] = []
        self.product = ""  # the store's Server header, e.g. "Virtuoso/07.20.3229 (Linux) ..."

    def pages_by_offset(self, text: str) -> bool:
        """Whether the question's pages go by OFFSET on this store (`#+ by-offset-on: [STORE]`): Virtuoso 7.2 loses
        search-statements' rows with a VALUES block in front of it, the form a page by key restricts it with."""
        self.dataset()  # the first look-up tells which store this is
        return any(store in self.product.lower() for store in _declared(text)["by-offset-on"])

    def graphs(self) -> list[str]:
        """Our named graphs in the store, looked up once they exist (those under the project's graph namespace)."""
        if not self._graphs:
            body = self._post(internal("store-graphs").text, {"_namespace": Literal(str(GRAPH))}, dataset={})
            self._graphs = [row["graph"]["value"] for row in body["results"]["bindings"]]
        return self._graphs

    def dataset(self) -> dict[str, list[str]]:
        """The protocol's dataset of every query: our graphs, as default graph (merged) and as named graphs."""
        # Nothing loaded yet: an empty default graph (a name with no triples), not the store's own graphs.
        graphs = self.graphs() or [str(GRAPH)]
        return {"default-graph-uri": graphs, "named-graph-uri": graphs}

    def _post(self, text: str, bindings, dataset: dict | None = None) -> dict:
        dataset = self.dataset() if dataset is None else dataset  # the first look-up tells which store this is
        for store in _declared(text)["written-order-on"]:
            if store in self.product.lower():
                text = WRITTEN_ORDER_PRAGMAS[store] + text
        form = {"query": with_values(text, bindings), **dataset}
        timeout = self._time_left()
        response = _answered(self.query_url, lambda: self.client.post(
            self.query_url, data=form, headers={"Accept": "application/sparql-results+json"}, timeout=timeout))
        self.product = response.headers.get("server", "")
        try:
            return response.json()
        except ValueError:
            raise RemoteStoreError(f"{self.query_url} answered {response.headers.get('content-type')}, not "
                                   "SPARQL JSON results") from None

    def _time_left(self) -> float:
        """How long the store may take: the request's time left (api.time_limits) where a request asks, as the
        embedded store's questions stop at it; `timeout` for the server's own reads (the roster, the pathways)."""
        budget = BUDGET.get()
        if budget is None:
            return self.timeout
        left = budget.left()
        if left <= 0:
            raise RemoteStoreError("the request ran longer than its time limit before the store was asked",
                                   "store_timeout")
        return min(self.timeout, left)

    def _refuse_if_declared(self, text: str) -> None:
        refused = _declared(text)["refused-on"]
        if refused:
            self.graphs()  # the first request tells which store this is
            for store, reason in refused.items():
                if store in self.product.lower():
                    raise RemoteStoreError(f"this question is not answered over {self.product.split()[0]}: "
                                           f"{reason}", "not_on_this_store")

    def select(self, text: str, bindings: Mapping[str, Node] | None = None):
        self._refuse_if_declared(text)
        body = self._post(text, bindings)
        columns = body["head"]["vars"]
        rows = [tuple(from_json(solution[c]) if c in solution else None for c in columns)
                for solution in body["results"]["bindings"]]
        return columns, rows

    def ask(self, text: str, bindings: Mapping[str, Node] | None = None) -> bool:
        try:
            return boolean_from_json(self._post(text, bindings))
        except NotABoolean as exc:
            raise RemoteStoreError(f"{self.query_url}: {exc}") from None

    def upload(self, store: ox.Store, progress: Progress) -> int:
        """Replace each named graph of the remote store with the built one (Graph Store Protocol PUT), then check
        that the store kept every typed literal as it was sent."""
        graphs = sorted(store.named_graphs(), key=lambda graph: graph.value)
        for number, graph in enumerate(graphs, start=1):
            triples = (ox.Triple(q.subject, q.predicate, q.object)
                       for q in store.quads_for_pattern(None, None, None, graph))
            body = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
            progress(f"uploading graph {number}/{len(graphs)}: {graph.value}")
            _answered(self.graph_store_url, lambda graph=graph, body=body: self.client.put(
                self.graph_store_url, params={"graph": graph.value}, content=body, auth=self.auth,
                headers={"Content-Type": "application/n-triples"}))
        self._graphs = []  # look them up again: the upload may have added some
        self.check_literals(store)
        return len(graphs)

    def check_literals(self, store: ox.Store) -> None:
        """Raise RemoteStoreError (store_altered) unless the store answers every typed literal the built graph has."""
        from kg.backends.engines import OxigraphEngine

        text = internal("typed-literals").text
        sent = {row[0] for row in OxigraphEngine(store).select(text)[1]}
        kept = {row[0] for row in self.select(text)[1]}
        lost, changed = sorted(sent - kept), sorted(kept - sent)
        if lost or changed:
            examples = ", ".join(term.n3() for term in lost[:3])
            raise RemoteStoreError(
                f"the store did not keep {len(lost)} typed literals as they were sent (e.g. {examples}); it "
                f"answers {', '.join(term.n3() for term in changed[:3]) or 'nothing'} instead. Virtuoso 7.2 "
                "keeps an xsd:duration as months or seconds, never both", "store_altered")


# What a store is asked for, per query form: one concrete media type, never a wildcard (Virtuoso answers
# `*/*` with an HTML page, and picks the first listed type whatever the query form).
_STORE_MEDIA_TYPE = {"application/json": "application/sparql-results+json"}


def query_shape(text: str) -> tuple[str, bool, bool]:
    """The query form ("select", "ask", "construct", "describe"), whether it names its own dataset (FROM) and
    whether it declares its own BASE."""
    from rdflib.plugins.sparql.parser import parseQuery

    prologue, parsed = parseQuery(text)
    form = parsed.name.removesuffix("Query").lower()
    return form, "datasetClause" in parsed, any(part.name == "Base" for part in prologue)


class RemoteQueries:
    """The /sparql side over a remote store: forwards a query, bounded in time and size, like QueryWorkers.

    The query goes out with the dataset of our graphs unless the client named one (protocol parameters or FROM),
    and with the one result format the client gets, so that what comes back is SPARQL results or RDF in the
    format asked for, whatever the store's defaults."""

    def __init__(self, query_url: str, timeout: float = 10.0, size: int = 8, dataset=None):
        from kg.backends.query_workers import (
            BOOLEAN_FORMATS,
            GRAPH_FORMATS,
            SOLUTION_FORMATS,
            QueryError,
            QueryResult,  # the same request/result shapes as the workers
        )

        self._error, self._result = QueryError, QueryResult
        self._solution_formats, self._graph_formats = SOLUTION_FORMATS, GRAPH_FORMATS
        self._formats = {"select": tuple(SOLUTION_FORMATS), "ask": tuple(BOOLEAN_FORMATS),
                         "construct": tuple(GRAPH_FORMATS), "describe": tuple(GRAPH_FORMATS)}
        self.query_url = query_url
        self.timeout = timeout
        self.size = size
        self.dataset = dataset or dict  # our graphs (RemoteEngine.dataset), for queries that name none
        self.starting = 0  # no processes of our own to restart: the remote store runs the queries
        self.client = httpx.Client(timeout=timeout)

    def _media_type(self, request) -> tuple[str, str, dict, bool]:
        from kg.negotiation import choose

        try:
            form, names_dataset, has_base = query_shape(request.query)
        except Exception as exc:  # the parser's message is the reason
            raise self._error("syntax", f"not a SPARQL 1.1 query: {exc}") from None
        offered = self._formats[form]
        media_type = choose(request.accept, offered)
        if media_type is None:
            raise self._error("not_acceptable", "no acceptable result format for this query", offered)
        if request.default_graphs or request.named_graphs:
            dataset = {"default-graph-uri": list(request.default_graphs),
                       "named-graph-uri": list(request.named_graphs)}
        else:
            dataset = {} if names_dataset else self.dataset()
        return form, media_type, dataset, has_base

    def run(self, request, cancelled=None):
        """Forward one query; `cancelled` (a threading.Event set when our client has gone) stops reading it."""
        from kg.backends.sparql_guard import Unsafe, check  # the remote store may federate: never forward a SERVICE

        try:
            check(request.query)
        except Unsafe as exc:
            raise self._error("service_disabled" if exc.kind == "service_disabled" else "syntax", str(exc)) \
                from None
        form, media_type, dataset, has_base = self._media_type(request)
        asked = _STORE_MEDIA_TYPE.get(media_type, media_type)
        if form == "select":  # solutions as SPARQL JSON, whatever the client gets: see solutions_in
            asked = "application/sparql-results+json"
        elif form in ("construct", "describe"):  # triples as N-Triples: see triples_in
            asked = "application/n-triples"
        # Our endpoint's URL as the base: a relative IRI must not resolve against the store's internal URL. A
        # query with a BASE of its own keeps it alone (Virtuoso takes the first of two BASE declarations).
        query = request.query
        if request.base_iri and not has_base:
            query = f"BASE <{request.base_iri}>\n{query}"
        try:
            with self.client.stream("POST", self.query_url, data={"query": query, **dataset},
                                    headers={"Accept": asked}) as response:
                body = bytearray()
                for chunk in response.iter_bytes():
                    if cancelled is not None and cancelled.is_set():
                        raise self._error("cancelled", "the client went away; the query was stopped")
                    body += chunk
                    if len(body) > request.max_bytes:
                        raise self._error("too_large", f"the result is larger than {request.max_bytes} bytes; "
                                                       "add LIMIT or narrow the query")
        except httpx.TimeoutException:
            raise self._error("store_timeout", f"the remote store did not answer within {self.timeout:g} s") \
                from None
        except httpx.HTTPError as exc:
            raise self._error("store_unreachable", f"the remote store is unreachable: {exc}") from None
        answered = response.headers.get("content-type", "").split(";")[0].strip().lower()
        if response.status_code != 200:
            raise self._error("store_failed", f"the remote store answered {response.status_code}: "
                                              f"{bytes(body[:500]).decode('utf-8', 'replace')}")
        if answered != asked:
            raise self._error("store_failed", f"the remote store answered {answered or 'no media type'} where "
                                              f"{asked} was asked for")
        if form == "ask":  # Virtuoso writes an ASK's answer as a table: the client gets the boolean it meant
            try:
                return self._result(media_type, boolean_result(asked, bytes(body)))
            except NotABoolean as exc:
                raise self._error("store_failed", str(exc)) from None
        if form == "select":  # Virtuoso's durations (month or second counts) as the durations they stand for
            try:
                return self._result(media_type, solutions_in(bytes(body), self._solution_formats[media_type]))
            except (ValueError, SyntaxError) as exc:
                raise self._error("store_failed", f"the remote store's result could not be read: {exc}") from None
        try:
            return self._result(media_type, triples_in(bytes(body), self._graph_formats[media_type]))
        except (ValueError, SyntaxError) as exc:
            raise self._error("store_failed", f"the remote store's result could not be read: {exc}") from None

    def close(self) -> None:
        self.client.close()
