"""Refuse a parameter given twice where it takes one value (FastAPI would quietly keep the last): the one rule,
for declared routes (refuse_repeats), the generated question routes and the SPARQL protocol's form (the_one).

Routes whose parameters repeat by design (prior=, default-graph-uri=) declare them as lists and are left alone.
"""

from typing import get_origin

from fastapi import Request

from api.errors import Refused

_SEQUENCES = (list, tuple, set, frozenset)


def the_one(name: str, values: list[str], error: str = "invalid_parameter") -> str | None:
    """The one value given for `name` (None when none is); refused when it is given more than once."""
    if len(values) > 1:
        raise Refused(error, f"parameter {name}: give it once, not {len(values)} times")
    return values[0] if values else None


def refuse_repeats(request: Request) -> None:
    route = request.scope.get("route")
    dependant = getattr(route, "dependant", None)
    if dependant is None:
        return
    for param in dependant.query_params:
        if get_origin(param.field_info.annotation) not in _SEQUENCES:
            the_one(param.alias, request.query_params.getlist(param.alias))
