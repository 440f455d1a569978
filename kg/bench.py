"""`salvage-kg bench`: load, validation, memory and per-question latency on synthetic cohorts of growing size.

For each size, in a fresh process (so that peak RSS belongs to that size alone): synthesise, load and derive,
validate, then time every named question with its example parameters
  (a) through Python on the default engine (pyoxigraph),
  (b) through rdflib's own engine on the same data, in a process that is killed at a time limit,
  (c) through our HTTP API (`salvage-kg serve --store`), and
  (d) as the same SPARQL sent straight to an Oxigraph server holding the same data.
Medians (p50) and p95 in milliseconds; all four are measured in the same run, so their ratios hold even on a
noisy shared machine. Not part of the test suite's pass/fail.
"""

import json
import multiprocessing
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import pyoxigraph as ox

_CONTEXT = multiprocessing.get_context("spawn")
BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return round(statistics.median(ordered), 3), round(p95, 3)


def _timed(call, repeat: int) -> tuple[float, float]:
    call()  # warm: parse caches, page cache
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return _percentiles(samples)


def _wait_http(url: str, seconds: float = 300) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            httpx.get(url, timeout=2)
            return
        except httpx.HTTPError:
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not come up")


# --- rdflib's engine, in a process that can be killed at the limit --------------------------------------------

RDFLIB_MEMORY_GB = 8  # rdflib holds ~1.3 GB per million triples; 100,000 patients would not fit this machine


def _rdflib_worker(connection, dump: str) -> None:
    import resource

    from rdflib import Dataset

    from kg.engines import RdflibEngine
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
    connection.send("ready")
    while True:
        name, params, repeat = connection.recv()
        connection.send(_timed(lambda n=name, p=params: graph.ask(n, p), repeat))


def _rdflib_times(dump: str, questions: dict, repeat: int, limit: float) -> dict[str, object]:
    results: dict[str, object] = {}
    worker = connection = None
    for name, params in questions.items():
        if worker is None:
            connection, child = _CONTEXT.Pipe()
            worker = _CONTEXT.Process(target=_rdflib_worker, args=(child, dump), daemon=True)
            worker.start()
            if not connection.poll(max(limit * 10, 120)):
                worker.kill()
                return dict.fromkeys(questions, f"> {max(limit * 10, 120):g} s to load")
            status = connection.recv()
            if status != "ready":
                worker.join()
                return dict.fromkeys(questions, status)
        connection.send((name, params, repeat))
        if connection.poll(limit * (repeat + 1)):
            results[name] = connection.recv()
        else:
            worker.kill()
            worker.join()
            worker = None
            results[name] = f"> {limit:g} s"
    if worker is not None:
        worker.kill()
    return results


# --- one size --------------------------------------------------------------------------------------------------

def _run_size(patients: int, seed: int, repeat: int, rdflib_limit: float, progress) -> dict:
    from kg import stores, synth, validate
    from kg.build import build_store
    from kg.knowledge_graph import KnowledgeGraph
    from kg.parameters import resolve
    from kg.paths import case_files
    from kg.questions import catalogue
    from kg.remote import RemoteEngine, with_values

    work = Path(tempfile.mkdtemp(prefix=f"salvage-kg-bench-{patients}-"))
    processes = []
    try:
        cohort = work / "cohort.ttl"
        with cohort.open("w") as handle:
            for chunk in synth.cohort_turtle(patients, seed, progress=progress):
                handle.write(chunk)
        started = time.perf_counter()
        store = build_store(case_files() + [cohort], check=False, progress=progress)
        load_s = time.perf_counter() - started
        started = time.perf_counter()
        validate.check(store)
        validate_s = time.perf_counter() - started
        progress(f"{patients} patients: {len(store)} quads, load {load_s:.1f} s, validate {validate_s:.1f} s")

        graph = KnowledgeGraph(store)
        questions = {name: {p.name: p.example for p in q.params if p.required} for name, q in catalogue().items()}
        engine = {name: _timed(lambda n=name, p=params: graph.ask(n, p), repeat) for name, params in questions.items()}
        progress("engine timed")

        on_disk = stores.write_on_disk(store, work / "store", progress)
        shutil.copytree(on_disk, work / "oxigraph")  # the Oxigraph server gets its own copy, read-write
        api_port, oxigraph_port = _free_port(), _free_port()
        log = (work / "servers.log").open("wb")
        processes.append(subprocess.Popen(
            [str(BIN / "salvage-kg"), "serve", "--store", str(on_disk), "--port", str(api_port)],
            stdout=log, stderr=subprocess.STDOUT))
        processes.append(subprocess.Popen(
            [str(BIN / "oxigraph"), "serve", "--location", str(work / "oxigraph"), "--bind",
             f"127.0.0.1:{oxigraph_port}", "--union-default-graph"], stdout=log, stderr=subprocess.STDOUT))
        api, oxigraph = f"http://127.0.0.1:{api_port}", f"http://127.0.0.1:{oxigraph_port}"
        _wait_http(api + "/health")
        _wait_http(oxigraph + "/query?query=ASK%7B%7D")

        remote = RemoteEngine(oxigraph + "/query")
        client = httpx.Client(timeout=120)
        http, server = {}, {}
        for name, params in questions.items():
            http[name] = _timed(lambda n=name, p=params: client.get(f"{api}/questions/{n}", params=p)
                                .raise_for_status(), repeat)
            # The same text and bound terms our engine runs, as one request to the native server.
            question = catalogue()[name]
            text = with_values(question.text, resolve(question, params, graph.choices))
            server[name] = _timed(lambda t=text: remote.client.post(
                remote.query_url, data={"query": t}, headers={"Accept": "application/sparql-results+json"}
            ).raise_for_status(), repeat)
        progress("HTTP timed")

        dump = work / "graph.nq"
        store.dump(str(dump), ox.RdfFormat.N_QUADS)
        rdflib = _rdflib_times(str(dump), questions, max(1, repeat // 5), rdflib_limit)
        progress("rdflib timed")

        def entry(name):
            values = {"engine_ms": engine[name][0], "engine_p95_ms": engine[name][1],
                      "http_ms": http[name][0], "http_p95_ms": http[name][1],
                      "oxigraph_server_ms": server[name][0], "oxigraph_server_p95_ms": server[name][1]}
            if isinstance(rdflib[name], tuple):
                values.update(rdflib_ms=rdflib[name][0], rdflib_p95_ms=rdflib[name][1])
            else:
                values.update(rdflib_ms=rdflib[name], rdflib_p95_ms=rdflib[name])
            return values

        return {
            "patients": patients,
            "triples": len(store),
            "load_s": round(load_s, 2),
            "validate_s": round(validate_s, 2),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "questions": {name: entry(name) for name in questions},
        }
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)


def _child(connection, patients, seed, repeat, rdflib_limit) -> None:
    def progress(message: str) -> None:
        print(f"  [{patients}] {message}", file=sys.stderr, flush=True)

    connection.send(_run_size(patients, seed, repeat, rdflib_limit, progress))


def table(run: dict) -> str:
    lines = [f"{run['patients']} patients: {run['triples']} triples, load+derive {run['load_s']} s, "
             f"validate {run['validate_s']} s, peak RSS {run['peak_rss_mb']} MB",
             f"  {'question':28s} {'engine':>9s} {'http':>9s} {'oxigraph':>9s} {'http/ox':>8s} "
             f"{'rdflib':>10s} {'rdflib/eng':>10s}"]
    for name, q in run["questions"].items():
        ratio = q["http_ms"] / q["oxigraph_server_ms"] if q["oxigraph_server_ms"] else float("nan")
        rdflib = q["rdflib_ms"]
        speedup = f"{rdflib / q['engine_ms']:.0f}x" if isinstance(rdflib, float) and q["engine_ms"] else "-"
        shown = f"{rdflib:.1f}" if isinstance(rdflib, float) else str(rdflib)
        lines.append(f"  {name:28s} {q['engine_ms']:9.2f} {q['http_ms']:9.2f} {q['oxigraph_server_ms']:9.2f} "
                     f"{ratio:8.2f} {shown:>10s} {speedup:>10s}")
    return "\n".join(lines)


def run(sizes: list[int], out: Path, seed: int = 1, repeat: int = 20, rdflib_limit: float = 10.0) -> dict:
    runs = []
    for patients in sizes:
        connection, child = _CONTEXT.Pipe()
        process = _CONTEXT.Process(target=_child, args=(child, patients, seed, repeat, rdflib_limit))
        process.start()
        result = connection.recv()
        process.join()
        runs.append(result)
        print(table(result), flush=True)
        out.write_text(json.dumps({"runs": runs}, indent=2))  # written after each size: nothing lost
    return {"runs": runs}
