"""Server limits and options, read from the environment so that every uvicorn worker process sees the same ones.

`salvage-kg serve` sets these from its command-line flags; each can also be set directly.
"""

import os
from dataclasses import dataclass

PREFIX = "SALVAGE_KG_"


@dataclass(frozen=True)
class Settings:
    query_timeout: float = 10.0  # seconds a /sparql query may run before its worker is killed
    max_query_length: int = 100_000  # characters of SPARQL text accepted
    max_result_bytes: int = 20_000_000  # serialised size of a /sparql result
    query_workers: int = 2  # processes that run /sparql queries
    question_workers: int = 2  # processes that run named questions, look-ups and pathways (a pool of their own)
    # Memory each worker process may take beyond its copy of the graph; past it the query stops ("ran out of its
    # memory limit") and a fresh worker takes its place. 0: no limit.
    query_memory_mb: int = 1_000
    # The same for the named questions' workers, set higher: they run only the project's own questions and
    # look-ups, whose memory grows with the cohort (the /sparql cap of 1,000 MB stopped six of them at 100,000
    # patients, the patients' look-up among them, #20), but a server must still not grow without bound.
    question_memory_mb: int = 4_000
    # Answers of GETs kept in memory for the graph's version (api/stored_answers.py), in each server process; 0: none.
    answer_cache_mb: int = 64
    # With several server processes (serve --workers N): the SQLite file in which they share those answers
    # (api/shared_answers.py), in a private folder `serve` makes and removes. None: each process keeps its own only.
    shared_answers: str | None = None
    cors_origins: tuple[str, ...] = ()  # browser origins allowed to call the API; "*" for any
    store: str | None = None  # an on-disk store written by `build --store`, opened read-only; None: build in memory
    sparql_endpoint: str | None = None  # a remote SPARQL 1.1 store loaded with `salvage-kg load`
    also: tuple[str, ...] = ()  # extra TriG/N-Quads files served beside our graphs (kg.build.extra_graphs)
    # Writes (/cases) need this bearer token; unset: writes are refused. Read from the environment only, never
    # from the command line, where other users of the machine could see it.
    write_token: str | None = None
    # One case's size: the bundled reports are ~20 KB and ~200 statements; past these limits a write would take
    # minutes and gigabytes (every write re-derives and re-checks the whole graph).
    # Measured on the bundled store: 16,774 statements wrote in 3.4 s (+200 MB), 88,356 in 17.9 s (+450 MB).
    max_case_bytes: int = 2_000_000  # bytes of a case file accepted by POST/PUT /cases
    max_case_triples: int = 20_000  # statements in one case
    max_case_list_items: int = 1_000  # RDF list items in one case

    @classmethod
    def from_env(cls) -> "Settings":
        env = os.environ
        return cls(
            query_timeout=float(env.get(PREFIX + "QUERY_TIMEOUT", cls.query_timeout)),
            max_query_length=int(env.get(PREFIX + "MAX_QUERY_LENGTH", cls.max_query_length)),
            max_result_bytes=int(env.get(PREFIX + "MAX_RESULT_BYTES", cls.max_result_bytes)),
            query_workers=int(env.get(PREFIX + "QUERY_WORKERS", cls.query_workers)),
            question_workers=int(env.get(PREFIX + "QUESTION_WORKERS", cls.question_workers)),
            query_memory_mb=int(env.get(PREFIX + "QUERY_MEMORY_MB", cls.query_memory_mb)),
            question_memory_mb=int(env.get(PREFIX + "QUESTION_MEMORY_MB", cls.question_memory_mb)),
            answer_cache_mb=int(env.get(PREFIX + "ANSWER_CACHE_MB", cls.answer_cache_mb)),
            shared_answers=env.get(PREFIX + "SHARED_ANSWERS") or None,
            cors_origins=tuple(o for o in env.get(PREFIX + "CORS_ORIGINS", "").split(",") if o),
            store=env.get(PREFIX + "STORE") or None,
            sparql_endpoint=env.get(PREFIX + "SPARQL_ENDPOINT") or None,
            also=tuple(path for path in env.get(PREFIX + "ALSO", "").split(os.pathsep) if path),
            write_token=env.get(PREFIX + "WRITE_TOKEN") or None,
            max_case_bytes=int(env.get(PREFIX + "MAX_CASE_BYTES", cls.max_case_bytes)),
            max_case_triples=int(env.get(PREFIX + "MAX_CASE_TRIPLES", cls.max_case_triples)),
            max_case_list_items=int(env.get(PREFIX + "MAX_CASE_LIST_ITEMS", cls.max_case_list_items)),
        )

    def to_env(self) -> dict[str, str]:
        return {
            PREFIX + "QUERY_TIMEOUT": str(self.query_timeout),
            PREFIX + "MAX_QUERY_LENGTH": str(self.max_query_length),
            PREFIX + "MAX_RESULT_BYTES": str(self.max_result_bytes),
            PREFIX + "QUERY_WORKERS": str(self.query_workers),
            PREFIX + "QUESTION_WORKERS": str(self.question_workers),
            PREFIX + "QUERY_MEMORY_MB": str(self.query_memory_mb),
            PREFIX + "QUESTION_MEMORY_MB": str(self.question_memory_mb),
            PREFIX + "ANSWER_CACHE_MB": str(self.answer_cache_mb),
            PREFIX + "SHARED_ANSWERS": self.shared_answers or "",
            PREFIX + "CORS_ORIGINS": ",".join(self.cors_origins),
            PREFIX + "STORE": self.store or "",
            PREFIX + "SPARQL_ENDPOINT": self.sparql_endpoint or "",
            PREFIX + "ALSO": os.pathsep.join(self.also),
            PREFIX + "MAX_CASE_BYTES": str(self.max_case_bytes),
            PREFIX + "MAX_CASE_TRIPLES": str(self.max_case_triples),
            PREFIX + "MAX_CASE_LIST_ITEMS": str(self.max_case_list_items),
        }
