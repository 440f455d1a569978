"""Progress on long work: steps that say nothing themselves are given a heartbeat or a running count."""

import time

from kg.progress import counted, heartbeat


def test_a_heartbeat_speaks_while_the_work_runs_and_stops_with_it():
    said: list[str] = []
    with heartbeat(said.append, "loading cohort.ttl", every=0.02):
        time.sleep(0.3)
    assert said and all(line.startswith("  loading cohort.ttl: ") and line.endswith(" s") for line in said)
    heard = len(said)
    time.sleep(0.1)
    assert len(said) == heard


def test_a_heartbeat_stops_when_the_work_fails():
    said: list[str] = []
    try:
        with heartbeat(said.append, "loading", every=0.01):
            raise ValueError("not valid Turtle")
    except ValueError:
        pass
    heard = len(said)
    time.sleep(0.05)
    assert len(said) == heard


def test_a_count_passes_every_item_through_and_reports_as_it_goes():
    said: list[str] = []
    items = list(range(25))
    assert list(counted(iter(items), said.append, "written", total=25, every=10)) == items
    assert said == ["  written: 10/25", "  written: 20/25"]
