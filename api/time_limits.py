"""Every read that asks the graph (named questions, /salvage-options, /patients, /pathways, the page) runs under
the server's time limit and stops when its client leaves.

The queries themselves run in the named questions' worker pool (kg.backends.query_workers.PooledEngine), which can kill
one; this middleware gives each request its budget (a deadline and a `cancelled` flag shared by every query the
request makes) and sets the flag when the client disconnects. It wraps any route, whatever library function the
route calls, because the budget travels with the request's context into the thread that runs the route.
"""

import asyncio
import contextlib

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kg.backends.query_workers import BUDGET, Budget

# /sparql has its own limits (its own pool); /health must answer at once, whatever else is running.
UNLIMITED = ("/sparql", "/health", "/docs", "/redoc", "/openapi.json", "/static")


class TimeLimits:
    def __init__(self, app: ASGIApp, seconds: float):
        self.app = app
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (scope["type"] != "http" or scope["method"] not in ("GET", "HEAD")
                or scope["path"].startswith(UNLIMITED)):
            await self.app(scope, receive, send)
            return
        budget = Budget(self.seconds)
        token = BUDGET.set(budget)
        messages: asyncio.Queue[Message] = asyncio.Queue()

        async def watch() -> None:
            # A GET has no body: the only message still to come is the client leaving.
            while True:
                message = await receive()
                await messages.put(message)
                if message["type"] == "http.disconnect":
                    budget.cancelled.set()
                    return

        watcher = asyncio.ensure_future(watch())
        try:
            await self.app(scope, messages.get, send)
        finally:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher
            BUDGET.reset(token)
