"""schemathesis against the live server's OpenAPI schema: no 5xx, every response matches its schema.

Driven through Hypothesis directly (schemathesis' pytest plugin does not load under this pytest), one bounded
run per operation.
"""

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import checks

CHECKS = [checks.not_a_server_error, checks.status_code_conformance, checks.content_type_conformance,
          checks.response_schema_conformance]


@pytest.fixture(scope="module")
def operations(server):
    schema = schemathesis.openapi.from_url(server.url + "/openapi.json")
    return [result.ok() for result in schema.get_all_operations()]


def test_every_operation_conforms_to_its_schema(operations, server):
    assert len(operations) >= 15
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck), database=None,
                  phases=[Phase.explicit, Phase.generate])  # no shrinking: keep the suite bounded
        def conforms(case):
            case.call_and_validate(base_url=server.url, checks=CHECKS)

        try:
            conforms()
        except Exception as exc:
            raise AssertionError(f"{operation.method.upper()} {operation.path}: {exc}") from exc
