"""What a salvage-options answer holds: frozen records that the notebook, the CLI and the HTTP API hand on as they
are; the API's schema is read from them (field descriptions from the attribute docstrings, kg.clinical.sources)."""

import json
from dataclasses import asdict, dataclass

from kg.clinical.sources import Cited, Record, Source
from kg.questions.answers import DISCLAIMER

# The answers' own disclaimer (kg.questions.answers), led by the words the page and the report put first.
SALVAGE_DISCLAIMER = f"Evidence, not advice. {DISCLAIMER} Options are ranked by how their evidence was gathered."


@dataclass(frozen=True)
class Therapy(Record):
    id: str
    """The therapy's IRI"""
    label: str
    modality: str
    targets: tuple[str, ...]
    """Antigens it is aimed at"""


@dataclass(frozen=True)
class CaseEvidence(Cited):
    """One administration of the therapy to a published patient after a relapse that had lost the antigen."""

    patient: str
    administration: str
    setting: str | None
    response: str
    """What followed ("complete remission: fourth complete remission"); 'response not reported' when the report is
    silent, which never counts as a failure"""


@dataclass(frozen=True)
class Indirectness(Record):
    """How a study's population differs from the question on one dimension, and whether that applies here."""

    dimension: str
    """age group, prior CAR-T, antigen status required or disease setting"""
    study_value: str | None
    """The study population's value on that dimension"""
    note: str
    applies: bool
    """Whether it sets the study apart from this question"""


@dataclass(frozen=True)
class StudyEvidence(Cited):
    """One published figure of one study arm, with what its denominator counts."""

    study: str
    registry_id: str | None
    design: str | None
    phase: str | None
    randomised: bool | None
    age_group: str | None
    setting: str | None
    therapy: str
    outcome: str | None
    figure: str
    """The figure in words, with numerator, denominator and what it counts (CR/CRi: 61 of 75 infused (81%; 95% CI
    71-89%))"""
    numerator: int | None
    denominator: int | None
    denominator_basis: str | None
    """Which patients the denominator counts"""
    rate_percent: float | None
    ci_lower_percent: float | None
    ci_upper_percent: float | None
    window: str | None
    statement: str | None
    indirectness: tuple[Indirectness, ...]

    @property
    def applicable_notes(self) -> int:
        return sum(note.applies for note in self.indirectness)


@dataclass(frozen=True)
class Finding(Cited):
    """The antigen-expression finding a warning rests on."""

    patient: str
    disease_state: str
    status: str
    statement: str | None


@dataclass(frozen=True)
class Warning(Record):
    """A therapy to avoid, use with caution, or test for first, with the reason and the findings behind it."""

    therapy: Therapy
    antigen: str
    level: str
    """avoid, caution or test first"""
    reason: str
    findings: tuple[Finding, ...]
    """The antigen-expression findings the rule aimed-at-lost-antigen rests on"""


@dataclass(frozen=True)
class Option(Record):
    rank: int
    therapy: Therapy
    reason: str
    """Why it is an option and why it has this rank"""
    why: tuple[str, ...]
    """Why it is an option at all"""
    best_design: str
    """The design of its strongest evidence: randomised trial, non-randomised study, case report or target link
    only"""
    already_given: bool
    evidence: tuple[CaseEvidence, ...]
    """Case evidence (CIViC level C)"""
    study_results: tuple[StudyEvidence, ...]
    """Trial evidence (CIViC level B)"""


@dataclass(frozen=True)
class SalvageAnswer(Record):
    query: dict
    """What was asked: lost_antigen, expressed, prior, age_group"""
    ranking: str
    """The ranking rule, in words"""
    options: tuple[Option, ...]
    avoid: tuple[Warning, ...]
    """Therapies to avoid, use with caution, or test for first"""
    disclaimer: str = SALVAGE_DISCLAIMER

    def to_dict(self) -> dict:
        """Plain JSON-ready values (lists, not tuples): the shape /salvage-options returns."""
        return json.loads(json.dumps(asdict(self)))

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False)

    def to_table(self) -> str:
        """The answer as text for a terminal: options in rank order, then what to avoid."""
        lines = [f"Salvage options: {_asked(self.query)}", self.ranking, ""]
        for option in self.options:
            lines.append(f"{option.rank}. {option.therapy.label} ({option.therapy.modality}; targets "
                         f"{', '.join(option.therapy.targets) or 'no antigen'})")
            lines.append(f"   {option.reason}")
            for case in option.evidence:
                lines.append(f"   case {case.patient}: {case.administration}, {case.response} "
                             f"[{case.evidence_level}; {case.source.locator}; {_doi(case.source)}]")
            for result in option.study_results:
                notes = "; ".join(note.note for note in result.indirectness if note.applies)
                lines.append(f"   study {result.study} ({result.design}): {result.figure} "
                             f"[{result.evidence_level}; {result.source.locator}; {_doi(result.source)}]"
                             + (f" - differs: {notes}" if notes else ""))
        if self.avoid:
            lines += ["", "Avoid / caution / test first:"]
            for warning in self.avoid:
                lines.append(f"- {warning.level}: {warning.therapy.label}: {warning.reason}")
                for finding in warning.findings:
                    lines.append(f"    {finding.patient}, {finding.disease_state}: {finding.statement} "
                                 f"[{finding.evidence_level}; {finding.source.locator}; {_doi(finding.source)}]")
        lines += ["", self.disclaimer]
        return "\n".join(lines)


def _doi(source: Source) -> str:
    if source.doi:
        return f"doi:{source.doi}"
    return f"PMID {source.pmid}" if source.pmid else (source.citation or "source not stated")


def _asked(query: dict) -> str:
    parts = [f"lost {query['lost_antigen']}"]
    if query.get("expressed"):
        parts.append(f"still expressed {query['expressed']}")
    if query.get("prior"):
        parts.append(f"prior {', '.join(query['prior'])}")
    if query.get("age_group"):
        parts.append(f"age group {query['age_group']}")
    return "; ".join(parts)
