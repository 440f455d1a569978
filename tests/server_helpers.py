"""Watching a live server from outside: its worker processes' CPU, /health while a request runs, its log."""

import contextlib
import os
import threading
import time
from pathlib import Path

import httpx


def worker_pids(server_pid: int) -> set[int]:
    """The server's child processes (its query workers)."""
    pids = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == server_pid:
                pids.add(int(entry.name))
    return pids


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def workers_replaced(base_url: str, seconds: float = 60) -> None:
    """Wait until the server has started a replacement for every query worker it killed (in the background)."""
    deadline = time.monotonic() + seconds
    while httpx.get(f"{base_url}/health", timeout=5).json()["query_workers_starting"]:
        assert time.monotonic() < deadline, "killed query workers were not replaced"
        time.sleep(0.05)


def worker_cpu(server_pid: int, seconds: float) -> float:
    """CPU seconds the server's workers burn over the next `seconds` (those that exit meanwhile count to then)."""
    before = {}
    for pid in worker_pids(server_pid):
        try:
            before[pid] = cpu_seconds(pid)
        except OSError:
            continue
    time.sleep(seconds)
    burned = 0.0
    for pid, start in before.items():
        with contextlib.suppress(OSError):  # gone: killed or exited
            burned += cpu_seconds(pid) - start
    return burned


def while_health_polled(base_url: str, send):
    """Run send() in a thread while /health is polled; (its result or exception, seconds, /health latencies)."""
    outcome = {}

    def run():
        started = time.monotonic()
        try:
            outcome["result"] = send()
        except Exception as exc:  # the caller decides whether a client-side error was expected
            outcome["result"] = exc
        outcome["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=run)
    thread.start()
    health = []
    with httpx.Client(base_url=base_url, timeout=10) as client:
        while True:  # at least once, however quick the request
            started = time.monotonic()
            status = client.get("/health").status_code
            health.append((status, time.monotonic() - started))
            if not thread.is_alive():
                break
            time.sleep(0.05)
    thread.join()
    return outcome["result"], outcome["seconds"], health


def log_since(server, offset: int) -> str:
    """What the server logged after `offset` bytes (take the offset with log_size before a request)."""
    time.sleep(0.05)  # the log line is written just after the response is sent
    with server.log_path.open("rb") as log:
        log.seek(offset)
        return log.read().decode("utf-8", "replace")


def log_size(server) -> int:
    return server.log_path.stat().st_size
