"""The events a course is compared by, and what it costs to put one in place of another.

A course is the order of relapses (with the stated CD19 and CD22 status), refractory disease, rising MRD,
complete remissions, therapies and transplants. Costs come from the ontology: two therapies are closer the more
classes they share (modality, product kind: CAR-T, bispecific engager, antibody-drug conjugate; for transplants,
the donor kind), closer still when they target the same antigen; two relapses are closer the more their antigen
states agree. A therapy never stands in for a disease state.

>>> alphabet = Alphabet({"a": frozenset({"CAR-T", "immunotherapy"}), "b": frozenset({"BiTE", "immunotherapy"})},
...                     {"a": frozenset({"CD19"}), "b": frozenset({"CD19", "CD3"})}, transplants=set())
>>> a, b = alphabet.code(therapy("a")), alphabet.code(therapy("b"))
>>> neg, pos = alphabet.code(relapse(cd19="negative")), alphabet.code(relapse(cd19="positive"))
>>> costs = alphabet.costs()
>>> float(costs[a, a]), round(float(costs[a, b]), 2), round(float(costs[neg, pos]), 2)
(0.0, 0.43, 0.5)
"""

import threading
from dataclasses import dataclass

import numpy as np

GAP = 1.0  # an event one course has and the other lacks
NEVER = 2 * GAP  # a substitution that must lose to a gap on each side: a therapy for a disease state
ANTIGENS = ("CD19", "CD22")
STATES = ("relapse", "refractory", "remission", "rising MRD")
THERAPIES = ("therapy", "transplant")
# Between disease states of different kinds: refractory disease and rising MRD are failures like a relapse.
_STATE_COST = {frozenset({"relapse", "refractory"}): 0.6, frozenset({"relapse", "rising MRD"}): 0.5,
               frozenset({"refractory", "rising MRD"}): 0.6}


@dataclass(frozen=True)
class Event:
    kind: str  # one of STATES or THERAPIES
    term: str | None = None  # the agent (or therapy class) IRI of a therapy or transplant
    cd19: str | None = None  # "positive" / "negative" at a relapse; None when not stated
    cd22: str | None = None


def therapy(term: str, transplant: bool = False) -> Event:
    return Event("transplant" if transplant else "therapy", term)


def relapse(cd19: str | None = None, cd22: str | None = None) -> Event:
    return Event("relapse", None, cd19, cd22)


def state(kind: str) -> Event:
    return Event(kind)


class Alphabet:
    """Every event seen, as a small integer, with the cost matrix between them.

    `kinds` maps a therapy term to the ontology classes it belongs to, `targets` to the antigens it targets
    (both read from the graph); `transplants` holds the terms that are transplants."""

    def __init__(self, kinds: dict[str, frozenset[str]], targets: dict[str, frozenset[str]],
                 transplants: set[str]):
        self.kinds = dict(kinds)
        self.targets = dict(targets)
        self.transplants = set(transplants)
        self.events: list[Event] = []
        self._codes: dict[Event, int] = {}
        self._costs: np.ndarray | None = None
        self._lock = threading.RLock()  # searches run in threads; a course may name a therapy class not seen yet

    def code(self, event: Event) -> int:
        with self._lock:
            if event not in self._codes:
                self._codes[event] = len(self.events)
                self.events.append(event)
                self._costs = None
            return self._codes[event]

    def kinds_of(self, term: str) -> frozenset[str]:
        """The classes of a therapy term; for a class named by a user ("CAR-T"), the classes every agent of it
        shares, or only itself when no agent of it was given."""
        with self._lock:
            if term not in self.kinds:
                members = [kinds for kinds in self.kinds.values() if term in kinds]
                self.kinds[term] = frozenset.intersection(*members) if members else frozenset({term})
            return self.kinds[term]

    def costs(self) -> np.ndarray:
        with self._lock:
            return self._matrix()

    def _matrix(self) -> np.ndarray:
        if self._costs is None or len(self._costs) != len(self.events):
            size = len(self.events)
            matrix = np.empty((size, size), dtype=np.float32)
            for i, first in enumerate(self.events):
                for j, second in enumerate(self.events):
                    matrix[i, j] = self.cost(first, second)
            self._costs = matrix
        return self._costs

    def cost(self, first: Event, second: Event) -> float:
        if first == second:
            return 0.0
        if first.kind in STATES and second.kind in STATES:
            if first.kind == second.kind == "relapse":
                return sum(_antigen_cost(a, b) for a, b in ((first.cd19, second.cd19), (first.cd22, second.cd22)))
            if first.kind == second.kind:
                return 0.0
            return _STATE_COST.get(frozenset({first.kind, second.kind}), NEVER)
        if first.kind in THERAPIES and second.kind in THERAPIES:
            return self._therapy_cost(first, second)
        return NEVER

    def agree_where_stated(self, first: Event, second: Event) -> bool:
        """Two relapses whose antigen states differ only where one course is silent."""
        return first.kind == second.kind == "relapse" and all(
            a is None or b is None or a == b for a, b in ((first.cd19, second.cd19), (first.cd22, second.cd22)))

    def _therapy_cost(self, first: Event, second: Event) -> float:
        one, other = self.kinds.get(first.term, frozenset()), self.kinds.get(second.term, frozenset())
        # A class asked for ("CAR-T") is met by any agent of that class.
        if first.term in other or second.term in one:
            return 0.0
        shared = len(one & other) / len(one | other) if one | other else 0.0
        cost = 0.3 + 0.5 * (1.0 - shared)
        if self.targets.get(first.term, frozenset()) & self.targets.get(second.term, frozenset()):
            cost -= 0.2
        if first.kind != second.kind:
            cost += 0.6  # a transplant for a drug: far, though both are therapies
        return cost

    def describe(self, event: Event, labels: dict[str, str]) -> str:
        if event.kind == "relapse":
            stated = [f"{antigen}{'−' if status == 'negative' else '+'}"
                      for antigen, status in zip(ANTIGENS, (event.cd19, event.cd22), strict=True) if status]
            return "relapse" + (f" ({' '.join(stated)})" if stated else "")
        if event.kind in THERAPIES:
            return labels.get(event.term, event.term or event.kind)
        return {"remission": "complete remission", "refractory": "refractory disease"}.get(event.kind, event.kind)


def _antigen_cost(first: str | None, second: str | None) -> float:
    if first == second:
        return 0.0
    if first is None or second is None:
        return 0.05  # one course states it, the other does not: a small doubt, not a disagreement
    return 0.5
