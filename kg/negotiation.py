"""Content negotiation: which media types a client accepts, best first (RFC 9110 q-values)."""


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
