"""Answers to named questions: plain rows a notebook, the CLI and the HTTP API all hand on unchanged."""

import csv
import io
import json
from dataclasses import dataclass

from rdflib import BNode, Literal
from rdflib.namespace import XSD

DISCLAIMER = (
    "Evidence from published case reports (CIViC level C) and published study results (level B), never averaged "
    "together; not treatment advice. "
    "'not reported' means the source is silent; it is not a negative finding."
)

SYNTHETIC_DISCLAIMER = (
    "Synthetic data: these rows describe generated patients, not real people, and are never evidence. "
    "Use them to try the tools, not to draw clinical conclusions."
)
# sk:NoEvidence as an answer's evidence_level column gives it (its skos:notation, ontology/salvage-kg.ttl).
_SYNTHETIC_LEVEL = "synthetic"


def disclaimer_for(rows) -> str:
    """What to say under an answer: published evidence, synthetic data, or both when the rows mix them."""
    return disclaimer_for_levels(row.get("evidence_level") for row in rows)


def disclaimer_for_levels(levels) -> str:
    """The same from the evidence levels of what is shown (a timeline's events, merged pathways, similar hits)."""
    levels = set(levels)
    if _SYNTHETIC_LEVEL not in levels:
        return DISCLAIMER
    if levels - {_SYNTHETIC_LEVEL, None}:
        return f"{DISCLAIMER} Some rows are synthetic: {SYNTHETIC_DISCLAIMER}"
    return SYNTHETIC_DISCLAIMER


_INTEGERS = {XSD.integer, XSD.int, XSD.long, XSD.short, XSD.nonNegativeInteger, XSD.positiveInteger}
_NUMBERS = {XSD.decimal, XSD.double, XSD.float}


_BOOLEAN = XSD.boolean  # looked up once: rdflib's namespace attribute is a call each time (a page reads thousands)


def to_python(term):
    """JSON-ready value of an RDF term: IRIs and durations as text, numbers as numbers, booleans as booleans."""
    if term is None:
        return None
    if isinstance(term, Literal):
        datatype = term.datatype
        if datatype is None:
            return str(term)
        if datatype in _INTEGERS:
            return int(term)
        if datatype in _NUMBERS:
            return float(term)
        if datatype == _BOOLEAN:
            return str(term).strip().lower() in ("true", "1")
        return str(term)
    if isinstance(term, BNode):
        return f"_:{term}"
    return str(term)


def records(columns, rows, lists=()) -> list[dict]:
    """Rows of terms as the library answers them: one dict a row, hidden columns (named "_...") left out, and the
    `lists` columns ("a|b") as sorted Python lists."""
    answers = []
    for row in rows:
        record = {}
        for column, term in zip(columns, row, strict=True):
            if column.startswith("_"):
                continue
            value = to_python(term)
            record[column] = sorted(part for part in (value or "").split("|") if part) if column in lists else value
        answers.append(record)
    return answers


@dataclass(frozen=True)
class Answer:
    question: str
    parameters: dict
    columns: tuple[str, ...]
    rows: tuple[dict, ...]
    page: dict | None = None  # {"offset", "limit", "next_offset"} when the rows are one page of the answer
    disclaimer: str = DISCLAIMER

    def __len__(self) -> int:
        return len(self.rows)

    def to_dict(self) -> dict:
        return {
            "question": self.question,
            "parameters": self.parameters,
            "columns": list(self.columns),
            "rows": list(self.rows),
            **({"page": self.page} if self.page else {}),
            "disclaimer": self.disclaimer,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False)

    def to_csv(self) -> str:
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(self.columns), lineterminator="\n")
        writer.writeheader()
        for row in self.rows:
            writer.writerow({key: "; ".join(map(str, value)) if isinstance(value, list) else value
                             for key, value in row.items()})
        return out.getvalue()

    def to_table(self, width: int | None = None) -> str:
        """For a terminal: labels, not IRIs, fitted to its width (kg.cli.terminal)."""
        from kg.cli.terminal import render  # rich is loaded only when a table is printed

        return render(self.columns, self.rows, f"({len(self.rows)} rows) {self.disclaimer}", width)

    def to_dataframe(self):
        import pandas  # optional: only when a notebook asks for a DataFrame

        frame = pandas.DataFrame(list(self.rows), columns=list(self.columns))
        frame.attrs["disclaimer"] = self.disclaimer  # a synthetic answer says so in the notebook too
        return frame
