"""A page of an answer ordered by a few groups before the patient, found by key (#20).

`therapy-warnings` is ordered by warning level, antigen and therapy, and only then by patient: a first page by
OFFSET is the whole answer joined and sorted (32 s at 100,000 patients). Its groups are few (tens: three levels,
two antigens, the agents aimed at each), so its answer is the groups' answers one after another, each ordered by
patient. A page asks for one group at a time: the group's terms and a chunk of the patients it holds rows of,
written in as VALUES blocks (kg.questions.patient_pages chunks the patients), until the page is full.

The question says so in its header, `#+ grouped-by: NAME`: an internal look-up (queries/internal/NAME.rq) that
lists, for every patient a group holds rows of, the group's terms (the variables a group binds), its order values
(the question's ORDER BY before ?patient) and the patient's identifier and IRI, ordered as the question orders the
groups. It is read once per state of the graph. A group is one set of order values: terms with the same labels
share it, as their rows share a place in the answer. A key names the group by its order values, the patient, and
how many of the patient's rows in that group were given.

A question may also list each group's patients by the value of a parameter that narrows rows without making
groups of its own (`#+ patients-by: [evidence_level]`: the look-up projects the warning's evidence level): with
that parameter given, a group's page walks only the patients it holds rows of at that value, where walking every
patient of the group would ask chunk after chunk of patients with no row at the level (a published level among
100,000 synthetic patients).

A group may also hold rows of no patient (kg.questions.branches: `salvage-options`' row from the ontology's
target link, one a therapy). They sort before its patients' rows, and the look-up lists them as a row with
?patient unbound, under the patients-by values they have. A page asks for them once a group, before the patients;
a key within them names the patient "" (before every identifier) and how many of them were given.
"""

from bisect import bisect_left
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass

from rdflib import URIRef

from kg.questions.inline import written
from kg.questions.pages import Key, Page
from kg.questions.patient_pages import KEY_COLUMNS, PATIENT, PATIENT_IRI, PatientPage, Roster, page_by_patient

# With a patients-by value given, a page goes by OFFSET when the groups hold at most this many patients at it: the
# question then starts from that value's few statements, one query, where a page by group asks one query a group.
FEW_PATIENTS = 100

# Runs the question for a group (its members: each group variable's IRI, less those a parameter binds) and these
# patient IRIs, at most `limit` rows.
Run = Callable[[Sequence[Mapping[str, str]], Sequence[str], int], tuple[list[str], list[tuple]]]
# Runs the question for a group's rows of no patient, at most `limit` rows.
RunHead = Callable[[Sequence[Mapping[str, str]], int], tuple[list[str], list[tuple]]]
NO_PATIENT = ""  # a key within a group's rows of no patient names this "patient": it sorts before every identifier


@dataclass(frozen=True)
class Group:
    order: tuple[str, ...]  # its order values, as text (the labels the answer is ordered by)
    members: tuple[tuple[str, ...], ...]  # the group variables' IRIs: one tuple a member (level, antigen, therapy)
    roster: Roster  # the patients it holds rows of, in identifier order
    rosters: Mapping[tuple[str, str], Roster]  # (patients-by variable, its value's IRI) -> those of them with rows
    heads: tuple[frozenset, ...] = ()  # its rows of no patient: each one's patients-by values, {(variable, IRI)}

    def has_head(self, narrowed: Mapping[str, str]) -> bool:
        """Whether it holds rows of no patient at these patients-by values."""
        return any(set(narrowed.items()) <= head for head in self.heads)


class Groups:
    """Every group of a grouped question, in its answer's order; `problem` says why its pages cannot go by group
    (then they go by OFFSET)."""

    def __init__(self, columns: Sequence[str], rows, order: Sequence[str], patients_by: Sequence[str] = ()):
        self.order = tuple(order)
        self.variables = tuple(c for c in columns if c not in (*self.order, *KEY_COLUMNS, *patients_by))
        at_order = [columns.index(name) for name in self.order]
        at_terms = [columns.index(name) for name in self.variables]
        at_by = [(name, columns.index(name)) for name in patients_by]
        at_patient, at_iri = columns.index(PATIENT), columns.index(PATIENT_IRI)
        found: dict[tuple, tuple[set, dict]] = {}  # order values -> (members, {(identifier, IRI): None})
        by: dict[tuple, dict[tuple[str, str], dict]] = {}  # order values -> {(variable, IRI): its patients}
        heads: dict[tuple, set] = {}  # order values -> the patients-by values of its rows of no patient
        placed: dict[tuple, tuple] = {}  # member -> its order values
        self.problem, last = None, None
        for row in rows:
            values, member = tuple(row[i] for i in at_order), tuple(row[i] for i in at_terms)
            if placed.setdefault(member, values) != values:
                self.problem = f"{' '.join(member)} is ordered under two labels"
            if values != last and (values in found or (last is not None and values < last)):
                # The look-up's ORDER BY is the question's: Python must sort the groups alike (bisect below).
                self.problem = "its groups do not sort as their labels do in Python"
            last = values
            members, patients = found.setdefault(values, (set(), {}))
            members.add(member)
            if row[at_patient] is None:
                heads.setdefault(values, set()).add(frozenset((name, row[at]) for name, at in at_by))
                continue
            patients[row[at_patient], row[at_iri]] = None
            for name, at in at_by:
                by.setdefault(values, {}).setdefault((name, row[at]), {})[row[at_patient], row[at_iri]] = None
        if any(written(URIRef(term)) is None for member in placed for term in member):
            self.problem = "a group's term cannot be written into a query"
        self.groups = [Group(values, tuple(sorted(members)), Roster(patients),
                             {value: Roster(them) for value, them in by.get(values, {}).items()},
                             tuple(heads.get(values, ())))
                       for values, (members, patients) in found.items()]
        self._orders = [group.order for group in self.groups]

    def patients_at(self, narrowed: Mapping[str, str]) -> int:
        """How many patients the groups' pages would walk with these patients-by values given (a patient counted
        once a group)."""
        return sum(len(roster) for roster in (_narrowed(group, narrowed) for group in self.groups) if roster)

    def page(self, page: Page, bound: Mapping[str, str], run: Run,
             narrowed: Mapping[str, str] | None = None, run_head: RunHead | None = None,
             among: Mapping[str, Collection[str]] | None = None) -> PatientPage:
        """A page by key: the groups from the key's on, each asked for by patient (after its rows of no patient,
        with `run_head`), until the page is full and one row more (or the next group's first) says whether another
        page follows. `bound`: the group variables a parameter gives, as IRIs (a group whose members all differ
        holds no row of the answer); `narrowed`: the patients-by variables a parameter gives (a group with no
        patient at that value holds no row either); `among`: group variables a members-from parameter narrows, to
        the terms it matches (a group with none of them holds no row)."""
        key, rows, columns, narrowed = page.after, [], [], narrowed or {}
        start = bisect_left(self._orders, key.group) if key else 0
        following = None
        for group in self.groups[start:]:
            members = [dict(zip(self.variables, member, strict=True)) for member in group.members]
            members = [{name: iri for name, iri in member.items() if name not in bound} for member in members
                       if all(member[name] == iri for name, iri in bound.items())
                       and all(member[name] in terms for name, terms in (among or {}).items())]
            roster = _narrowed(group, narrowed)
            head = run_head is not None and group.has_head(narrowed)
            if not members or (roster is None and not head):
                continue
            within = key if key and key.group == group.order else None
            if len(rows) == page.limit:  # the page is full: does any row follow it?
                if head or (roster is not None and _asked(roster, members, Page(limit=1), run).rows):
                    following = group.order
                    break
                continue
            if head and (within is None or (within.patient == NO_PATIENT and within.given is not None)):
                given, room = within.given if within else 0, page.limit - len(rows)
                columns, heads = run_head(members, given + room + 1)
                rows += [(group.order, row) for row in heads[given:given + room]]
                if len(heads) > given + room:  # the page ends within them
                    return PatientPage(columns, [row for _, row in rows], Key(NO_PATIENT, given + room, group.order),
                                       page.limit + 1, None)
                within = Key(NO_PATIENT, None, group.order)  # its patients follow, from the first
                if roster is None:
                    continue
                if len(rows) == page.limit:
                    if _asked(roster, members, Page(limit=1), run).rows:
                        return PatientPage(columns, [row for _, row in rows], within, page.limit + 1, None)
                    continue
            if roster is None:
                continue
            inner = Page(limit=page.limit - len(rows), after=within and Key(within.patient, within.given))
            found = _asked(roster, members, inner, run)
            columns = found.columns
            rows += [(group.order, row) for row in found.rows]
            if found.next is not None:
                return PatientPage(columns, [row for _, row in rows], Key(found.next.patient, found.next.given,
                                                                           group.order), page.limit + 1, None)
        next_key = None
        if following is not None:  # the page ended with its last group's rows: the next starts after them
            order, last = rows[-1]
            patient = last[columns.index(PATIENT)]
            next_key = Key(NO_PATIENT if patient is None else str(patient), None, order)
        if not columns:
            columns, _ = run([], [], 1)
        return PatientPage(columns, [row for _, row in rows], next_key, len(rows) + (next_key is not None), None)


def _narrowed(group: Group, narrowed: Mapping[str, str]) -> Roster | None:
    """The patients of the group to walk: those with rows at each given patients-by value (the fewest, where
    several are given: the query itself keeps only the rows at every value), or None when it has none."""
    rosters = [group.rosters.get(item) for item in narrowed.items()]
    if any(roster is None for roster in rosters):
        return None
    return min(rosters, key=len) if rosters else group.roster


def _asked(roster: Roster, members: Sequence[Mapping[str, str]], page: Page, run: Run) -> PatientPage:
    """One group's page, by patient (kg.questions.patient_pages)."""
    return page_by_patient(roster, page, lambda iris, limit: run(members, iris, limit))


def values_block(members: Sequence[Mapping[str, str]]) -> str:
    """A VALUES block of a group's members (graph terms, written in canonical N-Triples form), or nothing."""
    names = list(members[0]) if members else []
    if not names:
        return ""
    rows = " ".join("(" + " ".join(written(URIRef(member[name])) for name in names) + ")" for member in members)
    return f" VALUES ({' '.join(f'?{name}' for name in names)}) {{ {rows} }}"
