"""Build into the on-disk store one part at a time: the peak memory of a build is one part, not the cohort.

In memory the whole graph costs ~340 bytes a quad (7 GB at 100,000 patients). But a case is self-contained
(kg/build/case_scope.py) and a case rule never joins across patients (kg/build/rules.py), so each case file, or
each part of a cohort written by `salvage-kg synth --per-file N`, can be loaded, derived and validated on its own
scratch store of the shared graphs plus that part (kg/build/case_facts.py), then streamed into the store on disk
(on a thread of its own, while the next part is derived: at the peak, one part's scratch store beside the bulk
loader's buffers for the one before) and dropped. The store ends as `build_store` of the same files would hold
it; it is written beside its final place and moved there only once complete, and compacted, so that every later
open is fast.
"""

import gc
import shutil
import threading
import time
import traceback
from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox

from kg.backends.stores import compact
from kg.build import case_facts, rules, validate
from kg.build.pipeline import load
from kg.build.validate import ValidationError, Violation
from kg.errors import SalvageKgError
from kg.namespaces import ONTOLOGY_GRAPH, STUDIES_GRAPH, VOCABULARY_GRAPH, case_graph
from kg.paths import ONTOLOGY_FILE, VOCABULARY_FILE, study_files
from kg.progress import Progress, heartbeat, quiet

_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
_PATIENT = ox.NamedNode("https://w3id.org/salvage-kg/ontology#Patient")


class PartInvalid(ValidationError):
    """One part of a build does not conform; the message names the part, then each violation."""

    def __init__(self, part: str, violations: list[Violation]):
        super().__init__(violations)
        self.part = part
        self.args = (f"{part}: {self.args[0]}",)


class PartConflict(SalvageKgError, ValueError):
    """A part describes a patient an earlier part already described."""

    kinds = ("conflict",)


def shared_store(check: bool, progress: Progress) -> ox.Store:
    """The ontology, vocabulary and studies, with what the vocabulary rules derive from them; checked alone."""
    store = ox.Store()
    load(store, ONTOLOGY_FILE, ONTOLOGY_GRAPH)
    load(store, VOCABULARY_FILE, VOCABULARY_GRAPH)
    for path in study_files():
        load(store, path, STUDIES_GRAPH)
    rules.derive(store, rules.vocabulary_rules())
    if check:
        found = validate.violations_in_store(store)
        if found:
            raise PartInvalid("ontology, vocabulary and studies", found)
    progress(f"shared graphs: {len(store)} quads")
    return store


def build_on_disk(
    cases: Iterable[Path],
    directory: Path,
    *,
    check: bool = True,
    progress: Progress = quiet,
    timings: dict[str, float] | None = None,
) -> Path:
    """Build the graph of these case files into an on-disk store at `directory`, one file (part) at a time;
    raises PartInvalid naming the first part that does not conform (nothing is left at `directory` then).
    `timings`, when given, gets the seconds spent validating ("validate_s"), deriving ("derive_s"), writing to
    disk ("write_s", partly beside the next part's work) and compacting ("compact_s")."""
    timings = {} if timings is None else timings
    for phase in ("validate_s", "derive_s", "write_s"):
        timings.setdefault(phase, 0.0)
    directory = Path(directory)
    partial = directory.with_name(directory.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    paths = list(cases)
    shared = list(shared_store(check, progress))
    # What the case rules derive from the shared graphs alone (each rule's own description, the studies' notes)
    # comes out of every part again: it is written once.
    alone = case_facts.derived(case_facts.scratch(shared))
    spool = partial.with_name(partial.name + ".nq")  # + ".N": one part's quads on their way to the store
    disk = ox.Store(str(partial))
    writing = _Writer(disk, progress, timings)
    try:
        disk.bulk_extend(shared)
        disk.bulk_extend(ox.Quad(*triple, graph) for graph, triples in alone.items() for triple in triples)
        for number, path in enumerate(paths, start=1):
            part = f"part {number}/{len(paths)} ({path.name})"
            with heartbeat(progress, part):
                scratch, graph = _derive_part(shared, path, part, check, progress, timings)
                writing.wait()  # the earlier parts must be on disk before this one is compared with them
                _check_new(disk, scratch, graph, part)
                spooled = _spool(scratch, spool.with_name(f"{spool.name}.{number}"))
                quads = len(scratch) - len(shared)
                del scratch
                writing.start(spooled, part, quads)
        writing.wait()
        progress("compacting the store")
        started = time.monotonic()
        compact(disk)
        timings["compact_s"] = time.monotonic() - started
    except BaseException as exc:
        writing.wait(raising=False)  # RocksDB is written by that thread until it returns
        # The frames below still hold the store: RocksDB must be closed before its files go, or its background
        # threads write the folder again behind rmtree.
        traceback.clear_frames(exc.__traceback__)
        del disk, writing
        gc.collect()
        shutil.rmtree(partial, ignore_errors=True)
        for leftover in spool.parent.glob(spool.name + ".*"):
            leftover.unlink()
        raise
    del disk, writing  # close RocksDB before the directory is moved
    if directory.exists():
        shutil.rmtree(directory)
    partial.rename(directory)
    progress(f"built into {directory}")
    return directory


def _derive_part(
    shared: list[ox.Quad], path: Path, part: str, check: bool, progress: Progress, timings: dict[str, float]
) -> tuple[ox.Store, ox.NamedNode]:
    """One part on its own scratch store: loaded, its facts derived, checked against the shapes."""
    graph = ox.NamedNode(str(case_graph(path.stem)))
    scratch = ox.Store()
    scratch.bulk_extend(shared)
    progress(f"{part}: loading")
    load(scratch, path, case_graph(path.stem))
    progress(f"{part}: deriving facts")
    started = time.monotonic()
    rules.derive(scratch, rules.case_rules())
    timings["derive_s"] += time.monotonic() - started
    if check:
        progress(f"{part}: validating with SHACL")
        started = time.monotonic()
        found = validate.violations_in_store(scratch)
        timings["validate_s"] += time.monotonic() - started
        if found:
            raise PartInvalid(part, found)
    return scratch, graph


def _check_new(disk: ox.Store, scratch: ox.Store, graph: ox.NamedNode, part: str) -> None:
    # Each part was checked alone: what only the whole graph could show is a patient two parts both describe.
    patients = sorted(quad.subject.value for quad in scratch.quads_for_pattern(None, _TYPE, _PATIENT, graph))
    for patient in patients:
        if any(True for _ in disk.quads_for_pattern(ox.NamedNode(patient), _TYPE, _PATIENT, None)):
            raise PartConflict(f"{part}: {patient} is described by an earlier part too")
    if any(True for _ in disk.quads_for_pattern(None, None, None, graph)):
        raise PartConflict(f"{part}: an earlier part has the same file name, so the same graph {graph.value}")


def _spool(scratch: ox.Store, path: Path) -> Path:
    # Through one N-Quads file, parsed by Oxigraph in one bulk load: handing 2 million quads over as Python objects
    # took 70 s of a 10,000-patient part, and a bulk load per graph wrote RocksDB a set of small sorted files for each
    # of the 14 graphs. The shared graphs and what they alone derive are written again, which changes nothing in a
    # set of quads. The caller lets the scratch store go before the store on disk sorts them (~0.8 GB at 10,000
    # patients that would otherwise sit beside the bulk loader's buffers).
    scratch.dump(str(path), ox.RdfFormat.N_QUADS)
    return path


class _Writer:
    """Writes one part's spooled quads into the store on disk on a thread of its own, while the next part is
    loaded, derived and checked: Oxigraph lets go of the GIL while it loads, so the two run on two cores (writing
    a 10,000-patient part took ~40 s of its ~130 s when they ran one after the other)."""

    def __init__(self, disk: ox.Store, progress: Progress, timings: dict[str, float]):
        self.disk, self.progress, self.timings = disk, progress, timings
        self._thread: threading.Thread | None = None
        self._failed: BaseException | None = None

    def start(self, spooled: Path, part: str, quads: int) -> None:
        self.progress(f"{part}: writing to disk")
        self._thread = threading.Thread(target=self._write, args=(spooled, part, quads), name="write-part")
        self._thread.start()

    def _write(self, spooled: Path, part: str, quads: int) -> None:
        started = time.monotonic()
        try:
            self.disk.bulk_load(path=str(spooled), format=ox.RdfFormat.N_QUADS)
        except BaseException as exc:  # handed to the build's own thread by wait()
            self._failed = exc
            return
        finally:
            spooled.unlink(missing_ok=True)
        took = time.monotonic() - started
        self.timings["write_s"] += took
        self.progress(f"{part}: {quads:,} quads written in {took:.1f} s")

    def wait(self, *, raising: bool = True) -> None:
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        failed, self._failed = self._failed, None
        if failed is not None and raising:
            raise failed
