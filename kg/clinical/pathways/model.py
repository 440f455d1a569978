"""A treatment pathway as a clinician reads it: therapies in order, each with the disease state it produced.

Values only; reading them from the graph is kg.clinical.pathways.read. Every state and step keeps its source, so any
count drawn from them can be traced back to the passages it rests on.

>>> cr = State(iri="x", patient="p", sequence=3, kind="complete remission", label="third complete remission",
...            ordinal=3, mrd="MRD-negative", source=Source("A case report", None, "sentence 5"), evidence_level="C")
>>> cr.short, cr.category
('CR3 MRD-negative', 'complete remission, MRD-negative')
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from kg.clinical.sources import Source
from kg.questions.answers import DISCLAIMER

NOT_REPORTED = "not reported"
SYNTHETIC = "synthetic"  # the evidence level (skos:notation) of generated patients

# The disease states a pathway passes through, by the rdfs:label of their class in the ontology.
DIAGNOSIS = "diagnosis"
REMISSION = "complete remission"
RELAPSE = "relapse"
REFRACTORY = "refractory disease"
MRD_RISE = "rising MRD"

# What a step produced when the source names a response but no resulting event (by response category label).
_RESPONSE_ONLY = {
    "complete remission": "complete remission, MRD not reported",
    "relapse followed": "relapse",
    "rising MRD followed": "rising MRD",
}

# States that mean the therapy before them did not hold the disease.
FAILURE_KINDS = (RELAPSE, REFRACTORY, MRD_RISE)

_SIGNS = {"negative": "−", "positive": "+"}


@dataclass(frozen=True)
class Timing:
    """An interval as the source states it: `offset` after the event `anchor`, exact or approximate."""

    offset: str
    anchor: str
    anchor_sequence: int
    anchor_label: str
    precision: str

    @property
    def short(self) -> str:
        """'11 mo', '~5 y': what fits next to a marker."""
        return ("~" if self.precision != "exact" else "") + readable_duration(self.offset)


@dataclass(frozen=True)
class State:
    """A disease event on a patient's timeline: diagnosis, remission, relapse, refractory disease, rising MRD."""

    iri: str
    patient: str
    sequence: int
    kind: str
    label: str
    source: Source
    evidence_level: str | None  # beside the source: how the evidence was gathered ("C", "synthetic")
    ordinal: int | None = None
    mrd: str | None = None
    duration: str | None = None
    age: str | None = None
    antigens: tuple[tuple[str, str], ...] = ()  # (antigen, status) as stated, e.g. ("CD19", "negative")
    sites: tuple[str, ...] = ()
    timings: tuple[Timing, ...] = ()

    @property
    def negative_for(self) -> tuple[str, ...]:
        return tuple(antigen for antigen, status in self.antigens if status == "negative")

    @property
    def antigen_summary(self) -> str:
        """'CD19− CD22+' for stated statuses; 'CD19, CD22 not reported' when the source is silent."""
        stated = [f"{antigen}{_SIGNS[status]}" for antigen, status in self.antigens if status in _SIGNS]
        silent = [antigen for antigen, status in self.antigens if status not in _SIGNS]
        parts = [" ".join(stated)] if stated else []
        if silent:
            parts.append(f"{', '.join(silent)} not reported")
        return "; ".join(parts)

    @property
    def short(self) -> str:
        """How a clinician would write it on a chart: 'CR3 MRD-negative', 'relapse 3 (CD19− CD22+)'."""
        number = "" if self.ordinal is None else str(self.ordinal)
        if self.kind == REMISSION:
            mrd = f" {self.mrd}" if self.mrd and self.mrd != NOT_REPORTED else ""
            return f"CR{number}{mrd}"
        if self.kind == RELAPSE:
            stated = [pair for pair in self.antigens if pair[1] in _SIGNS]
            antigens = " ".join(f"{antigen}{_SIGNS[status]}" for antigen, status in stated)
            return f"relapse {number}".strip() + (f" ({antigens})" if antigens else "")
        if self.kind == REFRACTORY:
            return "refractory"
        return self.kind

    @property
    def category(self) -> str:
        """The state with ordinals left out, so that patients can be counted together."""
        if self.kind == REMISSION:
            mrd = self.mrd if self.mrd and self.mrd != NOT_REPORTED else "MRD not reported"
            return f"{REMISSION}, {mrd}"
        if self.kind == RELAPSE and self.negative_for:
            return f"{RELAPSE}, {' and '.join(self.negative_for)}-negative"
        if self.kind == REFRACTORY:
            return "refractory"
        return self.kind

    @property
    def is_failure(self) -> bool:
        return self.kind in FAILURE_KINDS


@dataclass(frozen=True)
class Step:
    """One therapy given: what it was, the response and the disease state it produced, and where that is stated.

    `then` holds the disease events after that state and before the next therapy (a remission that was later
    lost: CR3, then relapse 3). `members` holds the administrations a step stands for when consecutive
    administrations of one therapy were collapsed (pathway option "changes").
    """

    iri: str
    patient: str
    sequence: int
    label: str
    therapy: str
    agents: tuple[str, ...]
    kinds: frozenset[str]
    source: Source
    evidence_level: str | None
    modality: str | None = None
    line: int | None = None
    setting: str | None = None
    courses: int | None = None
    course_number: int | None = None
    transplant: bool = False
    response: str = NOT_REPORTED
    response_locator: str | None = None
    state: State | None = None
    time_to_state: str | None = None
    then: tuple[State, ...] = ()
    timings: tuple[Timing, ...] = ()
    members: tuple["Step", ...] = field(default=(), repr=False)

    @property
    def outcome(self) -> str:
        """The category of what this therapy produced ('complete remission, MRD-negative', 'refractory', ...)."""
        if self.state is not None:
            return self.state.category
        if self.response.startswith("no remission"):
            return "refractory"
        return _RESPONSE_ONLY.get(self.response, NOT_REPORTED)

    @property
    def outcome_short(self) -> str:
        if self.state is not None:
            text = self.state.short
            if self.time_to_state:
                text += f" after {readable_duration(self.time_to_state)}"
            return text
        return self.response if self.response != NOT_REPORTED else "outcome not reported"

    @property
    def failure(self) -> str | None:
        """What shows the therapy did not hold the disease: no remission, or the relapse, refractory disease or
        rising MRD that followed it before the next therapy; None when nothing of the kind is stated."""
        states = ((self.state,) if self.state else ()) + self.then
        first = next((state for state in states if state.is_failure), None)
        if self.response.startswith("no remission"):
            return "no remission" + (f", {first.short}" if first else "")
        return first.short if first else None

    @property
    def repeats(self) -> int:
        return max(1, len(self.members))

    def is_a(self, term: str) -> bool:
        """Whether this step's therapy is the agent `term` or belongs to the class `term` (IRIs)."""
        return term in self.kinds or term in self.agents


@dataclass(frozen=True)
class Pathway:
    """One patient's therapies in the order given, with every disease state on the way."""

    patient: str
    steps: tuple[Step, ...]
    states: tuple[State, ...]

    def states_between(self, after: int, before: int | None) -> tuple[State, ...]:
        """Disease states with a timeline position strictly between two positions (None: to the end)."""
        return tuple(state for state in self.states
                     if state.sequence > after and (before is None or state.sequence < before))

    def first(self, count: int) -> "Pathway":
        """The pathway up to its `count`-th therapy and the states that followed it, before the next therapy."""
        if count >= len(self.steps):
            return self
        cut = self.steps[count].sequence
        return Pathway(self.patient, self.steps[:count], self.states_between(0, cut))

    @property
    def before_first_step(self) -> tuple[State, ...]:
        first = self.steps[0].sequence if self.steps else None
        return self.states_between(0, first)


def evidence_note(levels: Iterable[str]) -> str:
    """What a picture must say about the evidence it shows: the case-report disclaimer, and a warning when any
    patient in it is synthetic."""
    levels = set(levels)
    notes = []
    if SYNTHETIC in levels:
        notes.append("Includes synthetic patients: generated data, no real patient, never evidence.")
    if levels - {SYNTHETIC} or not levels:
        notes.append(DISCLAIMER)
    return " ".join(notes)


def readable_duration(value: str) -> str:
    """'P2Y6M' -> '2 y 6 mo'; 'P11M' -> '11 mo'; anything else is returned as it is.

    >>> readable_duration("P2Y6M"), readable_duration("P11M"), readable_duration("P3W")
    ('2 y 6 mo', '11 mo', '3 wk')
    """
    if not value.startswith("P") or "T" in value:
        return value
    units = {"Y": "y", "M": "mo", "W": "wk", "D": "d"}
    parts, number = [], ""
    for char in value[1:]:
        if char.isdigit() or char == ".":
            number += char
        elif char in units and number:
            parts.append(f"{number} {units[char]}")
            number = ""
        else:
            return value
    return " ".join(parts) or value
