"""ASK answers from a remote store, read whatever shape the store writes them in, and written back as SPARQL says.

Virtuoso 7.2 answers an ASK with a one-column table (`__ASK_RETVAL`: one row holding 1 for true, no row for false)
in both the JSON and the XML result formats, where SPARQL 1.1 wants a boolean result. A client of our /sparql, and
RemoteEngine.ask, get the boolean the store meant.
"""

import json
from xml.etree import ElementTree

from kg.errors import SalvageKgError

RESULTS_NS = "{http://www.w3.org/2005/sparql-results#}"
_VIRTUOSO_COLUMN = "__ASK_RETVAL"


class NotABoolean(SalvageKgError, ValueError):
    """The store's answer to an ASK is neither a boolean result nor Virtuoso's one-column table."""

    kinds = ("store_altered",)  # the store answered, but not in a form SPARQL allows: a gateway's failure


def boolean_from_json(body: dict) -> bool:
    if isinstance(body.get("boolean"), bool):
        return body["boolean"]
    if body.get("head", {}).get("vars") == [_VIRTUOSO_COLUMN]:
        rows = body.get("results", {}).get("bindings", [])
        return any(row.get(_VIRTUOSO_COLUMN, {}).get("value") not in (None, "0") for row in rows)
    raise NotABoolean("the store's answer to an ASK query is not a boolean result")


def _boolean_from_xml(body: bytes) -> bool:
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError as exc:
        raise NotABoolean(f"the store's answer to an ASK query is not XML: {exc}") from None
    found = root.find(RESULTS_NS + "boolean")
    if found is not None and found.text in ("true", "false"):
        return found.text == "true"
    columns = [variable.get("name") for variable in root.iter(RESULTS_NS + "variable")]
    if columns == [_VIRTUOSO_COLUMN]:
        values = [literal.text for literal in root.iter(RESULTS_NS + "literal")]
        return any(value not in (None, "0") for value in values)
    raise NotABoolean("the store's answer to an ASK query is not a boolean result")


def boolean_result(media_type: str, body: bytes) -> bytes:
    """The store's answer to an ASK, rewritten as the SPARQL 1.1 boolean result of the same media type."""
    if media_type.endswith("json"):
        try:
            value = boolean_from_json(json.loads(body))
        except ValueError as exc:
            raise NotABoolean(str(exc) if isinstance(exc, NotABoolean) else
                              "the store's answer to an ASK query is not JSON") from None
        return json.dumps({"head": {}, "boolean": value}).encode()
    value = _boolean_from_xml(body)
    return (f'<?xml version="1.0"?>\n<sparql xmlns="{RESULTS_NS[1:-1]}"><head/>'
            f"<boolean>{'true' if value else 'false'}</boolean></sparql>\n").encode()
