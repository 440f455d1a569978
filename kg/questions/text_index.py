"""Which patients' statements hold the words searched for: a text search's pages by key walk only them (#20).

`search-statements` is a scan of every statement's words (sk:searchText, rule searchable-text): 4.5 s at 100,000
patients for any page, since a text has no key to start from. Asked for chunks of patients in turn (`VALUES
?_patient_iri`), it was slower still: a word few statements hold left most chunks empty. The index, read once per
state of the graph (`#+ patients-by-words: {PARAM: LOOK-UP}`), holds each patient's statements' words and nodes,
so that a page walks only the patients whose words hold those asked for, and asks the question for their
statements that do, as a `VALUES (?node ?_patient_iri)` block: the engine starts from each node (at 10,000
patients 0.07 ms a node, against 0.8-1.4 ms a patient starting from the patient).

The index only narrows: the question keeps its own test of the words, so a row it lists is a row of the whole
answer. It must never leave out a patient with rows; so `words` makes the words as the question's SPARQL makes
them (a test compares the two), and a patient listed with no rows (a statement the shapes would refuse) sends the
page back to every patient the index holds (kg.knowledge_graph).
"""

import re
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from heapq import merge
from itertools import accumulate

from rdflib import URIRef

from kg.questions.inline import written
from kg.questions.pages import Key
from kg.questions.patient_pages import PATIENT_IRI, Roster

_EDGES, _OTHERS = re.compile(r"^[^a-z0-9]+|[^a-z0-9]+\Z"), re.compile(r"[^a-z0-9]+")


def words(text: str) -> str:
    """Lower case, no other characters at either end, each run of them inside one space: what search-statements
    does with the text typed (`REPLACE(REPLACE(LCASE(STR(?_text)), ...))`), and the rule with each statement."""
    return _OTHERS.sub(" ", _EDGES.sub("", text.lower()))


class TextIndex:
    """The patients whose statements have searched words, in the order of their identifiers (`roster`: those of
    `patients`, the graph's roster, that have words), and each one's statements' words and nodes, from rows of
    (patient IRI, node, words).

    Each distinct words string is kept once, all of them joined in one string: a search is a `str.find` through
    them, then the patients holding any that matched. Statements repeat their words across a cohort (at 10,000
    synthetic patients 157,096 statements had 96 distinct strings): searching every statement's words, as this index
    did, scanned 74 MB at 100,000 patients for a word few hold (18 ms a scan, 60 ms a page). A node under its
    patient's IRI (nearly all are) is kept as the rest of its IRI: one string of nodes a patient."""

    def __init__(self, rows: Iterable[Sequence[str | None]], patients: Roster):
        ids: dict[str, int] = {}  # each distinct words string, numbered in the order first read
        held: dict[str, array] = {}  # a patient IRI's statements' words, by number, in the order of its nodes
        nodes: dict[str, list[str]] = {}
        for patient_iri, node, text in rows:
            if patient_iri is None or node is None or text is None:
                continue
            if written(URIRef(node)) is None:
                raise ValueError(f"a statement IRI that cannot be written into a query: {node!r}")
            # The rule writes no new line; were there one, a space in its place still holds every words found in
            # the text (words hold no new line), so the index never misses a statement the question finds.
            held.setdefault(patient_iri, array("i")).append(ids.setdefault(text.replace("\n", " "), len(ids)))
            nodes.setdefault(patient_iri, []).append(node[len(patient_iri):] if _under(node, patient_iri) else node)
        # The identifiers come from the graph's roster, not from the look-up: joining each statement's patient
        # with its identifier took a third of the read (at 100,000 patients 63-74 s with it, 42-46 s without).
        self.roster = patients.subset([at for at, iris in enumerate(patients.iris) if any(i in held for i in iris)])
        self._held = held
        self._nodes = {iri: "\n".join(found) for iri, found in nodes.items()}
        self._texts = "\n".join(ids)  # no words hold a new line: a match never spans two strings
        self._text_starts = list(accumulate((len(text) + 1 for text in ids), initial=0))[:-1]
        # For each words string, the positions in `roster` of the patients holding it, ascending.
        holders: list[array] = [array("i") for _ in ids]
        for position, iris in enumerate(self.roster.iris):
            for number in {number for iri in iris for number in held.get(iri, ())}:
                holders[number].append(position)
        self._holders = holders
        self._matched: dict[str, frozenset[int]] = {}  # the last searches' strings that hold the words

    def __len__(self) -> int:
        return len(self.roster)

    def _matching(self, searched: str) -> frozenset[int]:
        """The numbers of the distinct words strings that hold the searched words: one pass through them all."""
        found = self._matched.get(searched)
        if found is None:
            numbers, at = set(), self._texts.find(searched)
            while at >= 0:
                number = bisect_right(self._text_starts, at) - 1
                numbers.add(number)
                after = self._text_starts[number + 1] if number + 1 < len(self._text_starts) else len(self._texts)
                at = self._texts.find(searched, after)
            found = frozenset(numbers)
            if len(self._matched) >= 256:  # one entry a search: bounded all the same
                self._matched.clear()
            self._matched[searched] = found
        return found

    def patients_holding(self, searched: str, after: Key | None, at_most: int | None = None) -> tuple[Roster, bool]:
        """The patients from the key on whose statements hold the words, at most `at_most` of them, and whether
        that is all of them. No words: no one (the question finds no statement then)."""
        start = self.roster.start(after)
        # Views from the key's patient on, not copies (a string every patient holds is 100,000 of them).
        lists = [memoryview(holders)[bisect_left(holders, start):] for holders in
                 (self._holders[number] for number in self._matching(searched))] if searched else []
        found: list[int] = []
        for position in merge(*lists):  # ascending: each list is
            if found and found[-1] == position:
                continue  # a patient holding several of the strings
            found.append(position)
            if at_most is not None and len(found) == at_most:
                return self.roster.subset(found), False
        return self.roster.subset(found), True

    def statements(self, patient_iris: Sequence[str], searched: str) -> list[dict[str, str]]:
        """These patients' statements whose words hold those searched, each with its patient, as the members of a
        VALUES block of (?node ?_patient_iri) (group_pages.values_block); none when there are none."""
        matching = self._matching(searched) if searched else frozenset()
        found = []
        for patient_iri in patient_iris:
            if not matching or patient_iri not in self._held:
                continue
            for node, number in zip(self._nodes[patient_iri].split("\n"), self._held[patient_iri], strict=True):
                if number in matching:
                    found.append({"node": patient_iri + node if node.startswith("/") else node,
                                  PATIENT_IRI: patient_iri})
        return found


def _under(node: str, patient_iri: str) -> bool:
    """The node's IRI is its patient's followed by a path (kept as that path, starting with '/')."""
    return node.startswith(patient_iri + "/")
