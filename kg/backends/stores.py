"""Where the built graph lives: in memory (the default; nothing to set up) or on disk.

An on-disk store is written once by `salvage-kg build --store DIR` and then opened read-only, so that several
server processes share one copy instead of each holding its own in memory. A server that accepts writes opens
it read-write (RocksDB lets one process do that at a time) and gives its query workers snapshots instead.
"""

import shutil
from pathlib import Path

import pyoxigraph as ox

from kg.errors import SalvageKgError
from kg.progress import Progress, counted


def write_on_disk(store: ox.Store, directory: Path, progress: Progress) -> Path:
    """Copy a built store to DIRECTORY, replacing what was there only once the copy is complete."""
    directory = Path(directory)
    partial = directory.with_name(directory.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    total = len(store)
    progress(f"writing {total} quads to {directory}")
    disk = ox.Store(str(partial))
    disk.bulk_extend(counted(store, progress, "written", total))
    progress("compacting the store")
    compact(disk)  # as `build --store` leaves it: the loadtest and the bench time the store people serve
    del disk  # close RocksDB before the directory is moved
    if directory.exists():
        shutil.rmtree(directory)
    partial.rename(directory)
    return directory


def compact(store: ox.Store, *, merge: bool = True) -> None:
    """Write what a commit left in RocksDB's log and memory tables into sorted files, and (`merge`) merge those.
    Unflushed, a commit lives only in the log, which every later open replays (issue 17: a 309 MB log, `ask
    --store` 17 s; measured here: 100 patients' commit, a 17 MB log, read-only open 0.86 s unflushed, 0.02 s
    flushed). Merging rewrites every sorted file (7-10 s a time at 10,000 patients, linear in the store): a build
    does it once; a write only flushes, and RocksDB merges its few new files in the background as it always does
    (issue 20: a write of 5 patients took 12 s at 10,000 patients, 9 s of it merging). Unmerged, the dozens of
    sorted files a bulk load leaves are each looked in by every read: at 10,000 patients a page of
    therapy-warnings took 250-290 ms against 60-75 ms once merged."""
    store.flush()
    if merge:
        store.optimize()


def _existing(directory: Path) -> Path:
    directory = Path(directory)
    if not directory.is_dir():
        raise FileNotFoundError(f"no store at {directory}: write one with `salvage-kg build --store {directory}`")
    if not (directory / "CURRENT").is_file():  # RocksDB's own file: without it Oxigraph would make a new store here
        raise FileNotFoundError(f"{directory} is not a store (an export folder of `build --out`?): write one with "
                                f"`salvage-kg build --store DIR`")
    return directory


def open_read_only(directory: Path) -> ox.Store:
    """Open a store written by `build --store`; a clear error if there is none, or if other rules derived it."""
    directory = _existing(directory)
    return _current(ox.Store.read_only(str(directory)), directory)


class StaleStore(SalvageKgError, ValueError):
    """The store's derived facts were made by other rule texts (an older salvage-kg): it is rebuilt, not served."""

    kinds = ("stale_store",)


def _current(store: ox.Store, directory: Path) -> ox.Store:
    """The store, if today's rules derived its facts (kg.build.rules.stale_rules); else a StaleStore error."""
    from kg.build.rules import stale_rules  # the build layer names the rules

    stale = stale_rules(store)
    if stale:
        raise StaleStore(f"the store at {directory} holds facts derived by other versions of the rules "
                         f"{', '.join(stale)} (an older salvage-kg?): questions would answer from them wrongly. "
                         f"Build it again: `salvage-kg build --store {directory}` with the case files it holds")
    return store


class StoreInUse(SalvageKgError, OSError):
    """Another process (a server started with a write token?) holds the store open for writing."""

    kinds = ("store_in_use",)


def open_writable(directory: Path) -> ox.Store:
    """Open a store written by `build --store` for writing; only one process at a time may."""
    directory = _existing(directory)
    try:
        store = ox.Store(str(directory))
    except OSError as exc:
        if "lock" in str(exc).lower():
            raise StoreInUse(f"the store at {directory} is open for writing in another process (a server "
                             "accepting writes?): send the case there with POST /cases") from None
        raise
    return _current(store, directory)


class Snapshots:
    """Read-only copies of a writable store for the query workers, one per committed state.

    A checkpoint shares the store's files through hard links, so taking one is cheap; each is removed once no
    worker reads it any more.
    """

    def __init__(self, directory: Path):
        self.root = Path(directory).with_name(Path(directory).name + ".snapshots")
        shutil.rmtree(self.root, ignore_errors=True)  # left by a server that was killed
        self.root.mkdir()
        self._taken = 0

    def take(self, store: ox.Store) -> str:
        self._taken += 1
        path = self.root / str(self._taken)
        store.backup(str(path))
        return str(path)

    @staticmethod
    def discard(path: str) -> None:
        shutil.rmtree(path, ignore_errors=True)

    def close(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)
