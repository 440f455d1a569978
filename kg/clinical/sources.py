"""Where a statement is taken from: the one record every answer (salvage options, patients, pathways, similar
courses) cites its source with, from the notebook to the HTTP API.

Records that cross to the API are plain frozen dataclasses; the API documents them as they are, its field
descriptions read from the attribute docstrings (Record), so the library needs no schema of its own.

>>> source_of({"citation": "A case report", "doi": None, "source_locator": "sentence 5"})
Source(citation='A case report', doi=None, locator='sentence 5', pmid=None)
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Record:
    """A frozen record that crosses from the library to the API. Pydantic reads `__pydantic_config__` on a stdlib
    dataclass: each field's attribute docstring becomes its description in OpenAPI."""

    __pydantic_config__ = {"use_attribute_docstrings": True}


@dataclass(frozen=True)
class Source(Record):
    """The publication a statement is taken from, and where in it. The evidence level stands beside the source,
    on the statement: it says how the evidence was gathered, not where it was published."""

    citation: str | None
    """The publication the statement is taken from"""
    doi: str | None = None
    """Its DOI, for a link (https://doi.org/...)"""
    locator: str | None = None
    """Where in it: section, sentence, table"""
    pmid: str | None = None
    """Its PubMed id, where the graph holds no DOI"""


@dataclass(frozen=True)
class Cited(Record):
    """What every statement of an answer carries: its source, and beside it the evidence level (CIViC's B for a
    study, C for a case report; "synthetic" for a generated patient, never evidence)."""

    source: Source
    evidence_level: str | None


def source_of(row: dict) -> Source:
    """The source of an answer row: the columns citation, doi, source_locator and pmid, where the question has
    them."""
    return Source(row.get("citation"), row.get("doi"), row.get("source_locator"), row.get("pmid"))
