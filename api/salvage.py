"""/salvage-options: therapies to consider after an antigen-negative relapse, ranked, each with its evidence.

Built from the `salvage-options` named question. The rank is transparent and simple, so each option's reason can
say why it sits where it does:
  1. options the patient has already had (prior=) go last;
  2. then options that target an antigen the relapse still expresses (expressed=) come first;
  3. then more reported complete remissions, then more reported administrations, then name.
"""

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from api.errors import ERROR_RESPONSES
from kg.answers import DISCLAIMER

router = APIRouter(tags=["salvage"])


class Source(BaseModel):
    citation: str | None
    doi: str | None
    locator: str | None = None


class Evidence(BaseModel):
    patient: str
    administration: str
    setting: str | None
    response: str
    source: Source
    evidence_level: str | None


class Therapy(BaseModel):
    id: str
    label: str
    modality: str
    targets: list[str]


class Option(BaseModel):
    therapy: Therapy
    rank: int
    reason: str
    evidence: list[Evidence]


class SalvageAnswer(BaseModel):
    query: dict
    options: list[Option]
    disclaimer: str


def _evidence(row: dict) -> Evidence | None:
    if not row.get("administration"):
        return None
    response = row["response_label"]
    if row.get("resulting_state_label"):
        response = f"{response}: {row['resulting_state_label']}"
    return Evidence(
        patient=row["patient"],
        administration=row["administration_label"],
        setting=row.get("setting_label"),
        response=response,
        source=Source(citation=row.get("citation"), doi=row.get("doi"), locator=row.get("source_locator")),
        evidence_level=row.get("evidence_level"),
    )


@router.get("/salvage-options", response_model=SalvageAnswer, responses=ERROR_RESPONSES,
            summary="Salvage options after an antigen-negative relapse, ranked with evidence")
def salvage_options(
    request: Request,
    lost_antigen: str = Query(..., description="Antigen the relapse no longer expresses", examples=["CD19"],
                              max_length=200),
    expressed: str | None = Query(None, description="Antigen the relapse still expresses; options that target it "
                                  "rank first", examples=["CD22"], max_length=200),
    prior: list[str] = Query([], description="Therapies or modalities already given without lasting effect "
                             "(repeatable); they rank last", examples=[["CAR-T"]]),
) -> SalvageAnswer:
    graph = request.app.state.graph
    lost = graph.lookup("sk:Antigen", lost_antigen, "lost_antigen")
    still = graph.lookup("sk:Antigen", expressed, "expressed") if expressed else None
    tried = [graph.lookup("sk:TherapyAgent", name, "prior") for name in prior]
    answer = graph.ask("salvage-options", lost_antigen=lost.iri)

    grouped: dict[str, dict] = {}
    for row in answer.rows:
        option = grouped.setdefault(row["therapy"], {"row": row, "reasons": [], "evidence": []})
        option["reasons"] += [reason for reason in row["reasons"] if reason not in option["reasons"]]
        evidence = _evidence(row)
        if evidence is not None:
            option["evidence"].append(evidence)

    def standing(option: dict) -> tuple:
        row = option["row"]
        already = any(choice.iri == row["therapy"] or choice.iri in row["kinds"] for choice in tried)
        targets_expressed = still is not None and still.label in row["targets"]
        remissions = sum(e.response.startswith("complete remission") for e in option["evidence"])
        return already, not targets_expressed, -remissions, -len(option["evidence"]), row["therapy_label"]

    options = []
    for rank, option in enumerate(sorted(grouped.values(), key=standing), start=1):
        row = option["row"]
        already, not_targeting, remissions, count, _ = standing(option)
        why = []
        if already:
            why.append("already given (prior), so ranked after untried options")
        if still is not None and not not_targeting:
            why.append(f"targets {still.label}, which the relapse still expresses")
        why.append(f"complete remission in {-remissions} of {-count} reported administrations")
        why += option["reasons"]
        options.append(Option(
            therapy=Therapy(id=row["therapy"], label=row["therapy_label"], modality=", ".join(row["modalities"]),
                            targets=row["targets"]),
            rank=rank,
            reason="; ".join(why),
            evidence=option["evidence"],
        ))
    query = {"lost_antigen": lost.label, "expressed": still.label if still else None,
             "prior": [choice.label for choice in tried]}
    return SalvageAnswer(query=query, options=options, disclaimer=DISCLAIMER)
