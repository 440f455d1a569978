"""Conditional GETs: answers carry an ETag with the graph's version stamped in, so a client that already holds an
answer is told "304 Not Modified" without the graph being asked again.

Every answer of a GET below depends only on the graph, the URL and the media type asked for. The graph's version
(`stamp`) is taken when the server opens the graph and again after each write, so a write changes every ETag; the
Accept header is folded in because one URL has several representations (JSON, CSV, Turtle). Clients are asked to
revalidate each time (Cache-Control: no-cache): a stale answer is never shown, and an unchanged one costs no query.
"""

import hashlib
import secrets

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kg.about import version

# Routes whose answers are read from the graph; the page, /docs, /health and static files are left alone.
CACHED = ("/questions", "/salvage-options", "/patients", "/pathways", "/cases", "/about", "/.well-known/void",
          "/similar", "/sparql")


_PROCESS_TOKEN = secrets.token_hex(8)


def stamp(state) -> str | None:
    """The graph's version: the software's, what the store holds, and the time of this process's last write (a
    replaced case may leave the counts as they were). Read-only servers started from one store agree on it.
    None for a remote store (serve --sparql-endpoint), which `salvage-kg load` may change without our knowing:
    its answers carry no ETag rather than one that could vouch for a stale answer. While a store on disk is being
    counted (api.app), a stamp of this process's own: no other server or state of the graph shares it."""
    if state.quads is None and not state.counting:  # a remote store's quads are not counted (kg.backends.open)
        return None
    written = state.graph.built_at.isoformat() if state.curator is not None else ""
    # While a store on disk is being counted: this process's own token, which no other state of the graph shares.
    count = f"counting {_PROCESS_TOKEN} {state.described}" if state.counting else str(state.quads)
    text = "\n".join([version(), count, *state.graph_names, written])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def etag(graph_version: str, accept: str | None) -> str:
    representation = hashlib.sha256((accept or "").encode("utf-8")).hexdigest()[:8]
    return f'"{graph_version}-{representation}"'


def _matches(if_none_match: str, tag: str) -> bool:
    # Weak comparison (RFC 9110 13.1.2): W/ prefixes do not matter for If-None-Match.
    tags = {part.strip().removeprefix("W/") for part in if_none_match.split(",")}
    return "*" in tags or tag in tags


class ConditionalGet:
    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        graph_version = getattr(scope["app"].state, "version", None) if scope["type"] == "http" else None
        if not graph_version or scope["method"] not in ("GET", "HEAD") or not scope["path"].startswith(CACHED):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        tag = etag(graph_version, headers.get("accept"))
        validators = {"ETag": tag, "Cache-Control": "no-cache"}
        if _matches(headers.get("if-none-match", ""), tag):
            unchanged = {**validators, "Vary": "Accept"}
            await send({"type": "http.response.start", "status": 304,
                        "headers": [(k.lower().encode(), v.encode()) for k, v in unchanged.items()]})
            await send({"type": "http.response.body", "body": b""})
            return

        async def send_with_tag(message: Message) -> None:
            # Only a full answer is tagged: a refusal or a time-out is not something to keep.
            if message["type"] == "http.response.start" and message["status"] == 200:
                sent = MutableHeaders(scope=message)
                sent.update(validators)
                sent.add_vary_header("Accept")
            await send(message)

        await self.app(scope, receive, send_with_tag)
