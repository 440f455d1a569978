"""A GA4GH Phenopacket (schema v2) as a case graph our SHACL shapes check; what it does not say is sk:NotReported.

What is read: the subject (identifier, sex), the disease and its onset age (the diagnosis), relapse biosamples
(ordinal by their order, tissue as site, age at collection, antigen measurements), and the medical actions in
order: treatments and procedures (transplants) with intent (setting), response and adverse events; a TBI
radiation therapy just before a transplant becomes part of its conditioning. A relapse is placed before the
first medical action whose target is a relapse, the others after the last action: the order a phenopacket can
hold (see kg.build.phenopackets.export). Every statement cites the phenopacket's external reference and says which
part of the phenopacket it comes from; a phenopacket without one is refused, since no fact may stand unsourced.

>>> import kg
>>> from kg.build.phenopackets.export import phenopackets
>>> packet, _ = phenopackets(kg.default_graph(), "pbc-2021")["pbc-2021"]
>>> "sk:expressionStatus sk:Negative" in case_turtle(packet, Codes.read(kg.default_graph()))
True
"""

import os
import re
from pathlib import Path

import phenopackets as pp
from google.protobuf.json_format import Parse, ParseError
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SKOS, XSD

from kg.errors import SalvageKgError
from kg.knowledge_graph import KnowledgeGraph
from kg.namespaces import AGENT, PATIENT, PROV, SK, SOURCE, bind_prefixes
from kg.build.phenopackets.codes import Codes
from kg.build.phenopackets.export import SYNTHETIC_MARK

BIBO_DOI = URIRef("http://purl.org/ontology/bibo/doi")
# The antigens the graph records at every relapse; a phenopacket silent on one leaves it "not reported".
ANTIGENS = (SK.CD19, SK.CD22)
_SEX = {pp.MALE: SK.Male, pp.FEMALE: SK.Female}
_ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth")
_SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$")


class PhenopacketImportError(SalvageKgError, ValueError):
    """A phenopacket that cannot become a case: unparsable, unsourced, or naming terms the graph does not know."""

    kinds = ("invalid_phenopacket",)


def parse(text: str) -> pp.Phenopacket:
    try:
        return Parse(text, pp.Phenopacket())
    except ParseError as exc:
        raise PhenopacketImportError(f"not a Phenopacket v2 in JSON: {exc}") from None


class _Reader:
    def __init__(self, packet: pp.Phenopacket, codes: Codes):
        self.packet = packet
        self.codes = codes
        self.g = Graph()
        patient = packet.subject.id
        if not _SAFE_ID.match(patient):
            raise PhenopacketImportError(f"subject id {patient!r}: use letters, digits, '.', '_' or '-' only")
        self.patient = PATIENT[patient]
        self.sequence = 0
        reference = packet.meta_data.external_references[0] if packet.meta_data.external_references else None
        if reference is None or not (reference.description or reference.id):
            raise PhenopacketImportError("the phenopacket names no source (metaData.externalReferences): every "
                                         "fact of a case must carry its source")
        self.synthetic = reference.description.startswith(SYNTHETIC_MARK)
        self.level = SK.NoEvidence if self.synthetic else SK.EvidenceLevelC
        self.source = SOURCE[f"phenopacket-{patient}"]
        self.g.add((self.source, RDF.type, SK.SyntheticCohort if self.synthetic else SK.CaseReport))
        self.g.add((self.source, SK.citation, Literal(reference.description or reference.id)))
        self.g.add((self.source, SK.evidenceLevel, self.level))
        if reference.id.startswith("DOI:"):
            self.g.add((self.source, BIBO_DOI, Literal(reference.id[4:])))

    def term(self, ontology_class: pp.OntologyClass, where: str) -> URIRef:
        found = self.codes.term(ontology_class.id)
        if found is None:
            raise PhenopacketImportError(f"{where}: {ontology_class.id} ({ontology_class.label}) is not a term "
                                         "of the graph nor a verified code of one")
        return URIRef(found)

    def node(self, name: str, cls, label: str, where: str, statement: str, event: bool = True) -> URIRef:
        node = URIRef(f"{self.patient}/{name}")
        self.g.add((node, RDF.type, cls))
        self.g.add((node, RDFS.label, Literal(label, lang="en")))
        self.g.add((node, SK.patient, self.patient))
        if event:
            self.sequence += 1
            self.g.add((node, SK.sequence, Literal(self.sequence)))
        self.g.add((node, PROV.hadPrimarySource, self.source))
        self.g.add((node, SK.sourceLocator, Literal(f"phenopacket {self.packet.id}, {where}")))
        self.g.add((node, SK.statement, Literal(f"From a phenopacket: {statement}", lang="en")))
        self.g.add((node, SK.evidenceLevel, self.level))
        return node

    # --- the parts -------------------------------------------------------------------------------------------

    def subject(self) -> None:
        g, patient = self.g, self.patient
        g.add((patient, RDF.type, SK.Patient))
        g.add((patient, RDFS.label, Literal(f"patient {self.packet.subject.id} (from a phenopacket)", lang="en")))
        g.add((patient, SKOS.notation, Literal(self.packet.subject.id)))
        g.add((patient, SK.sex, _SEX.get(self.packet.subject.sex, SK.NotReported)))
        if self.packet.diseases:
            g.add((patient, SK.disease, self.term(self.packet.diseases[0].term, "diseases[0].term")))
        g.add((patient, SK.describedIn, self.source))
        g.add((patient, PROV.hadPrimarySource, self.source))
        g.add((patient, SK.sourceLocator, Literal(f"phenopacket {self.packet.id}, subject")))
        g.add((patient, SK.statement, Literal("From a phenopacket: the subject.", lang="en")))
        g.add((patient, SK.evidenceLevel, self.level))
        if self.synthetic:
            g.add((patient, SK.synthetic, Literal(True)))

    def diagnosis(self) -> None:
        node = self.node("diagnosis", SK.Diagnosis, "diagnosis", "diseases[0]", "the diagnosis.")
        self.g.add((node, SK.cnsStatus, SK.NotReported))
        if self.packet.diseases and self.packet.diseases[0].onset.age.iso8601duration:
            self.g.add((node, SK.ageAtEvent, Literal(self.packet.diseases[0].onset.age.iso8601duration,
                                                     datatype=XSD.duration)))

    def relapse(self, ordinal: int, index: int, sample: pp.Biosample, placed: bool = True) -> None:
        label = f"{_ORDINALS[ordinal - 1]} relapse" if ordinal <= len(_ORDINALS) else f"relapse {ordinal}"
        where = f"biosamples[{index}]"
        said = f"relapse {ordinal}." if placed else \
            f"relapse {ordinal}; where it falls among the therapies is not stated, only its order among relapses."
        node = self.node(f"relapse-{ordinal}", SK.Relapse, label, where, said)
        g = self.g
        g.add((node, SK.ordinal, Literal(ordinal)))
        site = self.term(sample.sampled_tissue, f"{where}.sampledTissue") if sample.HasField("sampled_tissue") \
            else SK.NotReported
        g.add((node, SK.site, site))
        g.add((node, SK.cnsStatus, SK.NotReported))
        g.add((node, SK.timingCategory, SK.NotReported))
        if sample.time_of_collection.age.iso8601duration:
            g.add((node, SK.ageAtEvent, Literal(sample.time_of_collection.age.iso8601duration,
                                                datatype=XSD.duration)))
        stated = {}
        for number, measurement in enumerate(sample.measurements):
            antigen = self.term(measurement.assay, f"{where}.measurements[{number}].assay")
            status = self.term(measurement.value.ontology_class, f"{where}.measurements[{number}].value")
            stated[antigen] = (status, f"{where}.measurements[{number}]")
        for antigen in dict.fromkeys((*ANTIGENS, *stated)):
            status, part = stated.get(antigen, (SK.NotReported, f"{where} (no measurement)"))
            name = antigen.rsplit("#", 1)[-1].casefold()
            finding = self.node(f"relapse-{ordinal}-{name}", SK.AntigenExpression, f"{name} at relapse {ordinal}",
                                part, f"{name.upper()} status at relapse {ordinal}.", event=False)
            g.add((finding, SK.findingAt, node))
            g.add((finding, SK.antigen, antigen))
            g.add((finding, SK.expressionStatus, status))

    def action(self, index: int, action: pp.MedicalAction, conditioning: pp.RadiationTherapy | None) -> None:
        where = f"medicalActions[{index}]"
        transplant = action.HasField("procedure")
        code = action.procedure.code if transplant else action.treatment.agent
        agent = self.term(code, where)
        node = self.node(f"therapy-{index + 1}", SK.Transplant if transplant else SK.TherapyAdministration,
                         code.label, where, f"{code.label} was given.")
        g = self.g
        g.add((node, SK.agent, agent))
        intent = self.term(action.treatment_intent, f"{where}.treatmentIntent") \
            if action.HasField("treatment_intent") else SK.NotReported
        g.add((node, SK.setting, intent))
        if transplant:
            for field in (SK.donorRelationship, SK.stemCellSource, SK.tCellHandling, SK.conditioningIntensity):
                g.add((node, field, SK.NotReported))
            if conditioning is not None:
                dose = BNode()
                g.add((node, SK.conditioningComponent, dose))
                g.add((dose, RDF.type, SK.Dose))
                g.add((dose, SK.agent, AGENT["total-body-irradiation"]))
                if conditioning.dosage:
                    g.add((dose, SK.amount, Literal(f"{conditioning.dosage}.0", datatype=XSD.decimal)))
                    g.add((dose, SK.unit, Literal("Gy")))
        if action.HasField("response_to_treatment"):
            response = self.node(f"response-{index + 1}", SK.Response, "response", f"{where}.responseToTreatment",
                                 f"the response to {code.label}.", event=False)
            g.add((response, SK.toTherapy, node))
            g.add((response, SK.responseCategory,
                   self.term(action.response_to_treatment, f"{where}.responseToTreatment")))
        for number, event in enumerate(action.adverse_events):
            kind = self.term(event, f"{where}.adverseEvents[{number}]")
            adverse = self.node(f"adverse-event-{index + 1}-{number + 1}", SK.AdverseEvent, event.label,
                                f"{where}.adverseEvents[{number}]", f"{event.label} after {code.label}.")
            g.add((adverse, SK.adverseEventKind, kind))
            g.add((adverse, SK.afterTherapy, node))

    def radiation(self, index: int) -> None:
        therapy = self.packet.medical_actions[index].radiation_therapy
        node = self.node(f"therapy-{index + 1}", SK.TherapyAdministration, "total body irradiation",
                         f"medicalActions[{index}]", "total body irradiation was given.")
        self.g.add((node, SK.agent, AGENT["total-body-irradiation"]))
        self.g.add((node, SK.setting, SK.NotReported))
        if therapy.dosage:
            dose = BNode()
            self.g.add((node, SK.dose, dose))
            self.g.add((dose, RDF.type, SK.Dose))
            self.g.add((dose, SK.agent, AGENT["total-body-irradiation"]))
            self.g.add((dose, SK.amount, Literal(f"{therapy.dosage}.0", datatype=XSD.decimal)))
            self.g.add((dose, SK.unit, Literal("Gy")))

    # --- the whole -------------------------------------------------------------------------------------------

    def _is_tbi(self, action: pp.MedicalAction) -> bool:
        return action.HasField("radiation_therapy") and \
            self.codes.term(action.radiation_therapy.modality.id) == str(AGENT["total-body-irradiation"])

    def _anchors(self) -> set[int]:
        """The medical actions a new relapse comes before: each one given in a relapse, unless the action before
        it was given in the same relapse with no response reported in between."""
        anchors, previous = set(), None
        for index, action in enumerate(self.packet.medical_actions):
            if self._is_tbi(action):
                continue
            if not (action.HasField("treatment") or action.HasField("procedure")):
                raise PhenopacketImportError(f"medicalActions[{index}]: only treatments, procedures and TBI are "
                                             "read")
            target = self.codes.term(action.treatment_target.id) if action.HasField("treatment_target") else None
            if target == str(SK.Relapse) and previous != (target, None):
                anchors.add(index)
            response = action.response_to_treatment.id if action.HasField("response_to_treatment") else None
            previous = (target, response)
        return anchors

    def graph(self) -> Graph:
        self.subject()
        self.diagnosis()
        relapse = str(SK.Relapse)
        # Relapses in the order listed: the n-th relapse biosample is the n-th relapse.
        self.relapses_left = [(ordinal, index, sample) for ordinal, (index, sample) in enumerate(
            ((index, sample) for index, sample in enumerate(self.packet.biosamples)
             if self.codes.term(sample.tumor_progression.id) == relapse), start=1)]
        anchors = self._anchors()
        # More relapses than actions given in a relapse: the packet does not say where the others fall among the
        # therapies, only their order; they are put as early as that order allows, and their statement says so.
        for _ in range(len(self.relapses_left) - len(anchors)):
            self.relapse(*self.relapses_left.pop(0), placed=False)
        pending_tbi = None
        for index, action in enumerate(self.packet.medical_actions):
            if self._is_tbi(action):
                pending_tbi = index
                continue
            if pending_tbi is not None and not action.HasField("procedure"):
                self.radiation(pending_tbi)  # TBI not before a transplant: a therapy of its own
                pending_tbi = None
            if index in anchors and self.relapses_left:
                self.relapse(*self.relapses_left.pop(0))
            conditioning = self.packet.medical_actions[pending_tbi].radiation_therapy if pending_tbi is not None \
                else None
            self.action(index, action, conditioning)
            pending_tbi = None
        if pending_tbi is not None:
            self.radiation(pending_tbi)
        return self.g


def case_graph(packet: pp.Phenopacket, codes: Codes) -> Graph:
    """The case a phenopacket describes, as an rdflib Graph (source, patient, events, findings, responses)."""
    return _Reader(packet, codes).graph()


def case_turtle(packet: pp.Phenopacket, codes: Codes) -> str:
    graph = case_graph(packet, codes)
    bind_prefixes(graph)
    return graph.serialize(format="turtle")


def import_file(source: Path, out: Path, graph: KnowledgeGraph | None = None) -> Path:
    """Read a phenopacket (JSON) and write its case as Turtle to `out`, only once the case conforms to the shapes
    (raises PhenopacketImportError, kg.build.validate.ValidationError)."""
    if graph is None:
        from kg import default_graph

        graph = default_graph()
    try:
        text = Path(source).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PhenopacketImportError(f"cannot read {source}: {exc}") from None
    turtle = case_turtle(parse(text), Codes.read(graph))
    partial = Path(out).with_name(Path(out).name + ".partial")
    partial.write_text(turtle, encoding="utf-8")
    try:
        KnowledgeGraph.build(cases=[partial])  # the shapes check the case with the ontology, before it is written
    except Exception:
        partial.unlink()
        raise
    os.replace(partial, out)
    return Path(out)
