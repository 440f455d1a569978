"""The knowledge graph as one object: a store, an engine over it, the catalogue of questions.

>>> graph = KnowledgeGraph.build()
>>> rows = graph.ask("salvage-options", lost_antigen="CD19").rows
>>> sorted({row["therapy_label"] for row in rows})
['CD22-directed CAR-T cells', 'haploidentical allogeneic HSCT', 'inotuzumab ozogamicin']
"""

import threading
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox
from rdflib import Dataset, URIRef

from kg.backends.engines import (
    Engine,
    OxigraphEngine,
    RdflibEngine,
    notebook_dataset,
    plain_texts,
    rdflib_dataset,
    to_oxigraph,
)
from kg.backends.query_workers import held_within_budget
from kg.build import pipeline as build
from kg.errors import SalvageKgError
from kg.progress import quiet
from kg.questions.answers import Answer, disclaimer_for, records, to_python
from kg.questions.branches import split
from kg.questions.catalogue import Question, catalogue, internal
from kg.questions.group_pages import FEW_PATIENTS, Groups, values_block
from kg.questions.inline import inline
from kg.questions.pages import Page, PageError, limited
from kg.questions.parameters import Choice, Choices, choices_from_rows, expand, match, resolve
from kg.questions.patient_pages import (
    FEW_GIVEN,
    PATIENT_IRI,
    Roster,
    among_filter,
    page_by_patient,
    projected,
    with_patients,
    with_values,
)
from kg.questions.text_index import TextIndex, words

# A range whose names fill more rows than this is read all at once (terms-in-range: 1.0 s for 10,000 patients,
# against 3.5 s member by member), a smaller one member by member (terms-in-small-range: 2 ms for antigens at 10,000
# patients, against 0.5 s; 5-6 s for any range at 100,000).
MANY_NAMES = 1000


class UnknownQuestion(SalvageKgError, KeyError):
    kinds = ("unknown_question",)

    def __init__(self, name: str, known: list[str]):
        self.name = name
        self.known = known
        super().__init__(f"no question named {name!r}; known: {', '.join(known)}")

    def __str__(self) -> str:
        return self.args[0]


class KnowledgeGraph:
    def __init__(self, store: ox.Store | None, engine: Engine | None = None):
        self.store = store  # None when the graph lives in a remote SPARQL store (kg.backends.open)
        self.engine = engine or OxigraphEngine(store)
        self._choices: dict[str, Choices] = {}
        self._choices_lock = threading.RLock()
        self._range_locks: dict[str, threading.Lock] = {}  # one a range: one thread looks it up, the others wait
        self._summaries: dict[str, object] = {}  # whole-graph summaries (the about record), until the next write
        self._summary_locks: dict[str, threading.Lock] = {}  # one a summary: the roster never waits for the about
        # Counts the writes: a look-up or summary read while a write landed is given to its caller, never kept
        # (it may hold the graph as it was; the next caller reads it again).
        self._generation = 0
        self._rates: dict[tuple, float] = {}  # rows a patient, per keyed question and parameters (patient_pages)
        self.built_at = datetime.now(UTC)  # when this process built or opened the graph
        # Parameters matched to graph terms are written into the query text (kg.questions.inline), which Oxigraph
        # plans as constants; False passes them as bound terms only (the bench measures both). None: on Oxigraph
        # only (rdflib's engine, the reference, cannot evaluate a constant in GROUP BY or a projection).
        self.write_terms: bool | None = None

    @classmethod
    def build(cls, cases: list[Path] | None = None, *, engine: str = "oxigraph", progress=quiet):
        store = build.build_store(cases, progress=progress)
        graph = cls(store)
        if engine == "rdflib":
            graph.engine = RdflibEngine(rdflib_dataset(store))
        return graph

    # --- the catalogue -------------------------------------------------------------------------------------

    @staticmethod
    def questions() -> dict[str, Question]:
        return catalogue()

    def question(self, name: str) -> Question:
        questions = catalogue()
        if name not in questions:
            raise UnknownQuestion(name, sorted(questions))
        return questions[name]

    def choices(self, range_iri: str) -> Choices:
        """Accepted values for parameters of a range, from the graph, looked up on first use and cached until the
        graph changes. Concurrent first callers of a range share one look-up; other ranges do not wait for it
        (the patients of a large cohort take seconds)."""
        found = self._choices.get(range_iri)
        if found is None:
            with self._choices_lock:
                lock = self._range_locks.setdefault(range_iri, threading.Lock())
            with held_within_budget(lock):
                found = self._choices.get(range_iri)
                if found is None:
                    generation = self._generation
                    found = choices_from_rows(row[1:] for row in self._range_rows(range_iri))
                    if generation == self._generation:
                        self._choices[range_iri] = found
        return found

    def _range_rows(self, range_iri: str) -> list[tuple]:
        """The (range, term, name, is_class, is_label) rows of a range: each member's names read from the member,
        or, for a range of many names (a cohort's patients), every name in the graph joined with them at once (as
        text: choices_from_rows reads either)."""
        bindings = {"_range_iri": URIRef(range_iri)}  # a class named in our own question files, written in
        if self._writes_terms():  # read from the member only with the range a constant: a remote store gets it
            # as a BIND at the start of the query, and Oxigraph server and Virtuoso 7.2 found no names that way
            text, rest = self._inline(internal("terms-in-small-range").text, bindings, set(bindings))
            _, rows = self.engine.select(f"{text.rstrip()}\nLIMIT {MANY_NAMES + 1}", rest)
            if len(rows) <= MANY_NAMES:  # the whole answer: no row past the limit
                return rows
        # As text, read as the roster is (kg.backends.engines.plain_texts): on a local store, not through a query
        # worker, whose copy read this way answered every later query slower, nor as rdflib terms.
        return list(self.internal_texts("terms-in-range", bindings))

    def lookup(self, range_name: str, value: str, param: str) -> Choice:
        """The term a person means by `value` among members of a range ('sk:Antigen', 'CD22')."""
        range_iri = expand(range_name)
        return match(param, value, self.choices(range_iri), range_iri)

    def summary(self, name: str, compute: Callable[[], object]) -> object:
        """A whole-graph summary, computed once per state of the graph (counts over millions of triples)."""
        found = self._summaries.get(name)
        if found is None:
            with self._choices_lock:
                lock = self._summary_locks.setdefault(name, threading.Lock())
            with held_within_budget(lock):  # concurrent first callers share one computation; others do not wait
                found = self._summaries.get(name)
                if found is None:
                    generation = self._generation
                    found = compute()
                    if generation == self._generation:
                        self._summaries[name] = found
        return found

    def changed(self) -> None:
        """Forget cached look-ups and summaries after the graph was written to."""
        self._generation += 1
        self._choices.clear()
        self._summaries.clear()
        self.built_at = datetime.now(UTC)

    # --- asking ----------------------------------------------------------------------------------------------

    def _select(self, text: str, bindings, page: Page | None):
        """Columns, rows and what is said of the page: the whole answer, or one page of it."""
        if page is None:
            return (*self.engine.select(text, bindings), None)
        columns, rows = self.engine.select(page.applied_to(text), bindings)
        return columns, rows[:page.limit], page.described(len(rows))

    def ask(self, name: str, params: Mapping[str, object] | None = None, /, *, page: Page | None = None,
            **kwargs) -> Answer:
        """Run a named question; parameters by keyword or as a mapping; the whole answer, or one `page` of it.
        Raises ParameterError, UnknownQuestion."""
        question = self.question(name)
        given = {**(params or {}), **kwargs}
        bindings = resolve(question, given, self.choices)
        if page is not None and page.after is not None and not question.keyed_by:
            raise PageError(f"after: {name} is not ordered by patient; page it with offset")
        by_key = page is not None and question.keyed_by and not page.offset
        if by_key and (reason := self._by_offset_here(question, bindings)):
            if page.after is not None:
                raise PageError(f"after: {name} is paged with offset {reason}")
            by_key = False
        if by_key and question.grouped_by:
            by_key = self._by_group(question, bindings, page)
        elif by_key and page.after is not None and page.after.group is not None:
            raise PageError("after must be the `next` key a page of this answer gave; this one names a group")
        if by_key:
            pager = self._page_by_group if question.grouped_by else self._page_by_patient
            columns, rows, described = pager(question, bindings, page)
        else:
            columns, rows, described = self._select(*self.query_for(question, bindings), page)
        shown = [column for column in columns if not column.startswith("_")]
        answers = records(columns, rows, question.lists)
        used = {param.name: str(bindings[param.variable]) for param in question.params if param.variable in bindings}
        return Answer(question=name, parameters=used, columns=tuple(shown), rows=tuple(answers),
                      page=described, disclaimer=disclaimer_for(answers))

    def roster(self, look_up: str = "patient-ids") -> Roster:
        """Every patient's identifier and IRI in identifier order, read once per state of the graph; or those of
        the patients a question's `patients-from` look-up lists (those it can have rows for)."""
        return self.summary(f"roster:{look_up}", lambda: Roster(self.internal_texts(look_up)))

    def _by_offset_here(self, question: Question, bindings) -> str | None:
        """Why the question is paged by OFFSET only here, or None: the store says so (a remote store may), or a
        patient has two identifiers and the pages would walk the roster (kg.questions.patient_pages.Roster.twice;
        one patient's rows, asked as they are, need no roster)."""
        pages_by_offset = getattr(self.engine, "pages_by_offset", None)
        if pages_by_offset is not None and pages_by_offset(question.text):
            return "on this store"
        twice = () if PATIENT_IRI in bindings else self.roster().twice
        if twice:
            return f"while a patient has two identifiers ({twice[0]})"
        return None

    def _roster_for(self, question: Question, bindings) -> Roster:
        """The patients a page by key walks: those the question's patients-from look-up lists; where the look-up
        takes the question's parameters, those it lists for the values given if they are few (a therapy given to
        few: at 10,000 patients chunks of every patient took 3-10 s to find none); else every patient."""
        if question.patients_read_once:
            return self.roster(question.patients_read_once)
        terms = {name: bindings[name] for name in question.patients_from_takes if name in bindings}
        if not terms:  # no patients-from look-up, or none of the parameters it takes given
            return self.roster()
        # In a list: the summaries take None for "not read yet", and None here says "not few".
        [few] = self.summary(f"roster:{question.patients_from}:{_said(terms)}",
                             lambda: [self._few_patients(question.patients_from, terms)])
        return self.roster() if few is None else few

    def _few_patients(self, look_up: str, terms: Mapping[str, URIRef]) -> Roster | None:
        """The patients the look-up lists for these graph terms (one roster per term: as many as the graph has
        terms of the range), or None past FEW_GIVEN: nearly every patient of a common therapy has rows, and
        reading them all cost more than the page (at 10,000 patients 'chemotherapy' added 1.1 s to it). Without
        ORDER BY the engine stops at the LIMIT."""
        rows = list(self.internal_texts(look_up, terms, limit=FEW_GIVEN + 1))
        return Roster(rows) if len(rows) <= FEW_GIVEN else None

    def _page_by_patient(self, question: Question, bindings, page: Page):
        """A page of a question keyed by patient, by key (kg.questions.patient_pages): chunks of the patients after
        the key, or the one patient the question is asked of."""
        text, rest = self.query_for(question, bindings)
        index, searched = self._searched(question, bindings)
        if index is not None:
            # The patients whose statements hold the words; a page has a row of each, so the key's patient and one
            # more than the page's rows are enough, unless some had none (then all the index lists are walked).
            roster, complete = index.patients_holding(searched, page.after, page.limit + 2)
        else:
            roster = None if PATIENT_IRI in bindings else self._roster_for(question, bindings)
        narrowed = among_filter(self._members_among(question, bindings))

        def run(iris, limit: int):
            if iris is not None and not iris:
                return _for_nobody(text)
            if iris is None:
                query = text
            elif index is not None:  # their statements holding the words, not all of theirs
                statements = index.statements(iris, searched)
                if not statements:
                    return _for_nobody(text)
                query = with_values(text, values_block(statements))
            else:
                query = with_patients(text, iris, also=narrowed)
            return self.engine.select(limited(query, limit), rest)

        # The rows a patient an earlier page of the same question saw size the first chunk: one query a page.
        seen = (question.name, _said(bindings))
        found = page_by_patient(roster, page, run, self._rates.get(seen))
        if index is not None and not complete and found.next is None:
            roster, _ = index.patients_holding(searched, page.after)
            found = page_by_patient(roster, page, run, self._rates.get(seen))
        if roster is not None and found.rate is not None:
            if len(self._rates) > 1_000:  # one entry per question and parameters: bounded all the same
                self._rates.clear()
            self._rates[seen] = found.rate
        return found.columns, found.rows, page.described(found.fetched, found.next)

    def text_index(self, question: Question) -> TextIndex:
        """The index of every statement's words a question searches by (kg.questions.text_index), read once per
        state of the graph (in the background by the server, like the roster)."""
        look_up = question.patients_by_words[1]
        return self.summary(f"words:{look_up}", lambda: TextIndex(self.internal_texts(look_up), self.roster()))

    def _searched(self, question: Question, bindings) -> tuple[TextIndex | None, str]:
        """For a question paged by the words of a text given: the index and the words, made as the question makes
        them ((None, "") for any other question, or with no text given)."""
        if question.patients_by_words is None or question.patients_by_words[0] not in bindings:
            return None, ""
        return self.text_index(question), words(str(bindings[question.patients_by_words[0]]))

    def groups(self, question: Question) -> Groups:
        """A grouped question's groups and their patients (kg.questions.group_pages), once per state of the graph."""
        look_up = internal(question.grouped_by)
        return self.summary(f"groups:{question.grouped_by}", lambda: Groups(
            projected(look_up.text), self.internal_texts(question.grouped_by), question.group_order,
            question.patients_by))

    def _by_group(self, question: Question, bindings, page: Page) -> bool:
        """Whether this page of a grouped question goes by key (else by OFFSET): not when a parameter narrows what
        the groups do not hold and no members-from look-up says which groups it matches, nor when the groups
        cannot be told apart by their labels, nor when a patients-by parameter leaves few patients (one query from
        their few statements is faster than one a group: at 100,000 patients evidence_level=C took 23 ms by
        OFFSET, 104 ms group by group)."""
        narrowed = [param.name for param in question.params if param.variable in bindings and param.variable
                    not in (*question.group_variables, *question.patients_by, *dict(question.members_from))]
        problem = f"with {', '.join(narrowed)} given" if narrowed else self.groups(question).problem
        # Only an optional parameter narrows the question below what it always asks (salvage-options' lost antigen
        # is always given: its patients are few only on a small graph, where pages by key are as quick).
        optional = {param.variable for param in question.params if not param.required}
        given = _given([name for name in question.patients_by if name in optional], bindings)
        if problem is None and given and self.groups(question).patients_at(given) <= FEW_PATIENTS:
            names = ", ".join(param.name for param in question.params if param.variable in given)
            problem = f"at most {FEW_PATIENTS} patients at the {names} given"
        if problem and page.after is not None:
            raise PageError(f"after: {question.name} is paged with offset here ({problem})")
        if page.after is not None and page.after.group is None:
            raise PageError("after must be the `next` key a page of this answer gave; this one names no group")
        return problem is None

    def _page_by_group(self, question: Question, bindings, page: Page):
        """A page of a question ordered by groups before the patient, by key: group after group, each by patient,
        after its rows of no patient where the question has them (kg.questions.branches)."""
        text, rest = self.query_for(question, bindings)
        bound, narrowed = _given(question.group_variables, bindings), _given(question.patients_by, bindings)
        branches = split(text)

        def for_group(query: str, members):
            # One member (terms under their own labels, as nearly always): its terms written in as constants, which
            # the engine plans from (30 against 55-65 ms a page of 100 at 10,000 patients); several: VALUES.
            if len(members) == 1:
                terms = {name: URIRef(iri) for name, iri in members[0].items()}
                return (*self._inline(query, {**rest, **terms}, set(terms)), "")
            return query, rest, values_block(members)

        def run(members, iris, limit: int):
            if not iris:
                return _for_nobody(text)
            group_text, group_rest, block = for_group(branches.patients if branches else text, members)
            query = with_patients(group_text, iris, question.group_order, block)
            return self.engine.select(limited(query, limit), group_rest)

        def run_head(members, limit: int):
            # A few rows a group, read once per state of the graph: at 100,000 patients their query (each antigen
            # the cohort's negative relapses still express) took as long as a page of 100 patients' rows.
            group_text, group_rest, block = for_group(branches.head, members)
            query = with_values(group_text, block)
            key = f"head:{query}:{_said(group_rest)}"
            columns, rows = self.summary(key, lambda: self.engine.select(query, group_rest))
            return columns, rows[:limit]

        found = self.groups(question).page(page, bound, run, narrowed, run_head if branches else None,
                                           self._members_among(question, bindings))
        return found.columns, found.rows, page.described(found.fetched, found.next)

    def _members_among(self, question: Question, bindings) -> dict[str, frozenset[str]]:
        """For each group variable a members-from parameter given narrows, the terms its groups may hold (a
        therapy given: the agents it matches), read once per state of the graph and value given (the look-up's
        columns found and its sets made then too, not on every page)."""
        def matched(look_up: str, terms) -> dict[str, frozenset[str]]:
            rows = list(self.internal_texts(look_up, terms))
            return {name: frozenset(row[at] for row in rows)
                    for at, name in enumerate(projected(internal(look_up).text))}

        among: dict[str, frozenset[str]] = {}
        for variable, look_up in question.members_from:
            if variable in bindings:
                terms = {variable: bindings[variable]}
                found = self.summary(f"members:{look_up}:{_said(terms)}",
                                     lambda look_up=look_up, terms=terms: matched(look_up, terms))
                for name, values in found.items():
                    among[name] = among[name] & values if name in among else values
        return among

    def query_for(self, question: Question, bindings) -> tuple[str, dict]:
        """The text a question runs with these bindings, and the bindings still to be passed to the engine: the
        terms matched in the graph (parameters with a range) written in, when `write_terms`."""
        matched = {param.variable for param in question.params if param.type == "iri" and param.range}
        return self._inline(question.text, bindings, matched)

    def _writes_terms(self) -> bool:
        return self.engine.name == "oxigraph" if self.write_terms is None else self.write_terms

    def _inline(self, text: str, bindings, names) -> tuple[str, dict]:
        return inline(text, bindings, names) if self._writes_terms() else (text, dict(bindings))

    def ask_internal(self, name: str, page: Page | None = None, terms: Mapping[str, str] | None = None) -> Answer:
        """Run one of the project's own look-ups (not part of the public catalogue). `terms`: graph terms the code
        chose (never a person's text), as {variable: IRI}, written in as a named question's matched parameters are."""
        bindings = {variable: URIRef(iri) for variable, iri in (terms or {}).items()}
        text, rest = self._inline(internal(name).text, bindings, set(bindings))
        columns, rows, described = self._select(text, rest or None, page)
        return Answer(question=name, parameters=dict(terms or {}), columns=tuple(columns),
                      rows=tuple({c: to_python(v) for c, v in zip(columns, row, strict=True)} for row in rows),
                      page=described)

    def internal_texts(self, name: str, terms: Mapping[str, URIRef] | None = None,
                       limit: int | None = None) -> Iterator[tuple[str | None, ...]]:
        """One of the project's own look-ups, each term as its text (an IRI, a literal's lexical form; None when
        unbound), row by row, for reading a whole cohort at once (kg.backends.engines.plain_texts); `terms`: graph
        terms written in, as a named question's matched parameters are; at most `limit` rows."""
        text, rest = self._inline(internal(name).text, terms or {}, set(terms or {}))
        text = text if limit is None else limited(text, limit)
        return plain_texts(self.store, self.engine, text, rest)

    def case_triples(self, graph_iri: str) -> list[ox.Triple]:
        """The statements of one case's named graph, as its curator wrote them."""
        return self._triples("case-triples", {"graph": URIRef(graph_iri)})

    def patient_triples(self, patient_iri: str) -> list[ox.Triple]:
        """What the graph says of one patient: its statements, its events', and their timings and doses."""
        return self._triples("patient-statements", {"patient": URIRef(patient_iri)})

    def _triples(self, name: str, bindings) -> list[ox.Triple]:
        _, rows = self.engine.select(internal(name).text, bindings)
        return [ox.Triple(*(to_oxigraph(term) for term in row[:3])) for row in rows]

    def rdflib_graph(self) -> Dataset:
        """Every graph (ontology, cases, derived) as an rdflib Dataset whose default graph is their union and whose
        SPARQL runs on Oxigraph (a copy: changes made to it stay in the notebook). Raises RemoteStoreError
        (not_on_this_store) for a graph in a remote store."""
        return notebook_dataset(self.store, self.engine)


def _for_nobody(text: str) -> tuple[list[str], list]:
    """The answer for no patient: its columns, read from the query (rdflib's engine fails on an empty VALUES block,
    and no engine need be asked for no rows)."""
    return list(projected(text)), []


def _said(bindings) -> tuple[tuple[str, str], ...]:
    """Bindings as a cache key: each variable with its term's text, in order."""
    return tuple(sorted((name, str(value)) for name, value in bindings.items()))


def _given(variables, bindings) -> dict[str, str]:
    """Which of these variables a parameter binds, each to its IRI."""
    return {name: str(bindings[name]) for name in variables if name in bindings}
