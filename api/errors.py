"""Every refusal is a JSON body with a reason a client can act on, and a log line; never a stack trace.

The body's `error` is the refusal's kind, and STATUS is the one table from kind to HTTP status: for the library's
errors (kg.errors.SalvageKgError, raised through to the handler below) and for the refusals routes make
themselves (Refused).
"""

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException

from kg.errors import SalvageKgError

log = logging.getLogger("salvage_kg.api")


class Problem(BaseModel):
    error: str
    message: str


# kind -> HTTP status. The library's kinds (kg/errors.py; a test checks that each has its row here) and the
# HTTP layer's own. A query stopped at the time limit is 503, as for a server too busy to take it: the client may
# retry a narrower query later; a /sparql query that took its worker down is the query's fault (400), a named
# question's is ours (503). "cancelled" is only ever seen in the log (499, as nginx records it): the client left.
STATUS = {
    # the request as sent
    "invalid_request": 400, "invalid_encoding": 400, "invalid_graph_uri": 400, "syntax": 400, "usage": 400,
    "service_disabled": 400, "too_deeply_nested": 400, "too_complex": 400, "crashed": 400,
    "unauthorized": 401,
    "read_only": 403, "writes_disabled": 403,
    "not_found": 404, "unknown_patient": 404, "unknown_question": 404,
    "not_acceptable": 406, "not_representable": 406,
    "conflict": 409, "not_exportable": 409,
    "too_large": 413, "body_too_large": 413, "query_too_long": 413,
    "unsupported_media_type": 415,
    "invalid": 422, "rejected": 422, "invalid_parameter": 422, "nonconforming": 422, "invalid_phenopacket": 422,
    "cancelled": 499,
    # the graph's remote store is down, too slow, answered wrongly or is declared unable to answer rightly
    "not_on_this_store": 501, "store_unreachable": 502, "store_failed": 502, "store_altered": 502,
    "store_timeout": 504,
    # the server, for now: retry later
    "timeout": 503, "busy": 503, "question_failed": 503, "pathways_not_ready": 503, "store_in_use": 503,
    # the server's own files (a question or a shape it cannot read): nothing a client can change
    "invalid_question_file": 503, "unsupported_shape": 503, "stale_store": 503,
}
RETRY_AFTER = {"busy", "timeout", "question_failed"}  # gone in a second: tell the client when to ask again


def status_for(kind: str) -> int:
    return STATUS[kind]


class Refused(Exception):
    """Raised by routes: a short error kind (its status from STATUS) and the reason."""

    def __init__(self, error: str, message: str, headers: dict | None = None, details: dict | None = None):
        self.status = STATUS[error]
        self.error = error
        self.message = message
        if headers is None and error in RETRY_AFTER:
            headers = {"Retry-After": "1"}
        self.headers = headers
        self.details = details or {}  # more fields for the body, e.g. the list of SHACL violations


def problem(request: Request, status: int, error: str, message: str, headers: dict | None = None,
            details: dict | None = None) -> JSONResponse:
    log.info("refused %s %s -> %d %s: %s", request.method, request.url.path, status, error, message)
    return JSONResponse({"error": error, "message": message, **(details or {})}, status_code=status,
                        headers=headers)


def violations(exc: SalvageKgError) -> dict | None:
    """The shapes' violations, each with its fields, for the body of a refused case."""
    return {"violations": [violation.__dict__ for violation in exc.violations]} if exc.violations else None


def _leaf_routes(routes):
    # FastAPI keeps included routers as routers of their own (`original_router`); their routes are the leaves.
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            yield from _leaf_routes(inner.routes)
        else:
            yield route


def allowed_methods(request: Request) -> list[str]:
    """Every method some route takes at this path: GET and POST for /sparql are two routes, and Starlette's own
    Allow names only the first it tried."""
    methods: set[str] = set()
    path = request.url.path
    for route in _leaf_routes(request.app.router.routes):
        if getattr(route, "methods", None) and route.path_regex.match(path):
            methods |= set(route.methods)
    return sorted(methods)


def install(app: FastAPI) -> None:
    @app.exception_handler(Refused)
    async def refused(request: Request, exc: Refused):
        return problem(request, exc.status, exc.error, exc.message, exc.headers, exc.details)

    @app.exception_handler(SalvageKgError)
    async def library_error(request: Request, exc: SalvageKgError):
        # A parameter, a question, a remote store, a query stopped at the request's time limit or with its worker:
        # its kind says which, STATUS says the status; never a 500.
        refused = Refused(exc.kind, str(exc), details=violations(exc))
        return problem(request, refused.status, refused.error, refused.message, refused.headers, refused.details)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError):
        reasons = "; ".join(
            f"{'.'.join(str(part) for part in error.get('loc', ()))}: {error.get('msg', 'invalid')}"
            for error in exc.errors()
        )
        return problem(request, 422, "invalid_parameter", reasons or "invalid request")

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException):
        headers = getattr(exc, "headers", None)
        if exc.status_code == 405:
            headers = {**(headers or {}), "Allow": ", ".join(allowed_methods(request))}
        return problem(request, exc.status_code, "http_error", str(exc.detail), headers)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception):
        log.exception("internal error on %s %s", request.method, request.url.path)
        return JSONResponse({"error": "internal_error", "message": "the server failed; the error was logged"},
                            status_code=500)


ERROR_RESPONSES = {
    404: {"model": Problem, "description": "No such question or patient"},
    422: {"model": Problem, "description": "A parameter is missing, unknown or not an accepted value"},
    503: {"model": Problem, "description": "Stopped at the time limit, or all question workers busy; retry later"},
}
