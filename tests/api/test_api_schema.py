"""schemathesis against the live server's OpenAPI schema: no 5xx, every response matches its schema.

Driven through Hypothesis directly (schemathesis' pytest plugin does not load under this pytest), one bounded
run per operation.
"""

import schemathesis
from conftest import WRITE_TOKEN, build_store
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import checks

CHECKS = [checks.not_a_server_error, checks.status_code_conformance, checks.content_type_conformance,
          checks.response_schema_conformance]


def operations(live):
    schema = schemathesis.openapi.from_url(live.url + "/openapi.json")
    return [result.ok() for result in schema.get_all_operations()]


def check_every_operation(live, headers: dict[str, str] | None = None, only=lambda operation: True) -> int:
    checked = 0
    for operation in filter(only, operations(live)):

        @given(case=operation.as_strategy())
        @settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck), database=None,
                  phases=[Phase.explicit, Phase.generate])  # no shrinking: keep the suite bounded
        def conforms(case):
            case.call_and_validate(base_url=live.url, checks=CHECKS, headers=headers)

        try:
            conforms()
        except Exception as exc:
            raise AssertionError(f"{operation.method.upper()} {operation.path}: {exc}") from exc
        checked += 1
    return checked


def test_every_operation_conforms_to_its_schema(server):
    assert check_every_operation(server) >= 19


def test_writes_conform_with_and_without_the_token(start_server, tmp_path):
    live = start_server("--store", build_store(tmp_path), env={"SALVAGE_KG_WRITE_TOKEN": WRITE_TOKEN})
    writes = lambda operation: operation.path.startswith("/cases")  # noqa: E731 - a filter, read once
    assert check_every_operation(live, only=writes) == 5
    assert check_every_operation(live, {"Authorization": f"Bearer {WRITE_TOKEN}"}, only=writes) == 5
