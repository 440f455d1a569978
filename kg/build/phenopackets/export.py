"""Every patient of the graph as one GA4GH Phenopacket (schema v2), with a log of what it could not hold.

What goes where, and why:
- subject: the patient's identifier and sex where stated; the disease with its verified code, onset at the age of
  diagnosis where stated (an age, never a date).
- biosamples: one per relapse, the antigen status the report states for it as measurements (assay: the antigen;
  value: positive or negative). A biosample is the honest fit: the status belongs to that relapse's blasts, and
  the relapse is told apart by its ordinal; an unstated status is left out, never written as absent.
- medical actions, in timeline order: therapies as treatments (the agent's verified code, else the project's own
  term), transplants as procedures, TBI of a transplant's conditioning as radiation therapy just before it; each
  with its setting (intent), the disease state it was given in (target), the response and the adverse events.
- metaData: created by salvage-kg, the case report as external reference (DOI where there is one).

Phenopackets have no place for order-only timing, stated intervals, derived facts (lines of therapy), the
passage each fact rests on, or dose schedules without calendar dates; no date is ever invented. Each such loss is
a `Loss`, written beside the phenopacket (`<patient>.losses.tsv`).
"""

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import phenopackets as pp
from google.protobuf.json_format import MessageToJson

from kg.knowledge_graph import KnowledgeGraph
from kg.namespaces import AGENT, SK
from kg.clinical.pathways.model import MRD_RISE, NOT_REPORTED, REFRACTORY, RELAPSE, State
from kg.build.phenopackets import codes as coding
from kg.build.phenopackets.facts import Case, Therapy, read_cases, stated_antigens, tbi_dose, tbi_gray
from kg.build.phenopackets.validate import check

CREATED_BY = "salvage-kg"
SCHEMA_VERSION = "2.0"
LOG_COLUMNS = ("patient", "fact", "value", "why it is not in the phenopacket", "required field left empty")
NOT_CARRIED = ("CNS status, relapse timing category, MRD threshold and method, doses by day, treating centre, "
               "trial, off-label use and consent")
SYNTHETIC_MARK = "salvage-kg synthetic cohort"  # how every synthetic cohort's citation begins (kg.tools.synth)

# The disease state a therapy was given in, as its treatment target; any other state means the disease itself.
_TARGETS = {RELAPSE: (str(SK.Relapse), "relapse"), REFRACTORY: (str(SK.RefractoryDisease), "refractory disease"),
            MRD_RISE: (str(SK.MRDRise), "rising MRD")}


@dataclass(frozen=True)
class Loss:
    """A fact of the graph a phenopacket cannot hold honestly. `field`, when set, names a field the schema
    requires that was left empty for this reason (the validator accepts it only then)."""

    patient: str
    fact: str
    value: str
    reason: str
    field: str = ""


class _Writer:
    """Builds one phenopacket, noting each loss as it goes."""

    def __init__(self, case: Case, graph: KnowledgeGraph, codes: coding.Codes):
        self.case = case
        self.graph = graph
        self.codes = codes
        self.losses: list[Loss] = []

    def lost(self, fact: str, value, reason: str, field: str = "") -> None:
        self.losses.append(Loss(self.case.patient, fact, str(value), reason, field))

    def term(self, range_name: str, label: str) -> pp.OntologyClass:
        """A value the graph names by its label (a setting, a response, a sex...) as an ontology class."""
        choice = self.graph.lookup(range_name, label, range_name)
        return self.codes.ontology_class(choice.iri, choice.label)

    # --- the parts -------------------------------------------------------------------------------------------

    def subject(self) -> pp.Individual:
        summary = self.case.summary
        sex = {"male": pp.MALE, "female": pp.FEMALE}.get((summary["sex_label"] or "").casefold(), pp.UNKNOWN_SEX)
        return pp.Individual(id=self.case.patient, sex=sex)

    def disease(self) -> pp.Disease:
        summary = self.case.summary
        disease = pp.Disease(term=self.term("sk:Disease", summary["disease_label"]))
        if summary["age_at_diagnosis"]:
            disease.onset.age.iso8601duration = summary["age_at_diagnosis"]
        return disease

    def relapse(self, state: State) -> pp.Biosample:
        sample = pp.Biosample(id=f"{self.case.patient}-relapse-{state.ordinal}", individual_id=self.case.patient,
                              description=state.label,
                              tumor_progression=self.codes.ontology_class(str(SK.Relapse), "relapse"))
        if state.age:
            sample.time_of_collection.age.iso8601duration = state.age
        for antigen, status in stated_antigens(state):
            sample.measurements.append(pp.Measurement(
                description=f"{antigen} expression at the {state.label}",
                assay=self.term("sk:Antigen", antigen),
                value=pp.Value(ontology_class=self.term("sk:ExpressionStatus", status))))
        # The relapse was found where the report places it: with one site stated, that is the sampled tissue.
        sites = [site for site in state.sites if site != NOT_REPORTED]
        if len(sites) == 1:
            sample.sampled_tissue.CopyFrom(self.term("sk:AnatomicSite", sites[0]))
        else:
            self.lost(f"{state.label}: sites", ", ".join(sites) or NOT_REPORTED,
                      "a biosample has one tissue; the report names " + ("none" if not sites else "several"),
                      f"biosamples[{state.ordinal - 1}].sampledTissue")
        return sample

    def actions(self, therapy: Therapy) -> list[pp.MedicalAction]:
        step = therapy.step
        if not therapy.agent_reported:
            self.lost(step.label, "therapy not reported", "a medical action needs its agent; the report names none")
            return []
        found = []
        dose = tbi_dose(therapy.transplant)
        if dose:
            found.append(self.radiation(step.label, dose, len(self.packet_actions)))
        for agent in step.agents:
            action = pp.MedicalAction()
            label = step.therapy if len(step.agents) == 1 else agent.rsplit("/", 1)[-1]
            agent_class = self.codes.ontology_class(agent, label)
            if step.transplant:
                action.procedure.code.CopyFrom(agent_class)
            else:
                action.treatment.agent.CopyFrom(agent_class)
            self.describe(action, therapy)
            found.append(action)
        self.note_losses(therapy)
        return found

    def radiation(self, label: str, dose: str, index: int) -> pp.MedicalAction:
        action = pp.MedicalAction()
        action.radiation_therapy.modality.CopyFrom(
            self.codes.ontology_class(str(AGENT["total-body-irradiation"]), "total body irradiation"))
        where = f"medicalActions[{index}].radiationTherapy"
        gray = tbi_gray(dose)
        if gray and float(gray).is_integer():
            action.radiation_therapy.dosage = int(float(gray))
        else:
            self.lost(f"{label}: TBI dose", gray or "not reported", "the schema takes a whole number of Gy; "
                      "none is stated" if not gray else "the schema takes a whole number of Gy", f"{where}.dosage")
        self.lost(f"{label}: TBI body site", "whole body", "no verified code for the whole body in the vocabulary",
                  f"{where}.bodySite")
        self.lost(f"{label}: TBI fractions", "fractionated" if "fractionated" in dose else "not reported",
                  "the number of fractions is not stated", f"{where}.fractions")
        return action

    def describe(self, action: pp.MedicalAction, therapy: Therapy) -> None:
        step = therapy.step
        if step.setting and step.setting != NOT_REPORTED:
            action.treatment_intent.CopyFrom(self.term("sk:TherapySetting", step.setting))
        state = therapy.given_in
        if state is not None and state.kind in _TARGETS:
            action.treatment_target.CopyFrom(self.codes.ontology_class(*_TARGETS[state.kind]))
        else:
            action.treatment_target.CopyFrom(self.term("sk:Disease", self.case.summary["disease_label"]))
        if step.response != NOT_REPORTED:
            action.response_to_treatment.CopyFrom(self.term("sk:ResponseCategory", step.response))
        for row in therapy.adverse_events:
            action.adverse_events.append(self.term("sk:AdverseEventKind", row["kind_label"]))
            grade = row["grade"] if row["grade"] is not None else row["grade_at_most"]
            if grade is not None or row["severity_label"]:
                self.lost(f"{row['adverse_event_label']}: grade or severity",
                          grade if grade is not None else row["severity_label"],
                          "an adverse event is an ontology class with no grade or severity")

    def note_losses(self, therapy: Therapy) -> None:
        step = therapy.step
        if step.courses:
            self.lost(f"{step.label}: courses", step.courses, "dose intervals need calendar dates the report lacks")
        if step.course_number:
            self.lost(f"{step.label}: course number", step.course_number, "no place for a course's number")
        if step.line:
            self.lost(f"{step.label}: line of therapy", step.line,
                      "derived by the lines-of-therapy rule; a phenopacket holds no derived facts")
        if step.state is not None:
            self.lost(f"{step.label}: state reached", step.state.short,
                      "the response is kept as a category; the state as an event has no place")
        for timing in step.timings:
            self.lost(f"{step.label}: timing", f"{timing.offset} after {timing.anchor_label}",
                      "an interval from another event, not an age or a date")
        transplant = therapy.transplant
        if transplant:
            for field in ("donor_relationship_label", "hla_match", "stem_cell_source_label", "t_cell_handling_label",
                          "conditioning_intensity_label", "conditioning_basis"):
                if transplant[field] and transplant[field] != NOT_REPORTED:
                    self.lost(f"{step.label}: {field.removesuffix('_label').replace('_', ' ')}", transplant[field],
                              "a procedure holds its code, body site and time only")
            for item in transplant["conditioning"]:
                if item != tbi_dose(transplant):
                    self.lost(f"{step.label}: conditioning", item,
                              "no link from a treatment to the procedure it conditions for")
            for item in transplant["gvhd_prophylaxis"]:
                self.lost(f"{step.label}: GvHD prophylaxis", item,
                          "no link from a treatment to the procedure it protects")

    # --- the whole -------------------------------------------------------------------------------------------

    def phenopacket(self, created: datetime) -> pp.Phenopacket:
        case = self.case
        self.packet_actions: list[pp.MedicalAction] = []
        for therapy in case.therapies:
            self.packet_actions.extend(self.actions(therapy))
        packet = pp.Phenopacket(id=f"salvage-kg-{case.patient}", subject=self.subject(),
                                diseases=[self.disease()], biosamples=[self.relapse(s) for s in case.relapses],
                                medical_actions=self.packet_actions)
        for state in case.pathway.states:
            if state.kind != RELAPSE and state.kind != "diagnosis":
                self.lost(state.label, state.short, "a disease state between therapies is not an event in a "
                          "phenopacket; responses keep its category")
            for timing in state.timings:
                self.lost(f"{state.label}: timing", f"{timing.offset} after {timing.anchor_label}",
                          "an interval from another event, not an age or a date")
        for finding in case.summary["findings_at_diagnosis"]:
            self.lost("finding at diagnosis", finding, "not carried: karyotype, fusions, phenotype and risk group "
                      "would need interpretations or measurements this export does not write")
        self.lost("other details", NOT_CARRIED, "not read by the export: no field of a phenopacket holds them")
        self.lost("timeline order", "sequence numbers", "only the order of medical actions and the ordinals of "
                  "relapses are kept; order is not time, and no date is invented")
        self.lost("provenance", "passage and own-words statement of each fact",
                  "a phenopacket cites its source once, in metaData")
        packet.meta_data.CopyFrom(self.meta_data(packet, created))
        return packet

    def meta_data(self, packet: pp.Phenopacket, created: datetime) -> pp.MetaData:
        summary = self.case.summary
        meta = pp.MetaData(created_by=CREATED_BY, phenopacket_schema_version=SCHEMA_VERSION,
                           resources=coding.resources(_curies(packet)))
        meta.created.FromDatetime(created)
        reference = pp.ExternalReference(description=summary["citation"])
        if summary["doi"]:
            reference.id = f"DOI:{summary['doi']}"
            reference.reference = f"https://doi.org/{summary['doi']}"
        meta.external_references.append(reference)
        return meta


def _curies(message) -> Iterable[str]:
    """Every ontology class id in a message, however deep."""
    for field, value in message.ListFields():
        if field.message_type is None:
            continue
        values = value if field.is_repeated else [value]
        for item in values:
            if isinstance(item, pp.OntologyClass):
                yield item.id
            else:
                yield from _curies(item)


def phenopackets(graph: KnowledgeGraph, patient: str | None = None,
                 created: datetime | None = None) -> dict[str, tuple[pp.Phenopacket, list[Loss]]]:
    """Every patient's (or one patient's) phenopacket with its losses; each is checked before it is returned."""
    created = created or datetime.now(UTC)
    codes = coding.Codes.read(graph)
    found = {}
    for name, case in read_cases(graph, patient).items():
        writer = _Writer(case, graph, codes)
        packet = writer.phenopacket(created)
        check(packet, writer.losses)
        found[name] = (packet, writer.losses)
    return found


def phenopacket(graph: KnowledgeGraph, patient_id: str, created: datetime | None = None) -> tuple[pp.Phenopacket, list[Loss]]:
    """One patient's phenopacket and its losses, the patient found by any of its names (UnknownPatient if none)."""
    from kg.clinical.patients import find_patient  # the clinical layer reads through the build's graph

    [(packet, losses)] = phenopackets(graph, find_patient(graph, patient_id).iri, created).values()
    return packet, losses


def to_json(packet: pp.Phenopacket) -> str:
    return MessageToJson(packet, indent=2)


def export_all(graph: KnowledgeGraph | None = None, out: Path | str = "phenopackets",
               created: datetime | None = None) -> list[Path]:
    """Write `<patient>.json` (the phenopacket) and `<patient>.losses.tsv` for every patient; the paths written."""
    if graph is None:
        from kg import default_graph

        graph = default_graph()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, (packet, losses) in phenopackets(graph, created=created).items():
        path = out / f"{name}.json"
        path.write_text(to_json(packet) + "\n", encoding="utf-8")
        log = out / f"{name}.losses.tsv"
        with log.open("w", encoding="utf-8", newline="") as handle:
            table = csv.writer(handle, delimiter="\t", lineterminator="\n")
            table.writerow(LOG_COLUMNS)
            table.writerows((loss.patient, loss.fact, loss.value, loss.reason, loss.field) for loss in losses)
        written += [path, log]
    return written
