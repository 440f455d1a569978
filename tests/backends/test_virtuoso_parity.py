"""Every named question, with each sample parameter set, on the embedded store, Oxigraph server and Virtuoso.

Data-driven: the questions and their parameter sets come from the queries' own headers, so a question added to
queries/ is covered without a change here. The README's parity table is checked against what this measures
(`SALVAGE_KG_WRITE_PARITY=1` rewrites it).
"""

import os

import pytest
from locations import PROJECT
from virtuoso_helpers import virtuoso, virtuoso_loaded  # noqa: F401 - fixtures

from kg.backends.remote import RemoteEngine, RemoteStoreError
from kg.knowledge_graph import KnowledgeGraph
from kg.questions.catalogue import catalogue, read_header
from kg.questions.parameters import ParameterError, expand

README = PROJECT / "README.md"
TABLE_START, TABLE_END = "<!-- parity table: tests/backends/test_virtuoso_parity.py -->", "<!-- end of parity table -->"
STORES = ("Oxigraph server", "Virtuoso 7.2")


def parameter_sets(question) -> list[dict]:
    """The required parameters' examples; then each optional one added alone; then all of them."""
    required = {p.name: p.example for p in question.params if p.required}
    sets = [required]
    optional = [p for p in question.params if not p.required and p.example]
    sets += [{**required, p.name: p.example} for p in optional]
    if len(optional) > 1:
        sets.append({**required, **{p.name: p.example for p in optional}})
    return sets


RUNS = [(name, params) for name, question in sorted(catalogue().items()) for params in parameter_sets(question)]


def label(params: dict) -> str:
    return " ".join(f"{key}={value}" for key, value in params.items()) or "(none)"


def outcome(graph: KnowledgeGraph, name: str, params: dict):
    """("rows", rows) or ("refused", reason): a store may decline a question it declares it cannot answer."""
    try:
        return "rows", graph.ask(name, params).rows
    except RemoteStoreError as exc:
        return ("refused" if exc.kind == "not_on_this_store" else "failed"), str(exc)
    except ParameterError as exc:
        # One failed cell naming the store's rows for the range, not an error of every test: as when Virtuoso 7.2
        # gave an evidence level's label but not its notation (tests/backends/test_remote_names.py).
        return "failed", f"{exc}; the store's names for that range now: {names_now(graph, exc)}"


def names_now(graph: KnowledgeGraph, refused: ParameterError) -> list:
    question_params = {param.name: param for question in catalogue().values() for param in question.params}
    range_iri = expand(question_params[refused.param].range)
    return sorted((str(row[1]), str(row[2]), str(row[4])) for row in graph._range_rows(range_iri))


@pytest.fixture(scope="module")
def parity(graph, remote_graph, virtuoso_loaded):  # noqa: F811 - fixtures imported above
    stores = {"Oxigraph server": remote_graph,
              "Virtuoso 7.2": KnowledgeGraph(None, RemoteEngine(virtuoso_loaded.sparql_url, timeout=120))}
    found = {}
    for name, params in RUNS:
        expected = outcome(graph, name, params)
        found[name, label(params)] = (expected, {store: outcome(g, name, params) for store, g in stores.items()})
    return found


@pytest.mark.parametrize("store", STORES)
@pytest.mark.parametrize("name, params", RUNS, ids=[f"{n}[{label(p)}]" for n, p in RUNS])
def test_every_question_gives_the_same_rows_on_every_store(parity, store, name, params):
    """The same rows in the same order, or a refusal the question declares for that store: never other rows."""
    expected, got = parity[name, label(params)]
    assert expected[0] == "rows", expected
    if got[store][0] == "refused":
        assert store.split()[0].lower() in (read_header(catalogue()[name].text).get("refused-on") or {})
    else:
        assert got[store] == expected


def table(parity) -> str:
    lines = ["| question | parameters | rows | " + " | ".join(STORES) + " |",
             "|---|---|---|" + "---|" * len(STORES)]
    for (name, params), (expected, got) in sorted(parity.items()):
        cells = []
        for store in STORES:
            kind, value = got[store]
            cells.append("same" if got[store] == expected else
                         f"refused: {value.split(': ', 1)[-1]}" if kind == "refused" else "**differs**")
        lines.append(f"| {name} | {params} | {len(expected[1])} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def test_the_readme_parity_table_is_what_the_stores_answer(parity):
    text = README.read_text(encoding="utf-8")
    measured = f"{TABLE_START}\n{table(parity)}\n{TABLE_END}"
    start, end = text.index(TABLE_START), text.index(TABLE_END) + len(TABLE_END)
    if os.environ.get("SALVAGE_KG_WRITE_PARITY"):
        README.write_text(text[:start] + measured + text[end:], encoding="utf-8")
    assert text[start:end] == measured


# --- a declared refusal is still needed ---------------------------------------------------------------------------
# A question reshaped so that Virtuoso answers it right would otherwise stay refused there for ever: the parity
# test above accepts a declared refusal without asking the store. Here each question refused on Virtuoso is sent
# to it all the same, and at least one of its parameter sets must still come back wrong (other rows, an error, or
# no answer within REFUSAL_CHECK_SECONDS: a question that slow is no answer for the API either).

REFUSAL_CHECK_SECONDS = 20.0
REFUSED_ON_VIRTUOSO = sorted(name for name, question in catalogue().items()
                             if "virtuoso" in (read_header(question.text).get("refused-on") or {}))


class UnrefusingEngine(RemoteEngine):
    """Sends every question, whatever its header declares: to see what the store would answer."""

    def _refuse_if_declared(self, text: str) -> None:
        return None


def still_wrong(expected: list, store: KnowledgeGraph, name: str, params: dict) -> str | None:
    """Why the store's answer is not the expected one, or None when it is the same."""
    try:
        got = store.ask(name, params).rows
    except RemoteStoreError as exc:
        return f"{exc.kind}: {str(exc)[:200]}"
    if got == expected:
        return None
    return f"{len(got)} rows where {len(expected)} are due" if len(got) != len(expected) else "other rows"


@pytest.mark.parametrize("name", REFUSED_ON_VIRTUOSO)
def test_a_question_refused_on_virtuoso_is_still_answered_wrongly_there(graph, virtuoso_loaded, name):  # noqa: F811
    store = KnowledgeGraph(None, UnrefusingEngine(virtuoso_loaded.sparql_url, timeout=REFUSAL_CHECK_SECONDS))
    question = catalogue()[name]
    for params in parameter_sets(question):
        if still_wrong(graph.ask(name, params).rows, store, name, params):
            return
    pytest.fail(f"Virtuoso 7.2 now answers {name} with the same rows for every sample parameter set: remove its "
                "`#+ refused-on: virtuoso:` header")
