"""A salvage-kg server for a notebook: the one named in SALVAGE_KG_URL, or one started here in the background.

"Run all" on a fresh install must not stop at the first HTTP cell because nobody started `salvage-kg serve`. With
SALVAGE_KG_URL unset, `base_url()` starts `salvage-kg serve` on a free 127.0.0.1 port, waits until it answers, and
stops it when the kernel exits (and, on Linux, if the kernel is killed). SALVAGE_KG_URL takes the server's base URL
(http://127.0.0.1:8000); a URL ending in /sparql, as earlier versions of the tour wanted, is accepted too.

>>> base_url({"SALVAGE_KG_URL": "http://127.0.0.1:8000/sparql/"})
'http://127.0.0.1:8000'
"""

import atexit
import ctypes
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping

import httpx

from kg.tools.ports import free_port

_started: list["LocalServer"] = []


def _die_with_parent() -> None:
    # Linux: the server gets SIGTERM when the kernel that started it dies, even by SIGKILL (no atexit then).
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class LocalServer:
    """`salvage-kg serve` in a process of its own. Its output goes to a temporary file without a name (nothing is
    left behind, however the kernel ends), read back only to say why the server did not start."""

    def __init__(self, *extra: str):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 - open for the server's whole life
        self.process = subprocess.Popen(
            [sys.executable, "-m", "kg.cli.main", "serve", "--port", str(self.port), *extra],
            stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, preexec_fn=_die_with_parent)

    def _output(self) -> str:
        self.log.seek(0)
        return self.log.read().decode("utf-8", "replace")[-2000:]

    def wait(self, seconds: float = 180.0) -> "LocalServer":
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                log = self._output()
                self.stop()
                raise RuntimeError(f"salvage-kg serve stopped while starting:\n{log}")
            try:
                if httpx.get(self.url + "/health", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.25)
        self.stop()
        raise RuntimeError(f"salvage-kg serve did not answer within {seconds:.0f} s")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()  # uvicorn shuts down cleanly: its workers and temporary files go too
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def _stop_all() -> None:
    while _started:
        _started.pop().stop()


def base_url(environ: Mapping[str, str] = os.environ) -> str:
    """The base URL of a server to ask: SALVAGE_KG_URL, or a local one started now (once per process)."""
    given = environ.get("SALVAGE_KG_URL", "").strip()
    if given:
        return given.rstrip("/").removesuffix("/sparql").rstrip("/")
    if not _started:
        server = LocalServer()
        atexit.register(_stop_all)
        _started.append(server.wait())
    return _started[0].url
