"""Every refusal is a JSON body with a reason a client can act on, and a log line; never a stack trace."""

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException

from kg.backends.query_workers import QueryError
from kg.backends.remote import RemoteStoreError
from kg.clinical.patients import UnknownPatient
from kg.knowledge_graph import UnknownQuestion
from kg.questions.parameters import ParameterError

log = logging.getLogger("salvage_kg.api")


class Problem(BaseModel):
    error: str
    message: str


class Refused(Exception):
    """Raised by routes: an HTTP status, a short error kind and the reason."""

    def __init__(self, status: int, error: str, message: str, headers: dict | None = None,
                 details: dict | None = None):
        self.status = status
        self.error = error
        self.message = message
        self.headers = headers
        self.details = details or {}  # more fields for the body, e.g. the list of SHACL violations


def problem(request: Request, status: int, error: str, message: str, headers: dict | None = None,
            details: dict | None = None) -> JSONResponse:
    log.info("refused %s %s -> %d %s: %s", request.method, request.url.path, status, error, message)
    return JSONResponse({"error": error, "message": message, **(details or {})}, status_code=status,
                        headers=headers)


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

    @app.exception_handler(ParameterError)
    async def bad_parameter(request: Request, exc: ParameterError):
        return problem(request, 422, "invalid_parameter", str(exc))

    @app.exception_handler(UnknownPatient)  # a ParameterError of the library; here a path, so a 404
    async def unknown_patient(request: Request, exc: UnknownPatient):
        return problem(request, 404, "unknown_patient", f"no patient {exc.patient_id!r}; GET /patients lists them")

    @app.exception_handler(UnknownQuestion)
    async def unknown_question(request: Request, exc: UnknownQuestion):
        return problem(request, 404, "unknown_question", str(exc))

    @app.exception_handler(RemoteStoreError)
    async def store_failed(request: Request, exc: RemoteStoreError):
        # the graph's store is down, too slow or answered in a dialect: a gateway's failure, not ours
        if exc.kind == "refused":  # a question this store is declared unable to answer rightly
            return problem(request, 501, "not_on_this_store", str(exc))
        status = 504 if exc.kind == "timeout" else 502
        return problem(request, status, "store_timeout" if status == 504 else "store_failed", str(exc))
    @app.exception_handler(QueryError)
    async def query_stopped(request: Request, exc: QueryError):
        # A named question, look-up or pathway stopped at the request's time limit, when its client left, or
        # with its worker (memory limit, crash): the client may retry later; never a 500.
        status = {"timeout": 503, "busy": 503, "cancelled": 499, "crashed": 503}.get(exc.kind, 503)
        headers = {"Retry-After": "1"} if status == 503 else None
        return problem(request, status, exc.kind, str(exc), headers)

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
