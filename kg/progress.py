"""Progress on long work (synth, build, load, validate, bench): one line at a time through a callback.

Two helpers for steps that say nothing themselves: a heartbeat for a call that runs without the GIL (a bulk load
of a 0.9 GB cohort takes a minute), and a count for a stream of quads consumed by Oxigraph.
"""

import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

Progress = Callable[[str], None]


def quiet(_: str) -> None:
    pass


@contextmanager
def heartbeat(progress: Progress, doing: str, every: float = 10.0):
    """Say every `every` seconds that `doing` is still going on, with the time it has taken so far."""
    done = threading.Event()
    started = time.monotonic()

    def beat() -> None:
        while not done.wait(every):
            progress(f"  {doing}: {time.monotonic() - started:.0f} s")

    thread = threading.Thread(target=beat, daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()


def counted(items: Iterable, progress: Progress, doing: str, total: int, every: int = 1_000_000) -> Iterator:
    """The items unchanged, saying how many have gone by every `every` of them."""
    for number, item in enumerate(items, start=1):
        if number % every == 0:
            progress(f"  {doing}: {number:,}/{total:,}")
        yield item
