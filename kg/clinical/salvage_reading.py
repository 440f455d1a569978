"""Read what a salvage-options answer rests on, through named questions only (no SPARQL here): the question asked,
the candidate therapies with their case evidence, the agents aimed at the lost antigen with the rule's findings,
and each therapy's study results with the indirectness notes that apply to the question."""

from dataclasses import dataclass, field

from kg.clinical.salvage_model import CaseEvidence, Indirectness, StudyEvidence, Therapy
from kg.clinical.sources import source_of
from kg.knowledge_graph import KnowledgeGraph
from kg.namespaces import SK
from kg.questions.parameters import MAX_TEXT_LENGTH, Choice, ParameterError, expand
from kg.questions.patient_pages import ordered_by

NOT_REPORTED = "response not reported"
# Generated data (kg.tools.synth) is never evidence: the answer's evidence is asked for at every other level the
# sources hold.
SYNTHETIC_LEVEL = str(SK.NoEvidence)
MAX_PRIOR = 20  # therapies named as given before: a patient's history, not a list without end

# How each indirectness dimension meets the question: the age note applies when the question gives an age group
# that the study's does not include; the prior-CAR-T note when the question says CAR-T was given before; a note on
# antigen status or disease setting always, since the question is about a relapse that lost an antigen.
_AGE, _PRIOR_CART = str(SK.AgeGroupDimension), str(SK.PriorCARTDimension)


@dataclass(frozen=True)
class Asked:
    """The question, each name matched to the term it means."""

    lost: Choice
    expressed: Choice | None
    prior: tuple[Choice, ...]
    age: Choice | None
    prior_cart: bool

    @classmethod
    def read(cls, graph: KnowledgeGraph, lost: str, expressed: str | None, prior: list[str],
             age_group: str | None) -> "Asked":
        named = {"lost": [lost], "expressed": [expressed], "prior": prior, "age_group": [age_group]}
        for param, names in named.items():
            if any(name and len(name) > MAX_TEXT_LENGTH for name in names):
                raise ParameterError(param, f"a name longer than {MAX_TEXT_LENGTH} characters")
        lost_choice = graph.lookup("sk:Antigen", lost, "lost")
        still = graph.lookup("sk:Antigen", expressed, "expressed") if expressed else None
        if still is not None and still.iri == lost_choice.iri:
            raise ParameterError("expressed", f"{still.label} cannot be both lost and still expressed")
        if len(prior) > MAX_PRIOR:
            raise ParameterError("prior", f"at most {MAX_PRIOR} therapies, not {len(prior)}")
        tried = tuple(graph.lookup("sk:TherapyAgent", name, "prior") for name in prior if name)
        age = graph.lookup("sk:AgeGroup", age_group, "age_group") if age_group else None
        car_t = {choice.iri for choice in graph.choices(expand("sk:CARTProduct"))} | {str(SK.CARTProduct)}
        return cls(lost_choice, still, tried, age, any(choice.iri in car_t for choice in tried))

    @property
    def prior_iris(self) -> set[str]:
        """Therapies named as given before (a modality describes the patient, not a given therapy)."""
        return {choice.iri for choice in self.prior if not choice.is_class}

    @property
    def expressed_labels(self) -> set[str]:
        return {self.expressed.label} if self.expressed else set()

    def echo(self) -> dict:
        return {"lost_antigen": self.lost.label, "expressed": self.expressed.label if self.expressed else None,
                "prior": [choice.label for choice in self.prior], "age_group": self.age.label if self.age else None}


@dataclass
class Found:
    candidates: dict[str, dict] = field(default_factory=dict)  # therapy IRI -> {"therapy": Therapy, "why": [...]}
    cases: dict[str, tuple[CaseEvidence, ...]] = field(default_factory=dict)
    aimed_at_lost: list[Therapy] = field(default_factory=list)
    warning_rows: tuple[dict, ...] = ()
    tested_antigens: set[str] = field(default_factory=set)
    study_rows: dict[str, list[dict]] = field(default_factory=dict)  # therapy IRI -> its study results
    note_rows: dict[str, list[dict]] = field(default_factory=dict)  # study result IRI -> its indirectness notes

    def candidate(self, therapy: Therapy, why: str) -> None:
        entry = self.candidates.setdefault(therapy.id, {"therapy": therapy, "why": []})
        if why not in entry["why"]:
            entry["why"].append(why)


def therapy_of(row: dict) -> Therapy:
    return Therapy(id=row["therapy"], label=row["therapy_label"], modality=", ".join(row["modalities"]),
                   targets=tuple(row["targets"]))


def _case(row: dict) -> CaseEvidence:
    response = NOT_REPORTED if row["response_label"] in (None, "not reported") else row["response_label"]
    if row.get("resulting_state_label") and response != NOT_REPORTED:
        response = f"{response}: {row['resulting_state_label']}"
    return CaseEvidence(patient=row["patient"], administration=row["administration_label"],
                        setting=row.get("setting_label"), response=response,
                        source=source_of(row),
                        evidence_level=row.get("evidence_level"))


def at_levels(graph: KnowledgeGraph, name: str, levels: list[str], **params) -> list[dict]:
    """A question's rows at each of these evidence levels, in the order its ORDER BY gives them (an unbound value
    first, as SPARQL sorts it). One question a level: each starts from that level's few statements, where the whole
    answer would read every patient of a large synthetic cohort only to leave them out (#20)."""
    rows = [row for level in levels for row in graph.ask(name, evidence_level=level, **params).rows]
    order = ordered_by(graph.question(name).text)
    return sorted(rows, key=lambda row: tuple((row[column] is not None, row[column] or "") for column in order))


def _still_expressed(graph: KnowledgeGraph, lost: Choice, levels: list[str]) -> list[dict]:
    """Each antigen that a relapse negative for `lost` still expressed, at patients of these levels, once."""
    found = {row["expressed"]: row for level in levels for row in graph.ask_internal(
        "antigens-still-expressed", terms={"_lost_antigen_iri": lost.iri, "_evidence_level_iri": level}).rows}
    return sorted(found.values(), key=lambda row: row["expressed_label"])


def _aimed_at(graph: KnowledgeGraph, antigen_iri: str, lost: Choice) -> list[Therapy]:
    """The therapy agents aimed at an antigen (the ontology's target link), less any also aimed at the lost one."""
    therapies = (therapy_of(row) for row in graph.ask("therapies-by-target", antigen=antigen_iri).rows)
    return [therapy for therapy in therapies if lost.label not in therapy.targets]


def ask_the_question(graph: KnowledgeGraph, asked: Asked) -> Found:
    found = Found()
    lost = asked.lost
    cases: dict[str, list[CaseEvidence]] = {}
    if asked.expressed is not None:
        for therapy in _aimed_at(graph, asked.expressed.iri, lost):
            found.candidate(therapy, f"targets {asked.expressed.label}, which the relapse still expresses")
    levels = [row["level"] for row in graph.ask_internal("source-levels").rows if row["level"] != SYNTHETIC_LEVEL]
    # Aimed at an antigen that such a relapse in a published case still expressed (unless the question says so of
    # this relapse, or names another antigen). Read at the published levels here, not from the question's own
    # target-link rows, which rest on every such relapse the graph holds, synthetic ones included.
    for expressed in _still_expressed(graph, lost, levels):
        for therapy in _aimed_at(graph, expressed["expressed"], lost):
            if therapy.id not in found.candidates or asked.expressed is None:
                found.candidate(therapy, f"targets {expressed['expressed_label']}, expressed at a {lost.label}"
                                         "-negative relapse")
    for row in at_levels(graph, "salvage-options", levels, lost_antigen=lost.iri):
        therapy = therapy_of(row)
        found.candidate(therapy, f"given after a {lost.label}-negative relapse in a published case "
                                 f"({row['patient']})")
        cases.setdefault(therapy.id, []).append(_case(row))
    found.cases = {iri: tuple(items) for iri, items in cases.items()}
    found.aimed_at_lost = [therapy_of(row) for row in graph.ask("therapies-by-target", antigen=lost.iri).rows]
    found.warning_rows = tuple(at_levels(graph, "therapy-warnings", levels, antigen=lost.iri, level="sk:Avoid"))
    found.tested_antigens = {row["antigen_label"] for level in levels for row in graph.ask_internal(
        "antigens-tested", terms={"_evidence_level_iri": level}).rows}
    # Every study result and note at once (a few dozen), grouped here: one query each, however many options.
    for row in graph.ask("study-results").rows:
        found.study_rows.setdefault(row["agent"], []).append(row)
    for row in graph.ask("indirectness-notes").rows:
        found.note_rows.setdefault(row["result"], []).append(row)
    return found


# --- study results ----------------------------------------------------------------------------------------------

def _number(value) -> str:
    return f"{value:g}"


def _share(numerator, denominator, rate, lower, upper) -> str:
    """'11 of 15 treated (73%; 95% CI 45-92%)', '34% of 271 randomised', '30.9%': what is stated, in that order."""
    interval = f"95% CI {_number(lower)}-{_number(upper)}%" if lower is not None and upper is not None else None
    if numerator is not None and denominator:
        bracket = "; ".join(part for part in (f"{_number(rate)}%" if rate is not None else None, interval) if part)
        return f"{numerator} of {denominator}" + (f" ({bracket})" if bracket else "")
    if rate is not None:
        return f"{_number(rate)}%" + (f" of {denominator}" if denominator else "") + (f" ({interval})" if interval
                                                                                      else "")
    return ""


def _figure(row: dict) -> str:
    """One published figure in words, always with what its denominator counts: "CR or CRi: 61 of 75 infused
    (81%; 95% CI 71-89%)", "complete remission: 34% of 271 randomised (intention to treat)"."""
    counted = f"{row['denominator']} {row.get('denominator_basis_label') or ''}".rstrip() \
        if row.get("denominator") is not None else None
    text = _share(row.get("numerator"), counted, row.get("rate_percent"), row.get("ci_lower_percent"),
                  row.get("ci_upper_percent"))
    if not text and row.get("value_months") is not None:
        text = f"{_number(row['value_months'])} months" + (f" among {counted}" if counted else "")
    text = text or counted or "figure not reported"
    if row.get("hazard_ratio") is not None:
        text += f"; hazard ratio {_number(row['hazard_ratio'])}"
        if row.get("hazard_ratio_lower") is not None and row.get("hazard_ratio_upper") is not None:
            text += f" (95% CI {_number(row['hazard_ratio_lower'])}-{_number(row['hazard_ratio_upper'])})"
    if row.get("comparator_label"):
        compared = _share(row.get("comparator_numerator"), row.get("comparator_denominator"),
                          row.get("comparator_rate_percent"), row.get("comparator_ci_lower_percent"),
                          row.get("comparator_ci_upper_percent"))
        if not compared and row.get("comparator_value_months") is not None:
            compared = f"{_number(row['comparator_value_months'])} months"
        text += f"; {row['comparator_label']}: {compared or 'not reported'}"
    if row.get("window"):
        text += f"; {row['window']}"
    return f"{row.get('outcome_label') or 'outcome'}: {text}"


def _applies(note: dict, asked: Asked) -> bool:
    if note["dimension"] == _AGE:
        return asked.age is not None and asked.age.iri not in note["covers"]
    if note["dimension"] == _PRIOR_CART:
        return asked.prior_cart
    return True


def study_evidence(found: Found, asked: Asked, therapy_iri: str) -> tuple[StudyEvidence, ...]:
    """The therapy's published study results, each with the indirectness notes that apply to the question."""
    results = []
    for row in found.study_rows.get(therapy_iri, ()):
        notes = tuple(Indirectness(dimension=note["dimension_label"], study_value=note["study_value_label"],
                                   note=note["note"], applies=_applies(note, asked))
                      for note in found.note_rows.get(row["result"], ()))
        results.append(StudyEvidence(
            study=row["study_label"], registry_id=row.get("registry_id"), design=row.get("design_label"),
            phase=row.get("phase"), randomised=row.get("randomised"), age_group=row.get("age_group_label"),
            setting=row.get("setting_label"), therapy=row["agent_label"], outcome=row.get("outcome_label"),
            figure=_figure(row), numerator=row.get("numerator"), denominator=row.get("denominator"),
            denominator_basis=row.get("denominator_basis_label"), rate_percent=row.get("rate_percent"),
            ci_lower_percent=row.get("ci_lower_percent"), ci_upper_percent=row.get("ci_upper_percent"),
            window=row.get("window"), statement=row.get("statement"), indirectness=notes,
            source=source_of(row),
            evidence_level=row.get("evidence_level")))
    return tuple(results)
