"""Refuse a URL that is not valid UTF-8 once percent-decoded, before any route sees it.

Starlette turns such bytes into U+FFFD, so a route would answer about a value the client never sent ("no patient
'\ufffd'"); the client is told instead which part of its URL is wrong.
"""

from urllib.parse import unquote_to_bytes

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from api.errors import problem


def _invalid_part(scope: Scope) -> str | None:
    for part, raw in (("path", scope.get("raw_path") or b""), ("query string", scope.get("query_string") or b"")):
        try:
            unquote_to_bytes(raw.replace(b"+", b" ")).decode("utf-8")
        except UnicodeDecodeError as exc:
            return f"the {part} is not valid UTF-8 once percent-decoded (byte {exc.start})"
    return None


class RequireUtf8:
    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        reason = _invalid_part(scope) if scope["type"] == "http" else None
        if reason is None:
            await self.app(scope, receive, send)
            return
        await problem(Request(scope), 400, "invalid_encoding", reason)(scope, receive, send)
