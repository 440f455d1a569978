"""No update in Virtuoso's dialect gets through salvage-kg's read-only /sparql to a store that would run it.

The store is made as permissive as an operator might leave it (the anonymous /sparql account granted
SPARQL_UPDATE, as `load` without the write account once needed), and shown to run such an update when sent to it
directly; through salvage-kg every form is refused before it reaches the store, and the store is unchanged.
"""

import httpx
import pytest
from virtuoso_helpers import virtuoso, virtuoso_loaded  # noqa: F401 - fixtures

OURS = "https://w3id.org/salvage-kg/graph/vocabulary"
PROBE = "urn:salvage-kg:probe"
TRIPLE = '<urn:salvage-kg:s> <urn:salvage-kg:p> "written through /sparql"'
VIRTUOSO_UPDATES = [
    f"define sql:log-enable 3 INSERT DATA {{ GRAPH <{PROBE}> {{ {TRIPLE} }} }}",
    f"define input:default-graph-uri <{OURS}> INSERT DATA {{ GRAPH <{PROBE}> {{ {TRIPLE} }} }}",
    f"MODIFY GRAPH <{PROBE}> DELETE {{ }} INSERT {{ {TRIPLE} }} WHERE {{ }}",
    f"INSERT IN GRAPH <{PROBE}> {{ {TRIPLE} }}",
    f"INSERT INTO <{PROBE}> {{ {TRIPLE} }}",
    f"DELETE FROM GRAPH <{OURS}> {{ ?s ?p ?o }} WHERE {{ GRAPH <{OURS}> {{ ?s ?p ?o }} }}",
    f"CLEAR GRAPH <{OURS}>",
    f"DROP SILENT GRAPH <{OURS}>",
    f"define sql:log-enable 3 CLEAR GRAPH <{OURS}>",
]
COUNT = (f"SELECT (COUNT(*) AS ?n) WHERE {{ {{ GRAPH <{OURS}> {{ ?s ?p ?o }} }} "
         f"UNION {{ GRAPH <{PROBE}> {{ ?s ?p ?o }} }} }}")


@pytest.fixture(scope="module")
def permissive(virtuoso_loaded):  # noqa: F811
    """The anonymous /sparql account allowed to update, for this module only."""
    virtuoso_loaded.isql('GRANT SPARQL_UPDATE TO "SPARQL";')
    yield virtuoso_loaded
    virtuoso_loaded.isql('REVOKE SPARQL_UPDATE FROM "SPARQL";')


@pytest.fixture(scope="module")
def api(start_server, permissive):
    return start_server("--sparql-endpoint", permissive.sparql_url)


def test_the_store_itself_would_run_them(permissive):
    direct = f"define sql:log-enable 3 INSERT DATA {{ GRAPH <{PROBE}:direct> {{ {TRIPLE} }} }}"
    assert httpx.post(permissive.sparql_url, data={"query": direct}, timeout=60).status_code == 200
    written = permissive.select(f"SELECT ?o WHERE {{ GRAPH <{PROBE}:direct> {{ ?s ?p ?o }} }}")
    assert written == [{"o": "written through /sparql"}]  # so the refusals below are salvage-kg's own
    assert httpx.post(permissive.sparql_url, data={"query": f"CLEAR GRAPH <{PROBE}:direct>"}, timeout=60) \
        .status_code == 200


@pytest.mark.parametrize("send", ["get", "form", "body"])
@pytest.mark.parametrize("update", VIRTUOSO_UPDATES)
def test_virtuoso_dialect_updates_are_refused_before_the_store(api, permissive, update, send):
    before = permissive.select(COUNT)
    if send == "get":
        answer = httpx.get(api.url + "/sparql", params={"query": update}, timeout=60)
    elif send == "form":
        answer = httpx.post(api.url + "/sparql", data={"query": update}, timeout=60)
    else:
        answer = httpx.post(api.url + "/sparql", content=update.encode(),
                            headers={"Content-Type": "application/sparql-query"}, timeout=60)
    assert 400 <= answer.status_code < 500, answer.text
    assert permissive.select(COUNT) == before and int(before[0]["n"]) > 0
