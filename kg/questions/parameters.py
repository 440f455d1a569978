"""Turn what a person types ("CD19", "CAR-T", "rascon-2022") into the RDF term a question is run with.

A value is only ever matched against the names the graph itself holds for the parameter's range, then bound as
an RDF term; text that is not one of those names is refused with the list of accepted names, so nothing a user
types can change what a query does.
"""

import difflib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cached_property

from rdflib import Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Node

from kg.errors import SalvageKgError
from kg.namespaces import PREFIXES, curie
from kg.questions.catalogue import Param, Question, catalogue

MAX_TEXT_LENGTH = 200


class ParameterError(SalvageKgError, ValueError):
    """A missing, unknown or unacceptable parameter value; the message says which and why."""

    kinds = ("invalid_parameter",)

    def __init__(self, param: str, reason: str, accepted: tuple[str, ...] = ()):
        self.param = param
        self.reason = reason
        self.accepted = accepted
        super().__init__(f"parameter {param}: {reason}")


@dataclass(frozen=True)
class Choice:
    """One accepted value of an IRI parameter, with the names that select it."""

    iri: str
    label: str
    names: frozenset[str]
    is_class: bool = False


class Choices(tuple):
    """The accepted values of one range, sorted by label, and found by any of their names without reading every
    one of them: a cohort's patient range holds 100,000 choices.

    The index by name is made with the choices, so in the server's background look-up at start-up: made on the
    first name typed, it cost that request 0.9 s at 100,000 patients."""

    by_name: dict[str, list[Choice]]

    def __new__(cls, choices=()):
        self = super().__new__(cls, choices)
        self.by_name = {}
        for choice in self:
            for name in choice.names:
                self.by_name.setdefault(name, []).append(choice)
        return self

    @cached_property
    def listed(self) -> tuple[Choice, ...]:
        """Each label once, for pickers and refusals: where a kind and one of its members share a label ("total
        body irradiation"), the kind, which selects the member too (as `match` does)."""
        kinds = {choice.label.casefold() for choice in self if choice.is_class}
        return tuple(choice for choice in self if choice.is_class or choice.label.casefold() not in kinds)

    def nearest(self, typed: str, count: int = 3) -> list[str]:
        """Labels of the choices whose names come closest to what was typed ("did you mean")."""
        if len(self.by_name) > MAX_SPELLING_CANDIDATES:  # a cohort's patients: too many names to compare
            return []
        close = difflib.get_close_matches(typed.strip().casefold(), list(self.by_name), n=count * 3, cutoff=0.6)
        labels = dict.fromkeys(choice.label for name in close for choice in self.by_name[name]
                               if choice in self.listed)
        return list(labels)[:count]


MAX_LISTED = 50  # accepted names listed in a refusal; past that the list says how many more there are
MAX_SPELLING_CANDIDATES = 20_000  # names compared with a misspelt value; a larger range gets no suggestion


def expand(name: str) -> str:
    """'sk:Antigen' -> full IRI; a full IRI is returned as it is."""
    prefix, _, local = name.partition(":")
    if prefix in PREFIXES and not local.startswith("//"):
        return PREFIXES[prefix] + local
    return name


# A range too large for a select box (a cohort's 100,000 patients) gets no picker: its field is a text box, and a
# name typed there is matched as any parameter value is.
MAX_PICKER = 1000


def pickers(graph, also: tuple[str, ...] = (), at_most: int = MAX_PICKER) -> dict[str, list[dict]]:
    """What a form offers for each range a question parameter declares (and the ranges `also` names), as
    {range: [{value, label, kind}]}, for ranges of at most `at_most` members. The value is the compact IRI, which a
    parameter always accepts and, unlike a label, never names two things; `kind` marks a class (a therapy
    modality, say), which selects all its members. `graph` is a KnowledgeGraph (its cached choices)."""
    declared = {param.range for question in catalogue().values() for param in question.params if param.range}
    found = {name: graph.choices(expand(name)) for name in sorted(declared | set(also))}
    return {name: [{"value": curie(choice.iri), "label": choice.label, "kind": choice.is_class}
                   for choice in choices.listed]
            for name, choices in found.items() if len(choices) <= at_most}


def choices_from_rows(rows) -> Choices:
    """Group (term, name, is_class, is_label) rows of queries/internal/terms-in-range.rq, in any order, into choices;
    a choice is shown by its rdfs:label (the first by name), the name answers use ("inotuzumab ozogamicin", not
    the brand "Besponsa")."""
    names: dict[str, list[str]] = {}
    labels: dict[str, str] = {}
    classes = set()
    for term, name, is_class, is_label in sorted(rows, key=lambda row: (str(row[0]), str(row[1]))):
        names.setdefault(str(term), []).append(str(name))
        if _true(is_class):
            classes.add(str(term))
        if _true(is_label):
            labels.setdefault(str(term), str(name))
    found = []
    for iri, typed in names.items():
        keys = {name.casefold() for name in typed}
        keys |= {iri.casefold(), curie(iri).casefold(), iri.rsplit("/", 1)[-1].rsplit("#", 1)[-1].casefold()}
        found.append(Choice(iri=iri, label=labels.get(iri, typed[0]), names=frozenset(keys), is_class=iri in classes))
    return Choices(sorted(found, key=lambda choice: choice.label.casefold()))


def _true(term) -> bool:
    # An xsd:boolean from either engine: rdflib's Literal(True), or text from a remote store's JSON.
    return str(term).strip().lower() in ("true", "1")


def _literal(param: Param, raw: str) -> Literal:
    if param.type == "string":
        if len(raw) > MAX_TEXT_LENGTH:
            raise ParameterError(param.name, f"text longer than {MAX_TEXT_LENGTH} characters")
        return Literal(raw)
    if param.type == "integer":
        try:
            return Literal(int(raw.strip()), datatype=XSD.integer)
        except ValueError:
            raise ParameterError(param.name, f"{raw!r} is not a whole number") from None
    try:
        return Literal(Decimal(raw.strip()), datatype=XSD.decimal)
    except InvalidOperation:
        raise ParameterError(param.name, f"{raw!r} is not a number") from None


def resolve(
    question: Question,
    given: Mapping[str, object],
    choices_for: Callable[[str], Choices],
) -> dict[str, Node]:
    """Bindings {sparql variable: RDF term} for the given values; raises ParameterError."""
    declared = {param.name for param in question.params}
    unknown = sorted(set(given) - declared)
    if unknown:
        expected = ", ".join(sorted(declared)) or "no parameters"
        raise ParameterError(unknown[0], f"not a parameter of {question.name} (it takes: {expected})")
    bindings: dict[str, Node] = {}
    for param in question.params:
        raw = given.get(param.name, param.default)
        if raw is None or raw == "":
            if param.required:
                raise ParameterError(param.name, f"is required (for example {param.name}={param.example})")
            continue
        raw = str(raw)
        if param.type != "iri":
            bindings[param.variable] = _literal(param, raw)
            continue
        if param.range is None:
            # Only internal look-ups take a bare IRI; people always choose from a range.
            bindings[param.variable] = URIRef(expand(raw))
            continue
        range_iri = expand(param.range)
        bindings[param.variable] = URIRef(match(param.name, raw, choices_for(range_iri), range_iri).iri)
    return bindings


def match(name: str, raw: str, options: Choices, range_iri: str) -> Choice:
    """The one choice a typed name selects; ParameterError listing the accepted names otherwise."""
    found = options.by_name.get(raw.strip().casefold(), [])
    if len(found) > 1:
        # "TBI" names both the modality and the one agent of it: the modality includes the agent.
        found = [choice for choice in found if choice.is_class] or found
    if len(found) != 1:
        accepted = tuple(choice.label for choice in options.listed)
        reason = f"{raw!r} is not a known {curie(range_iri)}" if not found else f"{raw!r} is ambiguous"
        nearest = options.nearest(raw) if not found else []
        if nearest:
            reason += f" (did you mean {' or '.join(repr(label) for label in nearest)}?)"
        listed = ", ".join(accepted[:MAX_LISTED])
        if len(accepted) > MAX_LISTED:
            listed += f" and {len(accepted) - MAX_LISTED:,} more"
        raise ParameterError(name, f"{reason}; accepted: {listed}", accepted)
    return found[0]
