"""Patients like this one, and a patient as a GA4GH Phenopacket: thin over
kg.clinical.similar and kg.build.phenopackets.

The similar-course index is built from the served graph on first use (kg.clinical.similar.index_for) and kept while the
graph is unchanged.
"""

import json

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, ValidationError
from starlette.concurrency import run_in_threadpool

from api.bodies import decode, read_body
from api.errors import ERROR_RESPONSES, Problem, Refused
from api.patients import PATIENT_ID
from kg.build.phenopackets import Loss, PhenopacketError, phenopacket, to_json
from kg.clinical.similar.course import MAX_TEXT
from kg.clinical.similar.search import MAX_K, Similar, search

router = APIRouter(tags=["similar"])

BODY_LIMIT = 16_384  # a course is at most MAX_TEXT characters; anything much larger is refused as it arrives
EXAMPLE = "relapse CD19-negative; inotuzumab; CR"


class CourseRequest(BaseModel):
    course: str = Field(max_length=MAX_TEXT, description="events in order, separated by ';'", examples=[EXAMPLE])
    k: int = Field(5, ge=1, le=MAX_K)


K = Query(5, ge=1, le=MAX_K, description="How many patients", examples=[5])


@router.get("/patients/{patient_id}/similar", response_model=Similar, responses=ERROR_RESPONSES,
            summary="The patients whose courses are most like this one's: each with the alignment (which steps "
            "matched, which differ) and what happened next, with sources", tags=["patients"])
def similar_to_patient(request: Request, patient_id: str = PATIENT_ID, k: int = K) -> Similar:
    return search(request.app.state.graph, patient=patient_id, k=k)


BODY_REFUSALS = {400: {"model": Problem, "description": "The body is not UTF-8"},
                 413: {"model": Problem, "description": f"The body is larger than {BODY_LIMIT} bytes"}}


@router.post("/similar", response_model=Similar, responses={**ERROR_RESPONSES, **BODY_REFUSALS},
             summary="The patients whose courses are most like a described course (relapses with antigen status, "
             "therapies, transplants, responses, in order)",
             openapi_extra={"requestBody": {"required": True, "content": {"application/json": {
                 "schema": CourseRequest.model_json_schema(), "example": {"course": EXAMPLE, "k": 5}}}}})
async def similar_to_course(request: Request) -> Similar:
    text = decode(await read_body(request, BODY_LIMIT), "the request body")
    try:
        asked = CourseRequest.model_validate_json(text)
    except ValidationError as exc:
        reasons = "; ".join(f"{'.'.join(map(str, error['loc'])) or 'body'}: {error['msg']}" for error in exc.errors())
        raise Refused("invalid_parameter", reasons) from None
    found = await run_in_threadpool(search, request.app.state.graph, None, asked.course, asked.k)
    return found


@router.get("/patients/{patient_id}/phenopacket", responses={
    200: {"content": {"application/json": {}}, "description": "A GA4GH Phenopacket (schema v2), protobuf JSON"},
    **ERROR_RESPONSES}, summary="The patient as a GA4GH Phenopacket v2; what it cannot hold is at /phenopacket/losses",
    tags=["patients"])
def get_phenopacket(request: Request, patient_id: str = PATIENT_ID) -> JSONResponse:
    packet, _ = _exported(request, patient_id)
    return JSONResponse(json.loads(to_json(packet)),
                        headers={"Link": f'</patients/{patient_id}/phenopacket/losses>; rel="describedby"'})


@router.get("/patients/{patient_id}/phenopacket/losses", response_model=list[Loss], responses=ERROR_RESPONSES,
            summary="What the patient's phenopacket could not hold honestly, and why", tags=["patients"])
def get_phenopacket_losses(request: Request, patient_id: str = PATIENT_ID) -> list[Loss]:
    _, losses = _exported(request, patient_id)
    return losses


def _exported(request: Request, patient_id: str):
    try:
        return phenopacket(request.app.state.graph, patient_id)
    except PhenopacketError as exc:  # the export checks every packet it builds; a graph it cannot say is refused
        raise Refused("not_exportable", f"the patient's phenopacket does not meet the schema: {exc}") from None
