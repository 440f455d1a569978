"""Reading request bodies: capped as they arrive, and decoded as UTF-8 or refused with the reason."""

from fastapi import Request

from api.errors import Refused


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refused as soon as it is known to pass the limit (never read whole into memory)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise Refused("body_too_large", f"the request body has {declared} bytes; the limit is {limit}")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise Refused("body_too_large", f"the request body is larger than the limit of {limit} bytes")
    return bytes(body)


def decode(body: bytes, what: str) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Refused("invalid_encoding", f"{what} is not valid UTF-8 (byte {exc.start})") from None
