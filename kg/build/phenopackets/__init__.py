"""GA4GH Phenopackets (schema v2) in and out: every patient of the graph as a phenopacket, with a log of what the
format cannot hold (export), and a phenopacket as a case graph our shapes check (read).

    codes     which code a term is written with: a verified exact match, else the project's own term
    facts     a patient's case as the export reads it (named questions only); the facts both formats hold
    export    phenopackets and their loss logs; export_all writes them
    validate  the schema's JSON parse and required fields, checked before anything is written
    read      a phenopacket as a case graph (Turtle), "not reported" where it is silent
"""

from kg.build.phenopackets.export import Loss, export_all, phenopacket, phenopackets, to_json
from kg.build.phenopackets.validate import PhenopacketError, check

__all__ = ["Loss", "PhenopacketError", "check", "export_all", "phenopacket", "phenopackets", "to_json"]
