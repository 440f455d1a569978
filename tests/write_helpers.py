"""What the write tests share: the write token's headers and small synthetic cases, one case id per seed."""

from conftest import WRITE_TOKEN

from kg.tools import synth

WRITE = {"Authorization": f"Bearer {WRITE_TOKEN}", "Content-Type": "text/turtle"}


def cohort(seed: int, patients: int = 2) -> bytes:
    return "".join(synth.cohort_turtle(patients=patients, seed=seed)).encode()


def case_id(seed: int) -> str:
    return f"synthetic-cohort-{seed}"
