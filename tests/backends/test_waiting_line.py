"""The line for a free query worker (kg.backends.waiting_line): the request due first is served first, and a waiter
that gives up (its client gone, its limit reached) takes nothing with it."""

import threading
import time

import pytest

from kg.backends.waiting_line import WaitingLine


class GaveUp(Exception):
    pass


def _wait_in_line(line: WaitingLine, due: float, served: list, until: threading.Event | None = None):
    def still_waiting():
        if until is not None and until.is_set():
            raise GaveUp

    def wait():
        try:
            served.append((due, line.get(due, still_waiting, 0.01)))
        except GaveUp:
            served.append((due, "gave up"))

    thread = threading.Thread(target=wait)
    thread.start()
    time.sleep(0.05)  # in line before the next one
    return thread


def test_a_free_worker_goes_to_the_waiter_due_first_not_to_the_first_to_wait():
    line, served = WaitingLine(), []
    threads = [_wait_in_line(line, due, served) for due in (30.0, 10.0, 20.0, 10.0)]
    for worker in "abcd":
        line.put(worker)
        time.sleep(0.05)
    for thread in threads:
        thread.join(5)
    assert served == [(10.0, "a"), (10.0, "b"), (20.0, "c"), (30.0, "d")]


def test_a_waiter_that_gives_up_leaves_the_line_and_the_next_worker_goes_on():
    line, served, leave = WaitingLine(), [], threading.Event()
    gone = _wait_in_line(line, 1.0, served, leave)
    stays = _wait_in_line(line, 2.0, served)
    leave.set()
    gone.join(5)
    line.put("a")
    stays.join(5)
    assert served == [(1.0, "gave up"), (2.0, "a")]
    assert line.take_free() == []


def test_a_worker_free_when_asked_is_taken_at_once_and_none_is_lost():
    line = WaitingLine()
    line.put("a")
    assert line.get(5.0, lambda: pytest.fail("waited with a worker free"), 0.01) == "a"
    line.put("b")
    assert line.take_free() == ["b"] and line.take_free() == []
