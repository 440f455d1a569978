"""Pages by key on a remote store (#20): the VALUES block of patients written at the top of a question's WHERE
restricts it on Oxigraph server and on Virtuoso 7.2 as it does in the embedded store (Virtuoso once lost rows to a
VALUES block of parameters there: README, remote stores), so walking the keys gives the whole answer, in order."""

import pytest
from question_helpers import examples
from virtuoso_helpers import virtuoso, virtuoso_loaded  # noqa: F401 - fixtures

from kg.backends.remote import RemoteEngine
from kg.knowledge_graph import KnowledgeGraph
from kg.questions.catalogue import catalogue, read_header
from kg.questions.pages import Page, PageError

STORES = ("oxigraph", "virtuoso")


def keyed_on(store: str) -> list[str]:
    """The keyed questions a store answers by key (a question may declare a store it is refused on, or one it is
    paged by OFFSET on)."""
    return sorted(
        name
        for name, question in catalogue().items()
        if question.keyed_by and store not in (read_header(question.text).get("refused-on") or {})
        and store not in (read_header(question.text).get("by-offset-on") or [])
    )


def walk(graph: KnowledgeGraph, name: str, limit: int, params: dict | None = None) -> tuple[list[dict], int]:
    """The rows of every page, from key to key, and how many pages that took; the question's examples unless
    `params` are given."""
    rows, after, pages = [], None, 0
    while True:
        answer = graph.ask(name, examples(name) if params is None else params, page=Page(limit=limit, after=after))
        rows += answer.rows
        pages += 1
        after = answer.page["next"]
        if after is None:
            return rows, pages


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
    # Three pages (two where there are only two rows), not pages of 3 rows: each page is a query the remote store
    # evaluates whole (~5 s on Virtuoso for pathway-steps), and three already put a VALUES block of patients after
    # a key in front of the store, with pages ending inside a patient's rows where a patient has more than a third.
    limit = max(1, -(-len(whole) // 3))
    rows, pages = walk(stores[store], name, limit)
    assert rows == whole
    assert pages == -(-len(whole) // limit) > 1 or len(whole) == 1


@pytest.mark.parametrize("store", STORES)
@pytest.mark.parametrize("therapy", ["CAR-T", "tisagenlecleucel"])
def test_with_a_therapy_given_the_keys_walk_its_groups_on_a_remote_store(graph, stores, store, therapy):
    """The therapies a therapy given matches (queries/internal/therapies-matched.rq: the therapy itself, or an
    agent under it) are read from the store the question runs on: a modality and an agent, each store."""
    whole = list(graph.ask("therapy-warnings", therapy=therapy).rows)
    assert len(whole) > 3
    assert walk(stores[store], "therapy-warnings", 3, {"therapy": therapy})[0] == whole


def test_search_statements_goes_by_offset_on_virtuoso_and_by_key_on_oxigraph_server(graph, stores):
    """Virtuoso 7.2 loses search-statements' rows with a VALUES block in front of it (the form its pages by key
    take): there its pages go by OFFSET, and a key is refused with a reason, not answered short."""
    whole = list(graph.ask("search-statements", text="MRD").rows)
    assert len(whole) >= 16
    assert walk(stores["oxigraph"], "search-statements", 6, {"text": "MRD"})[0] == whole
    over_virtuoso = stores["virtuoso"]
    pages = [over_virtuoso.ask("search-statements", text="MRD", page=Page(limit=6, offset=at)).rows
             for at in range(0, len(whole), 6)]
    assert [row for page in pages for row in page] == whole
    key = graph.ask("search-statements", text="MRD", page=Page(limit=6)).page["next"]
    with pytest.raises(PageError, match="paged with offset on this store"):
        over_virtuoso.ask("search-statements", text="MRD", page=Page(limit=6, after=key))
