"""`salvage-kg bench`: load, validation, memory and per-question latency on synthetic cohorts of growing size.

For each size, in a fresh process (so that peak RSS belongs to that size alone): synthesise, load and derive,
validate, then time the first page (100 rows, as the HTTP API serves it) of every named question with its
example parameters, `repeat` times after a first run (a question slower than a second: once)
  (a) through Python on the default engine (pyoxigraph),
  (b) through rdflib's own engine on the same data, loaded once per size and each question run in a fork of it
      that is killed at a time limit,
  (c) through our HTTP API (`salvage-kg serve --store`), and
  (d) as the same SPARQL sent straight to an Oxigraph server holding the same data: the text our engine runs,
      graph terms written in as it writes them (a VALUES or BIND of the patient, which Oxigraph does not use to
      restrict the query, made this baseline 100-1,000x too slow).
Then the raw `/sparql` endpoint against Oxigraph server's, four queries of the kinds #20 measured (bench_raw.py).
Medians (p50) and p95 in milliseconds; all four are measured in the same run, so their ratios hold even on a
noisy shared machine. A question whose first run passes `question_limit` is timed once, not repeated; over HTTP
it is recorded as "> limit". Also printed: how long `serve --store` takes to answer /health, and the whole run's
time. Not part of the test suite's pass/fail.

With `in_parts=N` (`--in-parts N`), a size above N patients is synthesised as parts of N patients and built one
part at a time into the store on disk (kg/build/parts.py, validated part by part), and its questions are asked of
that store: the whole bench at 100,000 patients then fits in memory (in memory the graph alone is 7 GB).
"""

import gc
import json
import multiprocessing
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import pyoxigraph as ox

from kg.tools import bench_raw
from kg.tools.ports import free_port

_CONTEXT = multiprocessing.get_context("spawn")
BIN = Path(sys.executable).parent


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return round(statistics.median(ordered), 3), round(p95, 3)


NOTEBOOK_QUESTION = "relapses-after-therapy"  # a cohort-wide join with subqueries, run as a notebook would
WRITE_PATIENTS = 5  # one curator's write: a small case series added to the store at each size
MIN_SAMPLES = 3
SAMPLING_BUDGET_S = 5.0  # past this, a question stops at MIN_SAMPLES: 20 runs of 20 s would take 7 min
SLOW_MS = 1000.0  # a question this slow is timed once: warming is lost in its own time


def _timed(call, repeat: int, limit: float | None = None) -> tuple[float, float]:
    return _timed_in_turn({"call": call}, repeat, limit)["call"]


def _ms(call) -> float:
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


def _timed_in_turn(calls: dict, repeat: int, limit: float | None = None) -> dict[str, tuple[float, float]]:
    """Each call's (median, p95) in ms, the calls sampled in turn (one of each, then again), so that a burst of
    other work on this shared machine falls on every side of a ratio, not on one side's samples alone."""
    # Warm each: parse caches, page cache, and a look-up made once per state of the graph (the patient roster).
    firsts = {path: _ms(call) for path, call in calls.items()}
    found, sampled = {}, {}
    for path, first in firsts.items():
        if limit is not None and first > limit * 1000:
            found[path] = (round(first, 3),) * 2  # past the limit: not asked again
        elif first > SLOW_MS:
            # Timed once more, not repeated: 3 paths x 12 questions of 1-15 s at 10,000 patients, run 4 times each,
            # took the bench past half an hour. Not the warm-up's own time: at 100,000 patients the first question
            # with a patient parameter waited 23 s for the roster read at start-up, then answered in milliseconds.
            found[path] = (round(_ms(calls[path]), 3),) * 2
        else:
            sampled[path] = []
    sampling = time.perf_counter()
    while sampled and min(map(len, sampled.values())) < repeat:
        for path, samples in sampled.items():
            samples.append(_ms(calls[path]))
        if min(map(len, sampled.values())) >= MIN_SAMPLES and time.perf_counter() - sampling > SAMPLING_BUDGET_S:
            break
    found.update({path: _percentiles(samples) for path, samples in sampled.items()})
    return {path: found[path] for path in calls}


def _wait_http(url: str, seconds: float = 300) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            httpx.get(url, timeout=2)
            return
        except httpx.HTTPError:
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not come up")


def _wait_warm(health_url: str, seconds: float = 600) -> None:
    """Until the server's background reads are done (/health's `warming` empty: api/warming.py), so that the
    questions are timed alone, not beside them on the same cores (at 100,000 patients they take 12-22 s)."""
    deadline = time.monotonic() + seconds
    while httpx.get(health_url, timeout=10).json().get("warming"):
        if time.monotonic() > deadline:
            raise RuntimeError(f"{health_url} still lists background reads after {seconds:g} s")
        time.sleep(0.2)


# --- rdflib's engine, in a process that can be killed at the limit --------------------------------------------

RDFLIB_MEMORY_GB = 8  # rdflib holds ~1.3 GB per million triples; 100,000 patients would not fit this machine


def _rdflib_question(connection, graph, name, params, repeat, page) -> None:
    """In a fork: the first run's time as soon as it is known (the limit applies to it), then p50 and p95."""
    def run() -> float:
        started = time.perf_counter()
        graph.ask(name, params, page=page)
        return (time.perf_counter() - started) * 1000

    try:
        first = run()
        connection.send(first)
        connection.send((round(first, 3),) * 2 if first > SLOW_MS else _percentiles([run() for _ in range(repeat)]))
    except MemoryError:  # past the worker's cap: said so, not left to read as a time-out after a traceback
        connection.send(f"> {RDFLIB_MEMORY_GB} GB")


def _rdflib_worker(connection, dump: str, page, limit: float) -> None:
    import resource

    from rdflib import Dataset

    from kg.backends.engines import RdflibEngine
    from kg.knowledge_graph import KnowledgeGraph

    # Past the cap rdflib stops with MemoryError, rather than the kernel's OOM killer taking other processes.
    cap = RDFLIB_MEMORY_GB * 1024**3
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    dataset = Dataset(default_union=True)
    try:
        dataset.parse(dump, format="nquads")
    except MemoryError:
        connection.send(f"> {RDFLIB_MEMORY_GB} GB to load")
        return
    graph = KnowledgeGraph(None, RdflibEngine(dataset))
    # Loaded once: each question runs in a fork, killed at the limit, and the graph stays for the next (a reload
    # after every time-out was 18 of the 39 minutes at 10,000 patients). Frozen, so that the forks' garbage
    # collector does not copy every page of it.
    gc.freeze()
    fork = multiprocessing.get_context("fork")
    connection.send("ready")
    while True:
        name, params, repeat = connection.recv()
        answer, child = fork.Pipe()
        question = fork.Process(target=_rdflib_question, args=(child, graph, name, params, repeat, page))
        question.start()
        if not answer.poll(limit):
            connection.send(f"> {limit:g} s")
        elif isinstance(first := answer.recv(), str):  # it ran out of memory
            connection.send(first)
        else:
            first = round(first, 3)
            # The samples after the first are given the limit each; past that (or out of memory), the first stands.
            later = answer.recv() if answer.poll(limit * repeat) else None
            connection.send(later if isinstance(later, tuple) else (first, first))
        question.kill()
        question.join()


def _rdflib_times(dump: str, questions: dict, repeat: int, limit: float, page) -> dict[str, object]:
    connection, child = _CONTEXT.Pipe()
    # Not a daemon: a daemon may not start the forks it runs questions in. Killed below, whatever happens.
    worker = _CONTEXT.Process(target=_rdflib_worker, args=(child, dump, page, limit))
    worker.start()
    child.close()  # so that a worker that dies is seen as an end of input, not waited for
    try:
        if not connection.poll(max(limit * 20, 300)):
            return dict.fromkeys(questions, f"> {max(limit * 20, 300):g} s to load")
        status = connection.recv()
        if status != "ready":
            return dict.fromkeys(questions, status)
        results: dict[str, object] = {}
        for name, params in questions.items():
            connection.send((name, params, repeat))
            results[name] = connection.recv() if connection.poll(limit * (repeat + 1) + 30) else "no answer"
        return results
    except EOFError:
        return dict.fromkeys(questions, "rdflib's process ended")
    finally:
        worker.kill()
        worker.join()


# --- our HTTP API and Oxigraph server on the same data, restarted after a question passes the limit ----------

class _Servers:
    """`salvage-kg serve --store` and `oxigraph serve` side by side on loopback. A request that passes the limit
    is abandoned, and both servers are restarted: the abandoned query would go on taking CPU from the next."""

    def __init__(self, work: Path, on_disk: Path, limit: float):
        self.work, self.on_disk, self.limit = work, on_disk, limit
        self.processes: list[subprocess.Popen] = []
        self.log = (work / "servers.log").open("ab")
        self.start()

    def start(self) -> None:
        api_port, oxigraph_port = free_port(), free_port()
        started = time.perf_counter()
        self.processes = [
            subprocess.Popen([str(BIN / "salvage-kg"), "serve", "--store", str(self.on_disk), "--port",
                              str(api_port), "--query-timeout", f"{self.limit:g}"],
                             stdout=self.log, stderr=subprocess.STDOUT),
            subprocess.Popen([str(BIN / "oxigraph"), "serve", "--location", str(self.work / "oxigraph"), "--bind",
                              f"127.0.0.1:{oxigraph_port}", "--union-default-graph"],
                             stdout=self.log, stderr=subprocess.STDOUT),
        ]
        self.api, self.oxigraph = f"http://127.0.0.1:{api_port}", f"http://127.0.0.1:{oxigraph_port}"
        _wait_http(self.api + "/health")
        self.started_s = time.perf_counter() - started  # serve --store, from its start to the first /health
        _wait_warm(self.api + "/health")
        self.warm_s = time.perf_counter() - started  # and to the end of its background reads
        _wait_http(self.oxigraph + "/query?query=ASK%7B%7D")

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:  # a server still busy with an abandoned query: the bench goes on
                process.kill()
                process.wait()

    def timed(self, request, repeat: int, limit: float) -> tuple[float, float] | str:
        # Each time asks the graph: a kept answer (api/stored_answers.py) would time the server's memory.
        with httpx.Client(timeout=limit, headers={"Cache-Control": "no-cache"}) as client:
            try:
                return _timed(lambda: request(client).raise_for_status(), repeat, limit)
            except httpx.HTTPStatusError as exc:  # a server's own limit (503, 504): recorded, and the bench goes on
                return refusal(exc.response)
            except httpx.TimeoutException:
                pass
        self.restart()
        return f"> {limit:g} s"

    def restart(self) -> None:
        self.stop()
        self.start()

    def timed_in_turn(self, requests: dict, repeat: int, limit: float) -> dict[str, tuple[float, float] | str]:
        """Each request ({path: request}) timed as `timed` does, the paths sampled in turn (_timed_in_turn): the
        ratio of our server to Oxigraph server's. If one is refused or passes the limit, each is timed alone, so
        that the table records which."""
        with httpx.Client(timeout=limit, headers={"Cache-Control": "no-cache"}) as client:
            try:
                return _timed_in_turn({path: lambda r=request: r(client).raise_for_status()
                                       for path, request in requests.items()}, repeat, limit)
            except httpx.HTTPStatusError:
                pass
            except httpx.TimeoutException:
                self.restart()  # the abandoned query would go on taking CPU from the next
        return {path: self.timed(request, repeat, limit) for path, request in requests.items()}


def refusal(response: httpx.Response) -> str:
    """A refused request as the bench records it: its status and the problem's kind and message (api/errors.py),
    so that a 503 says whether it was the time limit, busy workers or a worker that stopped under the query."""
    try:
        body = response.json()
        kind, message = body.get("error"), body.get("message")
    except ValueError:  # not our problem body (the Oxigraph server's own)
        kind, message = None, response.text
    said = f" {kind}" if kind else ""
    return f"HTTP {response.status_code}{said}: {(message or '').strip()[:200]}"


def _entries(timings: dict) -> dict:
    """Each path's timing as the JSON holds it (`http_ms`, `http_p95_ms`...): a refusal or "> limit" as both."""
    entries = {}
    for path, timing in timings.items():
        p50, p95 = timing if isinstance(timing, tuple) else (timing,) * 2
        entries.update({f"{path}_ms": p50, f"{path}_p95_ms": p95})
    return entries


def _shown(value) -> str:
    return f"{value[0]:.1f} ms" if isinstance(value, tuple) else str(value)


# --- one size --------------------------------------------------------------------------------------------------

def _texts_run(graph, name: str, params: dict, page, with_values) -> list[str]:
    """Every query text the engine runs to answer this first page (one, or a keyed question's chunks of patients),
    its remaining bindings written as BIND: what the Oxigraph server is sent, so that both do the same work."""
    sent = []
    select = graph.engine.select

    def spy(text, bindings=None):
        sent.append(with_values(text, bindings))
        return select(text, bindings)

    graph.engine.select = spy
    try:
        graph.ask(name, params, page=page)
    finally:
        del graph.engine.select
    return sent


def _post_each(client, url: str, texts: list[str]):
    """The texts one after the other, as our engine runs them; the last response (each must succeed)."""
    for text in texts:
        response = client.post(url, data={"query": text}, headers={"Accept": "application/sparql-results+json"})
        response.raise_for_status()
    return response


def _build_in_parts(patients: int, seed: int, per_part: int, work: Path, progress):
    """The cohort as parts, built one at a time on disk: (store opened read-only, its folder, build s, validate s)."""
    from kg.backends import stores
    from kg.build import parts
    from kg.paths import case_files
    from kg.tools import synth

    files = []
    for name, chunks in synth.cohort_parts(patients, seed, per_part):
        files.append(work / f"{name}.ttl")
        with files[-1].open("w") as handle:
            handle.writelines(chunks)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    on_disk = parts.build_on_disk(case_files() + files, work / "store", progress=progress, timings=timings)
    built_s = time.perf_counter() - started
    return stores.open_read_only(on_disk), on_disk, built_s - timings["validate_s"], timings["validate_s"]


def _run_size(patients: int, seed: int, repeat: int, rdflib_limit: float, question_limit: float,
              progress, before: Path | None = None, in_parts: int | None = None) -> dict:
    from kg.backends import stores
    from kg.backends.engines import oxigraph_dataset
    from kg.backends.remote import with_values
    from kg.build import validate
    from kg.build.pipeline import build_store
    from kg.knowledge_graph import KnowledgeGraph
    from kg.paths import case_files
    from kg.questions.catalogue import catalogue
    from kg.questions.pages import DEFAULT_LIMIT, Page
    from kg.questions.parameters import expand
    from kg.tools import bench_before, synth

    work = Path(tempfile.mkdtemp(prefix=f"salvage-kg-bench-{patients}-"))
    try:
        on_disk = None
        if in_parts and patients > in_parts:
            store, on_disk, load_s, validate_s = _build_in_parts(patients, seed, in_parts, work, progress)
        else:
            cohort = work / "cohort.ttl"
            with cohort.open("w") as handle:
                for chunk in synth.cohort_turtle(patients, seed, progress=progress):
                    handle.write(chunk)
            started = time.perf_counter()
            store = build_store(case_files() + [cohort], check=False, progress=progress)
            load_s = time.perf_counter() - started
            started = time.perf_counter()
            validate.check(store, progress)
            validate_s = time.perf_counter() - started
        build_rss_mb = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
        progress(f"{patients} patients: {len(store)} quads, load {load_s:.1f} s, validate {validate_s:.1f} s, "
                 f"peak RSS {build_rss_mb} MB")

        # Every path asks for the same first page, as the HTTP API serves it by default.
        graph = KnowledgeGraph(store)
        page = Page(limit=DEFAULT_LIMIT)
        questions = {name: question.examples for name, question in catalogue().items()}
        for range_name in {p.range for q in catalogue().values() for p in q.params if p.range}:
            graph.choices(expand(range_name))  # looked up once, before timing: not in the first question's time
        engine = {}
        for name, params in questions.items():
            engine[name] = _timed(lambda n=name, p=params, g=graph: g.ask(n, p, page=page), repeat, question_limit)
            progress(f"engine: {name} {engine[name][0]:.1f} ms")
        frozen = (bench_before.times(graph, questions, before, page, repeat, engine, progress, on_disk,
                                     limit=question_limit) if before else {})

        # The notebook face (kg.load_graph()): rdflib's Graph API with SPARQL answered by Oxigraph. Same text as
        # the engine runs, whole answer; the ratio shows what the rdflib layer costs.
        notebook_text = catalogue()[NOTEBOOK_QUESTION].text
        dataset = oxigraph_dataset(store, copy=False)
        notebook = {
            "question": NOTEBOOK_QUESTION,
            "load_graph_ms": _timed(lambda d=dataset: list(d.query(notebook_text)), repeat, question_limit),
            "engine_ms": _timed(lambda g=graph: g.engine.select(notebook_text), repeat, question_limit),
        }
        progress(f"notebook: {NOTEBOOK_QUESTION} {notebook['load_graph_ms'][0]:.1f} ms through kg.load_graph(), "
                 f"{notebook['engine_ms'][0]:.1f} ms on the engine")

        if on_disk is None:
            on_disk = stores.write_on_disk(store, work / "store", progress)
        dump = work / "graph.nq"  # for rdflib, last; not written without it (10.7 GB and minutes at 100,000)
        if rdflib_limit:
            store.dump(str(dump), ox.RdfFormat.N_QUADS)
        triples = len(store)
        # The in-memory graph is not needed past here: at 100,000 patients it is 7 GB that the servers and rdflib
        # need (a run that kept it was killed by the kernel for want of memory).
        # For the native server: the texts our engine runs for the first page (graph terms written in, a keyed
        # question's page of patients in its VALUES block), the rest as BIND.
        texts = {name: _texts_run(graph, name, params, page, with_values) for name, params in questions.items()}
        del graph, store
        gc.collect()
        shutil.copytree(on_disk, work / "oxigraph")  # the Oxigraph server gets its own copy, read-write
        servers = _Servers(work, on_disk, question_limit)
        serve_s, warm_s = servers.started_s, servers.warm_s
        progress(f"serve --store answered /health {serve_s:.1f} s after it started, its background reads were "
                 f"done after {warm_s:.1f} s")
        http, server, raw = {}, {}, {}
        try:
            for name, params in questions.items():
                both = servers.timed_in_turn({
                    "http": lambda c, n=name, p=params: c.get(f"{servers.api}/questions/{n}",
                                                              params={**p, "limit": DEFAULT_LIMIT}),
                    "oxigraph_server": lambda c, t=texts[name]: _post_each(c, f"{servers.oxigraph}/query", t),
                }, repeat, question_limit)
                http[name], server[name] = both["http"], both["oxigraph_server"]
                progress(f"http: {name} {_shown(http[name])}, oxigraph server {_shown(server[name])}")
            endpoints = {"http": f"{servers.api}/sparql", "oxigraph_server": f"{servers.oxigraph}/query"}
            for name, text in bench_raw.queries().items():
                raw[name] = _entries(servers.timed_in_turn({
                    path: lambda c, u=url, t=text: _post_each(c, u, [t]) for path, url in endpoints.items()
                }, repeat, question_limit))
                progress(f"raw /sparql: {name} {raw[name]['http_ms']} ms, oxigraph server "
                         f"{raw[name]['oxigraph_server_ms']} ms")
        finally:
            servers.stop()

        write = _timed_write(on_disk, work, seed, progress)

        if rdflib_limit:
            rdflib = _rdflib_times(str(dump), questions, max(1, repeat // 5), rdflib_limit, page)
            progress("rdflib timed")
        else:  # --no-rdflib: (at 100,000 patients it cannot load within this machine's memory)
            rdflib = dict.fromkeys(questions, "not run")

        def entry(name):
            paths = (("engine", engine), ("before", frozen), ("http", http), ("oxigraph_server", server),
                     ("rdflib", rdflib))
            return _entries({path: timings[name] for path, timings in paths if name in timings})

        return {
            "patients": patients,
            "triples": triples,
            "load_s": round(load_s, 2),
            "validate_s": round(validate_s, 2),
            "peak_rss_mb": build_rss_mb,  # building and validating: the target
            "built_in_parts_of": in_parts if in_parts and patients > in_parts else None,
            "peak_rss_with_questions_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "serve_health_s": round(serve_s, 2),
            "serve_warm_s": round(warm_s, 2),  # the questions over HTTP are timed after this
            "write": write,
            "questions": {name: entry(name) for name in questions},
            "raw_sparql": raw,
            "notebook": notebook,
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _timed_write(on_disk: Path, work: Path, seed: int, progress) -> dict:
    """One curator's write at this size: `salvage-kg add-case` of 5 new synthetic patients into the on-disk store
    the questions were asked of, in a process of its own (start-up and opening the store included), as a curator
    runs it; after the servers stopped, so that nothing else holds the store."""
    from kg.tools import bench_writes, synth

    case = work / "bench-write.ttl"
    case.write_text("".join(synth.cohort_turtle(WRITE_PATIENTS, seed + 1000)), encoding="utf-8")
    took, said = bench_writes.timed_with_output([*bench_writes.EXE, "add-case", str(case), "--store", str(on_disk)])
    progress(f"add-case of {WRITE_PATIENTS} patients into the store: {took:.1f} s "
             f"(of which flush {bench_writes.flush_s(said)} s)")
    return {"patients": WRITE_PATIENTS, "add_case_s": round(took, 2), "flush_s": bench_writes.flush_s(said)}


def _child(connection, patients, seed, repeat, rdflib_limit, question_limit, before, in_parts=None) -> None:
    def progress(message: str) -> None:
        print(f"  [{patients}] {message}", file=sys.stderr, flush=True)

    connection.send(_run_size(patients, seed, repeat, rdflib_limit, question_limit, progress, before, in_parts))


def table(run: dict) -> str:
    parts = f" (built on disk in parts of {run['built_in_parts_of']:,})" if run.get("built_in_parts_of") else ""
    lines = [f"{run['patients']} patients: {run['triples']} triples, load+derive {run['load_s']} s, "
             f"validate {run['validate_s']} s, peak RSS {run['peak_rss_mb']} MB{parts}",
             f"  {'question':28s} {'engine':>9s} {'before':>9s} {'bef/eng':>8s} {'http':>9s} {'oxigraph':>9s} "
             f"{'http/ox':>8s} {'rdflib':>10s} {'rdflib/eng':>10s}"]
    def ratio(over, under) -> str:
        if isinstance(over, float) and isinstance(under, float) and under:
            return f"{over / under:.2f}"
        if isinstance(over, str) and over.startswith("> ") and isinstance(under, float) and under:
            return f">{float(over[2:].removesuffix(' s')) * 1000 / under:.0f}"  # stopped at its limit: at least
        return "-"

    for name, q in run["questions"].items():
        # A refusal's kind in the table ("HTTP 503 busy"); its message is in the JSON and the progress lines.
        shown = [f"{q[key]:.2f}" if isinstance(q.get(key), float) else str(q.get(key, "-")).split(":")[0]
                 for key in ("engine_ms", "before_ms", "http_ms", "oxigraph_server_ms", "rdflib_ms")]
        lines.append(f"  {name:28s} {shown[0]:>9s} {shown[1]:>9s} {ratio(q.get('before_ms'), q['engine_ms']):>8s} "
                     f"{shown[2]:>9s} {shown[3]:>9s} {ratio(q['http_ms'], q['oxigraph_server_ms']):>8s} "
                     f"{shown[4]:>10s} {ratio(q['rdflib_ms'], q['engine_ms']):>10s}")
    if run.get("raw_sparql"):
        lines.extend(bench_raw.lines(run["raw_sparql"]))
    if "notebook" in run:
        notebook = run["notebook"]
        through, engine = notebook["load_graph_ms"][0], notebook["engine_ms"][0]
        lines.append(f"  notebook kg.load_graph().query({notebook['question']}): {through:.2f} ms, engine "
                     f"{engine:.2f} ms, ratio {ratio(through, engine)}")
    if "write" in run:
        write = run["write"]
        lines.append(f"  add-case of {write['patients']} patients into the on-disk store: {write['add_case_s']} s "
                     f"(flush {write['flush_s']} s), start-up included")
    if "serve_health_s" in run:
        warm = f", its background reads done after {run['serve_warm_s']} s" if "serve_warm_s" in run else ""
        lines.append(f"  serve --store answered /health {run['serve_health_s']} s after it started{warm}; this size "
                     f"took {run['elapsed_s']} s in all")
    return "\n".join(lines)


def run(sizes: list[int], out: Path, seed: int = 1, repeat: int = 20, rdflib_limit: float = 10.0,
        question_limit: float = 60.0, before: Path | None = None, in_parts: int | None = None) -> dict:
    runs = []
    begun = time.perf_counter()
    for patients in sizes:
        started = time.perf_counter()
        connection, child = _CONTEXT.Pipe()
        process = _CONTEXT.Process(target=_child, args=(child, patients, seed, repeat, rdflib_limit,
                                                        question_limit, before, in_parts))
        process.start()
        result = connection.recv()
        process.join()
        result["elapsed_s"] = round(time.perf_counter() - started, 1)
        runs.append(result)
        print(table(result), flush=True)
        out.write_text(json.dumps({"runs": runs}, indent=2))  # written after each size: nothing lost
    print(f"bench total: {time.perf_counter() - begun:.0f} s ({', '.join(str(size) for size in sizes)} patients)",
          flush=True)
    return {"runs": runs}
