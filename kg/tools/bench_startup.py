"""How long `salvage-kg serve --store` takes to answer /health, and then its first question that looks up a range.

    python -m kg.tools.bench_startup --patients 10000 [--cache build/load]

The store is the on-disk one `salvage-kg loadtest` builds and keeps (bundled cases plus a synthetic cohort). Not
part of the test suite's pass/fail.
"""

import argparse
import subprocess
import sys
import time
from pathlib import Path

import httpx

from kg.tools.bench import BIN
from kg.tools.loadtest import cached_store
from kg.tools.ports import free_port


def _first_answer(url: str, deadline_s: float = 900) -> httpx.Response:
    deadline = time.monotonic() + deadline_s
    while True:
        try:
            return httpx.get(url, timeout=deadline_s)
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--cache", type=Path, default=Path("build/load"))
    args = parser.parse_args(argv)
    store = cached_store(args.patients, args.seed, args.cache, lambda message: print(message, file=sys.stderr))
    port = free_port()
    started = time.perf_counter()
    server = subprocess.Popen([str(BIN / "salvage-kg"), "serve", "--store", str(store), "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        health = _first_answer(f"http://127.0.0.1:{port}/health")
        print(f"{args.patients} patients, serve --store: /health answered {health.status_code} after "
              f"{time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        first = _first_answer(f"http://127.0.0.1:{port}/questions/therapy-sequence?patient=pbc-2021")
        print(f"  then therapy-sequence for one patient (the patients looked up first): {first.status_code} after "
              f"{time.perf_counter() - started:.1f} s")
    finally:
        server.terminate()
        server.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
