"""/sparql: the SPARQL 1.1 Protocol query operation, read-only, as Fuseki and Oxigraph server offer it.

Queries run in worker processes (kg.backends.query_workers) so that one over the time limit is killed, not left running.
"""

import asyncio
import time
from urllib.parse import parse_qsl

import anyio
import pyoxigraph as ox
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from api.bodies import decode, read_body
from api.disconnects import while_connected
from api.errors import Problem, Refused
from api.single_values import the_one
from kg.backends.query_workers import BOOLEAN_FORMATS, GRAPH_FORMATS, SOLUTION_FORMATS, QueryError, QueryRequest
from kg.backends.sparql_guard import check
from kg.negotiation import accepted, choose, negotiate

router = APIRouter(tags=["SPARQL"])

EXAMPLE = (
    "PREFIX sk: <https://w3id.org/salvage-kg/ontology#>\n"
    "SELECT ?relapse ?status WHERE { ?finding sk:findingAt ?relapse ; sk:antigen sk:CD19 ; "
    "sk:expressionStatus ?status }"
)
ALL_FORMATS = tuple(dict.fromkeys([*SOLUTION_FORMATS, *BOOLEAN_FORMATS, *GRAPH_FORMATS]))
READ_ONLY = "this endpoint is read-only: SPARQL Update (and LOAD, CLEAR, DROP...) is not accepted here"

SD = "http://www.w3.org/ns/sparql-service-description#"
FORMATS_NS = "http://www.w3.org/ns/formats/"


def _service_description(request: Request, graph_names: list[str]) -> Response:
    media_type = negotiate(request.headers.get("accept"), tuple(GRAPH_FORMATS))
    if media_type is None:
        raise Refused("not_acceptable", f"the service description is offered as {', '.join(GRAPH_FORMATS)}")
    service = ox.BlankNode()
    dataset = ox.BlankNode()
    rdf_type = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    triples = [
        ox.Triple(service, rdf_type, ox.NamedNode(SD + "Service")),
        ox.Triple(service, ox.NamedNode(SD + "endpoint"), ox.NamedNode(str(request.url.replace(query="")))),
        ox.Triple(service, ox.NamedNode(SD + "supportedLanguage"), ox.NamedNode(SD + "SPARQL11Query")),
        ox.Triple(service, ox.NamedNode(SD + "feature"), ox.NamedNode(SD + "UnionDefaultGraph")),
        ox.Triple(service, ox.NamedNode(SD + "defaultDataset"), dataset),
        ox.Triple(dataset, rdf_type, ox.NamedNode(SD + "Dataset")),
    ]
    for name in ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV",
                 "Turtle", "N-Triples", "JSON-LD", "RDF_XML"):
        triples.append(ox.Triple(service, ox.NamedNode(SD + "resultFormat"), ox.NamedNode(FORMATS_NS + name)))
    for name in graph_names:
        named = ox.BlankNode()
        triples += [
            ox.Triple(dataset, ox.NamedNode(SD + "namedGraph"), named),
            ox.Triple(named, ox.NamedNode(SD + "name"), ox.NamedNode(name)),
        ]
    body = ox.serialize(triples, format=GRAPH_FORMATS[media_type], prefixes={"sd": SD})
    return Response(body, media_type=media_type)


def _form(body: bytes) -> dict[str, list[str]]:
    try:
        pairs = parse_qsl(decode(body, "the form"), keep_blank_values=True, errors="strict")
    except UnicodeDecodeError:
        raise Refused("invalid_encoding", "the form is not valid UTF-8 once percent-decoded") from None
    fields: dict[str, list[str]] = {}
    for key, value in pairs:
        fields.setdefault(key, []).append(value)
    return fields


def _graphs(iris: list[str], name: str) -> tuple[str, ...]:
    for iri in iris:
        try:
            ox.NamedNode(iri)
        except ValueError as exc:
            raise Refused("invalid_graph_uri", f"{name} {iri[:200]!r} is not an IRI: {exc}") from None
    return tuple(iris)


def _gates(state) -> tuple[asyncio.Semaphore, anyio.CapacityLimiter]:
    """One permit per /sparql worker, waited for on the event loop; and threads of /sparql's own. Waiting
    queries used to sit in the shared thread pool and left named questions no thread (50 slow clients pushed
    them from 21 ms to 2.6 s)."""
    if getattr(state, "sparql_gates", None) is None:
        state.sparql_gates = (asyncio.Semaphore(state.workers.size), anyio.CapacityLimiter(state.workers.size))
    return state.sparql_gates


async def _answer(request: Request, job: QueryRequest):
    """Run the job in a worker; if the client disconnects meanwhile, its worker is stopped instead of left busy."""
    state = request.app.state
    permits, threads = _gates(state)
    deadline = time.monotonic() + state.settings.query_timeout
    while True:  # wait for a free worker without holding a thread
        try:
            await asyncio.wait_for(permits.acquire(), 0.2)
            break
        except TimeoutError:
            if await request.is_disconnected():
                raise QueryError("cancelled", "the client went away before a worker was free") from None
            if time.monotonic() > deadline:
                raise QueryError("busy", f"all {state.workers.size} query workers stayed busy for "
                                         f"{state.settings.query_timeout:g} s") from None
    try:
        return await while_connected(
            request, lambda cancelled: anyio.to_thread.run_sync(state.workers.run, job, cancelled, limiter=threads))
    finally:
        permits.release()


def _the_query(values: list[str]) -> str | None:
    # The SPARQL protocol calls a malformed request a 400, where our own routes answer 422.
    return the_one("query", values, "invalid_request")


# `format=csv` (or tsv) on a GET: a results link that a spreadsheet or pandas.read_csv(url) opens; they send no Accept.
FILE_FORMATS = {"csv": "text/csv", "tsv": "text/tab-separated-values"}


async def _run(request: Request, query: str | None, default_graphs: list[str], named_graphs: list[str],
               file_format: str | None = None) -> Response:
    state = request.app.state
    if query is None:
        return _service_description(request, state.graph_names)
    settings = state.settings
    if len(query) > settings.max_query_length:
        raise Refused("query_too_long",
                      f"the query has {len(query)} characters; the limit is {settings.max_query_length}")
    if not query.strip():
        raise Refused("invalid_request", "the query is empty")
    # Parsing is quick (milliseconds for the longest query accepted) but off the event loop all the same; an
    # unsafe query is refused with its kind's status (api/errors.py).
    await run_in_threadpool(check, query)
    accept = (FILE_FORMATS[file_format],) if file_format else accepted(request.headers.get("accept"))
    if choose(accept, ALL_FORMATS) is None:
        raise Refused("not_acceptable", f"results are offered as {', '.join(ALL_FORMATS)}")
    # The base IRI is this endpoint's own URL, as the protocol's retrieval URL: never a remote store's own.
    job = QueryRequest(query, accept, _graphs(default_graphs, "default-graph-uri"),
                       _graphs(named_graphs, "named-graph-uri"), settings.max_result_bytes,
                       base_iri=str(request.url.replace(query="", fragment="")))
    try:
        result = await _answer(request, job)
    except QueryError as exc:
        if exc.kind != "not_acceptable":
            raise  # its kind's status (api/errors.py)
        raise Refused(exc.kind, f"this query's results are offered as {', '.join(exc.offered)}") from None
    named = {"Content-Disposition": f'attachment; filename="sparql.{file_format}"'} if file_format else None
    return Response(result.body, media_type=result.media_type, headers=named)


RESPONSES = {
    200: {
        "description": "Query results, negotiated by Accept; with no query, the SPARQL service description",
        "content": {media_type: {} for media_type in ALL_FORMATS},
    },
    400: {"model": Problem, "description": "Malformed query (where the parser stopped), SERVICE, nesting too "
                                           "deep, too many operators, a graph URI that is not an IRI, or bad "
                                           "encoding"},
    403: {"model": Problem, "description": "An update was sent: the endpoint is read-only"},
    406: {"model": Problem, "description": "No acceptable result format"},
    413: {"model": Problem, "description": "Query or request body longer, or result larger, than the limit"},
    415: {"model": Problem, "description": "Unsupported request content type"},
    503: {"model": Problem, "description": "The query ran past the time limit and was stopped, or all workers busy"},
}


@router.get("/sparql", responses=RESPONSES, summary="SPARQL query (GET)")
async def sparql_get(
    request: Request,
    query: str | None = Query(None, description="A SPARQL 1.1 query; omit it for the service description",
                              examples=[EXAMPLE]),
    default_graph_uri: list[str] = Query([], alias="default-graph-uri",
                                         description="Graphs merged into the default graph (default: all)",
                                         examples=[["https://w3id.org/salvage-kg/graph/case/pbc-2021"]]),
    named_graph_uri: list[str] = Query([], alias="named-graph-uri", description="Graphs visible to GRAPH",
                                       examples=[["https://w3id.org/salvage-kg/graph/derived/antigen-escape"]]),
    format: str | None = Query(None, max_length=100, description="csv or tsv: a SELECT's results as a file, for a "
                               "plain link; any other value (SPARQLWrapper sends format=json beside its Accept "
                               "header) leaves the choice to the Accept header", examples=["csv"]),
) -> Response:
    if "update" in request.query_params:
        raise Refused("read_only", READ_ONLY)
    values = request.query_params.getlist("query")
    return await _run(request, _the_query(values) if values else query, default_graph_uri, named_graph_uri,
                      format if format in FILE_FORMATS else None)


@router.post(
    "/sparql",
    responses=RESPONSES,
    summary="SPARQL query (POST)",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/x-www-form-urlencoded": {
                    "schema": {
                        "type": "object",
                        "properties": {"query": {"type": "string"}, "default-graph-uri": {"type": "string"},
                                       "named-graph-uri": {"type": "string"}},
                        "required": ["query"],
                    },
                    "example": {"query": EXAMPLE},
                },
                "application/sparql-query": {"schema": {"type": "string"}, "example": EXAMPLE},
            },
        }
    },
)
async def sparql_post(request: Request) -> Response:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    # Form encoding takes up to 3 bytes per UTF-8 byte, UTF-8 up to 4 per character; the rest is for other fields.
    body = await read_body(request, 12 * request.app.state.settings.max_query_length + 65_536)
    url_params = request.query_params
    if content_type == "application/sparql-update":
        raise Refused("read_only", READ_ONLY)
    if content_type == "application/sparql-query":
        query = decode(body, "the request body")
        return await _run(request, query, url_params.getlist("default-graph-uri"),
                          url_params.getlist("named-graph-uri"))
    if content_type == "application/x-www-form-urlencoded":
        fields = _form(body)
        if "update" in fields:
            raise Refused("read_only", READ_ONLY)
        query = _the_query(fields.get("query", []))
        if query is None:
            raise Refused("invalid_request", "the form has no 'query' field")
        return await _run(request, query, fields.get("default-graph-uri", []), fields.get("named-graph-uri", []))
    raise Refused("unsupported_media_type",
                  "send the query as application/sparql-query or application/x-www-form-urlencoded")
