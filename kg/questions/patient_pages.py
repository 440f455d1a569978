"""A page of an answer ordered by patient, found by key: the patients after the key, not the rows before it.

Oxigraph evaluates a whole answer before ORDER BY and LIMIT, so an OFFSET page costs as much as the whole answer,
however early it is. A question whose rows are ordered by patient first (`ORDER BY ?patient ...`) and that binds
the patient as `?_patient_iri` can instead be asked for a few patients at a time: `VALUES ?_patient_iri { ... }`
written at the top of its WHERE restricts it to them (a plain pattern so restricted answers in milliseconds, #20).
Asked for patients in the order of their identifiers, chunk after chunk, such pages give the whole answer's rows
in the whole answer's order.

A question says so in its header (`#+ keyed-by: patient`); `keyed_problem` checks, on the parsed query, that the
restriction cannot change its rows: the ORDER BY starts with ?patient, which it projects; ?_patient_iri is bound
by a required pattern of the outermost WHERE (never only in an OPTIONAL, a UNION or a subquery, where a VALUES
block in front would join rows it does not restrict); a GROUP BY groups by the patient (an aggregate never spans
patients); no LIMIT or OFFSET of its own. What the grammar cannot check, the tests walk
(tests/questions/test_pages_by_key.py): `?patient` is the identifier the roster holds, and the rest of the ORDER BY
orders one patient's rows fully, so that a patient whose rows run over a page is continued where it ended.

The patients come from the graph (`Roster`, read once per state of the graph), never from what a client sent:
the key only says where to start among them (kg.questions.pages.Key).

A chunk's cost is the index look-ups a patient's rows take, so a question reaches the patient's derived nodes by
the graph their rule writes them in: `GRAPH <.../graph/derived/RULE> { ?node sk:patient ?_patient_iri }`. A
patient is the object of `sk:patient` on ~35-75 nodes of every kind; Oxigraph read them all and then looked for
the question's property on each, while its index by graph gives only the rule's few (at 100,000 patients, a first
page of 100 rows: antigen-escapes 82 -> 15 ms, salvage-options 59 -> 21, transplant-details 67 -> 35,
relapses-after-therapy 60 -> 30). The GRAPH comes first in its group: rdflib's engine joins what follows a join
without the bindings before it (therapy-warnings on the two cases grew past 12 GB with it in the middle).
tests/questions/test_questions.py checks that each such graph is a rule's and that the rule writes `sk:patient`
on the node there.
"""

import math
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import takewhile

from rdflib import URIRef

from kg.backends.sparql_guard import as_the_grammar_reads_it, nodes, parser
from kg.questions.inline import projected_by, written
from kg.questions.pages import Key, Page

KEYS = ("patient",)  # what a question may be keyed by
PATIENT, PATIENT_IRI = "patient", "_patient_iri"
KEY_COLUMNS = (PATIENT, PATIENT_IRI)
FIRST_CHUNK = 16  # patients per query: from the page's size, doubled while rows are missing, up to MAX_CHUNK
# At most this many patients a query: past ~100, Oxigraph's cost a patient grows with the VALUES block (at 10,000
# patients on disk, pathway-steps' 100 patients 62 ms, 400 patients 410 ms, not 250), so a wide chunk is asked as
# several in a row, and a page stops at the one that fills it.
MAX_CHUNK = 128
# A patients-from look-up for a parameter's value (the patients given a therapy) is walked instead of every patient
# up to this many: past it nearly every patient has rows, and chunks of the roster find them as fast.
FEW_GIVEN = 2_000
# Patterns in which a variable is not bound for every row of the outermost WHERE, or is another variable.
_NOT_REQUIRED = {
    "optional_graph_pattern",
    "minus_graph_pattern",
    "group_or_union_graph_pattern",
    "sub_select",
    "filter",
    "bind",
    "exists_func",
    "not_exists_func",
    "service_graph_pattern",
    "data_block",
    "inline_data",
    "values_clause",
}


def child(node, kind: str):
    return next((child for child in node.children if child.type == kind), None)


@dataclass(frozen=True)
class _Shape:
    insert_at: int | None  # byte after the `{` of the outermost WHERE
    problem: str | None


@lru_cache(maxsize=512)
def _shape(text: str, order: tuple[str, ...] = (), variables: tuple[str, ...] = ()) -> _Shape:
    """Where the VALUES block goes in this query, or why the query cannot be paged by patient. A question ordered
    by groups first (kg.questions.group_pages) names what orders them (`order`: its ORDER BY starts with these,
    then ?patient) and what binds a group (`variables`: bound by required patterns, as ?_patient_iri is)."""
    bound = (PATIENT_IRI, *variables)
    tree = parser().parse(as_the_grammar_reads_it(text).encode("utf-8"))
    root = tree.root_node
    if root.has_error:
        return _Shape(None, "the SPARQL grammar does not read it whole")
    select = child(root, "select_query")
    where = select and child(select, "where_clause")
    group = where and child(where, "group_graph_pattern")
    if group is None:
        return _Shape(None, "it is not a SELECT with a WHERE")
    clause = child(select, "select_clause")
    if PATIENT not in projected_by(clause):
        return _Shape(None, f"its SELECT does not project ?{PATIENT}")
    modifier = child(select, "solution_modifier")
    conditions = _order_conditions(select)
    leading = [f"?{name}" for name in (*order, PATIENT)]
    if len(conditions) < len(leading) or any(
        [child.type for child in condition.children] != ["var"] or condition.text.decode() != variable
        for condition, variable in zip(conditions, leading, strict=False)
    ):
        return _Shape(None, f"its ORDER BY does not start with {' '.join(leading)} (ascending)")
    if modifier and child(modifier, "limit_offset_clauses"):
        return _Shape(None, "it has a LIMIT or OFFSET of its own")
    grouping = modifier and child(modifier, "group_clause")
    if grouping is not None:
        keys = {child.text.decode() for child in grouping.children if child.type == "group_condition"}
        if not keys & {f"?{PATIENT}", f"?{PATIENT_IRI}"}:
            return _Shape(None, f"its GROUP BY does not group by ?{PATIENT} or ?{PATIENT_IRI}")
    for variable in bound:
        if not any(
            required_in(node, group)
            for node in nodes(group)
            if node.type == "var" and node.text.decode() == f"?{variable}"
        ):
            return _Shape(None, f"no required pattern of its outermost WHERE binds ?{variable}")
    return _Shape(group.children[0].end_byte, None)


def _order_conditions(select) -> list:
    """The conditions of a SELECT's ORDER BY, in order (none without one)."""
    modifier = select and child(select, "solution_modifier")
    order_clause = modifier and child(modifier, "order_clause")
    return [child for child in order_clause.children if child.type == "order_condition"] if order_clause else []


def select_of(text: str):
    return child(parser().parse(as_the_grammar_reads_it(text).encode("utf-8")).root_node, "select_query")


@lru_cache(maxsize=256)
def ordered_by(text: str) -> tuple[str, ...]:
    """The variables a query's ORDER BY sorts by, ascending, up to its first condition that is not a plain
    variable."""
    names = []
    for condition in _order_conditions(select_of(text)):
        if [child.type for child in condition.children] != ["var"]:
            break
        names.append(condition.text.decode()[1:])
    return tuple(names)


def ordered_before_patient(text: str) -> tuple[str, ...]:
    """The variables a query's ORDER BY names before ?patient (a question ordered by groups first), or ()."""
    return tuple(takewhile(lambda name: name != PATIENT, ordered_by(text)))


def projected(text: str) -> tuple[str, ...]:
    """The variables a SELECT projects as themselves."""
    select = select_of(text)
    clause = select and child(select, "select_clause")
    return tuple(projected_by(clause)) if clause else ()


def required_in(node, group) -> bool:
    """The variable is bound by a pattern every row of `group` matches (a triple of its own graph patterns)."""
    if node.parent.type in ("select_clause", "group_condition", "order_condition"):
        return False
    ancestor = node.parent
    while ancestor is not None and ancestor != group:
        if ancestor.type in _NOT_REQUIRED:
            return False
        ancestor = ancestor.parent
    return ancestor == group


def keyed_problem(text: str, key: str, order: tuple[str, ...] = (), variables: tuple[str, ...] = ()) -> str | None:
    """Why a question declaring `keyed-by: KEY` cannot be paged by it; None when it can."""
    if key not in KEYS:
        return f"keyed-by: {key!r} is not one of {', '.join(KEYS)}"
    return _shape(text, order, variables).problem


def with_patients(text: str, iris: Sequence[str], order: tuple[str, ...] = (), also: str = "") -> str:
    """The query restricted to these patients: a VALUES block at the top of its outermost WHERE (after `also`,
    a VALUES block of a group's terms). Each IRI is a term the graph holds, written in canonical N-Triples form
    (kg.questions.inline.written)."""
    shape = _shape(text, order)
    if shape.problem:
        raise ValueError(f"not paged by patient: {shape.problem}")
    return _inserted(text, shape.insert_at,
                     f"{also} VALUES ?{PATIENT_IRI} {{ {' '.join(written(URIRef(iri)) for iri in iris)} }}\n")


def among_filter(among: Mapping[str, frozenset[str]]) -> str:
    """A FILTER that keeps a page's rows to the terms a members-from look-up listed for the parameter given (the
    agents a therapy matches: kg.questions.catalogue._members_from), written at the top of the outermost WHERE with
    the patients. The question's own patterns already keep its rows to them, so the rows are the same; Oxigraph
    tests the FILTER as soon as the variable is bound, where it tested the class pattern after every other column
    (responses-to-therapy for CAR-T at 100,000 patients, 128 patients: 46 -> 15 ms with the patient read through
    the therapy-outcomes graph). "" (no FILTER) when a listed term is not an absolute IRI to write in."""
    tests = []
    for variable, terms in sorted(among.items()):
        iris = [written(URIRef(term)) for term in sorted(terms)]
        if any(iri is None or ":" not in iri for iri in iris):
            return ""
        tests.append(f"FILTER(?{variable} IN ({', '.join(iris)}))")
    return " ".join(tests)


def with_values(text: str, block: str) -> str:
    """The query with a VALUES block of graph terms (group_pages.values_block) at the top of its outermost WHERE."""
    if not block:
        return text
    return _inserted(text, _top_of_where(text), block + "\n")


@lru_cache(maxsize=512)
def _top_of_where(text: str) -> int:
    # Parsed once per question text (a page asks several chunks of the same text), as _shape is.
    group = child(child(select_of(text), "where_clause"), "group_graph_pattern")
    return group.children[0].end_byte


def _inserted(text: str, at: int, block: str) -> str:
    original = text.encode("utf-8")  # the grammar read it with the same byte offsets (as_the_grammar_reads_it)
    return (original[:at] + block.encode("utf-8") + original[at:]).decode("utf-8")


class Roster:
    """Every patient's identifier (skos:notation) and IRI, in the order of the identifiers: the order of an answer
    ordered by ?patient (SPARQL compares simple literals by code point, as Python compares str).

    `twice`: IRIs listed under more than one identifier. The shapes allow a patient one, but a store written without
    them (a server loaded by other tools) may hold more; a chunk asked for by IRI then returns that patient's rows
    under every identifier, out of the chunk's order, so such a graph is paged by OFFSET (kg.knowledge_graph)."""

    def __init__(self, rows):
        by_id: dict[str, list[str]] = {}
        for notation, iri in rows:
            if written(URIRef(iri)) is None:
                raise ValueError(f"a patient IRI that cannot be written into a query: {iri!r}")
            by_id.setdefault(notation, []).append(iri)
        self.ids = sorted(by_id)
        self.iris = [tuple(sorted(by_id[notation])) for notation in self.ids]
        listed = Counter(iri for iris in self.iris for iri in iris)
        self.twice = tuple(sorted(iri for iri, count in listed.items() if count > 1))

    def __len__(self) -> int:
        return len(self.ids)

    def subset(self, positions: Sequence[int]) -> "Roster":
        """The patients at these positions (ascending), in the same order: a roster of some of them."""
        chosen = object.__new__(Roster)
        chosen.ids = [self.ids[at] for at in positions]
        chosen.iris = [self.iris[at] for at in positions]
        chosen.twice = self.twice
        return chosen

    def start(self, key: Key | None) -> int:
        """The index of the first patient a page after this key may hold rows of."""
        if key is None:
            return 0
        if key.given is None:
            return bisect_right(self.ids, key.patient)
        return bisect_left(self.ids, key.patient)


# Runs the question for these patient IRIs (None: as it is), at most `limit` rows: its columns and rows.
Run = Callable[[Sequence[str] | None, int], tuple[list[str], list[tuple]]]


def chunk_size(rows_wanted: int, rate: float | None) -> int:
    """Patients to ask for `rows_wanted` rows at `rate` rows a patient (half as many more: some have fewer), or one a
    row while no rate is known (every patient has a row or more in most answers)."""
    guess = math.ceil(rows_wanted / rate * 1.5) if rate else rows_wanted
    return max(FIRST_CHUNK, min(guess, MAX_CHUNK))


@dataclass(frozen=True)
class PatientPage:
    columns: list[str]
    rows: list[tuple]  # the page's rows, at most its limit
    next: Key | None  # the key of the next page; None on the last
    fetched: int  # rows fetched: one more than the limit says another page follows
    rate: float | None  # rows a patient, as this page saw them: the next page's first chunk is sized by it


def page_by_patient(roster: Roster | None, page: Page, run: Run, rate: float | None = None) -> PatientPage:
    """A page by key. With a roster, chunks of the patients after the key are asked for, sized by `rate` (rows a
    patient, as an earlier page saw them) and at least doubling while rows are missing, until the page is full and
    one row more says whether another follows. Without one (the question's `patient` is bound, so it holds one
    patient's rows) the question is asked as it is. Either way the rows of the key's patient already given are
    skipped: they come first, since rows are ordered by patient."""
    key, wanted = page.after, page.limit + 1
    skip = key.given if key and key.given else 0
    columns, rows, seen_rows, seen_patients = [], [], 0, 0
    if roster is None:
        columns, fetched = run(None, skip + wanted)
        rows = _after(columns, fetched, key, skip)
    else:
        start, size = roster.start(key), chunk_size(skip + wanted, rate)
        while start < len(roster) and len(rows) < wanted:
            chunk = roster.iris[start : start + size]
            limit = skip + wanted - len(rows)
            columns, fetched = run([iri for iris in chunk for iri in iris], limit)
            if fetched and len(fetched) >= limit:  # cut by the LIMIT: the patients its rows reached
                spanned = bisect_right(roster.ids, str(fetched[-1][columns.index(PATIENT)])) - start
            else:
                spanned = len(chunk)
            seen_rows, seen_patients = seen_rows + len(fetched), seen_patients + spanned
            rows += _after(columns, fetched, key, skip)
            start, skip = start + len(chunk), 0
            size = min(max(size * 2, chunk_size(wanted - len(rows), seen_rows / seen_patients)), MAX_CHUNK)
    if not columns:  # no patient after the key: the question's columns, from an answer for nobody
        columns, _ = run([], 1)
    return PatientPage(
        columns,
        rows[: page.limit],
        _next_key(columns, rows, page.limit, key),
        len(rows),
        seen_rows / seen_patients if seen_patients else rate,
    )


def _after(columns, rows, key: Key | None, skip: int) -> list[tuple]:
    """The rows after the key: none of a patient before it, nor the first `skip` rows of its own patient (given on
    the pages before; all of them when the key says so)."""
    if key is None:
        return list(rows)
    at = columns.index(PATIENT)
    kept = []
    for row in rows:
        patient = str(row[at])
        if patient < key.patient or (patient == key.patient and key.given is None):
            continue
        if patient == key.patient and skip:
            skip -= 1
            continue
        kept.append(row)
    return kept


def _next_key(columns, rows, limit: int, key: Key | None) -> Key | None:
    """Where the next page starts: after the page's last patient when the row past the page is another's (no
    query for them again), else within the last patient, after the rows of theirs given so far."""
    if len(rows) <= limit:
        return None
    at = columns.index(PATIENT)
    last = str(rows[limit - 1][at])
    if str(rows[limit][at]) != last:
        return Key(last)
    given = sum(1 for row in rows[:limit] if str(row[at]) == last)
    if key is not None and key.patient == last and key.given:
        given += key.given  # the patient's rows began on an earlier page
    return Key(last, given)
