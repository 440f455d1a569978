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
from bisect import bisect_right
from collections.abc import Iterable, Sequence

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
    (patient IRI, node, words). Every patient's words are one string, in roster order, each statement's on a line
    of its own (no words hold a new line): a search is one `str.find` from the key's patient on, not a test a
    patient. A node under its patient's IRI (nearly all are) is kept as the rest of its IRI: one string of nodes a
    patient (at 10,000 patients the statements as pairs of strings took 44 MB)."""

    def __init__(self, rows: Iterable[Sequence[str | None]], patients: Roster):
        texts: dict[str, list[str]] = {}
        nodes: dict[str, list[str]] = {}
        for patient_iri, node, text in rows:
            if patient_iri is None or node is None or text is None:
                continue
            if written(URIRef(node)) is None:
                raise ValueError(f"a statement IRI that cannot be written into a query: {node!r}")
            # The rule writes no new line; were there one, a space in its place still holds every words found in
            # the text (words hold no new line), so the index never misses a statement the question finds.
            texts.setdefault(patient_iri, []).append(text.replace("\n", " "))
            nodes.setdefault(patient_iri, []).append(node[len(patient_iri):] if _under(node, patient_iri) else node)
        # The identifiers come from the graph's roster, not from the look-up: joining each statement's patient
        # with its identifier took a third of the read (at 100,000 patients 67-74 s with it, 44-46 s without).
        self.roster = patients.subset([at for at, iris in enumerate(patients.iris) if any(i in texts for i in iris)])
        self._nodes = {iri: "\n".join(found) for iri, found in nodes.items()}
        parts, self._starts, self._spans, at = [], [], {}, 0
        for iris in self.roster.iris:
            self._starts.append(at)
            for iri in (iri for iri in iris if iri in texts):  # one identifier's IRIs: not all need have words
                text = "\n".join(texts.pop(iri))
                self._spans[iri] = (at, at + len(text))
                parts.append(text)
                at += len(text) + 1
        self._words = "\n".join(parts)

    def __len__(self) -> int:
        return len(self.roster)

    def patients_holding(self, searched: str, after: Key | None, at_most: int | None = None) -> tuple[Roster, bool]:
        """The patients from the key on whose statements hold the words, at most `at_most` of them, and whether
        that is all of them. No words: no one (the question finds no statement then)."""
        found, position = [], self.roster.start(after)
        while searched and position < len(self._starts):
            hit = self._words.find(searched, self._starts[position])
            if hit < 0:
                break
            position = bisect_right(self._starts, hit) - 1
            found.append(position)
            if at_most is not None and len(found) == at_most:
                return self.roster.subset(found), False
            position += 1
        return self.roster.subset(found), True

    def statements(self, patient_iris: Sequence[str], searched: str) -> list[dict[str, str]]:
        """These patients' statements whose words hold those searched, each with its patient, as the members of a
        VALUES block of (?node ?_patient_iri) (group_pages.values_block); none when there are none."""
        found = []
        for patient_iri in patient_iris:
            if not searched or patient_iri not in self._spans:
                continue
            start, end = self._spans[patient_iri]
            lines = self._words[start:end].split("\n")
            for node, text in zip(self._nodes[patient_iri].split("\n"), lines, strict=True):
                if searched in text:
                    found.append({"node": patient_iri + node if node.startswith("/") else node,
                                  PATIENT_IRI: patient_iri})
        return found


def _under(node: str, patient_iri: str) -> bool:
    """The node's IRI is its patient's followed by a path (kept as that path, starting with '/')."""
    return node.startswith(patient_iri + "/")
