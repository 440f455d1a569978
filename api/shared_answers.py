"""Answers kept where every process of one server finds them: a first asking is made once, not once a process.

`serve --workers N` runs N processes over one read-only store; each keeps its own answers in memory
(api/stored_answers.py), so every distinct request was answered N times, each time by a question worker (at
10,000 patients, the loadtest mix's 2,300 distinct requests cost 17 s of question workers a process, and its
p99 was a first asking's wait). Here a process that misses in its own memory looks in a SQLite file the processes
share (a folder of the server's own, made private and removed by `serve`), and an answer made by one is kept there
for the others.

It is a cache, never a source: a failure to read or write it (the file busy, full or gone) is a miss, and the
answer is made as if it were not there. The answers of one version of the graph only are found (the version is in
the key); at most `budget` bytes of answers are held, the oldest dropped first.
"""

import logging
import sqlite3
from pathlib import Path

log = logging.getLogger(__name__)

_SCHEMA = ("CREATE TABLE IF NOT EXISTS answers "
           "(key BLOB PRIMARY KEY, headers BLOB NOT NULL, body BLOB NOT NULL, stored_at REAL NOT NULL)")


def _headers_bytes(headers) -> bytes:
    # A header's name and value never hold a CR or LF (RFC 9110 5.5): one per line, split at the first ": ".
    return b"\r\n".join(name + b": " + value for name, value in headers)


def _headers_of(data: bytes) -> list[tuple[bytes, bytes]]:
    return [tuple(line.split(b": ", 1)) for line in data.split(b"\r\n")] if data else []


class SharedAnswers:
    def __init__(self, path: str | Path, budget: int):
        self.budget = budget
        self._db: sqlite3.Connection | None = None
        try:
            # Asked from one event loop; a lock another process holds is waited for 20 ms, then it is a miss.
            db = sqlite3.connect(str(path), timeout=0.02, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")  # readers go on while another process writes
            db.execute("PRAGMA synchronous=OFF")  # a cache: nothing is lost that cannot be made again
            db.execute(_SCHEMA)
            self._page = db.execute("PRAGMA page_size").fetchone()[0]
        except sqlite3.Error as exc:
            log.warning("answers are not shared between the server's processes (%s: %s)", path, exc)
            return
        self._db = db

    def get(self, key: bytes) -> tuple[list[tuple[bytes, bytes]], bytes, float] | None:
        """The answer's headers, body and when it was kept (time.monotonic(), one clock for every process)."""
        if self._db is None:
            return None
        try:
            found = self._db.execute("SELECT headers, body, stored_at FROM answers WHERE key = ?", (key,)).fetchone()
        except sqlite3.Error as exc:
            log.debug("shared answers not read: %s", exc)
            return None
        return None if found is None else (_headers_of(found[0]), found[1], found[2])

    def put(self, key: bytes, headers, body: bytes, stored_at: float) -> None:
        if self._db is None:
            return
        try:
            self._db.execute("INSERT OR REPLACE INTO answers VALUES (?, ?, ?, ?)",
                             (key, _headers_bytes(headers), body, stored_at))
            self._trim()
        except sqlite3.Error as exc:
            log.debug("shared answer not kept: %s", exc)

    def pages_used(self) -> int:
        """Bytes of the file's pages in use (not its size: deleted pages stay in it, free for the next answers)."""
        return (self._db.execute("PRAGMA page_count").fetchone()[0]
                - self._db.execute("PRAGMA freelist_count").fetchone()[0]) * self._page

    def _trim(self) -> None:
        if self.pages_used() > self.budget:  # the oldest quarter goes: rowids grow with each answer kept
            self._db.execute("DELETE FROM answers WHERE rowid IN (SELECT rowid FROM answers ORDER BY rowid "
                             "LIMIT MAX(1, (SELECT COUNT(*) FROM answers) / 4))")
