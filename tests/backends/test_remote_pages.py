"""Pages by key on a remote store (#20): the VALUES block of patients written at the top of a question's WHERE
restricts it on Oxigraph server and on Virtuoso 7.2 as it does in the embedded store (Virtuoso once lost rows to a
VALUES block of parameters there: README, remote stores), so walking the keys gives the whole answer, in order."""

import pytest
from question_helpers import examples
from virtuoso_helpers import virtuoso, virtuoso_loaded  # noqa: F401 - fixtures

from kg.backends.remote import RemoteEngine
from kg.knowledge_graph import KnowledgeGraph
from kg.questions.catalogue import catalogue, read_header
from kg.questions.pages import Page

STORES = ("oxigraph", "virtuoso")


def keyed_on(store: str) -> list[str]:
    """The keyed questions a store answers (a question may declare a store it is refused on)."""
    return sorted(
        name
        for name, question in catalogue().items()
        if question.keyed_by and store not in (read_header(question.text).get("refused-on") or {})
    )


def walk(graph: KnowledgeGraph, name: str, limit: int) -> list[dict]:
    rows, after = [], None
    while True:
        answer = graph.ask(name, page=Page(limit=limit, after=after), **examples(name))
        rows += answer.rows
        after = answer.page["next"]
        if after is None:
            return rows


@pytest.fixture(scope="module")
def stores(remote_graph, virtuoso_loaded):  # noqa: F811 - fixture imported above
    return {
        "oxigraph": remote_graph,
        "virtuoso": KnowledgeGraph(None, RemoteEngine(virtuoso_loaded.sparql_url, timeout=120)),
    }


@pytest.mark.parametrize("store, name", [(store, name) for store in STORES for name in keyed_on(store)])
def test_walking_the_keys_on_a_remote_store_gives_the_whole_answer(graph, stores, store, name):
    whole = list(graph.ask(name, **examples(name)).rows)
    assert whole
    assert walk(stores[store], name, 3) == whole
