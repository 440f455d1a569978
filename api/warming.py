"""The reads a server makes in the background, at start-up and after each write: the store's quad count, the names
each parameter accepts, the patient roster and the groups of a grouped question (minutes at 100,000 patients).

A question asked meanwhile is answered, waiting for or sharing a read under way; `/health` lists the reads still
under way (`warming`), so that a client, a load balancer or `salvage-kg bench` can tell a server still reading from
a slow one (the bench's first questions over HTTP once shared the two cores with these reads).
"""

import threading
from collections import Counter
from collections.abc import Callable


class Warming:
    """Background reads, each listed from the moment it is started until it ends, however it ends."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._under_way: Counter[str] = Counter()  # a write may start a read again before the last one ended

    def start(self, name: str, read: Callable[..., None], *args) -> None:
        with self._lock:  # listed before the thread runs: /health never says ready before the read has begun
            self._under_way[name] += 1

        def run() -> None:
            try:
                read(*args)
            finally:
                with self._lock:
                    self._under_way[name] -= 1
                    if not self._under_way[name]:
                        del self._under_way[name]

        threading.Thread(target=run, daemon=True, name=f"salvage-kg-{name.replace(' ', '-')}").start()

    def names(self) -> list[str]:
        with self._lock:
            return sorted(self._under_way)
