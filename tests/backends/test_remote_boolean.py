"""ASK answers from a remote store: Virtuoso 7.2 writes them as a one-column table (`__ASK_RETVAL`), in JSON and
XML alike; /sparql and RemoteEngine.ask read the boolean it means (the W3C protocol suite's ASK cases failed over
Virtuoso with KeyError 'boolean', and a named ASK would have been a 500)."""

import json

import pytest

from kg.backends.remote_boolean import NotABoolean, boolean_from_json, boolean_result

VIRTUOSO_JSON = {
    True: b'{ "head": { "link": [], "vars": ["__ASK_RETVAL"] }, "results": { "distinct": false, "ordered": true, '
          b'"bindings": [ { "__ASK_RETVAL": { "type": "typed-literal", '
          b'"datatype": "http://www.w3.org/2001/XMLSchema#integer", "value": "1" }} ] } }',
    False: b'{ "head": { "link": [], "vars": ["__ASK_RETVAL"] }, "results": { "distinct": false, '
           b'"ordered": true, "bindings": [ ] } }',
}
VIRTUOSO_XML = {
    True: b'<sparql xmlns="http://www.w3.org/2005/sparql-results#"><head><variable name="__ASK_RETVAL"/></head>'
          b'<results distinct="false" ordered="true"><result><binding name="__ASK_RETVAL"><literal '
          b'datatype="http://www.w3.org/2001/XMLSchema#integer">1</literal></binding></result></results></sparql>',
    False: b'<sparql xmlns="http://www.w3.org/2005/sparql-results#"><head><variable name="__ASK_RETVAL"/></head>'
           b'<results distinct="false" ordered="true"></results></sparql>',
}


@pytest.mark.parametrize("meant", [True, False])
def test_virtuoso_ask_answered_as_a_table_reads_as_a_boolean(meant):
    assert boolean_from_json(json.loads(VIRTUOSO_JSON[meant])) is meant
    assert json.loads(boolean_result("application/sparql-results+json", VIRTUOSO_JSON[meant])) == \
        {"head": {}, "boolean": meant}
    rewritten = boolean_result("application/sparql-results+xml", VIRTUOSO_XML[meant]).decode()
    assert f"<boolean>{'true' if meant else 'false'}</boolean>" in rewritten and "__ASK_RETVAL" not in rewritten


@pytest.mark.parametrize("meant", [True, False])
def test_a_standard_boolean_result_is_kept(meant):
    standard = json.dumps({"head": {}, "boolean": meant}).encode()
    assert json.loads(boolean_result("application/sparql-results+json", standard))["boolean"] is meant
    xml = boolean_result("application/sparql-results+xml", boolean_result("application/sparql-results+xml",
                                                                          VIRTUOSO_XML[meant]))
    assert f"<boolean>{'true' if meant else 'false'}</boolean>".encode() in xml


@pytest.mark.parametrize("media_type, body", [
    ("application/sparql-results+json", b'{"head": {"vars": ["x"]}, "results": {"bindings": []}}'),
    ("application/sparql-results+json", b"<html>an error page</html>"),
    ("application/sparql-results+xml", b"<html>an error page"),
])
def test_an_answer_that_is_no_boolean_is_refused_with_the_reason(media_type, body):
    with pytest.raises(NotABoolean, match="ASK"):
        boolean_result(media_type, body)
