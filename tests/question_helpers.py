"""What tests of the named questions share."""

from kg.knowledge_graph import KnowledgeGraph
from kg.questions.catalogue import catalogue
from kg.questions.pages import Key, Page


def examples(name: str) -> dict[str, str]:
    """The question's required parameters, as its header's examples give them."""
    return catalogue()[name].examples


def walk(graph: KnowledgeGraph, name: str, limit: int, **params) -> tuple[list[dict], list[Key]]:
    """Every page from the first, each asked for after the key the one before gave: the rows, and the keys."""
    rows, keys, after = [], [], None
    while True:
        answer = graph.ask(name, page=Page(limit=limit, after=after), **params)
        assert len(answer.rows) == limit or answer.page["next"] is None
        assert answer.page["limit"] == limit and answer.page["after"] == after
        rows += answer.rows
        after = answer.page["next"]
        if after is None:
            return rows, keys
        keys.append(Key.read(after))


class CountingEngine:
    """The graph's engine, counting the queries a page asks and keeping every text and row it hands back."""

    def __init__(self, engine):
        self.engine, self.name, self.queries, self.rows, self.texts = engine, engine.name, 0, [], []

    def select(self, text, bindings=None):
        self.queries += 1
        self.texts.append(text)
        columns, rows = self.engine.select(text, bindings)
        self.rows += rows
        return columns, rows
