"""RDF terms from a remote store's SPARQL JSON results, repaired where a store is known to change them.

Virtuoso 7.2 keeps an xsd:duration as a number, not as the literal it was given (openlink/virtuoso-opensource
#936): months when the duration has years or months ("P1Y" answers "12"), seconds otherwise ("P10D" answers
"864000.0"). Both read back here as the canonical xsd:duration the number stands for ("P1Y", "P10D"), the form
Oxigraph gives. A duration with both months and days loses its days inside Virtuoso; `load` checks every typed
literal after upload and refuses such a store (RemoteEngine.check_literals), so what reads back is whole.
"""

import json
import re

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Node

_MONTHS = re.compile(r"^-?\d+$")
_SECONDS = re.compile(r"^-?\d+(\.\d*)?(E[+-]?\d+)?$", re.IGNORECASE)


def _from_months(months: int) -> str:
    sign, months = ("-", -months) if months < 0 else ("", months)
    years, months = divmod(months, 12)
    parts = (f"{years}Y" if years else "") + (f"{months}M" if months else "")
    return f"{sign}P{parts or 'T0S'}"


def _from_seconds(seconds: float) -> str:
    sign, seconds = ("-", -seconds) if seconds < 0 else ("", seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, rest = divmod(rest, 60)
    time = (f"{int(hours)}H" if hours else "") + (f"{int(minutes)}M" if minutes else "")
    if rest:
        time += f"{rest:g}S"
    text = (f"{int(days)}D" if days else "") + (f"T{time}" if time else "")
    return f"{sign}P{text or 'T0S'}"


def duration_text(value: str) -> str:
    """The xsd:duration lexical form of what a store answered: unchanged unless it is a bare number."""
    if _MONTHS.match(value):
        return _from_months(int(value))
    if _SECONDS.match(value):
        return _from_seconds(float(value))
    return value


def from_json(binding: dict) -> Node:
    """One term of a SPARQL 1.1 JSON result (`typed-literal` is what Virtuoso still writes for `literal`)."""
    kind = binding["type"]
    if kind == "uri":
        return URIRef(binding["value"])
    if kind == "bnode":
        return BNode(binding["value"])
    if "xml:lang" in binding:
        return Literal(binding["value"], lang=binding["xml:lang"])
    datatype = binding.get("datatype")
    if datatype == str(XSD.string):
        datatype = None
    value = binding["value"]
    if datatype == str(XSD.duration):
        value = duration_text(value)
    return Literal(value, datatype=URIRef(datatype) if datatype else None)



_DURATION_IRI = str(XSD.duration)


def solutions_in(body: bytes, results_format: ox.QueryResultsFormat) -> bytes:
    """A store's SPARQL JSON SELECT result with every xsd:duration as the duration it stands for, written in the
    client's format by pyoxigraph (Virtuoso's own TSV writes IRIs as quoted strings and drops datatypes)."""
    results = json.loads(body)
    for row in results.get("results", {}).get("bindings", []):
        for cell in row.values():
            if cell.get("datatype") == _DURATION_IRI:
                cell["value"] = duration_text(cell["value"])
    repaired = json.dumps(results).encode()
    if results_format == ox.QueryResultsFormat.JSON:
        return repaired
    return ox.parse_query_results(repaired, format=ox.QueryResultsFormat.JSON).serialize(format=results_format)


def triples_in(body: bytes, rdf_format: ox.RdfFormat) -> bytes:
    """A store's N-Triples CONSTRUCT or DESCRIBE result with every xsd:duration as the duration it stands for,
    written in the client's format (Virtuoso's N-Triples keep its month counts)."""
    triples = []
    for quad in ox.parse(body, format=ox.RdfFormat.N_TRIPLES):
        term = quad.object
        if isinstance(term, ox.Literal) and term.datatype.value == _DURATION_IRI:
            term = ox.Literal(duration_text(term.value), datatype=term.datatype)
        triples.append(ox.Triple(quad.subject, quad.predicate, term))
    return ox.serialize(triples, format=rdf_format)
