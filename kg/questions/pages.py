"""Pages of an answer: on a large cohort a question's whole answer can run to hundreds of thousands of rows.

A page is a question's query with LIMIT and OFFSET after its ORDER BY, so that pages follow one another in the
question's own order. SPARQL cannot take LIMIT or OFFSET as bound variables; they are written into the text, but
only as whole numbers checked here, never as text a user typed. One row more than asked for is fetched, to know
whether another page follows.

An answer ordered by patient can also be paged by key (`after`): the key names the last patient a page gave and
how many of that patient's rows it has given, so the next page starts there without evaluating the pages before
it (kg.questions.patient_pages). The key is opaque to the client: it is handed back as it was given.

>>> Page(limit=100, offset=200).applied_to("SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s")
'SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s\\nLIMIT 101 OFFSET 200'
"""

import base64
import binascii
import json
import re
from dataclasses import dataclass

from kg.errors import SalvageKgError

DEFAULT_LIMIT = 100  # rows per page over HTTP when none is asked for (grlc's page size)
MAX_LIMIT = 10_000
MAX_OFFSET = 1_000_000_000  # past any cohort; beyond 64 bits the engine's own parser would fail
_KEY_TEXT = re.compile(r"^[A-Za-z0-9_-]+$")  # URL-safe base64, no padding
MAX_KEY = 2_000  # characters of an `after` key: a patient's identifier and a count, well under this


def limited(text: str, rows: int) -> str:
    """The query asking for at most `rows` rows (its own text ends at its ORDER BY, with no LIMIT)."""
    return f"{text.rstrip()}\nLIMIT {int(rows)}"


class PageError(SalvageKgError, ValueError):
    """A limit or offset that is not a whole number in range."""

    kinds = ("invalid_parameter",)


@dataclass(frozen=True)
class Key:
    """Where a page by patient ended: the last patient it gave rows of (their identifier, skos:notation), and how
    many of that patient's rows have been given so far (None: all of them, the next page starts after them).

    >>> Key.read(Key("pbc-2021", 3).written()) == Key("pbc-2021", 3)
    True
    >>> Key.read(Key("pbc-2021", None, ("avoid", "CD19")).written())
    Key(patient='pbc-2021', given=None, group=('avoid', 'CD19'))
    """

    patient: str  # "" within a group's rows of no patient (kg.questions.group_pages)
    given: int | None = None
    group: tuple[str, ...] | None = None  # an answer ordered by groups first: the group's order values

    def written(self) -> str:
        """The key as the client sees it: URL-safe base64 of a small JSON array, without padding."""
        data = [self.patient] if self.given is None else [self.patient, self.given]
        if self.group is not None:
            data = [self.patient, self.given, list(self.group)]
        text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        return base64.urlsafe_b64encode(text.encode("utf-8")).decode("ascii").rstrip("=")

    @classmethod
    def read(cls, text: str) -> "Key":
        """The key a page handed out; anything else is a PageError naming `after` (a 422, never a 500)."""
        problem = "after must be the `next` key a page of this answer gave"
        if not isinstance(text, str) or not 0 < len(text) <= MAX_KEY:
            raise PageError(f"{problem}; got a value of length {len(text) if isinstance(text, str) else 0}")
        if not _KEY_TEXT.match(text):  # the decoder would skip other characters: a key is exactly what was given
            raise PageError(f"{problem}; {text[:40]!r} is not one")
        try:
            data = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode("utf-8"))
        except (binascii.Error, UnicodeDecodeError, ValueError):
            raise PageError(f"{problem}; {text[:40]!r} is not one") from None
        if (
            isinstance(data, list)
            and len(data) in (1, 2, 3)
            and isinstance(data[0], str)
            and (data[0] or len(data) == 3)  # "" only within a group: its rows of no patient (group_pages)
            and (len(data) == 1 or (type(data[1]) is int and 0 < data[1] <= MAX_OFFSET) or
                 (len(data) == 3 and data[1] is None))
            and (len(data) < 3 or (isinstance(data[2], list) and data[2]
                                   and all(isinstance(value, str) for value in data[2])))
        ):
            return cls(data[0], data[1] if len(data) > 1 else None, tuple(data[2]) if len(data) == 3 else None)
        raise PageError(f"{problem}; {text[:40]!r} is not one")


@dataclass(frozen=True)
class Page:
    limit: int
    offset: int = 0
    after: Key | None = None  # a page by key starts after it (an answer ordered by patient); offset stays 0

    def __post_init__(self):
        for name, value, low, high in (("limit", self.limit, 1, MAX_LIMIT), ("offset", self.offset, 0, MAX_OFFSET)):
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise PageError(f"{name} must be a whole number from {low} to {high:,}; got {value!r}")
        if isinstance(self.after, str):  # as a client sent it
            object.__setattr__(self, "after", Key.read(self.after))
        if self.after is not None and self.offset:
            raise PageError("after and offset cannot be combined: give the `next` key alone")

    def applied_to(self, text: str) -> str:
        return f"{text.rstrip()}\nLIMIT {self.limit + 1} OFFSET {self.offset}"

    def next_offset(self, rows_fetched: int) -> int | None:
        """Where the next page starts, or None when this one is the last."""
        return self.offset + self.limit if rows_fetched > self.limit else None

    def described(self, rows_fetched: int, next_key: Key | None = None) -> dict:
        """What an answer says of its page: where it starts, its size, and where the next one starts (as an offset,
        unknown after a key, and as a key for an answer paged by patient)."""
        return {
            "offset": None if self.after else self.offset,
            "limit": self.limit,
            "next_offset": None if self.after else self.next_offset(rows_fetched),
            "after": self.after.written() if self.after else None,
            "next": next_key.written() if next_key else None,
        }
