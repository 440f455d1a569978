"""`salvage-kg loadtest`: N concurrent clients for a fixed time against a server on a synthetic cohort.

The clients are wrk (Debian package `wrk`), driven by a Lua script written here: it is written in C and needs
little CPU, so on a small machine the figures measure the server rather than the load generator. Each request is
drawn at random from a fixed mix of per-patient and selective named questions (parameters drawn from the served
data) and /sparql queries. Not part of the test suite's pass/fail.
"""

import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlencode

import httpx
from rdflib import URIRef

from kg.backends.remote import with_values
from kg.paths import QUERIES_DIR
from kg.questions.catalogue import read_query
from kg.questions.parameters import expand
from kg.tools.ports import free_port

BIN = Path(sys.executable).parent


def _query(name: str, patient: str | None = None) -> str:
    """A load-test query from queries/load/, its patient bound as an RDF term by a VALUES block."""
    text = read_query(QUERIES_DIR / "load" / f"{name}.rq")
    return with_values(text, {"patient": URIRef(patient)} if patient else None)


def cached_store(patients: int, seed: int, cache: Path, progress) -> Path | None:
    """An on-disk store of the bundled cases plus a synthetic cohort, built once per size and seed.

    None for 0 patients: the server then builds the bundled cases in memory, as `serve` does by default."""
    if patients == 0:
        return None
    from kg.backends import stores
    from kg.build.pipeline import build_store
    from kg.paths import case_files
    from kg.tools import synth

    directory = cache / f"store-{patients}-seed{seed}"
    if directory.is_dir():
        # A cache written before stop 33 holds its bulk load unmerged (runs timed a store 4x slower than the one
        # `build --store` leaves): merged here once; merging a merged store takes no time.
        store = stores.open_writable(directory)
        stores.compact(store)
        del store  # closed before the server opens it
        return directory
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="salvage-kg-load-") as work:
        cohort = Path(work) / "cohort.ttl"
        with cohort.open("w", encoding="utf-8") as handle:
            handle.writelines(synth.cohort_turtle(patients, seed, progress=progress))
        # The shapes are checked on synthetic cohorts by the tests; here only the size matters.
        store = build_store(case_files() + [cohort], check=False, progress=progress)
        return stores.write_on_disk(store, directory, progress)


def _get(path: str, params: dict | None = None, accept: str = "application/json") -> dict:
    target = path + ("?" + urlencode(params) if params else "")
    return {"method": "GET", "path": target, "accept": accept}


def _csv_column(client: httpx.Client, query: str) -> list[str]:
    rows = client.get("/sparql", params={"query": query}, headers={"Accept": "text/csv"}).raise_for_status()
    return [row.strip('"') for row in rows.text.splitlines()[1:]]


def parameter_values(store: Path | None) -> dict[str, list[str]]:
    """Each parameter range's accepted labels, read from the store before it is served (on disk, every process
    may open it read-only; None: the bundled cases in memory)."""
    from kg.backends.open import open_backend
    from kg.questions.catalogue import catalogue

    ranges = {param.range for question in catalogue().values() for param in question.params if param.range}
    with open_backend(store) as backend:
        return {name: sorted({choice.label for choice in backend.graph.choices(expand(name))}) for name in ranges}


def _named_questions(client: httpx.Client, patients: list[str], values: dict[str, list[str]],
                     rng: random.Random) -> list[dict]:
    """Every named question's first page, each parameter varied over values the served graph accepts: the
    patients drawn, the labels of each range's members, and the example where a parameter has no range."""
    mix = []
    for question in client.get("/questions").raise_for_status().json():
        options = {}
        for param in question["parameters"]:
            if param["name"] == "patient":
                options["patient"] = [patient.rsplit("/", 1)[-1] for patient in patients]
            elif param["accepts"]:
                labels = values.get(param["accepts"]) or [param["example"]]
                options[param["name"]] = rng.sample(labels, min(8, len(labels)))
            elif param["required"]:
                options[param["name"]] = [param["example"]]
        for _ in range(max(len(v) for v in options.values()) if options else 1):
            mix.append(_get(question["path"], {name: rng.choice(given) for name, given in options.items()}))
    return mix


def request_mix(base_url: str, seed: int, values: dict[str, list[str]], samples: int = 200) -> list[dict]:
    """Requests the clients choose from, parameters drawn from what the server itself lists: every named
    question (its first page, as the API serves it), per-patient SPARQL look-ups and a few cheap routes."""
    rng = random.Random(seed)
    with httpx.Client(base_url=base_url, timeout=120) as client:
        rows = _csv_column(client, _query("patients"))
        patients = rng.sample(rows, min(samples, len(rows)))
        mix = _named_questions(client, patients, values, rng)
    for patient in patients:
        mix += [
            _get("/sparql", {"query": _query("patient-events", patient)}, "application/sparql-results+json"),
            _get("/sparql", {"query": _query("describe-patient", patient)}, "text/turtle"),
        ]
    mix += [
        _get("/questions"),
        _get("/sparql", {"query": _query("cd19-findings")}, "application/sparql-results+json"),
        _get("/sparql", {"query": _query("cd22-label")}, "text/csv"),
        _get("/health"),
    ] * (len(patients) // 20 or 1)
    return mix


LUA = r"""
local mix = {}
local paths = %(paths)s
local accepts = %(accepts)s

init = function(args)
  math.randomseed(%(seed)d + tonumber(tostring({}):sub(8), 16) %% 1000)
  for i, path in ipairs(paths) do
    mix[i] = wrk.format("GET", path, {["Accept"] = accepts[i]})
  end
end

request = function()
  return mix[math.random(#mix)]
end

done = function(summary, latency, requests)
  local out = io.open("%(out)s", "w")
  out:write(string.format(
    '{"requests": %%d, "duration_us": %%d, "connect": %%d, "read": %%d, "write": %%d, "status": %%d, ' ..
    '"timeout": %%d, "p50_us": %%d, "p90_us": %%d, "p99_us": %%d, "max_us": %%d, "mean_us": %%.1f}',
    summary.requests, summary.duration, summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.status, summary.errors.timeout, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, latency.mean))
  out:close()
end
"""


def _lua_strings(values: list[str]) -> str:
    return "{" + ",".join(json.dumps(value) for value in values) + "}"  # JSON strings are valid Lua strings here


# The server logs every refusal as "refused METHOD PATH -> STATUS KIND: message" (api/errors.py), the clients that
# gave up included (499 cancelled): what each error was, and which question or route it was.
_REFUSED = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d),\d+ .*refused (\S+) (\S+) -> (\d+) (\S+): (.*)$",
                      re.MULTILINE)


def refusals(log: str, until: str | None = None) -> dict[str, dict[str, int]]:
    """The refusals in a server log, by route (a named question by its name) and by "STATUS kind"; with `until`
    (local time, "YYYY-MM-DD HH:MM:SS"), only those logged before it: the requests the clients still had under way
    when they stopped are logged after, as 499 cancelled, and are no error of the run."""
    found: dict[str, Counter] = {}
    for match in _REFUSED.finditer(log):
        logged, _, path, status, kind, _ = match.groups()
        if until is not None and logged > until:
            continue
        found.setdefault(path.removeprefix("/questions/"), Counter())[f"{status} {kind}"] += 1
    return {route: dict(sorted(kinds.items())) for route, kinds in sorted(found.items())}


def run_wrk(base_url: str, mix: list[dict], users: int, duration: float, seed: int,
            timeout: float = 10.0) -> dict:
    wrk = shutil.which("wrk")
    if wrk is None:
        raise FileNotFoundError("wrk is not installed: `apt-get install wrk` (Debian/Ubuntu)")
    with tempfile.TemporaryDirectory(prefix="salvage-kg-wrk-") as work:
        out = Path(work) / "summary.json"
        script = Path(work) / "mix.lua"
        script.write_text(LUA % {"paths": _lua_strings([r["path"] for r in mix]),
                                 "accepts": _lua_strings([r["accept"] for r in mix]),
                                 "seed": seed, "out": str(out)}, encoding="utf-8")
        threads = max(1, min(users, os.cpu_count() or 1))
        subprocess.run([wrk, f"-t{threads}", f"-c{users}", f"-d{duration:g}s", "--timeout", f"{timeout:g}s",
                        "-s", str(script), base_url], check=True, capture_output=True)
        raw = json.loads(out.read_text())
    seconds = raw["duration_us"] / 1e6
    errors = {kind: raw[kind] for kind in ("connect", "read", "write", "status", "timeout")}
    return {
        "requests": raw["requests"],
        "seconds": round(seconds, 2),
        "requests_per_s": round(raw["requests"] / seconds, 1) if seconds else 0.0,
        "p50_ms": raw["p50_us"] / 1000,
        "p90_ms": raw["p90_us"] / 1000,
        "p99_ms": raw["p99_us"] / 1000,
        "max_ms": raw["max_us"] / 1000,
        "errors": sum(errors.values()),
        "errors_by_kind": errors,  # status: answers outside 2xx/3xx
    }


def run(patients: int, users: int, duration: float, out: Path, *, seed: int = 1, workers: int = 2,
        query_workers: int = 2, cache: Path = Path("build/load"), query_timeout: float = 10.0,
        answer_cache_mb: int = 64, progress=print) -> dict:
    from kg.tools.bench import _wait_http, _wait_warm

    load_before = os.getloadavg()[0]  # other work on a shared machine shows here
    store = cached_store(patients, seed, cache, progress)
    values = parameter_values(store)
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    log_path = Path(tempfile.mkstemp(prefix="salvage-kg-load-server-", suffix=".log")[1])
    command = [str(BIN / "salvage-kg"), "serve", "--port", str(port), "--workers", str(workers),
               "--query-workers", str(query_workers), "--query-timeout", f"{query_timeout:g}",
               "--answer-cache-mb", str(answer_cache_mb)]
    command += ["--store", str(store)] if store else []
    # The clients wait longer than the server's own limit, so that a slow request ends as the server's refusal,
    # with its kind in the log (503 timeout, busy), rather than as a client that gave up (499 cancelled).
    client_timeout = query_timeout + 5
    with log_path.open("wb") as log:
        server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        try:
            _wait_http(base_url + "/health")
            _wait_warm(base_url + "/health")  # the clients meet a server done with its own background reads
            mix = request_mix(base_url, seed, values)
            progress(f"{len(mix)} distinct requests; {users} clients for {duration:g} s on {base_url}")
            run_wrk(base_url, mix[:50], min(users, 4), 2, seed, client_timeout)  # warm the server's caches first
            log.flush()
            logged = log_path.stat().st_size
            started = time.time()
            figures = run_wrk(base_url, mix, users, duration, seed, client_timeout)
            # The log's own format and clock (local time, whole seconds): the second in which the clients stop,
            # and the requests they cut off are logged, is left out.
            ended = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(started + duration - 1))
        finally:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:  # requests still queued in its threads: no need to finish them
                server.kill()
                server.wait()
    with log_path.open("rb") as log:
        log.seek(logged)
        refused = refusals(log.read().decode("utf-8", "replace"), until=ended)
    result = {
        "patients": patients,
        "users": users,
        "duration_s": duration,
        "server": {"workers": workers, "query_workers": query_workers, "query_timeout_s": query_timeout,
                   "answer_cache_mb": answer_cache_mb},
        "client_timeout_s": client_timeout,
        "machine": {"cpus": os.cpu_count(), "load_average_before": round(load_before, 2)},
        "started": time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(started)),
        "distinct_requests": len(mix),
        "named_questions": sorted({r["path"].split("?")[0].removeprefix("/questions/") for r in mix
                                   if r["path"].startswith("/questions/")}),
        **figures,
        "refused": refused,  # by route and "STATUS kind", from the server's log of the timed run
    }
    out.write_text(json.dumps(result, indent=2))
    log_path.unlink()
    return result


def summary(result: dict) -> str:
    return (f"{result['patients']} patients, {result['users']} clients, {result['seconds']} s: "
            f"{result['requests']} requests, {result['requests_per_s']} requests/s, p50 {result['p50_ms']:.1f} ms, "
            f"p90 {result['p90_ms']:.1f} ms, p99 {result['p99_ms']:.1f} ms, max {result['max_ms']:.1f} ms, "
            f"errors {result['errors']} {result['errors_by_kind']}"
            + "".join(f"\n  refused {route}: {', '.join(f'{n} {kind}' for kind, n in kinds.items())}"
                      for route, kinds in result.get("refused", {}).items()))
