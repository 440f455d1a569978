"""/about: version, build time, what the graph holds, licence and how to cite; VoID for catalogues and clients."""

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel

from kg.about import About, describe, void_turtle
from kg.negotiation import negotiate

router = APIRouter(tags=["service"])

_TURTLE = "text/turtle"


class AboutBody(BaseModel):
    title: str
    version: str
    built_at: str
    counts: dict[str, int]
    synthetic: bool
    licence: str
    licence_url: str
    how_to_cite: str
    citation_file: str = "CITATION.cff"
    void: str = "/.well-known/void"


def _void(request: Request, about: About) -> Response:
    # The endpoint as this client reached it, so that the description works wherever the server is published.
    endpoint = str(request.url_for("sparql_get"))
    return Response(void_turtle(about, sparql_endpoint=endpoint), media_type=_TURTLE)


@router.get("/about", response_model=AboutBody, summary="What this dataset is, how large, and how to cite it",
            responses={200: {"content": {_TURTLE: {}}, "description": "JSON, or VoID as Turtle"}})
def about(request: Request):
    record = describe(request.app.state.graph)
    if negotiate(request.headers.get("accept"), ("application/json", _TURTLE)) == _TURTLE:
        return _void(request, record)
    return AboutBody(title=record.title, version=record.version, built_at=record.built_at, counts=record.counts,
                     synthetic=record.synthetic, licence=record.licence, licence_url=record.licence_url,
                     how_to_cite=record.how_to_cite)


@router.get("/.well-known/void", summary="The dataset described in VoID (Turtle)",
            responses={200: {"content": {_TURTLE: {}}}}, response_class=Response)
def well_known_void(request: Request) -> Response:
    return _void(request, describe(request.app.state.graph))
