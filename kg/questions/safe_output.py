"""Answers that are always well-formed and safe to open: XML that parses, CSV that a spreadsheet will not run.

pyoxigraph writes XML as it goes and does not check it: a literal holding a control character (which XML 1.0
cannot carry at all, escaped or not) or a property whose IRI RDF/XML cannot split into a name gives a document no
XML parser accepts. Such an answer is refused with the formats that can carry it, never sent malformed.
A CSV cell that starts with =, +, -, @, a tab or a carriage return is read by spreadsheets as a formula
(`=HYPERLINK(...)`); as OWASP advises, such a cell gets a leading single quote. A cell that is a plain number
(-3, +1.5e2) is left alone: it cannot be a formula, and quoting it would change the data.

>>> neutralise_csv(b'x,y\\r\\n"=HYPERLINK(""http://x"")",-3\\r\\n')
b'x,y\\r\\n"\\'=HYPERLINK(""http://x"")",-3\\r\\n'
>>> well_formed_xml(b"<a>\\x01</a>")
False
"""

import csv
import io
import re
from xml.parsers import expat

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


def neutral_cell(value: str) -> str:
    if value.startswith(_FORMULA_START) and not _NUMBER.match(value):
        return "'" + value
    return value


def neutralise_csv(body: bytes) -> bytes:
    """The same CSV (its own line ends), every cell a spreadsheet would take for a formula neutralised."""
    text = body.decode("utf-8")
    if not any(start in text for start in ("=", "+", "-", "@", "\t")) and "\r" not in text.replace("\r\n", ""):
        return body
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n" if "\r\n" in text else "\n")
    for row in csv.reader(io.StringIO(text, newline="")):
        writer.writerow([neutral_cell(cell) for cell in row])
    return out.getvalue().encode("utf-8")


def well_formed_xml(body: bytes) -> bool:
    parser = expat.ParserCreate(namespace_separator=" ")  # names must be namespace-well-formed too (RDF/XML)
    try:
        parser.Parse(body, True)
    except expat.ExpatError:
        return False
    return True
