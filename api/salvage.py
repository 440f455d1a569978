"""/salvage-options: the library's ranked answer (kg.salvage_options) over HTTP, nothing more.

The answer is documented in OpenAPI by the library's own records (kg/clinical/salvage_model.py), so the HTTP API,
Python and the CLI give one shape.
"""

from fastapi import APIRouter, Query, Request

from api.errors import ERROR_RESPONSES
from kg.clinical import SalvageAnswer
from kg.clinical import salvage_options as ranked_options
from kg.questions.parameters import ParameterError

router = APIRouter(tags=["salvage"])

EXAMPLE = {
    "query": {"lost_antigen": "CD19", "expressed": "CD22", "prior": ["CAR-T"], "age_group": "child"},
    "ranking": "Ranked by the design of the evidence first, then directness, then outcome ...",
    "options": [{
        "rank": 1, "therapy": {"id": "https://w3id.org/salvage-kg/agent/inotuzumab-ozogamicin",
                               "label": "inotuzumab ozogamicin", "modality": "antibody-drug conjugate",
                               "targets": ["CD22"]},
        "reason": "Rank 1. Why an option: targets CD22, which the relapse still expresses; ...",
        "why": ["targets CD22, which the relapse still expresses"], "best_design": "randomised trial",
        "already_given": False, "evidence": [], "study_results": []}],
    "avoid": [{"therapy": {"id": "https://w3id.org/salvage-kg/agent/blinatumomab", "label": "blinatumomab",
                           "modality": "bispecific T-cell engager", "targets": ["CD19", "CD3"]},
               "antigen": "CD19", "level": "avoid", "reason": "targets CD19, which this relapse no longer "
               "expresses ...", "findings": []}],
    "disclaimer": "Evidence, not advice: ...",
}
ANSWERED = {200: {"description": "The ranked options and what to avoid",
                  "content": {"application/json": {"example": EXAMPLE}}}}


@router.get("/salvage-options", response_model=SalvageAnswer, responses={**ANSWERED, **ERROR_RESPONSES},
            summary="Salvage options after an antigen-negative relapse, ranked with case and study evidence, "
                    "and what to avoid")
def salvage_options(
    request: Request,
    lost_antigen: str = Query(..., description="Antigen the relapse no longer expresses", examples=["CD19"],
                              max_length=200),
    expressed: str | None = Query(None, description="Antigen the relapse still expresses; therapies aimed at it "
                                  "are options", examples=["CD22"], max_length=200),
    prior: list[str] = Query([], description="Therapies or modalities given before (repeatable): a therapy named "
                             "here ranks last; CAR-T decides which study populations differ", examples=[["CAR-T"]]),
    age_group: str | None = Query(None, description="The patient's age group: studies of other ages carry an "
                                  "indirectness note", examples=["child"], max_length=200),
) -> SalvageAnswer:
    """The same answer as `kg.salvage_options(...)` and `salvage-kg salvage-options ...`. Evidence, not advice."""
    try:
        answer = ranked_options(lost=lost_antigen, expressed=expressed, prior=prior, age_group=age_group,
                                graph=request.app.state.graph)
    except ParameterError as exc:
        if exc.param == "lost":  # the library's name for what this route calls lost_antigen
            raise ParameterError("lost_antigen", exc.reason, exc.accepted) from None
        raise
    return answer
