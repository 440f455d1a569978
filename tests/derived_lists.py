"""Derived "a|b" lists compared as the sets they stand for: a rule joins them with GROUP_CONCAT, whose order SPARQL
leaves open, so two derivations of the same facts may join them differently (the library sorts them on reading)."""

import pyoxigraph as ox


def as_set(term):
    if isinstance(term, ox.Literal) and "|" in term.value:
        return ox.Literal("|".join(sorted(term.value.split("|"))), datatype=term.datatype)
    return term
