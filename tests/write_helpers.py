"""What the write tests share: the write token's headers and small synthetic cases, one case id per seed."""

import time

from conftest import WRITE_TOKEN

from kg.tools import synth

WRITE = {"Authorization": f"Bearer {WRITE_TOKEN}", "Content-Type": "text/turtle"}


def cohort(seed: int, patients: int = 2) -> bytes:
    return "".join(synth.cohort_turtle(patients=patients, seed=seed)).encode()


def case_id(seed: int) -> str:
    return f"synthetic-cohort-{seed}"


def counted_quads(client) -> int:
    """What /health says the store holds, once counted: a server counts a store on disk aside, after start-up and
    after each write (null meanwhile)."""
    deadline = time.monotonic() + 60
    while (quads := client.get("/health").json()["quads"]) is None:
        assert time.monotonic() < deadline, "the server did not count its quads within a minute"
        time.sleep(0.1)
    return quads
