"""/questions: the catalogue read from queries/, and one documented route per named question.

Routes are generated from each .rq header, so the OpenAPI page shows every question with its own parameters and
examples; the app holds no SPARQL of its own.
"""

import inspect
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel

from api.errors import ERROR_RESPONSES, Refused
from api.paging import AFTER, LIMIT, OFFSET, next_link
from api.single_values import the_one
from kg.negotiation import negotiate
from kg.questions.catalogue import Question, catalogue
from kg.questions.pages import DEFAULT_LIMIT, Page, PageError
from kg.questions.safe_output import neutralise_csv

router = APIRouter(tags=["questions"])


class ParameterInfo(BaseModel):
    name: str
    type: str
    description: str
    example: str
    required: bool
    accepts: str | None = None  # for IRI parameters: the class whose members (or subclasses) are accepted


class QuestionInfo(BaseModel):
    name: str
    title: str
    description: str
    tags: list[str]
    parameters: list[ParameterInfo]
    path: str


class PageInfo(BaseModel):
    offset: int | None  # null on a page asked for by key
    limit: int
    next_offset: int | None  # where the next page starts; null on the last page and after a key
    after: str | None = None  # the key this page was asked for after
    next: str | None = None  # answers ordered by patient: the key of the next page (`after=`); null on the last


class QuestionAnswer(BaseModel):
    question: str
    parameters: dict[str, str]
    columns: list[str]
    rows: list[dict[str, Any]]
    page: PageInfo
    disclaimer: str


# Answers come a page at a time (as grlc pages them), so that one request never asks for a whole large cohort.
# `format=csv` makes the answer a plain link a spreadsheet or pandas.read_csv(url) opens (they send no Accept).
FORMAT = Query(None, pattern="^(json|csv)$", description="csv: the rows as a CSV file (as Accept: text/csv does); "
               "default: JSON, or what the Accept header asks for", examples=["csv"])
PAGE_PARAMETERS = {"limit": LIMIT, "offset": OFFSET, "after": AFTER, "format": FORMAT}
MEDIA_TYPES = {"json": "application/json", "csv": "text/csv"}


def describe(question: Question) -> QuestionInfo:
    return QuestionInfo(
        name=question.name,
        title=question.title,
        description=question.description,
        tags=list(question.tags),
        parameters=[
            ParameterInfo(name=p.name, type=p.type, description=p.description, example=p.example,
                          required=p.required, accepts=p.range)
            for p in question.params
        ],
        path=f"/questions/{question.name}",
    )


@router.get("/questions", response_model=list[QuestionInfo], summary="The catalogue of named questions")
def list_questions() -> list[QuestionInfo]:
    return [describe(question) for question in catalogue().values()]


def given_parameters(request: Request) -> dict[str, str]:
    return {key: the_one(key, request.query_params.getlist(key)) for key in request.query_params}


def requested_media_type(request: Request, params: dict[str, str], suffix: str | None) -> str:
    """What to answer with: the .csv suffix, then format=, then the Accept header; JSON by default."""
    named = suffix or params.pop("format", None)
    if named is not None:
        if named not in MEDIA_TYPES:
            raise Refused("invalid_parameter", f"format: {', '.join(MEDIA_TYPES)}, not {named!r}")
        return MEDIA_TYPES[named]
    return negotiate(request.headers.get("accept"), tuple(MEDIA_TYPES.values())) or "application/json"


def requested_page(params: dict[str, str]) -> Page:
    """The page asked for, taken out of the question's parameters."""
    try:
        limit, offset = int(params.pop("limit", DEFAULT_LIMIT)), int(params.pop("offset", 0))
        return Page(limit, offset, params.pop("after", None))
    except (ValueError, PageError) as exc:
        message = str(exc) if isinstance(exc, PageError) else "limit and offset must be whole numbers"
        raise Refused("invalid_parameter", message) from None


def answer_response(request: Request, name: str, suffix: str | None = None):
    request.app.state.graph.question(name)  # an unknown name is a 404 before any parameter is read
    params = given_parameters(request)
    media_type = requested_media_type(request, params, suffix)
    page = requested_page(params)
    answer = request.app.state.graph.ask(name, params, page=page)
    headers = next_link(request, answer.page["next_offset"], answer.page["next"])
    if media_type == "text/csv":
        headers["X-Disclaimer"] = answer.disclaimer.encode("ascii", "replace").decode()
        headers["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        return Response(neutralise_csv(answer.to_csv().encode("utf-8")), media_type="text/csv", headers=headers)
    return JSONResponse(answer.to_dict(), headers=headers)


def _route_for(question: Question, suffix: str | None = None):
    def run(request: Request, **_: str | int | None):
        return answer_response(request, question.name, suffix)

    parameters = [inspect.Parameter("request", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Request)]
    for param in question.params:
        parameters.append(inspect.Parameter(
            param.name,
            inspect.Parameter.KEYWORD_ONLY,
            annotation=str if param.required else str | None,
            default=Query(... if param.required else None, description=param.description,
                          examples=[param.example], max_length=1000),
        ))
    for name, query in PAGE_PARAMETERS.items():
        if name == "after" and not question.keyed_by:
            continue  # only an answer ordered by patient is paged by key
        annotation = str | None if name in ("format", "after") else int
        parameters.append(inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, annotation=annotation,
                                            default=query))
    run.__signature__ = inspect.Signature(parameters)
    run.__name__ = "ask_" + question.name.replace("-", "_") + (f"_{suffix}" if suffix else "")
    return run


CSV_AND_JSON = {200: {"content": {"application/json": {}, "text/csv": {}},
                      "description": "Rows as JSON (default) or CSV (format=csv, the .csv path or "
                                     "Accept: text/csv; a file named after the question)"}}

def question_routes() -> APIRouter:
    """One documented route per .rq file, read when the app is made (not at import); include before `router`,
    whose /questions/{name} answers 404 for names that are not questions."""
    routes = APIRouter(tags=["questions"])
    for question in catalogue().values():
        routes.add_api_route(
            f"/questions/{question.name}",
            _route_for(question),
            methods=["GET"],
            response_model=QuestionAnswer,
            summary=question.title,
            description=question.description,
            responses={**CSV_AND_JSON, **ERROR_RESPONSES},
        )
        routes.add_api_route(  # the same answer as a file: /questions/NAME.csv
            f"/questions/{question.name}.csv",
            _route_for(question, "csv"),
            methods=["GET"],
            response_class=Response,
            summary=f"{question.title} (CSV)",
            description=f"The answer of /questions/{question.name} as a CSV file.",
            responses={200: {"content": {"text/csv": {}}}, **ERROR_RESPONSES},
        )
    return routes


@router.get("/questions/{name}", response_model=QuestionAnswer, responses={**CSV_AND_JSON, **ERROR_RESPONSES},
            summary="Run a named question by name", include_in_schema=False)
def ask_by_name(request: Request, name: str):
    if name.endswith(".csv"):  # an unknown NAME.csv: 404 naming NAME
        return answer_response(request, name.removesuffix(".csv"), "csv")
    return answer_response(request, name)
