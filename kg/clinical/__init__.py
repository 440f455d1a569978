"""The clinical domain: answers a clinician asks, composed from the named questions
(kg.questions.catalogue) and returned as frozen records that the notebook, the CLI and the HTTP API hand on
unchanged."""

from kg.clinical.salvage_model import (
    SALVAGE_DISCLAIMER,
    CaseEvidence,
    Finding,
    Indirectness,
    Option,
    SalvageAnswer,
    StudyEvidence,
    Therapy,
    Warning,
)
from kg.clinical.salvage_options import RANKING, salvage_options
from kg.clinical.sources import Source

__all__ = [
    "RANKING",
    "SALVAGE_DISCLAIMER",
    "CaseEvidence",
    "Finding",
    "Indirectness",
    "Option",
    "SalvageAnswer",
    "Source",
    "StudyEvidence",
    "Therapy",
    "Warning",
    "salvage_options",
]
