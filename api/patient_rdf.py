"""/patients and /patients/{id} as RDF when the client asks for it (Accept: text/turtle or N-Triples): the
statements the JSON summaries are read from, so a client can take the patient's facts into its own graph."""

import pyoxigraph as ox
from fastapi import Request, Response

from api.errors import Refused
from kg.namespaces import PREFIXES
from kg.negotiation import accepted, choose

RDF_FORMATS = {"text/turtle": ox.RdfFormat.TURTLE, "application/n-triples": ox.RdfFormat.N_TRIPLES}
OFFERED = ("application/json", *RDF_FORMATS)
RDF_RESPONSES = {200: {"content": {media_type: {} for media_type in OFFERED},
                       "description": "JSON (default), or the patients' statements as Turtle or N-Triples"},
                 406: {"description": "None of the formats offered is acceptable"}}


def rdf_media_type(request: Request) -> str | None:
    """The RDF format the client asked for; None for JSON. 406 if it accepts none of them."""
    media_type = choose(accepted(request.headers.get("accept")), OFFERED)
    if media_type is None:
        raise Refused("not_acceptable", f"patients are offered as {', '.join(OFFERED)}")
    return None if media_type == "application/json" else media_type


def patient_iri(request: Request, patient_id: str) -> str:
    """The IRI of a patient named by its identifier (found already: the JSON summary was read first)."""
    return request.app.state.graph.lookup("sk:Patient", patient_id, "patient").iri


def statements(request: Request, media_type: str, patient_iris: list[str], headers=None) -> Response:
    graph = request.app.state.graph
    triples = [triple for iri in patient_iris for triple in graph.patient_triples(iri)]
    rdf_format = RDF_FORMATS[media_type]
    prefixes = {"prefixes": PREFIXES} if rdf_format == ox.RdfFormat.TURTLE else {}  # N-Triples has none
    body = ox.serialize(triples, format=rdf_format, **prefixes)
    return Response(body, media_type=media_type, headers=dict(headers or {}))
