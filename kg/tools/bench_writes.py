"""How a store written case by case holds up: size on disk and the next `ask --store` after ten `add-case` runs.

    python -m kg.tools.bench_writes --patients 1000 --runs 10

A store of the bundled cases is written with `salvage-kg build --store`, then `runs` synthetic cohorts (each its
own case of patients/runs patients, seeds 1..runs) are added one `salvage-kg add-case --store` at a time, as a
curator would. After the last one: the store's size on disk, the wall time of `salvage-kg ask patient-timeline
patient=pbc-2021 --store` (a fresh process: start-up, opening the store, one question) and of the open alone.
Every step runs the command in its own process, so nothing is warm that a user's run would not have warm.
Not part of the test suite (about a minute per 1,000 patients on two shared cores).
"""

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from kg.tools import synth

EXE = [sys.executable, "-m", "kg.cli.main"]
OPEN = "import sys, pyoxigraph; pyoxigraph.Store.read_only(sys.argv[1])"


def size_mb(directory: Path) -> float:
    return sum(path.stat().st_size for path in directory.rglob("*") if path.is_file()) / 1e6


def timed(command: list[str]) -> float:
    return timed_with_output(command)[0]


def timed_with_output(command: list[str]) -> tuple[float, str]:
    """Wall time of a command in its own process, and what it said on stderr."""
    started = time.monotonic()
    done = subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    return time.monotonic() - started, done.stderr


def flush_s(stderr: str) -> float | None:
    """The seconds add-case reports for flushing the store ('flushed (0.2 s)'; until #20 it also merged every
    sorted file, 7-10 s at 10,000 patients)."""
    found = re.search(r"flushed \(([0-9.]+) s\)", stderr)
    return float(found.group(1)) if found else None


def run(patients: int, runs: int, work: Path, say=print) -> dict:
    store = work / "store"
    timed([*EXE, "build", "--out", str(work / "out"), "--store", str(store)])
    say(f"store of the bundled cases: {size_mb(store):.1f} MB")
    writes = []
    for seed in range(1, runs + 1):
        case = work / f"synthetic-cohort-{seed}.ttl"
        case.write_text("".join(synth.cohort_turtle(patients // runs, seed)), encoding="utf-8")
        took, said = timed_with_output([*EXE, "add-case", str(case), "--store", str(store)])
        writes.append(took)
        say(f"add-case {seed}/{runs} ({patients // runs} patients): {took:.1f} s (of which flush "
            f"{flush_s(said)} s), store {size_mb(store):.1f} MB")
    result = {
        "patients": patients // runs * runs,
        "add_case_runs": runs,
        "add_case_s_max": round(max(writes), 1),
        "store_mb": round(size_mb(store), 1),
        "open_s": round(timed([sys.executable, "-c", OPEN, str(store)]), 2),
        "ask_s": round(timed([*EXE, "ask", "patient-timeline", "patient=pbc-2021", "--store", str(store)]), 2),
    }
    say(f"after {runs} add-case runs at {result['patients']:,} synthetic patients: store {result['store_mb']} MB; "
        f"`ask --store` {result['ask_s']} s (opening the store alone {result['open_s']} s)")
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--patients", type=int, default=1000, help="synthetic patients in all (default 1000)")
    parser.add_argument("--runs", type=int, default=10, help="add-case runs they are split into (default 10)")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="salvage-kg-bench-writes-"))
    try:
        run(args.patients, args.runs, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
