"""Synthetic cohorts of relapsed/refractory B-ALL pathways, for testing and measuring the graph at scale.

Every patient, event and source is marked synthetic (sk:synthetic true, source sk:SyntheticCohort, evidence
level sk:NoEvidence) so that generated data can never pass for case data. The output conforms to the SHACL
shapes and is the same for the same seed.

The rates below are round, plausible figures for a cohort that has relapsed or is refractory; they shape the
data, they are not evidence.

>>> text = "".join(cohort_turtle(patients=2, seed=7))
>>> text == "".join(cohort_turtle(patients=2, seed=7)) and "sk:synthetic true" in text
True
"""

import random
from collections.abc import Iterator
from dataclasses import dataclass, field

from kg.progress import Progress

PREFIXES = """@prefix sk: <https://w3id.org/salvage-kg/ontology#> .
@prefix agent: <https://w3id.org/salvage-kg/agent/> .
@prefix src: <https://w3id.org/salvage-kg/source/> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .

"""

# Salvage choices with the chance each brings a complete remission.
SALVAGE = {
    "high-risk-chemotherapy": 0.55,
    "blinatumomab": 0.75,
    "tisagenlecleucel": 0.85,
    "inotuzumab-ozogamicin": 0.80,
}
SALVAGE_LABELS = {
    "high-risk-chemotherapy": "high-risk chemotherapy",
    "blinatumomab": "blinatumomab",
    "tisagenlecleucel": "tisagenlecleucel",
    "inotuzumab-ozogamicin": "inotuzumab ozogamicin",
}
CD19_DIRECTED = {"blinatumomab", "tisagenlecleucel"}
TRANSPLANTS = {  # agent: (donor relationship, stem-cell source, label)
    "matched-sibling-hsct": ("Sibling", "PeripheralBloodStemCells", "matched sibling HSCT"),
    "haploidentical-hsct": ("Parent", "BoneMarrowGraft", "haploidentical HSCT"),
    "cord-blood-transplant": ("NotReported", "CordBlood", "cord blood transplant"),
}
ORDINALS = {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth", 6: "sixth"}


@dataclass
class _Patient:
    """Writes one patient's nodes as Turtle; every node gets the same synthetic provenance."""

    iri: str
    source: str
    lines: list[str] = field(default_factory=list)
    sequence: int = 0

    def node(self, name: str, cls: str, label: str, **facts: str) -> str:
        self.sequence += 1
        iri = f"<{self.iri}/{name}>"
        body = [f"a sk:{cls}", f'rdfs:label "{label}"@en', f"sk:patient <{self.iri}>", f"sk:sequence {self.sequence}"]
        body += [f"{predicate} {value}" for predicate, value in facts.items()]
        body += self._provenance(label)
        self.lines.append(f"{iri} " + " ;\n    ".join(body) + " .\n")
        return iri

    def statement(self, name: str, cls: str, **facts: str) -> str:
        iri = f"<{self.iri}/{name}>"
        body = [f"a sk:{cls}", f"sk:patient <{self.iri}>"]
        body += [f"{predicate} {value}" for predicate, value in facts.items()]
        body += self._provenance(cls)
        self.lines.append(f"{iri} " + " ;\n    ".join(body) + " .\n")
        return iri

    def _provenance(self, what: str) -> list[str]:
        return [f"prov:hadPrimarySource {self.source}", 'sk:sourceLocator "generated"',
                f'sk:statement "Synthetic {what}."@en', "sk:evidenceLevel sk:NoEvidence"]


def _months(value: int) -> str:
    return f'"P{value}M"^^xsd:duration'


def _timing(anchor: str, months: int) -> str:
    return f"[ a sk:Timing ; sk:offset {_months(months)} ; sk:relativeTo {anchor} ; sk:precision sk:Exact ]"


def _patient(number: int, seed: int, rng: random.Random, source: str) -> str:
    notation = f"synth-{seed}-{number:06d}"
    p = _Patient(f"https://w3id.org/salvage-kg/patient/{notation}", source)
    sex = rng.choice(("Male", "Female"))
    header = (
        f"<{p.iri}> a sk:Patient ;\n    rdfs:label \"synthetic patient {number}\"@en ;\n"
        f'    skos:notation "{notation}" ;\n    sk:synthetic true ;\n    sk:sex sk:{sex} ;\n'
        f"    sk:disease sk:BCellPrecursorALL ;\n    sk:describedIn {source} ;\n"
        + "    " + " ;\n    ".join(p._provenance("patient")) + " .\n"
    )
    p.lines.append(header)
    diagnosis = p.node("diagnosis", "Diagnosis", "diagnosis", **{
        "sk:ageAtEvent": f'"P{rng.randint(1, 17)}Y"^^xsd:duration',
        "sk:cnsStatus": "sk:" + rng.choices(("CNS1", "CNS2", "CNS3"), (85, 10, 5))[0],
    })
    frontline = p.node("frontline", "TherapyAdministration", "frontline NOPHO ALL-2008",
                       **{"sk:agent": "agent:nopho-all-2008", "sk:setting": "sk:Frontline"})
    last_therapy, remission_number, relapse_number, line_agents = frontline, 0, 0, {"nopho-all-2008"}
    anchor, state = diagnosis, "remission"
    if rng.random() < 0.93:
        remission_number += 1
        reached = p.node("remission-1", "Remission", "first complete remission", **{
            "sk:ordinal": "1", "sk:mrdStatus": "sk:MRDNegative"})
        p.statement("response-frontline", "Response", **{"sk:toTherapy": frontline, "sk:resultingState": reached,
                                                          "sk:responseCategory": "sk:CompleteRemissionReached"})
    else:
        state = "refractory"
        refractory = p.node("refractory-frontline", "RefractoryDisease", "refractory to frontline")
        p.statement("response-frontline", "Response", **{"sk:toTherapy": frontline,
                                                          "sk:resultingState": refractory,
                                                          "sk:responseCategory": "sk:NoRemission"})
    cd19_negative = False
    for step in range(1, 6):
        if state == "remission":
            if rng.random() > (0.9 if relapse_number == 0 else 0.45):
                break  # stays in remission: the pathway ends here
            relapse_number += 1
            cd19_negative = bool(line_agents & CD19_DIRECTED) and rng.random() < 0.25
            months = rng.randint(6, 48) if relapse_number == 1 else rng.randint(2, 24)
            category = "sk:NotReported"
            if relapse_number == 1:
                category = "sk:VeryEarlyRelapse" if months < 18 else rng.choice(("sk:EarlyRelapse", "sk:LateRelapse"))
            site = rng.choices(("BoneMarrow", "CentralNervousSystem"), (88, 12))[0]
            cns = "CNS3" if site == "CentralNervousSystem" else rng.choices(("CNS1", "CNS2"), (80, 20))[0]
            relapse = p.node(f"relapse-{relapse_number}", "Relapse", f"{ORDINALS[relapse_number]} relapse", **{
                "sk:ordinal": str(relapse_number), "sk:site": f"sk:{site}", "sk:cnsStatus": f"sk:{cns}",
                "sk:timingCategory": category,
                "sk:timing": _timing(last_therapy if relapse_number > 1 else anchor, months),
            })
            p.statement(f"relapse-{relapse_number}-cd19", "AntigenExpression", **{
                "sk:findingAt": relapse, "sk:antigen": "sk:CD19",
                "sk:expressionStatus": "sk:Negative" if cd19_negative else "sk:Positive"})
            p.statement(f"relapse-{relapse_number}-cd22", "AntigenExpression", **{
                "sk:findingAt": relapse, "sk:antigen": "sk:CD22",
                "sk:expressionStatus": "sk:Positive" if rng.random() < 0.9 else "sk:NotReported"})
            line_agents = set()
        options = [agent for agent in SALVAGE if not (cd19_negative and agent in CD19_DIRECTED)]
        agent = rng.choice(options)
        line_agents.add(agent)
        therapy = p.node(f"salvage-{step}", "TherapyAdministration", SALVAGE_LABELS[agent], **{
            "sk:agent": f"agent:{agent}", "sk:setting": "sk:Salvage"})
        last_therapy = therapy
        if rng.random() < SALVAGE[agent]:
            remission_number += 1
            reached = p.node(f"remission-{remission_number}", "Remission",
                             f"{ORDINALS.get(remission_number, str(remission_number))} complete remission",
                             **{"sk:ordinal": str(remission_number),
                                "sk:mrdStatus": "sk:MRDNegative" if rng.random() < 0.8 else "sk:MRDPositive"})
            p.statement(f"response-salvage-{step}", "Response", **{
                "sk:toTherapy": therapy, "sk:resultingState": reached,
                "sk:responseCategory": "sk:CompleteRemissionReached"})
            state = "remission"
            if rng.random() < 0.6:
                kind = rng.choice(tuple(TRANSPLANTS))
                donor, stem_cells, label = TRANSPLANTS[kind]
                transplant = p.node(f"transplant-{step}", "Transplant", label, **{
                    "sk:agent": f"agent:{kind}", "sk:setting": "sk:Consolidation",
                    "sk:diseaseStatusAtTransplant": reached, "sk:donorRelationship": f"sk:{donor}",
                    "sk:stemCellSource": f"sk:{stem_cells}", "sk:tCellHandling": "sk:NotReported",
                    "sk:conditioningIntensity": rng.choice(("sk:Myeloablative", "sk:ReducedIntensity")),
                })
                last_therapy = transplant
                line_agents.add(kind)
        else:
            state = "refractory"
            refractory = p.node(f"refractory-{step}", "RefractoryDisease", f"refractory to {SALVAGE_LABELS[agent]}")
            p.statement(f"response-salvage-{step}", "Response", **{
                "sk:toTherapy": therapy, "sk:resultingState": refractory, "sk:responseCategory": "sk:NoRemission"})
        if relapse_number >= 4:
            break
    return "\n".join(p.lines) + "\n"


def _source(source: str, seed: int, patients: int, label: str) -> str:
    return (
        f"{source} a sk:SyntheticCohort ;\n"
        f'    sk:citation "salvage-kg synthetic cohort (seed {seed}, {patients} patients): generated data, '
        'no real patient" ;\n'
        "    sk:evidenceLevel sk:NoEvidence ;\n"
        f'    rdfs:label "{label}"@en .\n\n'
    )


def cohort_turtle(patients: int, seed: int, progress: Progress | None = None) -> Iterator[str]:
    """Turtle text of a synthetic cohort, in chunks; deterministic for a seed."""
    if patients < 1:
        raise ValueError("the cohort needs at least one patient")
    rng = random.Random(seed)
    source = f"src:synthetic-cohort-{seed}"
    yield PREFIXES
    yield _source(source, seed, patients, f"synthetic cohort, seed {seed}")
    step = max(1, patients // 10)
    for number in range(1, patients + 1):
        yield _patient(number, seed, rng, source)
        if progress and (number % step == 0 or number == patients):
            progress(f"synthesised {number}/{patients} patients")


def cohort_parts(patients: int, seed: int, per_part: int) -> Iterator[tuple[str, Iterator[str]]]:
    """A synthetic cohort as parts of at most `per_part` patients, for a build in parts (kg/build/parts.py):
    (name, Turtle chunks) for each, to be consumed in order. The patients are those of cohort_turtle for the
    same seed, numbered across the parts (so unique); each part is its own case, with its own source
    (synthetic-cohort-SEED-part-NNN), since a case describes one source and only its own patients."""
    if patients < 1 or per_part < 1:
        raise ValueError("the cohort needs at least one patient, and each part at least one")
    rng = random.Random(seed)  # one stream through every part: the same patients as the whole cohort
    count = (patients + per_part - 1) // per_part

    def part(index: int) -> Iterator[str]:
        first, last = index * per_part + 1, min(patients, (index + 1) * per_part)
        source = f"src:synthetic-cohort-{seed}-part-{index + 1:03d}"
        yield PREFIXES
        yield _source(source, seed, last - first + 1, f"synthetic cohort, seed {seed}, part {index + 1} of {count}")
        for number in range(first, last + 1):
            yield _patient(number, seed, rng, source)

    for index in range(count):
        yield f"synthetic-cohort-{seed}-part-{index + 1:03d}", part(index)
