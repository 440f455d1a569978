"""Check a phenopacket before it is written: it survives the schema's own JSON parse unchanged, and every field
the Phenopacket v2 schema requires is filled, unless a logged loss says why it could not honestly be.

phenopacket-tools (the reference validator, Java) is not available here; this checks what can be checked in
Python: the protobuf parse, required fields, CURIE form, and that every prefix used is declared in resources.
"""

import re

import phenopackets as pp
from google.protobuf.json_format import MessageToJson, Parse, ParseError

_CURIE = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]*:[^\s:]\S*$")

# Required fields of each message (Phenopacket schema v2 documentation), by protobuf field name.
REQUIRED = {
    "Phenopacket": ("id", "subject", "meta_data"),
    "Individual": ("id",),
    "OntologyClass": ("id", "label"),
    "Disease": ("term",),
    "Biosample": ("id", "sampled_tissue"),
    "Measurement": ("assay",),
    "Treatment": ("agent",),
    "Procedure": ("code",),
    "RadiationTherapy": ("modality", "body_site", "dosage", "fractions"),
    "MetaData": ("created", "created_by", "resources", "phenopacket_schema_version"),
    "Resource": ("id", "name", "url", "version", "namespace_prefix", "iri_prefix"),
}
_ONE_OF = {"MedicalAction": ("procedure", "treatment", "radiation_therapy", "therapeutic_regimen"),
           "Measurement": ("value", "complex_value")}


class PhenopacketError(ValueError):
    """A phenopacket that does not meet the schema; `problems` lists each field."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("the phenopacket does not meet the schema: " + "; ".join(problems))


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _filled(message, name: str) -> bool:
    field = message.DESCRIPTOR.fields_by_name[name]
    if field.is_repeated:
        return len(getattr(message, name)) > 0
    if field.message_type is not None:
        return message.HasField(name)
    return getattr(message, name) not in ("", 0)


def problems_in(message, path: str = "", excused: frozenset[str] = frozenset()) -> list[str]:
    """Every required field left empty (and not excused), and every malformed CURIE, under `message`."""
    found = []
    kind = message.DESCRIPTOR.name
    for name in REQUIRED.get(kind, ()):
        where = f"{path}.{_camel(name)}".lstrip(".")
        if not _filled(message, name) and where not in excused:
            found.append(f"{where} is required")
    if kind in _ONE_OF and not any(_filled(message, name) for name in _ONE_OF[kind]):
        found.append(f"{path or kind} needs one of {', '.join(map(_camel, _ONE_OF[kind]))}")
    if kind == "OntologyClass" and message.id and not _CURIE.match(message.id):
        found.append(f"{path}.id {message.id!r} is not a CURIE")
    for field, value in message.ListFields():
        if field.message_type is None:
            continue
        name = _camel(field.name)
        items = enumerate(value) if field.is_repeated else [(None, value)]
        for index, item in items:
            where = f"{path}.{name}" if index is None else f"{path}.{name}[{index}]"
            found += problems_in(item, where.lstrip("."), excused)
    return found


def check(packet: pp.Phenopacket, losses=()) -> None:
    """Raise PhenopacketError unless the phenopacket parses back unchanged and has every required field; a
    required field may be empty only where a loss names it."""
    problems = []
    try:
        again = Parse(MessageToJson(packet), pp.Phenopacket())
        if again != packet:
            problems.append("the JSON does not parse back to the same phenopacket")
    except ParseError as exc:
        problems.append(f"the JSON does not parse: {exc}")
    problems += problems_in(packet, "", frozenset(loss.field for loss in losses if loss.field))
    declared = {resource.namespace_prefix for resource in packet.meta_data.resources}
    used = set()
    _prefixes(packet, used)
    problems += [f"prefix {prefix} is used but not declared in metaData.resources"
                 for prefix in sorted(used - declared)]
    if problems:
        raise PhenopacketError(problems)


def _prefixes(message, used: set[str]) -> None:
    if isinstance(message, pp.OntologyClass):
        used.add(message.id.split(":")[0])
        return
    for field, value in message.ListFields():
        if field.message_type is not None:
            for item in value if field.is_repeated else [value]:
                _prefixes(item, used)
