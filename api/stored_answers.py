"""Answers kept in memory, so that a GET asked again of an unchanged graph is answered without asking the graph.

Every GET answer of the routes caching.CACHED lists depends only on the graph's version, the URL, the Host it was
asked of (/about names the endpoint's own URL) and the media type asked for (api/caching.py). A served graph is
asked the same first pages again and again (the catalogue's examples, a tool polling a patient), and a first page
of a cohort-wide question costs tens to hundreds of milliseconds of a question worker at 100,000 patients; two
workers serve every client, so fifty clients queued behind them (#20, `salvage-kg loadtest`).

What is kept: whole `200` answers of at most 1/16 of the budget each, the budget in all (`--answer-cache-mb`,
least recently asked dropped first), in each server process; with `serve --workers N`, also in a file the
processes share, so that one process's answer serves the others (api/shared_answers.py). They are kept for one
version of the graph: a write changes the version (api/app.py) and the answers of the version before are dropped,
never shown. An answer made while a write changed the graph is not kept. A client that sends `Cache-Control:
no-cache` or `no-store` gets an answer made anew (RFC 9111 5.2.1); `salvage-kg bench` does, to time the graph and
not this memory. Each answer says which it was in a `Cache-Status` header (RFC 9211): `salvage-kg; hit`, else
`salvage-kg; fwd=miss` or, when the client asked for a fresh one, `fwd=request`.
"""

import time
from collections import OrderedDict
from dataclasses import dataclass

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.caching import CACHED
from api.shared_answers import SharedAnswers

NAME = "salvage-kg"
FRESH = {"no-cache", "no-store"}  # request directives that refuse a kept answer (RFC 9111 5.2.1.4, 5.2.1.5)


@dataclass(frozen=True)
class _Kept:
    headers: tuple[tuple[bytes, bytes], ...]
    body: bytes
    stored_at: float
    size: int  # bytes held: the body, the headers and the key

    @classmethod
    def of(cls, key: tuple, headers, body: bytes, stored_at: float | None = None) -> "_Kept":
        size = len(body) + sum(len(k) + len(v) for k, v in headers) + sum(map(len, key))
        return cls(tuple(headers), body, time.monotonic() if stored_at is None else stored_at, size)


def _directives(value: str) -> set[str]:
    return {part.split("=", 1)[0].strip().lower() for part in value.split(",") if part.strip()}


def _shared_key(key: tuple, version: str) -> bytes:
    # Each part is a URL's, a header's or the version's bytes, none of which holds a NUL.
    return b"\0".join((version.encode(), *key))


def _with_status(headers, status: str) -> list[tuple[bytes, bytes]]:
    return [*headers, (b"cache-status", f"{NAME}; {status}".encode())]


class StoredAnswers:
    def __init__(self, app: ASGIApp, megabytes: int, shared: str | None = None):
        self.app = app
        self.budget = megabytes * 1_000_000
        self.largest = self.budget // 16  # one answer; a /sparql result may be 20 MB
        self._kept: OrderedDict[tuple, _Kept] = OrderedDict()
        self.bytes = 0
        self._version: str | None = None
        # With several server processes: where each finds the answers the others made (api/shared_answers.py).
        self.shared = SharedAnswers(shared, self.budget) if shared and self.budget else None

    def __len__(self) -> int:
        return len(self._kept)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        version = getattr(scope["app"].state, "version", None) if scope["type"] == "http" else None
        if (not self.budget or not version or scope["method"] != "GET"
                or not scope["path"].startswith(CACHED)):
            await self.app(scope, receive, send)
            return
        if version != self._version:  # a write since: what was kept answers a graph that is gone
            self._forget(version)
        headers = Headers(scope=scope)
        asked = _directives(headers.get("cache-control", ""))
        key = (scope.get("scheme", "http").encode(), headers.get("host", "").encode(),
               scope.get("root_path", "").encode(), scope["path"].encode(), scope["query_string"],
               headers.get("accept", "").encode())
        kept = None if asked & FRESH else self._kept.get(key) or self._from_shared(key, version)
        if kept is not None:
            self._kept.move_to_end(key)
            age = str(int(time.monotonic() - kept.stored_at)).encode()
            await send({"type": "http.response.start", "status": 200,
                        "headers": _with_status([*kept.headers, (b"age", age)], "hit")})
            await send({"type": "http.response.body", "body": kept.body})
            return
        await self.app(scope, receive, self._keeping(scope, key, version, asked, send))

    def _keeping(self, scope: Scope, key: tuple, version: str, asked: set[str], send: Send) -> Send:
        """`send`, keeping a whole 200 answer of this version as it goes out."""
        headers: list | None = None  # the answer's, while it may still be kept
        parts: list[bytes] = []
        held = 0
        no_store = "no-store" in asked
        status = "fwd=request" if asked & FRESH else "fwd=miss"

        async def sending(message: Message) -> None:
            nonlocal headers, held
            if message["type"] == "http.response.start":
                if message["status"] == 200 and not no_store:
                    headers = list(message.get("headers", []))
                message = {**message, "headers": _with_status(message.get("headers", []), status)}
            elif message["type"] == "http.response.body" and headers is not None:
                parts.append(message.get("body", b""))
                held += len(parts[-1])
                if held > self.largest:
                    headers = None  # too large to keep: sent, not kept
                    parts.clear()
                elif not message.get("more_body", False) and getattr(scope["app"].state, "version", None) == version:
                    kept = _Kept.of(key, headers, b"".join(parts))
                    self._keep(key, kept)
                    if self.shared is not None:
                        self.shared.put(_shared_key(key, version), kept.headers, kept.body, kept.stored_at)
            await send(message)

        return sending

    def _from_shared(self, key: tuple, version: str) -> _Kept | None:
        """An answer another process of this server made for this version, kept here too from now on."""
        found = self.shared.get(_shared_key(key, version)) if self.shared is not None else None
        if found is None:
            return None
        kept = _Kept.of(key, *found)
        self._keep(key, kept)
        return kept

    def _keep(self, key: tuple, kept: _Kept) -> None:
        if key in self._kept:
            self.bytes -= self._kept.pop(key).size
        if kept.size > self.largest:
            return
        self._kept[key] = kept
        self.bytes += kept.size
        while self.bytes > self.budget:
            self.bytes -= self._kept.popitem(last=False)[1].size

    def _forget(self, version: str) -> None:
        self._kept.clear()
        self.bytes = 0
        self._version = version
