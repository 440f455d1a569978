"""A course as a clinician writes it, events in order separated by ';': "relapse CD19-negative CD22-positive;
inotuzumab; CR; haploidentical HSCT".

Relapses take the antigen status as "CD19-negative", "CD19 negative", "CD19-", "CD19−" or "CD19+"; remissions are
"CR", "complete remission" or "remission" (an MRD status after it is allowed and not compared); "refractory" or
"no remission"; "rising MRD" or "MRD rise". Anything else is a therapy, matched against the names the graph holds
for therapy agents and their classes ("inotuzumab", "InO", "CAR-T", "Kymriah", "HSCT"), else refused with the
names it accepts.
"""

import re

from kg.clinical.similar.events import ANTIGENS, Event, relapse, state, therapy
from kg.knowledge_graph import KnowledgeGraph
from kg.questions.parameters import ParameterError, expand

MAX_TEXT = 2_000
MAX_EVENTS = 60
_STATUS = re.compile(r"\b(CD\d+)\s*[- ]?\s*(negative|positive|neg|pos|−|-|\+)(?=\s|$|,)", re.IGNORECASE)
_SIGN = {"negative": "negative", "neg": "negative", "−": "negative", "-": "negative",
         "positive": "positive", "pos": "positive", "+": "positive"}
_STATES = {"cr": "remission", "complete remission": "remission", "remission": "remission",
           "refractory": "refractory", "refractory disease": "refractory", "no remission": "refractory",
           "rising mrd": "rising MRD", "mrd rise": "rising MRD", "mrd rising": "rising MRD"}


def parse_course(text: str, graph: KnowledgeGraph, param: str = "course") -> list[Event]:
    if len(text) > MAX_TEXT:
        raise ParameterError(param, f"a course is at most {MAX_TEXT} characters")
    parts = [part.strip() for part in re.split(r"[;\n]|->|→", text) if part.strip()]
    if not parts:
        raise ParameterError(param, "describe the course as events in order, separated by ';', e.g. "
                             "'relapse CD19-negative; inotuzumab; CR'")
    if len(parts) > MAX_EVENTS:
        raise ParameterError(param, f"a course has at most {MAX_EVENTS} events")
    return [_event(part, graph, param) for part in parts]


def _event(part: str, graph: KnowledgeGraph, param: str) -> Event:
    words = part.casefold()
    if words.startswith("relapse"):
        statuses = {}
        for antigen, sign in _STATUS.findall(part):
            antigen = antigen.upper()
            if antigen not in ANTIGENS:
                raise ParameterError(param, f"{part!r}: only {' and '.join(ANTIGENS)} status is compared")
            statuses[antigen] = _SIGN[sign.casefold()]
        rest = _STATUS.sub("", part[len("relapse"):]).strip(" ,0123456789")
        if rest:
            raise ParameterError(param, f"{part!r}: a relapse takes antigen states such as 'CD19-negative' or "
                                 f"'CD22+', not {rest!r}")
        return relapse(statuses.get("CD19"), statuses.get("CD22"))
    base = re.sub(r",?\s*mrd[- ](negative|positive)$", "", words).strip()
    base = re.sub(r"^(cr)\d*$", r"\1", base)
    if base in _STATES:
        return state(_STATES[base])
    # Whether it is a transplant, and which classes it belongs to, the index knows (kg.clinical.similar.search).
    try:
        return therapy(graph.lookup("sk:TherapyAgent", part, param).iri)
    except ParameterError:
        # "inotuzumab" for "inotuzumab ozogamicin": the first word(s) of exactly one therapy's name.
        starts = {choice.iri for choice in graph.choices(expand("sk:TherapyAgent"))
                  for name in choice.names if name.startswith(words + " ")}
        if len(starts) == 1:
            return therapy(starts.pop())
        raise
