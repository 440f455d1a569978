"""/salvage-options: the library's ranked answer (kg.salvage_options) over HTTP, nothing more.

The models below document in OpenAPI the shape SalvageAnswer.to_dict() gives (kg/clinical/salvage_model.py); a
test holds the two field for field, and the same answer from Python, the CLI and here.
"""

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from api.errors import ERROR_RESPONSES
from kg.clinical import salvage_options as ranked_options
from kg.questions.parameters import ParameterError

router = APIRouter(tags=["salvage"])


class Source(BaseModel):
    citation: str | None = Field(description="The publication the statement is taken from")
    doi: str | None = Field(description="Its DOI, for a link (https://doi.org/...)")
    locator: str | None = Field(None, description="Where in it: section, sentence, table")


class CitedSource(Source):
    """A source of the salvage answer: a study report may have a PubMed id where the graph holds no DOI."""

    pmid: str | None = Field(None, description="Its PubMed id, where the graph holds no DOI")


class Therapy(BaseModel):
    id: str = Field(description="The therapy's IRI")
    label: str
    modality: str
    targets: list[str] = Field(description="Antigens it is aimed at")


class Evidence(BaseModel):
    """Case evidence: one administration to a published patient after a relapse that lost the antigen (level C)."""

    patient: str
    administration: str
    setting: str | None
    response: str = Field(description="What followed; 'response not reported' when the report is silent, which "
                          "never counts as a failure")
    source: CitedSource
    evidence_level: str | None


class Indirectness(BaseModel):
    dimension: str = Field(description="age group, prior CAR-T, antigen status required or disease setting")
    study_value: str | None = Field(description="The study population's value on that dimension")
    note: str
    applies: bool = Field(description="Whether it sets the study apart from this question")


class StudyResult(BaseModel):
    """Trial evidence: one published figure of one study arm (level B)."""

    study: str
    registry_id: str | None
    design: str | None
    phase: str | None
    randomised: bool | None
    age_group: str | None
    setting: str | None
    therapy: str
    outcome: str | None
    figure: str = Field(description="The figure in words, with numerator, denominator and what it counts")
    numerator: int | None
    denominator: int | None
    denominator_basis: str | None = Field(description="Which patients the denominator counts")
    rate_percent: float | None
    ci_lower_percent: float | None
    ci_upper_percent: float | None
    window: str | None
    statement: str | None
    indirectness: list[Indirectness]
    source: CitedSource
    evidence_level: str | None


class Finding(BaseModel):
    patient: str
    disease_state: str
    status: str
    statement: str | None
    source: CitedSource
    evidence_level: str | None


class Warning(BaseModel):
    therapy: Therapy
    antigen: str
    level: str = Field(description="avoid, caution or test first")
    reason: str
    findings: list[Finding] = Field(description="The antigen-expression findings the rule aimed-at-lost-antigen "
                                    "rests on")


class Option(BaseModel):
    therapy: Therapy
    rank: int
    reason: str = Field(description="Why it is an option and why it has this rank")
    why: list[str]
    best_design: str = Field(description="randomised trial, non-randomised study, case report or target link only")
    already_given: bool
    evidence: list[Evidence] = Field(description="Case evidence (CIViC level C)")
    study_results: list[StudyResult] = Field(description="Trial evidence (CIViC level B)")


class SalvageAnswer(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
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
    }]})

    query: dict
    ranking: str = Field(description="The ranking rule, in words")
    options: list[Option]
    avoid: list[Warning] = Field(description="Therapies to avoid, use with caution, or test for first")
    disclaimer: str


@router.get("/salvage-options", response_model=SalvageAnswer, responses=ERROR_RESPONSES,
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
) -> dict:
    """The same answer as `kg.salvage_options(...)` and `salvage-kg salvage-options ...`. Evidence, not advice."""
    try:
        answer = ranked_options(lost=lost_antigen, expressed=expressed, prior=prior, age_group=age_group,
                                graph=request.app.state.graph)
    except ParameterError as exc:
        if exc.param == "lost":  # the library's name for what this route calls lost_antigen
            raise ParameterError("lost_antigen", exc.reason, exc.accepted) from None
        raise
    return answer.to_dict()
