"""The "before" of the bench's ">= 20x faster" target (#20): each question's first page as its frozen text (a folder
of .rq files, e.g. tests/questions/baseline) asks it, on the same engine and data as today's text.

At 100,000 patients some frozen texts take minutes for a first page, and one grew past 11.8 GB within a minute
(#20), and a query in pyoxigraph cannot be interrupted. So on a store on disk the frozen texts are asked in a
process of their own, stopped once a text passes `limit_s(today)`: past it, the ratio is at least the limit over
today's time, and the target needs no more. A store in memory (a size not built in parts) is asked here.
"""

import multiprocessing
from contextlib import nullcontext
from pathlib import Path

from kg.questions.catalogue import catalogue
from kg.questions.parameters import resolve
from kg.tools.bench import _shown, _timed
from kg.tools.bench_frozen import frozen_rows

_CONTEXT = multiprocessing.get_context("spawn")
# A frozen page is stopped past this many times today's time (twice the target, so that a stopped one reads as met
# with room to spare), and never before FLOOR_S (a few ms of today's would stop the frozen text at its start-up).
TIMES_TODAY = 40
FLOOR_S = 2.0


def limit_s(today_ms: float, floor_s: float = FLOOR_S) -> float:
    return max(floor_s, TIMES_TODAY * today_ms / 1000)


def times(graph, questions: dict, before: Path, page, repeat: int, today: dict, progress,
          on_disk: Path | None = None, floor_s: float = FLOOR_S, limit: float | None = None) -> dict:
    """{name: (median, p95) or "> N s"} for each question the folder holds; `today` gives each question's own
    (median, p95), from which its limit is set. `on_disk`: the store's directory, asked in a process of its own.
    In this process a text cannot be stopped: one past `limit` seconds is only not asked again (_timed)."""
    frozen = catalogue(before)
    found = {}
    with _Asker(on_disk, repeat) if on_disk else nullcontext() as asker:
        for name in (name for name in questions if name in frozen):
            question, params = frozen[name], questions[name]
            if asker is None:
                found[name] = _timed(lambda q=question, p=params: frozen_rows(graph, q, p, page), repeat, limit)
            else:
                # The text as the engine would run it, written here where the graph's terms are at hand: the
                # process asking it only opens the store.
                text, rest = graph.query_for(question, resolve(question, params, graph.choices))
                found[name] = asker.timed(page.applied_to(text), rest, page.limit, question.lists,
                                          limit_s(today[name][0], floor_s))
            progress(f"before: {name} {_shown(found[name])}")
    return found


class _Asker:
    """A process holding the store open read-only and timing the texts it is sent; killed, and another started,
    when a text passes its limit."""

    def __init__(self, directory: Path, repeat: int):
        self.directory, self.repeat, self.process = directory, repeat, None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._stop()

    def _start(self) -> None:
        self.connection, child = _CONTEXT.Pipe()
        self.process = _CONTEXT.Process(target=_ask, args=(child, str(self.directory), self.repeat), daemon=True)
        self.process.start()
        ready = self.connection.recv()  # the store opened: not part of the first text's time
        assert ready == "ready", ready

    def _stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.join()
            self.process = None

    def timed(self, text: str, bindings, limit: int, lists, seconds: float) -> tuple[float, float] | str:
        if self.process is None:
            self._start()
        self.connection.send((text, bindings, limit, lists, seconds))
        try:
            if self.connection.poll(seconds):  # the first asking done within the limit: the others are timed too
                assert self.connection.recv() == "first"
                return self.connection.recv()
        except EOFError:  # the process ended under the text (an error, or killed for want of memory)
            self._stop()
            return "failed: the process asking it ended"
        self._stop()  # still evaluating: it would take the CPU from whatever is timed next
        return f"> {seconds:g} s"


def _ask(connection, directory: str, repeat: int) -> None:
    import pyoxigraph as ox

    from kg.backends.engines import OxigraphEngine

    engine = OxigraphEngine(ox.Store.read_only(directory))
    connection.send("ready")
    while True:
        connection.send(_time_one(connection, engine, *connection.recv(), repeat))


def _time_one(connection, engine, text, bindings, limit, lists, seconds, repeat):
    from kg.questions.answers import records

    askings = []

    def page():
        # As bench_frozen.frozen_rows reads a page: the rows into Python, cut to the page, as records.
        columns, rows = engine.select(text, bindings)
        answer = records(columns, rows[:limit], lists)
        askings.append(1)
        if len(askings) == 1:
            connection.send("first")  # within the limit, or the asker would not be listening any more
        return answer

    return _timed(page, repeat, seconds)
