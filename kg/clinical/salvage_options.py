"""Salvage options after a relapse that lost an antigen: ranked, each with why, what happened to published patients
and what the studies found, beside the therapies to avoid.

Everything is read through named questions (queries/*.rq): salvage-options (therapies given after such a relapse
in a published case), therapies-by-target (every agent aimed at an antigen, from the ontology: the antigen the
question says is still expressed, and each antigen such relapses in published cases still expressed, found by the
internal look-up antigens-still-expressed), study-results and indirectness-notes (published figures and how far
each study's population is from the question), therapy-warnings (the rule aimed-at-lost-antigen) and the internal
look-up antigens-tested (which antigens reports test blasts for). Synthetic patients (kg.tools.synth) are never
evidence: the case evidence, the antigens still expressed, the warnings and the tested antigens are asked for at
the evidence levels of the sources the graph holds, synthetic data's excepted, one level at a time, so that a large
synthetic cohort is never read (kg.clinical.salvage_reading.at_levels). The salvage-options question's own
target-link rows are not used: they rest on every such relapse the graph holds, synthetic ones included.

How options are ranked (said in every option's reason):
  0. a therapy the question names as already given (prior=, that very therapy) goes after the others;
  1. then by the design of its strongest evidence: randomised trial, then non-randomised study (single-arm,
     dose-finding, compassionate use), then case report, then the ontology's target link alone;
  2. then by directness: fewer indirectness notes that apply to the question (an adult-only study for a child,
     a study without patients treated with CAR-T before when the question says prior CAR-T, ...);
  3. then by outcome: the remission rate of the figure that counts the most patients among the most direct
     studies of that design (or, for case evidence only, the number of reported complete remissions; a response
     "not reported" never counts as a failure);
  4. then by name. Never by effect size alone: a higher rate never lifts a weaker design or a less direct study.

A modality named as prior (CAR-T) describes the patient (it decides the prior-CAR-T indirectness notes); it does
not mark every product of that modality as already given: a CD22 CAR-T after a CD19 CAR-T is another therapy.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from kg.clinical.salvage_model import (
    CaseEvidence,
    Finding,
    Option,
    SalvageAnswer,
    StudyEvidence,
    Therapy,
    Warning,
)
from kg.clinical.salvage_reading import NOT_REPORTED, Asked, Found, ask_the_question, study_evidence
from kg.clinical.sources import source_of
from kg.knowledge_graph import KnowledgeGraph

RANKING = ("Ranked by the design of the evidence first (randomised trial > non-randomised study > case report > "
           "target link only), then directness (fewer indirectness notes that apply to this question), then "
           "outcome (remission rate of the largest counted group; for cases, reported complete remissions); never by "
           "effect size alone. "
           "A therapy named as already given goes last.")

DESIGN_ORDER = ("randomised trial", "non-randomised study", "case report", "target link only")


def salvage_options(lost: str, expressed: str | None = None, prior: Iterable[str] | str = (),
                    age_group: str | None = None, *, graph: KnowledgeGraph | None = None) -> SalvageAnswer:
    """Ranked salvage options after a relapse that lost the antigen `lost`, with case and study evidence, and the
    therapies to avoid. Names are matched as any question parameter is ("CD19", "CAR-T", "child"); an unknown
    name raises kg.ParameterError listing the accepted ones. The ranking rule is in this module's docstring and
    in every option's reason.

    >>> answer = salvage_options(lost="CD19", expressed="CD22", prior=["CAR-T"], age_group="child")
    >>> "inotuzumab ozogamicin" in [option.therapy.label for option in answer.options]
    True
    >>> "blinatumomab" in [warning.therapy.label for warning in answer.avoid if warning.level == "avoid"]
    True
    >>> answer.disclaimer.startswith("Evidence, not advice")
    True
    """
    if graph is None:
        from kg import default_graph  # the bundled graph, built once per process

        graph = default_graph()
    asked = Asked.read(graph, lost, expressed, [prior] if isinstance(prior, str) else list(prior), age_group)
    found = ask_the_question(graph, asked)
    standings = sorted((_standing(asked, candidate["therapy"], tuple(candidate["why"]),
                                  found.cases.get(iri, ()), study_evidence(found, asked, iri))
                        for iri, candidate in found.candidates.items()), key=lambda standing: standing.key)
    options = tuple(standing.option(rank) for rank, standing in enumerate(standings, start=1))
    avoid = tuple(_warnings(asked, found, options))
    return SalvageAnswer(query=asked.echo(), ranking=RANKING, options=options, avoid=avoid)


# --- one option ---------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Standing:
    """An option before its rank is known: what it is ranked by, and that said in words."""

    key: tuple
    therapy: Therapy
    why: tuple[str, ...]
    said: str
    design: str
    already: bool
    cases: tuple[CaseEvidence, ...]
    studies: tuple[StudyEvidence, ...]

    def option(self, rank: int) -> Option:
        reason = f"Rank {rank}. Why an option: {'; '.join(self.why)}. Why this rank: {self.said}."
        return Option(rank=rank, therapy=self.therapy, reason=reason, why=self.why, best_design=self.design,
                      already_given=self.already, evidence=self.cases, study_results=self.studies)


def _design(studies: tuple[StudyEvidence, ...], cases: tuple[CaseEvidence, ...]) -> int:
    if any(result.randomised for result in studies):
        return 0
    if studies:
        return 1
    return 2 if cases else 3


# The outcomes that count as a remission when options of the same design and directness are compared (the
# share of all patients counted; "MRD-negative among responders" counts responders only, so it is left out).
REMISSION_OUTCOMES = {"complete remission", "complete remission with incomplete count recovery", "CR or CRi",
                      "CR, CRh or CRi", "overall remission", "MRD-negative complete remission"}


def _remission(results: Iterable[StudyEvidence]) -> StudyEvidence | None:
    """The remission figure that counts the most patients (not the highest rate: 5 of 5 at one dose level says
    less than 11 of 15)."""
    counted = [result for result in results if result.rate_percent is not None and result.outcome in REMISSION_OUTCOMES]
    return max(counted, key=lambda result: (result.denominator or 0, result.rate_percent), default=None)


def _standing(asked: Asked, therapy: Therapy, why: tuple[str, ...], cases: tuple[CaseEvidence, ...],
              studies: tuple[StudyEvidence, ...]) -> _Standing:
    already = therapy.id in asked.prior_iris
    design = _design(studies, cases)
    strongest = [result for result in studies if bool(result.randomised) == (design == 0)]
    notes = min((result.applicable_notes for result in strongest), default=0)
    remissions = sum(case.response.startswith("complete remission") for case in cases)
    remission = _remission(result for result in strongest if result.applicable_notes == notes)
    # Studies compare by their largest remission figure; case evidence alone by its reported remissions. Studies
    # that report no remission figure (survival or toxicity only) are not scored 0%: they come after those that
    # do, and the reason says so.
    if strongest:
        outcome = (remission is None, -(remission.rate_percent if remission else 0.0))
    else:
        outcome = (False, -float(remissions))

    said = [f"strongest evidence: {DESIGN_ORDER[design]}"]
    if strongest:
        said[0] += f" ({', '.join(sorted({result.study for result in strongest}))})"
        said.append(f"{notes} indirectness note{'s' if notes != 1 else ''} appl{'y' if notes != 1 else 'ies'} to "
                    "this question" if notes else "no indirectness note applies to this question")
        if remission:
            said.append(f"remission in its largest counted group: {remission.figure.split('; ')[0]}")
        else:
            said.append("no remission figure reported (not counted as a failure; placed after options with one)")
    elif cases:
        unknown = sum(case.response == NOT_REPORTED for case in cases)
        said.append(f"{len(cases)} administration{'s' if len(cases) != 1 else ''} in published cases: "
                    f"{remissions} complete remission, {len(cases) - unknown - remissions} without one, "
                    f"{unknown} response not reported (never counted as a failure)")
    if already:
        said.insert(0, "already given (prior), so ranked after the others")
    said.append("ranked by design, then directness, then outcome")
    return _Standing(key=(already, design, notes, outcome, therapy.label.casefold()), therapy=therapy, why=why,
                     said="; ".join(said), design=DESIGN_ORDER[design], already=already, cases=cases,
                     studies=studies)


# --- what not to give -------------------------------------------------------------------------------------------

def _warnings(asked: Asked, found: Found, options: tuple[Option, ...]) -> list[Warning]:
    """Every agent aimed at the lost antigen (avoid, with the findings of the rule that say so), and every option
    aimed at an antigen whose status the question does not give (test first)."""
    findings: dict[str, list[Finding]] = defaultdict(list)
    for row in found.warning_rows:
        findings[row["therapy"]].append(Finding(
            patient=row["patient"], disease_state=row["state_label"], status=row["status_label"],
            statement=row["finding_statement"], source=source_of(row),
            evidence_level=row["evidence_level"]))
    warnings = []
    for therapy in found.aimed_at_lost:
        others = [target for target in therapy.targets if target in asked.expressed_labels]
        reason = (f"targets {asked.lost.label}, which this relapse no longer expresses: the rule aimed-at-lost-antigen "
                  f"gives 'avoid' for every agent aimed at it")
        if others:
            reason += f"; it also targets {', '.join(others)}, but part of what it is aimed at is gone"
        cited = findings.get(therapy.id, [])
        if cited:
            reason += f"; {asked.lost.label}-negative relapses in published cases: " + ", ".join(
                f"{finding.patient} ({finding.disease_state})" for finding in cited)
        warnings.append(Warning(therapy=therapy, antigen=asked.lost.label, level="avoid", reason=reason,
                                findings=tuple(cited)))
    for option in options:
        unknown = [target for target in option.therapy.targets
                   if target in found.tested_antigens and target not in asked.expressed_labels]
        for antigen in unknown:
            warnings.append(Warning(
                therapy=option.therapy, antigen=antigen, level="test first", findings=(),
                reason=f"the question does not say whether the relapse still expresses {antigen}: unknown, test "
                       f"for {antigen} before relying on {option.therapy.label}"))
    return warnings


__all__ = ["RANKING", "salvage_options"]
