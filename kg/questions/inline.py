"""Write a parameter's graph term into the query text, where the engine plans it as a constant.

pyoxigraph's `substitutions` bind a variable for the whole evaluation but are not planned as constants: an index
lookup on the patient becomes a scan of every patient, joined afterwards (#20: transplant-details 4.7x,
remission-durations 3.1x, antigen-status-at-relapse 45x slower than the same query with the IRI written in).

What may be written is only a term the graph itself holds, already matched from what a person typed
(kg.questions.parameters): an IRI, in its canonical N-Triples form `<...>`, refused if it holds any character an
IRIREF may not. Never the person's string. The occurrences of the variable are found on the PARSED query
(tree-sitter's SPARQL grammar, as kg.backends.sparql_guard reads it), by position, never by a text pattern, and
each is replaced by what means the same at its place:

- in a SELECT's projection, `?x` becomes `(<iri> AS ?x)`: the column stays, with the same value in every row;
  in a subquery's projection it is dropped (the outer query has the constant);
- in GROUP BY and ORDER BY, `(<iri>)` (a bare IRI is not a condition there);
- anywhere else (triple patterns, expressions), `<iri>`.

Where the constant would not mean what the bound variable meant, the query is left as it is and the value goes to
the engine as before (a substitution): the variable assigned (BIND ... AS, VALUES, `expr AS ?x`), tested with
BOUND, inside MINUS (whose shared-variable rule would change), under `SELECT *`, or inside a subquery that does
not project it (there it is another variable). A query the grammar does not read whole is not touched either.
"""

import re
from collections.abc import Mapping
from functools import lru_cache

from rdflib import URIRef
from rdflib.term import Node

from kg.backends.sparql_guard import as_the_grammar_reads_it, nodes, parser

_IRIREF = re.compile(r'^[^\x00-\x20<>"{}|^`\\]+$')  # SPARQL's IRIREF, without the brackets
_PROJECTION, _DROPPED, _CONDITION, _TERM = "projection", "dropped", "condition", "term"


def written(term: Node) -> str | None:
    """The canonical N-Triples form of an IRI that may be written into a query; None for anything else."""
    if isinstance(term, URIRef) and _IRIREF.match(str(term)):
        return f"<{term}>"
    return None


def projected_by(select_clause) -> list[str]:
    """The variables a SELECT clause projects, as themselves (`?x`) or as `(... AS ?x)`."""
    return [child.text.decode()[1:] for child in select_clause.children if child.type == "var"]


def _place(node, name: str) -> str | None:
    """How one occurrence of the variable is replaced, or None when the query is to be left alone."""
    parent = node.parent
    previous = node.prev_sibling
    if previous is not None and not previous.is_named and previous.text.decode().upper() == "AS":
        return None  # assigned: BIND(... AS ?x) or (... AS ?x)
    if parent.type in ("data_block", "inline_data"):
        return None  # a VALUES variable
    if parent.type == "build_in_function" and parent.children[0].text.decode().upper() == "BOUND":
        return None
    place = {"select_clause": _PROJECTION, "group_condition": _CONDITION, "order_condition": _CONDITION}
    found = place.get(parent.type, _TERM)
    if found == _PROJECTION and parent.parent.type == "sub_select":
        # A subquery's column would bind the variable again where the outer query projects the constant (an
        # error): it is dropped, the constant being written everywhere else. A subquery needs one column left.
        if len(projected_by(parent)) < 2:
            return None
        found = _DROPPED
    ancestor = parent
    while ancestor is not None:
        if ancestor.type == "minus_graph_pattern":
            return None
        if ancestor.type == "sub_select":
            clause = ancestor.child_by_field_name("select_clause") or next(
                child for child in ancestor.children if child.type == "select_clause")
            if name not in projected_by(clause):
                return None  # another variable of the same name, scoped inside the subquery
        ancestor = ancestor.parent
    return found


@lru_cache(maxsize=512)
def _occurrences(text: str, names: frozenset[str]) -> tuple[tuple[int, int, str, str], ...] | None:
    """(start byte, end byte, variable, place) of every occurrence of the variables, or None: leave it alone."""
    tree = parser().parse(as_the_grammar_reads_it(text).encode("utf-8"))
    root = tree.root_node
    if root.has_error:
        return None
    found = []
    for node in nodes(root):
        if node.type == "select_clause" and any(not child.is_named and child.text == b"*" for child in node.children):
            return None  # SELECT *: a variable written as a constant would drop out of the answer
        if node.type != "var" or node.text.decode()[1:] not in names:
            continue
        place = _place(node, node.text.decode()[1:])
        if place is None:
            return None
        found.append((node.start_byte, node.end_byte, node.text.decode()[1:], place))
    return tuple(found)


def inline(text: str, bindings: Mapping[str, Node], names) -> tuple[str, dict[str, Node]]:
    """The query with the bindings of `names` (graph terms) written in, and the bindings still to be passed to the
    engine. Everything is passed on untouched where a term cannot be written or the query's shape is not simple."""
    terms = {name: written(bindings[name]) for name in names if name in bindings}
    terms = {name: term for name, term in terms.items() if term is not None}
    if not terms:
        return text, dict(bindings)
    occurrences = _occurrences(text, frozenset(terms))
    if not occurrences:
        return text, dict(bindings)
    data = text.encode("utf-8")
    parts, last = [], 0
    for start, end, name, place in occurrences:
        term = terms[name]
        replacement = {_PROJECTION: f"({term} AS ?{name})", _DROPPED: "", _CONDITION: f"({term})", _TERM: term}[place]
        parts += [data[last:start], replacement.encode("utf-8")]
        last = end
    parts.append(data[last:])
    rest = {name: value for name, value in bindings.items() if name not in terms}
    return b"".join(parts).decode("utf-8"), rest
