"""What a read-only public endpoint refuses before a query reaches a worker: updates, federation, deep nesting.

A light scan, not a parser: strings, IRIs and comments are blanked first so that a keyword inside a literal
("SERVICE desk") does not trip it; the real parse happens in the worker.
"""

import re

_BLANK = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""'
    r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"(?:[^"\\\n]|\\.)*"'
    r"|'(?:[^'\\\n]|\\.)*'"
    r"|<[^<>\"{}|^`\\\s]*>"
    r"|#[^\n]*",
)
_PROLOGUE = re.compile(r"^\s*(?:(?:PREFIX\s+[^\s:]*:\s*|BASE\s*)<>\s*)*", re.IGNORECASE)
_UPDATE = re.compile(r"^\s*(INSERT|DELETE|LOAD|CLEAR|DROP|CREATE|ADD|MOVE|COPY|WITH)\b", re.IGNORECASE)
_SERVICE = re.compile(r"\bSERVICE\b", re.IGNORECASE)
_NOT_BRACKET = re.compile(r"[^(){}\[\]]+")

# The worker's parser recurses once per level: a few thousand nested groups overflow its stack and kill it. Real
# queries nest a handful of levels; 200 leaves room for generated ones.
MAX_NESTING = 200


def _skeleton(text: str) -> str:
    return _BLANK.sub(lambda match: "<>" if match.group(0).startswith("<") else " ", text)


def is_update(text: str) -> bool:
    body = _PROLOGUE.sub("", _skeleton(text), count=1)
    return bool(_UPDATE.match(body)) or bool(re.search(r";\s*(INSERT|DELETE|LOAD|CLEAR|DROP|CREATE)\b",
                                                          body, re.IGNORECASE))


def uses_service(text: str) -> bool:
    return bool(_SERVICE.search(_skeleton(text)))


def nesting_depth(text: str) -> int:
    """The deepest nesting of (), {} and [] outside strings, IRIs and comments.

    >>> nesting_depth('SELECT * { { ?s ?p "((((" } FILTER((1)) }')
    3
    """
    depth = deepest = 0
    for bracket in _NOT_BRACKET.sub("", _skeleton(text)):
        if bracket in "({[":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest
