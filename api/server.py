"""`salvage-kg serve`: run the app under uvicorn with the limits given on the command line.

What can be known before the graph is built is checked first (the store is one, the port is free), so that a
mistake gets one line instead of a traceback from inside uvicorn. "serving on" is printed once the server listens.
"""

import contextlib
import dataclasses
import errno
import logging
import os
import socket
import sys
import tempfile
from pathlib import Path

import uvicorn
from uvicorn.supervisors import Multiprocess

from api.settings import Settings
from kg.backends import stores
from kg.backends.open import RemoteBackend
from kg.build.extra_graphs import ExtraGraphError, read_extra_graphs
from kg.cli import options as opts
from kg.cli.options import UsageError


class ServeError(Exception):
    """The server cannot start as asked; the message says why in one line."""


def _check_port(host: str, port: int) -> None:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds: TIME_WAIT is no obstacle
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise ServeError(f"port {port} on {host} is in use (another server?): choose one with --port") from None
            raise ServeError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None


def _check_store(settings: Settings) -> None:
    """Open the store as the server will, and close it: a wrong folder, a store held by a writer, or one whose
    derived facts other rules made shows here."""
    if settings.sparql_endpoint:
        RemoteBackend(settings.sparql_endpoint).close()
        return
    if not settings.store:
        return
    opened = (stores.open_writable if settings.write_token else stores.open_read_only)(settings.store)
    del opened  # closed: the server opens it again


def _check_also(settings: Settings) -> None:
    """Extra graphs join the graph built in memory; a store on disk or a remote one holds only what was loaded."""
    if not settings.also:
        return
    if settings.sparql_endpoint:
        raise ServeError("--also adds graphs to the graph built in memory: load them into the remote store with "
                         "`salvage-kg load --also FILE`")
    if settings.store:
        raise ServeError("--also adds graphs to the graph built in memory, not to a store on disk (--store)")
    try:
        read_extra_graphs(settings.also)
    except ExtraGraphError as exc:
        raise ServeError(str(exc)) from None


def _log_to_stderr() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def logged_app():
    """The app, in each server process: with --workers N, uvicorn starts processes of its own (spawned, so the
    logging set up above is not theirs), and without this their refusals and worker warnings were never logged."""
    from api.app import create_app

    _log_to_stderr()
    return create_app()


class _Announcing(uvicorn.Server):
    """A uvicorn server that says where it serves once it listens (after the graph is built)."""

    def __init__(self, config: uvicorn.Config, announcement: str):
        super().__init__(config)
        self.announcement = announcement

    async def startup(self, sockets=None) -> None:
        await super().startup(sockets)
        if self.started:
            print(self.announcement, flush=True)


def serve(args) -> int:
    from_env = Settings.from_env()  # what has no command-line flag: the write token, case and memory limits
    if from_env.write_token and args.store and args.workers > 1:
        # RocksDB lets one process write a store: several uvicorn processes could not all open it.
        raise ServeError("a server that accepts writes runs as one process; drop --workers "
                         "(--query-workers still runs SPARQL in parallel)")
    settings = dataclasses.replace(
        from_env,
        query_timeout=args.query_timeout,
        max_query_length=args.max_query_length,
        max_result_bytes=args.max_result_bytes,
        query_workers=args.query_workers,
        answer_cache_mb=args.answer_cache_mb,
        cors_origins=tuple(args.cors_origin),
        store=args.store,
        sparql_endpoint=args.sparql_endpoint,
        also=tuple(str(Path(path).resolve()) for path in args.also),
    )
    _check_also(settings)
    _check_store(settings)
    _check_port(args.host, args.port)
    os.environ.update(settings.to_env())  # each uvicorn worker process reads the same settings
    _log_to_stderr()
    announcement = f"salvage-kg: serving on http://{args.host}:{args.port} (docs at /docs, SPARQL at /sparql)"
    config = uvicorn.Config("api.server:logged_app", factory=True, host=args.host, port=args.port,
                            workers=args.workers, log_level="info")
    if args.workers == 1:
        server = _Announcing(config, announcement)
        with contextlib.suppress(SystemExit):  # uvicorn's way out of a failed start-up, after logging why
            server.run()
        if not server.started:
            print("error: the server did not start (its log above says why)", file=sys.stderr)
            return 1
        return 0
    # Several processes: the socket is bound (listening) here and shared with each of them.
    try:
        sock = config.bind_socket()
    except SystemExit:
        raise ServeError(f"cannot listen on {args.host}:{args.port} (its log above says why)") from None
    print(announcement, flush=True)
    with tempfile.TemporaryDirectory(prefix="salvage-kg-answers-") as shared:  # private (0700), gone at the end
        if settings.answer_cache_mb:  # each answer made once for all the processes (api/shared_answers.py)
            os.environ.update(dataclasses.replace(settings, shared_answers=str(Path(shared) / "answers.sqlite"))
                              .to_env())
        Multiprocess(config, sockets=[sock]).run()
    return 0


def _run(args) -> int:
    try:
        return serve(args)
    except ServeError as exc:
        raise UsageError(str(exc)) from None


def add_command(commands) -> None:
    """`salvage-kg serve`, registered with the command line as an entry point (group salvage_kg.commands)."""
    p = commands.add_parser("serve", help="serve the graph over HTTP (SPARQL endpoint, questions, patients)")
    p.add_argument("--host", default="127.0.0.1", help="the address to listen on (0.0.0.0: every interface)")
    p.add_argument("--port", type=opts.port, default=8000, help="the TCP port to listen on")
    p.add_argument("--workers", type=opts.positive, default=1, metavar="N",
                   help="server processes, sharing the port (each holds the graph unless --store)")
    p.add_argument("--query-timeout", type=opts.seconds, default=10.0, metavar="SECONDS",
                   help="stop SPARQL queries after this many seconds (default 10)")
    p.add_argument("--max-query-length", type=opts.positive, default=100_000, metavar="CHARS",
                   help="refuse SPARQL text longer than this (default 100000)")
    p.add_argument("--max-result-bytes", type=opts.positive, default=20_000_000, metavar="BYTES",
                   help="refuse SPARQL results larger than this (default 20 MB)")
    p.add_argument("--query-workers", type=opts.positive, default=2, metavar="N",
                   help="processes that run /sparql queries (default 2)")
    p.add_argument("--answer-cache-mb", type=opts.count, default=64, metavar="MB",
                   help="keep answers of GETs in memory, up to this many MB a server process, until the next "
                   "write; a client's 'Cache-Control: no-cache' asks the graph anew (default 64; 0: keep none)")
    p.add_argument("--store", metavar="DIR",
                   help="serve a store written by `build --store`, opened read-only; read-write, accepting "
                   "/cases writes, when SALVAGE_KG_WRITE_TOKEN is set (default: build in memory)")
    p.add_argument("--sparql-endpoint", metavar="URL",
                   help="serve a remote SPARQL 1.1 store loaded with `load` (its query URL; default: none)")
    p.add_argument("--also", action="append", default=[], metavar="FILE",
                   help="serve the named graphs of this TriG or N-Quads file beside ours, e.g. a test suite's "
                   "data (repeatable; in-memory graph only; default: none)")
    p.add_argument("--cors-origin", action="append", default=[], metavar="ORIGIN",
                   help="allow browsers from this origin (repeatable; '*' for any; default: none, same origin only)")
    p.set_defaults(run=_run)
