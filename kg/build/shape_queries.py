"""The SHACL shapes compiled to SPARQL and run by Oxigraph over the whole store.

pySHACL walks an rdflib graph node by node: right, but minutes for a thousand synthetic patients. The constraints
ontology/shapes.ttl uses are a small part of SHACL Core (min/max count, datatype, class, numeric ranges, pattern,
sh:or of class/hasValue) plus SHACL-SPARQL; each becomes one query that returns every violating focus node at
once. A constraint outside that part is refused when the shapes are compiled, so nobody adds one that would be
silently skipped. tests/build/test_shapes.py checks that this validator and pySHACL report the same violations.
"""

import os
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, SH

from kg.errors import SalvageKgError
from kg.namespaces import curie, prologue
from kg.progress import Progress

SUPPORTED = {
    SH.path, SH.message, SH.minCount, SH.maxCount, SH.datatype, SH["class"], SH.minInclusive, SH.maxInclusive,
    SH.minExclusive, SH.maxExclusive, SH.pattern, SH["or"],
}
_INSTANCE = "rdf:type/rdfs:subClassOf*"
_PROLOGUE = prologue("rdf", "rdfs")
_COMPARISONS = {SH.minInclusive: ">=", SH.maxInclusive: "<=", SH.minExclusive: ">", SH.maxExclusive: "<"}


class UnsupportedShape(SalvageKgError, ValueError):
    """The shapes use a SHACL feature this validator does not compile."""

    kinds = ("unsupported_shape",)


@dataclass(frozen=True)
class ShapeQuery:
    shape: str  # the node shape's name, as a curator finds it in ontology/shapes.ttl
    path: str | None
    message: str
    text: str  # SELECT ?this [...]: one row per violation


def _term(node) -> str:
    if isinstance(node, URIRef):
        return f"<{node}>"
    if isinstance(node, Literal):
        return node.n3()
    raise UnsupportedShape(f"cannot compile the value {node!r}")


def _condition(shapes: Graph, alternative) -> str:
    """A boolean SPARQL expression that is true when ?value satisfies one sh:or alternative."""
    parts = []
    for predicate, value in shapes.predicate_objects(alternative):
        if predicate == SH["class"]:
            parts.append(f"EXISTS {{ ?value {_INSTANCE} {_term(value)} }}")
        elif predicate == SH.hasValue:
            parts.append(f"sameTerm(?value, {_term(value)})")
        elif predicate == SH.datatype:
            parts.append(f"(isLiteral(?value) && datatype(?value) = {_term(value)})")
        else:
            raise UnsupportedShape(f"sh:or alternative uses {curie(predicate)}")
    return "(" + " && ".join(parts) + ")"


def _property_queries(shapes: Graph, node_shape, target: str, prop) -> list[ShapeQuery]:
    unknown = set(shapes.predicates(prop)) - SUPPORTED
    if unknown:
        raise UnsupportedShape(f"{curie(node_shape)} uses {', '.join(sorted(curie(p) for p in unknown))}")
    path = shapes.value(prop, SH.path)
    if not isinstance(path, URIRef):
        raise UnsupportedShape(f"{curie(node_shape)}: only single-IRI paths are compiled")
    p = _term(path)
    focus = f"?this {_INSTANCE} {target} ."
    values = f"{focus} ?this {p} ?value ."

    def violating(condition: str) -> str:
        """The focus nodes with a value of the path that meets the condition (that breaks the constraint)."""
        return f"SELECT DISTINCT ?this WHERE {{ {values} {condition} }}"

    checks: list[str] = []
    min_count = shapes.value(prop, SH.minCount)
    if min_count is not None:
        if int(min_count) == 1:
            checks.append(f"SELECT DISTINCT ?this WHERE {{ {focus} FILTER NOT EXISTS {{ ?this {p} ?any }} }}")
        else:
            checks.append(f"SELECT ?this WHERE {{ {focus} OPTIONAL {{ ?this {p} ?value }} }} "
                          f"GROUP BY ?this HAVING (COUNT(DISTINCT ?value) < {int(min_count)})")
    max_count = shapes.value(prop, SH.maxCount)
    if max_count is not None:
        checks.append(f"SELECT ?this WHERE {{ {values} }} GROUP BY ?this "
                      f"HAVING (COUNT(DISTINCT ?value) > {int(max_count)})")
    datatype = shapes.value(prop, SH.datatype)
    if datatype is not None:
        checks.append(violating(f"FILTER(!isLiteral(?value) || datatype(?value) != {_term(datatype)})"))
        if str(datatype).startswith("http://www.w3.org/2001/XMLSchema#") and not str(datatype).endswith("string"):
            # A literal of the right datatype whose text is not a valid value ("abc"^^xsd:integer).
            cast = f"<{datatype}>(STR(?value))"
            checks.append(violating(f"FILTER(datatype(?value) = {_term(datatype)}) "
                                    f"BIND({cast} AS ?cast) FILTER(!BOUND(?cast))"))
    cls = shapes.value(prop, SH["class"])
    if cls is not None:
        checks.append(violating(f"FILTER NOT EXISTS {{ ?value {_INSTANCE} {_term(cls)} }}"))
    for predicate, operator in _COMPARISONS.items():
        bound = shapes.value(prop, predicate)
        if bound is not None:
            checks.append(violating(f"FILTER(!COALESCE(?value {operator} {_term(bound)}, false))"))
    pattern = shapes.value(prop, SH.pattern)
    if pattern is not None:
        checks.append(violating(f"FILTER(isBlank(?value) || !REGEX(STR(?value), {Literal(str(pattern)).n3()}))"))
    alternatives = shapes.value(prop, SH["or"])
    if alternatives is not None:
        satisfied = " || ".join(_condition(shapes, alt) for alt in Collection(shapes, alternatives))
        checks.append(violating(f"FILTER(!({satisfied}))"))
    message = str(shapes.value(prop, SH.message) or "does not conform")
    return [ShapeQuery(curie(node_shape), curie(path), message, _PROLOGUE + text) for text in checks]


def _sparql_queries(shapes: Graph, node_shape, target: str) -> list[ShapeQuery]:
    found = []
    for constraint in shapes.objects(node_shape, SH.sparql):
        select = str(shapes.value(constraint, SH.select))
        prefixes = "".join(
            f"PREFIX {shapes.value(declaration, SH.prefix)}: <{shapes.value(declaration, SH.namespace)}>\n"
            for prefix_node in shapes.objects(constraint, SH.prefixes)
            for declaration in shapes.objects(prefix_node, SH.declare)
        )
        # SHACL pre-binds $this to each focus node; here the target pattern binds all of them at once.
        text = select.replace("$this", "?this")
        where = re.search(r"WHERE\s*\{", text, re.IGNORECASE)
        if where is None:
            raise UnsupportedShape(f"{curie(node_shape)}: a SPARQL constraint needs a WHERE clause")
        text = text[: where.end()] + f"\n ?this {_INSTANCE} {target} ." + text[where.end():]
        message = str(shapes.value(constraint, SH.message) or "does not conform")
        found.append(ShapeQuery(curie(node_shape), None, message, _PROLOGUE + prefixes + text))
    return found


@cache
def compile_shapes(shapes: Graph) -> tuple[ShapeQuery, ...]:
    queries = []
    for node_shape in sorted(shapes.subjects(RDF.type, SH.NodeShape), key=str):
        targets = list(shapes.objects(node_shape, SH.targetClass))
        if len(targets) != 1:
            raise UnsupportedShape(f"{curie(node_shape)}: exactly one sh:targetClass is compiled")
        target = _term(targets[0])
        for prop in shapes.objects(node_shape, SH.property):
            queries += _property_queries(shapes, node_shape, target, prop)
        queries += _sparql_queries(shapes, node_shape, target)
    return tuple(queries)


def _describe(store: ox.Store, term) -> str:
    if isinstance(term, ox.NamedNode):
        return curie(term.value)
    if isinstance(term, ox.BlankNode):
        # A dose or timing has no name of its own: name it by the node and property that hold it.
        for quad in store.quads_for_pattern(None, None, term, None):
            return f"the {curie(quad.predicate.value)} of {_describe(store, quad.subject)}"
        return "a blank node"
    # A literal as pySHACL writes it into a message: its lexical form, unquoted ("the numerator 56 is ...").
    return getattr(term, "value", str(term))


def _message(template: str, solution, variables: list[str], store: ox.Store) -> str:
    def fill(match: re.Match) -> str:
        name = match.group(1)
        if name in variables and solution[name] is not None:
            return _describe(store, solution[name])
        return match.group(0)

    return re.sub(r"\{[?$](\w+)\}", fill, template)


def _violations_of(store: ox.Store, query: ShapeQuery) -> set[tuple]:
    solutions = store.query(query.text, use_default_graph_as_union=True)
    variables = [variable.value for variable in solutions.variables]
    return {(_describe(store, solution["this"]), query.shape, query.path,
             _message(query.message, solution, variables, store))
            for solution in solutions}


def violations_in_store(store: ox.Store, shapes: Graph, progress: Progress | None = None):
    """(node, shape, path, message) for every violation in the union of the store's graphs."""
    queries = compile_shapes(shapes)
    found = set()
    # The checks are independent reads, and Oxigraph lets go of the GIL while it evaluates one, so they run on
    # every core: validation takes about half as long on two (the longest part of building a large cohort).
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        for done, violations in enumerate(pool.map(lambda query: _violations_of(store, query), queries), start=1):
            found |= violations
            if progress and (done % 20 == 0 or done == len(queries)):
                progress(f"  {done}/{len(queries)} checks, {len(found)} violation(s)")
    return found
