"""The whole API fuzzed from its own OpenAPI document (schemathesis): whatever a client sends within
or beside the schema, no answer is a server error and every answer matches what the schema says."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from tests.conftest import START, make_runtime, reading
from warning.access import Role
from warning.app import Runtime, build_accounts
from warning.clock import VirtualClock


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Runtime, str]]:
    """A runtime with an open incident (F0001) and an administrator of the province, whose token
    reaches every route."""
    path: Path = tmp_path_factory.mktemp("schema") / "api.db"
    runtime = make_runtime(f"sqlite:///{path}", VirtualClock(START))
    runtime.engine.ingest_payload(reading(3.7, START), "test")
    accounts = build_accounts(runtime.store, runtime.engine)
    accounts.add_user("admin", Role.administrator, "370000", password="a long enough password")
    try:
        yield runtime, accounts.issue_token("admin", "schemathesis").secret
    finally:
        runtime.close()


def test_no_request_gets_a_server_error_or_an_answer_outside_the_schema(fuzzed: tuple[Runtime, str]) -> None:
    runtime, token = fuzzed
    assert runtime.api is not None
    # The stream never ends: its route is exercised by tests/test_decision_stream.py.
    schema = schemathesis.openapi.from_url(f"{runtime.api.url}/api/openapi.json").exclude(path="/api/stream")
    headers = {"Authorization": f"Bearer {token}"}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def check(case: Any) -> None:
            case.call_and_validate(headers=headers)

        try:
            check()
        except Exception as failure:
            raise AssertionError(f"{operation.method.upper()} {operation.path}: {failure}") from failure


def test_the_interactive_docs_come_from_the_project_not_a_cdn(fuzzed: tuple[Runtime, str]) -> None:
    import httpx

    runtime, _token = fuzzed
    assert runtime.api is not None
    page = httpx.get(f"{runtime.api.url}/api/docs", timeout=10)
    assert page.status_code == 200 and "/api/docs/assets/swagger-ui-bundle.js" in page.text
    assert "cdn" not in page.text and "https://" not in page.text.replace("https://swagger.io", "")
    bundle = httpx.get(f"{runtime.api.url}/api/docs/assets/swagger-ui-bundle.js", timeout=10)
    assert bundle.status_code == 200 and len(bundle.content) > 100_000
