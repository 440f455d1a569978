"""Pages of an answer: on a large cohort a question's whole answer can run to hundreds of thousands of rows.

A page is a question's query with LIMIT and OFFSET after its ORDER BY, so that pages follow one another in the
question's own order. SPARQL cannot take LIMIT or OFFSET as bound variables; they are written into the text, but
only as whole numbers checked here, never as text a user typed. One row more than asked for is fetched, to know
whether another page follows.

>>> Page(limit=100, offset=200).applied_to("SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s")
'SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s\\nLIMIT 101 OFFSET 200'
"""

from dataclasses import dataclass

DEFAULT_LIMIT = 100  # rows per page over HTTP when none is asked for (grlc's page size)
MAX_LIMIT = 10_000
MAX_OFFSET = 1_000_000_000  # past any cohort; beyond 64 bits the engine's own parser would fail


class PageError(ValueError):
    """A limit or offset that is not a whole number in range."""


@dataclass(frozen=True)
class Page:
    limit: int
    offset: int = 0

    def __post_init__(self):
        for name, value, low, high in (("limit", self.limit, 1, MAX_LIMIT), ("offset", self.offset, 0, MAX_OFFSET)):
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise PageError(f"{name} must be a whole number from {low} to {high:,}; got {value!r}")

    def applied_to(self, text: str) -> str:
        return f"{text.rstrip()}\nLIMIT {self.limit + 1} OFFSET {self.offset}"

    def next_offset(self, rows_fetched: int) -> int | None:
        """Where the next page starts, or None when this one is the last."""
        return self.offset + self.limit if rows_fetched > self.limit else None

    def described(self, rows_fetched: int) -> dict:
        """What an answer says of its page: where it starts, its size, and where the next one starts."""
        return {"offset": self.offset, "limit": self.limit, "next_offset": self.next_offset(rows_fetched)}
