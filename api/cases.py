"""/cases: the case reports in the graph; curators add, replace and remove them with a bearer token.

Writes are accepted only by a server that holds a persistent store (`serve --store DIR`) and was given a token
in SALVAGE_KG_WRITE_TOKEN; anything else is refused with the reason. Each write is checked against the whole
graph and committed in one transaction (kg.build.curation).
"""

import hmac

import pyoxigraph as ox
from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from api.bodies import decode, read_body
from api.disconnects import while_connected
from api.errors import Problem, Refused
from kg.backends.query_workers import GRAPH_FORMATS
from kg.build.case_scope import Limits
from kg.build.curation import CASE_ID, MEDIA_TYPES, case_ids, read_case
from kg.namespaces import PREFIXES, case_graph
from kg.negotiation import negotiate
from kg.questions.safe_output import well_formed_xml

router = APIRouter(tags=["cases"])
bearer = HTTPBearer(auto_error=False, description="The token set in SALVAGE_KG_WRITE_TOKEN on the server")

CREDENTIALS = Depends(bearer)
CASE_PATH = Path(pattern=CASE_ID, description="The case's id: its source's name", examples=["pbc-2021"])


class CaseEntry(BaseModel):
    id: str
    graph: str
    href: str


class Written(BaseModel):
    id: str
    created: bool
    message: str


WRITE_RESPONSES = {
    400: {"model": Problem, "description": "The body is not valid Turtle / JSON-LD, or not UTF-8"},
    401: {"model": Problem, "description": "No bearer token, or not the server's"},
    403: {"model": Problem, "description": "Writes are disabled on this server (the message says why)"},
    404: {"model": Problem, "description": "No such case"},
    409: {"model": Problem, "description": "The case exists (POST), or its patients belong to another case"},
    413: {"model": Problem, "description": "The body, its statements or its lists are past the configured limits"},
    415: {"model": Problem, "description": "Not sent as text/turtle or application/ld+json"},
    422: {"model": Problem, "description": "Not one case, a case that reaches outside itself (other patients, "
                                           "sources, ontology or vocabulary terms; blank-node events; triple "
                                           "terms), or the graph would violate the SHACL shapes (`violations` "
                                           "lists each one); nothing was written"},
}
CASE_BODY = {
    "requestBody": {
        "required": True,
        "description": "One case report: its source (under source/) and its patients (under patient/)",
        "content": {"text/turtle": {"schema": {"type": "string"}},
                    "application/ld+json": {"schema": {"type": "object"}}},
    }
}


def _case_ids(request: Request) -> list[str]:
    return case_ids(request.app.state.graph_names)


@router.get("/cases", response_model=list[CaseEntry], summary="The case reports in the graph")
async def list_cases(request: Request) -> list[CaseEntry]:
    return [CaseEntry(id=case_id, graph=str(case_graph(case_id)), href=f"/cases/{case_id}")
            for case_id in _case_ids(request)]


@router.get("/cases/{case_id}", summary="One case's statements, as written (Turtle, N-Triples, JSON-LD, RDF/XML)",
            responses={200: {"content": {media_type: {} for media_type in GRAPH_FORMATS}},
                       404: {"model": Problem, "description": "No such case"},
                       406: {"model": Problem, "description": "No acceptable format"}})
def get_case(request: Request, case_id: str = CASE_PATH) -> Response:
    if case_id not in _case_ids(request):
        raise Refused("not_found", f"no case {case_id!r}; known: {', '.join(_case_ids(request))}")
    media_type = negotiate(request.headers.get("accept"), tuple(GRAPH_FORMATS))
    if media_type is None:
        raise Refused("not_acceptable", f"a case is offered as {', '.join(GRAPH_FORMATS)}")
    triples = request.app.state.graph.case_triples(str(case_graph(case_id)))
    body = ox.serialize(triples, format=GRAPH_FORMATS[media_type], prefixes=PREFIXES)
    if media_type.endswith("xml") and not well_formed_xml(body):
        others = [other for other in GRAPH_FORMATS if not other.endswith("xml")]
        raise Refused("not_representable", "this case cannot be written as well-formed RDF/XML (a literal "
                                                "holds a character XML 1.0 cannot carry, or a property IRI RDF/XML "
                                                f"cannot name); ask for {', '.join(others)}")
    return Response(body, media_type=media_type)


def _curator(request: Request, credentials: HTTPAuthorizationCredentials | None):
    """The store's curator, once the request has shown the write token; else the reason it may not write."""
    state = request.app.state
    token = state.settings.write_token
    if not token:
        raise Refused("writes_disabled", "writes are disabled: the server was started without "
                                              "SALVAGE_KG_WRITE_TOKEN")
    if state.curator is None:
        raise Refused("writes_disabled", "writes need a persistent store: start the server with "
                                              "--store DIR (this one serves a graph it cannot write to)")
    challenge = {"WWW-Authenticate": 'Bearer realm="salvage-kg"'}
    if credentials is None:
        raise Refused("unauthorized", "writes need the header 'Authorization: Bearer <token>'", challenge)
    # Constant-time comparison: the time taken must not tell how much of a guessed token was right.
    if not hmac.compare_digest(credentials.credentials.encode(), token.encode()):
        raise Refused("unauthorized", "the bearer token is not this server's write token", challenge)
    return state.curator


async def _read_case(request: Request):
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type not in MEDIA_TYPES:
        raise Refused("unsupported_media_type", f"send a case as {' or '.join(MEDIA_TYPES)}")
    settings = request.app.state.settings
    body = await read_body(request, settings.max_case_bytes)
    decode(body, "the case")  # Turtle and JSON-LD are UTF-8: say so before the parser gives a vaguer message
    limits = Limits(max_triples=settings.max_case_triples, max_list_items=settings.max_case_list_items)
    return await run_in_threadpool(read_case, body, media_type, limits)  # a CaseError: its kind's status


async def _while_connected(request: Request, action, *args, **kwargs):
    """Run a write off the event loop (readers keep being answered); if the client leaves, the write is told to
    stop at its next step, before anything is committed."""
    return await while_connected(
        request, lambda cancelled: run_in_threadpool(action, *args, cancelled=cancelled, **kwargs))


async def _write(request: Request, curator, case, replace: bool) -> JSONResponse:
    created = await _while_connected(request, curator.put, case, replace=replace)
    verb = "added" if created else "replaced"
    return JSONResponse(Written(id=case.id, created=created, message=f"case {case.id} {verb}").model_dump(),
                        status_code=201 if created else 200, headers={"Location": f"/cases/{case.id}"})


@router.post("/cases", status_code=201, response_model=Written, responses=WRITE_RESPONSES, openapi_extra=CASE_BODY,
             summary="Add a case (bearer token)")
async def add_case(request: Request, credentials: HTTPAuthorizationCredentials | None = CREDENTIALS):
    curator = _curator(request, credentials)
    return await _write(request, curator, await _read_case(request), replace=False)


@router.put("/cases/{case_id}", response_model=Written, responses={201: {"model": Written}, **WRITE_RESPONSES},
            openapi_extra=CASE_BODY, summary="Add or replace a case (bearer token)")
async def put_case(request: Request, case_id: str = CASE_PATH,
                   credentials: HTTPAuthorizationCredentials | None = CREDENTIALS):
    curator = _curator(request, credentials)
    case = await _read_case(request)
    if case.id != case_id:
        raise Refused("invalid", f"the body describes source {case.id!r}, not {case_id!r}")
    return await _write(request, curator, case, replace=True)


@router.delete("/cases/{case_id}", status_code=204, responses=WRITE_RESPONSES, summary="Remove a case (bearer token)")
async def delete_case(request: Request, case_id: str = CASE_PATH,
                      credentials: HTTPAuthorizationCredentials | None = CREDENTIALS) -> Response:
    curator = _curator(request, credentials)
    await _while_connected(request, curator.delete, case_id)
    return Response(status_code=204)
