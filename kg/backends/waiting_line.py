"""Who gets the next free query worker: the waiting query whose request is due first.

A page of a keyed question asks its pool several times (a chunk of patients, then the next). Each ask queued anew
and the waiters of a `queue.Queue` woke in no kept order (each one's wait times out every tick and starts again),
so under load a request already half answered waited behind requests that came after it: with 50 clients, requests
needing one cheap query waited their whole 10 s (`503 busy` in `salvage-kg loadtest`, #20) while later ones were
served. Served earliest deadline first, a request's later queries go ahead of the requests that came after it, and
requests end in about the order they came; among equal deadlines, the first to wait is served first.
"""

import heapq
import itertools
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

Item = TypeVar("Item")


@dataclass(order=True)
class _Waiter:
    due: float
    arrival: int
    given: threading.Event = field(default_factory=threading.Event, compare=False)
    item: object = field(default=None, compare=False)
    gone: bool = field(default=False, compare=False)


class WaitingLine(Generic[Item]):
    def __init__(self):
        self._lock = threading.Lock()
        self._free: list[Item] = []
        self._waiting: list[_Waiter] = []  # a heap: the waiter due first on top
        self._arrivals = itertools.count()

    def put(self, item: Item) -> None:
        """A free item: handed to the waiter due first, else kept until one asks."""
        with self._lock:
            while self._waiting:
                waiter = heapq.heappop(self._waiting)
                if not waiter.gone:
                    waiter.item = item
                    waiter.given.set()
                    return
            self._free.append(item)

    def take_free(self) -> list[Item]:
        """Every item free now, none left free."""
        with self._lock:
            free, self._free = self._free, []
        return free

    def get(self, due: float, still_waiting: Callable[[], None], tick: float) -> Item:
        """The next free item, for a waiter due at `due` (time.monotonic()). `still_waiting()` is called each
        `tick` seconds while it waits; what it raises ends the wait (a client gone, a limit reached)."""
        with self._lock:
            if self._free:  # nobody waits while an item is free: `put` hands each to the first waiter
                return self._free.pop()
            waiter = _Waiter(due, next(self._arrivals))
            heapq.heappush(self._waiting, waiter)
        while not waiter.given.wait(tick):
            try:
                still_waiting()
            except BaseException:
                with self._lock:
                    waiter.gone = not waiter.given.is_set()
                if not waiter.gone:  # handed one as it gave up: to the next waiter
                    self.put(waiter.item)
                raise
        return waiter.item
