"""One error story: every library error has a kind, and each kind has an HTTP status and an exit code.

The classes are found by walking kg/, so a new error class without a kind, or with a kind missing from either
table, fails here rather than as a 500 or an "unexpected error" in front of a user.
"""

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api import errors
from api.errors import STATUS, Refused
from kg.cli.exits import EXIT
from kg.errors import SalvageKgError, error_classes
from kg.questions.parameters import ParameterError

CLASSES = error_classes()


def test_the_walk_finds_the_errors_of_every_layer():
    names = {cls.__name__ for cls in CLASSES}
    assert {"ParameterError", "UnknownQuestion", "CaseError", "ValidationError", "QueryError", "RemoteStoreError",
            "StoreInUse", "Unsafe", "UsageError", "PhenopacketError", "BackendError"} <= names


@pytest.mark.parametrize("cls", CLASSES, ids=lambda cls: f"{cls.__module__}.{cls.__name__}")
def test_every_library_error_has_kinds_with_a_status_and_an_exit_code(cls):
    assert issubclass(cls, SalvageKgError)
    assert cls is SalvageKgError or cls.kinds, f"{cls.__name__} declares no kind"
    for kind in cls.kinds:
        assert kind in STATUS, f"{cls.__name__}'s kind {kind!r} has no HTTP status (api/errors.py)"
        assert kind in EXIT, f"{cls.__name__}'s kind {kind!r} has no exit code (kg/cli/exits.py)"


def test_the_builtin_bases_are_kept_for_callers_that_catch_them():
    from kg.backends.stores import StoreInUse
    from kg.knowledge_graph import UnknownQuestion

    assert issubclass(ParameterError, ValueError) and issubclass(UnknownQuestion, KeyError)
    assert issubclass(StoreInUse, OSError)


def test_a_kind_a_class_does_not_declare_is_refused_where_it_is_raised():
    from kg.build.curation import CaseError

    with pytest.raises(ValueError, match="no kind 'conflicted'"):
        CaseError("conflicted", "a typo")


def test_a_refusal_takes_its_status_from_the_one_table():
    assert Refused("not_acceptable", "ask for JSON").status == 406
    assert Refused("busy", "all workers busy").headers == {"Retry-After": "1"}
    with pytest.raises(KeyError):
        Refused("no_such_kind", "a kind without a row")


def test_a_library_error_raised_in_a_route_is_answered_with_its_kinds_status():
    app = FastAPI()
    errors.install(app)

    @app.get("/parameter")
    def parameter():
        raise ParameterError("lost_antigen", "no antigen named 'CD99'")

    @app.get("/stopped")
    def stopped():
        from kg.backends.query_workers import QueryError

        raise QueryError("question_failed", "the question's worker stopped")

    with TestClient(app) as client:
        answer = client.get("/parameter")
        assert (answer.status_code, answer.json()["error"]) == (422, "invalid_parameter")
        answer = client.get("/stopped")
        assert (answer.status_code, answer.json()["error"]) == (503, "question_failed")
        assert answer.headers["retry-after"] == "1"
