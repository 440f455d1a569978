"""Content negotiation: which media types a client accepts, best first (RFC 9110 q-values), and which of ours fits.

The one place it is done: the routes (negotiate) and the query workers and the remote store (choose, on the
client's list carried with the query). Kept over a library on measurement: Starlette has no Accept parser;
Werkzeug's MIMEAccept gives the same choices on our cases but is 2 MB more to install (with MarkupSafe), adds
~170 ms to import (werkzeug.http loads the whole package), and answers None for a request with no Accept header,
which RFC 9110 reads as "anything" - these 40 lines stay.

>>> negotiate("text/csv;q=0.9, application/json", ("application/json", "text/csv"))
'application/json'
>>> negotiate(None, ("application/json", "text/csv")), negotiate("text/*", ("application/json", "text/csv"))
('application/json', 'text/csv')
"""


def accepted(header: str | None) -> tuple[str, ...]:
    """Media types of an Accept header in order of preference; ("*/*",) when there is none."""
    if not header or not header.strip():
        return ("*/*",)
    ranked = []
    for position, part in enumerate(header.split(",")):
        fields = [field.strip() for field in part.split(";")]
        media_type = fields[0].lower()
        if not media_type:
            continue
        quality = 1.0
        for field in fields[1:]:
            key, _, value = field.partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality > 0:
            ranked.append((-quality, position, media_type))
    return tuple(media_type for _, _, media_type in sorted(ranked))


def negotiate(header: str | None, offered: tuple[str, ...]) -> str | None:
    """The offered media type an Accept header prefers; None when it accepts none of them (a 406)."""
    return choose(accepted(header), offered)


def choose(accept: tuple[str, ...], offered: tuple[str, ...]) -> str | None:
    """The first offered media type the client accepts (offered[0] for wildcards); None if none fits."""
    for media_type in accept:
        if media_type in offered:
            return media_type
        family, _, sub = media_type.partition("/")
        if sub == "*":
            for candidate in offered:
                if family == "*" or candidate.startswith(family + "/"):
                    return candidate
    return None
