"""What a read-only public endpoint refuses before a query reaches a worker: updates, federation, deep nesting.

The check reads the PARSED query, never its text with a pattern: a text scan cannot know that `ex:a\\#` is a
name and not a comment, or that `1SERVICE` is a number followed by a keyword, and both let SERVICE through. The
parser is tree-sitter's SPARQL grammar (C, an explicit stack, linear time: a 100,000-character query parses in
milliseconds however deeply it nests), so hostile input can neither overflow our stack nor take long; the tree is
walked with a cursor, without recursion. Anything the parser does not accept whole is refused, so a construct it
misreads cannot hide a SERVICE: the engine only ever sees text we could read. The query workers also have no
network (kg.backends.query_workers), so SERVICE is refused twice.
"""

import re
import threading
import warnings

import tree_sitter_sparql
from tree_sitter import Language, Parser

from kg.errors import SalvageKgError

# The worker's engine recurses once per level: a few thousand nested groups overflow its stack and kill it. Real
# queries nest a handful of levels; 200 leaves room for generated ones.
MAX_NESTING = 200
# Long flat chains (10,000 `+1`, 9,000 UNION) also overflow the engine, which folds them into one deep tree. The
# project's largest rule has well under 200 of these; 2,000 leaves room for generated queries.
MAX_OPERATIONS = 2_000

_QUERY_FORMS = {"select_query", "construct_query", "describe_query", "ask_query"}
_HEAD = {"prologue", "values_clause", "comment"}  # what may stand beside the query form at the top
_UPDATES = {"load", "clear", "drop", "create", "add", "move", "copy", "insert_data", "delete_data", "delete_where",
            "modify"}
# Each of these makes one step of the engine's evaluation tree.
_OPERATIONS = {"binary_expression", "unary_expression", "binary_path", "path_inverse", "optional_graph_pattern",
               "minus_graph_pattern", "group_or_union_graph_pattern", "group_graph_pattern", "filter", "bind",
               "function_call", "build_in_function", "exists_func", "not_exists_func", "sub_select", "aggregate",
               "UNION"}
_OPEN, _CLOSE = {"(", "{", "["}, {")", "}", "]"}

# tree-sitter's grammar lacks the \u and \U escapes that SPARQL (and Oxigraph) accept in strings and IRIs. Each is
# read as \t plus filler of the same length: like the original, an escape inside a string and an error anywhere
# else, with no quote, bracket or '#' added or taken away, so every token keeps the bounds the engine sees.
_CODEPOINT = re.compile(r"\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8}")


def as_the_grammar_reads_it(text: str) -> str:
    # A '#' comment ends at a carriage return for the engine but only at a line feed for the grammar: a SERVICE
    # after "# x\r" was live to Oxigraph and hidden from this check. Same length, so no token moves.
    text = text.replace("\r", "\n")
    return _CODEPOINT.sub(lambda match: "\\t" + "A" * (len(match.group(0)) - 2), text)


with warnings.catch_warnings():  # the grammar's binding hands its language over as an address, still accepted
    warnings.simplefilter("ignore", DeprecationWarning)
    _LANGUAGE = Language(tree_sitter_sparql.language())
_parsers = threading.local()  # a parser is not to be shared between threads


class Unsafe(SalvageKgError, ValueError):
    """A query refused before it runs: `kind` and the reason."""

    kinds = ("syntax", "read_only", "service_disabled", "too_deeply_nested", "too_complex")

    def __init__(self, kind: str, message: str):
        super().__init__(message, kind)


def parser() -> Parser:
    if not hasattr(_parsers, "parser"):
        _parsers.parser = Parser(_LANGUAGE)
    return _parsers.parser


def nodes(root):
    """Every node of the tree in document order (a cursor walk: no recursion, however deep the tree)."""
    cursor = root.walk()
    while True:
        yield cursor.node
        if cursor.goto_first_child() or cursor.goto_next_sibling():
            continue
        while cursor.goto_parent():
            if cursor.goto_next_sibling():
                break
        else:
            return


def _where(node) -> str:
    line, column = node.start_point
    return f"line {line + 1}, column {column + 1}"


def _first_error(root):
    for node in nodes(root):
        if node.is_error or node.is_missing:
            return node
    return root


def check(text: str) -> None:
    """Refuse (raise Unsafe) an update, SERVICE anywhere, a query the parser does not accept, or one too deep or
    too long a chain for the engine. Call it with text already bounded in length."""
    text = as_the_grammar_reads_it(text)
    tree = parser().parse(text.encode("utf-8"))
    root = tree.root_node
    top = {child.type for child in root.children}
    if top & _UPDATES:
        raise Unsafe("read_only", "this endpoint is read-only: SPARQL Update (and LOAD, CLEAR, DROP...) is "
                                       "not accepted here")
    if root.has_error:
        node = _first_error(root)
        near = text.encode("utf-8")[node.start_byte:node.start_byte + 40].decode("utf-8", "replace")
        raise Unsafe("syntax", f"not a SPARQL 1.1 query: the parser stopped at {_where(node)}, near {near!r}")
    if len(top & _QUERY_FORMS) != 1 or not top <= _QUERY_FORMS | _HEAD:
        raise Unsafe("syntax", "not a SPARQL 1.1 query: send one SELECT, CONSTRUCT, DESCRIBE or ASK")
    depth = deepest = operations = 0
    for node in nodes(root):
        kind = node.type
        if kind == "service_graph_pattern":
            raise Unsafe("service_disabled", "SERVICE (federated query) is disabled: this server makes no "
                                                  f"outbound requests (SERVICE at {_where(node)})")
        if kind in _OPEN and not node.is_named:
            depth += 1
            deepest = max(deepest, depth)
        elif kind in _CLOSE and not node.is_named:
            depth -= 1
        elif kind in _OPERATIONS:
            operations += 1
    if deepest > MAX_NESTING:
        raise Unsafe("too_deeply_nested", f"the query nests (), {{}} or [] {deepest} levels deep; the limit "
                                               f"is {MAX_NESTING}")
    if operations > MAX_OPERATIONS:
        raise Unsafe("too_complex", f"the query has {operations} operators, patterns and functions; the limit "
                                         f"is {MAX_OPERATIONS}: split it or use VALUES")
