"""Where the built graph lives: in memory (the default; nothing to set up) or on disk.

An on-disk store is written once by `salvage-kg build --store DIR` and then opened read-only, so that several
server processes share one copy instead of each holding its own in memory.
"""

import shutil
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox


def write_on_disk(store: ox.Store, directory: Path, progress: Callable[[str], None]) -> Path:
    """Copy a built store to DIRECTORY, replacing what was there only once the copy is complete."""
    directory = Path(directory)
    partial = directory.with_name(directory.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    progress(f"writing {len(store)} quads to {directory}")
    disk = ox.Store(str(partial))
    disk.bulk_extend(store)
    disk.flush()
    del disk  # close RocksDB before the directory is moved
    if directory.exists():
        shutil.rmtree(directory)
    partial.rename(directory)
    return directory


def open_read_only(directory: Path) -> ox.Store:
    """Open a store written by `build --store`; a clear error if there is none."""
    directory = Path(directory)
    if not directory.is_dir():
        raise FileNotFoundError(f"no store at {directory}: write one with `salvage-kg build --store {directory}`")
    return ox.Store.read_only(str(directory))
