"""Blocking work run off the event loop and told to stop when its client goes away (a write, a /sparql query)."""

import asyncio
import threading
from collections.abc import Awaitable, Callable

_LOOK_EVERY = 0.2  # seconds between looks at the connection while the work runs


async def while_connected(request, start: Callable[[threading.Event], Awaitable]):
    """Await `start(cancelled)`, setting `cancelled` once the client has disconnected (and always at the end, also
    when this request itself is cancelled), so that the work stops at its next step instead of running on."""
    cancelled = threading.Event()
    task = asyncio.ensure_future(start(cancelled))
    try:
        while not (await asyncio.wait({task}, timeout=_LOOK_EVERY))[0]:
            if await request.is_disconnected():
                cancelled.set()
        return await task
    finally:
        cancelled.set()
