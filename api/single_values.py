"""Refuse a query parameter given twice where the route takes one value (FastAPI would quietly keep the last).

Routes whose parameters repeat by design (prior=, default-graph-uri=) declare them as lists and are left alone.
"""

from collections import Counter
from typing import get_origin

from fastapi import Request

from api.errors import Refused

_SEQUENCES = (list, tuple, set, frozenset)


def refuse_repeats(request: Request) -> None:
    route = request.scope.get("route")
    dependant = getattr(route, "dependant", None)
    if dependant is None:
        return
    counts = Counter(key for key, _ in request.query_params.multi_items())
    for param in dependant.query_params:
        name = param.alias
        if counts[name] > 1 and get_origin(param.field_info.annotation) not in _SEQUENCES:
            raise Refused("invalid_parameter", f"parameter {name}: give it once, not {counts[name]} times")
