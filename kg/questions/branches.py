"""An answer of two kinds of rows, asked for apart: the patients' rows, and rows that rest on no patient (#20).

`salvage-options` lists, within each therapy, first the therapy's row from the ontology's target link (no patient:
it sorts before every patient, since an unbound ?patient sorts first), then its patients' rows. Its WHERE starts
with a UNION of the two: `{ PATIENTS } UNION { NO PATIENT } REST`. A VALUES block of patients written in front of
that UNION restricts neither branch (Oxigraph joins it with the union evaluated whole, and the no-patient rows,
which leave ?_patient_iri unbound, join every patient of the block). Since `(A UNION B) REST` holds the rows of
`A REST` and of `B REST`, a page asks for each apart:

- the patients' text: the union replaced by the patients' branch, its patterns written in the outermost WHERE
  itself (kept as a group of its own, the engine evaluated it whole: 119 against 12 ms for 16 patients at 10,000
  patients), so that the VALUES block of a page's patients is where the engine starts;
- the no-patient text ("head"): the union replaced by the other branch, asked once a group, before its patients.

`split` does it on the parsed query, and only where it keeps the rows: the union comes first in the outermost
WHERE and has two branches; one binds ?_patient_iri by a required pattern of its own and holds no FILTER (whose
scope would widen to the rest of the WHERE once its patterns are written there); the other, and the rest of the
WHERE, never name ?patient or ?_patient_iri (the head's rows are the ones without a patient).
"""

from dataclasses import dataclass
from functools import lru_cache

from kg.backends.sparql_guard import nodes
from kg.questions.patient_pages import child, required_in, select_of

_PATIENT_VARIABLES = ("?patient", "?_patient_iri")
_SKIPPED = ("comment",)


@dataclass(frozen=True)
class Branches:
    patients: str  # the query for the patients' rows, their branch written in the outermost WHERE
    head: str  # the query for the rows with no patient


def _names_a_patient(node) -> bool:
    return any(found.type == "var" and found.text.decode() in _PATIENT_VARIABLES for found in nodes(node))


def _binds_the_patient(branch) -> bool:
    """A required pattern of the branch itself (not an OPTIONAL, a UNION, a subquery...) binds ?_patient_iri."""
    return any(node.type == "var" and node.text.decode() == "?_patient_iri" and required_in(node, branch)
               for node in nodes(branch))


@lru_cache(maxsize=256)
def split(text: str) -> Branches | None:
    """The two texts of a question whose WHERE starts with a union of a patients' branch and a no-patient branch;
    None for any other query (its pages need no split, or cannot have one)."""
    select = select_of(text)
    where = select and child(select, "where_clause")
    group = where and child(where, "group_graph_pattern")
    if group is None:
        return None
    parts = [part for part in group.children[1:-1] if part.type not in _SKIPPED]
    if not parts or parts[0].type != "group_or_union_graph_pattern":
        return None
    union, rest = parts[0], parts[1:]
    branches = [part for part in union.children if part.type == "group_graph_pattern"]
    if len(branches) != 2 or any(_names_a_patient(part) for part in rest):
        return None
    keyed = [branch for branch in branches if _binds_the_patient(branch)]
    if len(keyed) != 1 or child(keyed[0], "filter") is not None:
        return None
    [head] = [branch for branch in branches if branch is not keyed[0]]
    if _names_a_patient(head):
        return None
    original = text.encode("utf-8")  # the grammar read it with the same byte offsets (as_the_grammar_reads_it)
    inner = original[keyed[0].children[0].end_byte:keyed[0].children[-1].start_byte]
    before, after = original[:union.start_byte], original[union.end_byte:]
    return Branches(
        patients=(before + inner + after).decode("utf-8"),
        head=(before + original[head.start_byte:head.end_byte] + after).decode("utf-8"),
    )
