"""What an operator watches a live engine by: Prometheus figures on /metrics, /health and /ready for
probes, and logs that carry each decision's kind, incident and number."""

from __future__ import annotations

import io
import json
import logging
import sqlite3
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import START, make_runtime, reading, step_to
from warning.app import Runtime
from warning.clock import VirtualClock
from warning.logs import configure_logging

TOKEN = "token-li-na"


@pytest.fixture
def live(tmp_path: Path) -> Iterator[tuple[Runtime, VirtualClock, Path]]:
    clock = VirtualClock(START)
    database = tmp_path / "observed.db"
    runtime = make_runtime(f"sqlite:///{database}", clock, tokens={TOKEN: "li-na"})
    try:
        yield runtime, clock, database
    finally:
        runtime.close()


def _get(runtime: Runtime, path: str, token: str | None = None) -> tuple[int, bytes]:
    assert runtime.api is not None
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    request = urllib.request.Request(f"{runtime.api.url}{path}", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def _figures(runtime: Runtime) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    status, body = _get(runtime, "/metrics", TOKEN)
    assert status == 200
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(body.decode())
        for sample in family.samples
    }


def test_metrics_count_what_the_engine_decided_and_how_long_it_took(
    live: tuple[Runtime, VirtualClock, Path],
) -> None:
    runtime, clock, _ = live
    assert _get(runtime, "/metrics")[0] == 401  # a person's token, as every API call
    runtime.engine.ingest_payload(reading(3.7, START), "test")  # yellow: the district duty officer by SMS
    step_to(runtime, clock, START + timedelta(minutes=1))
    figures = _figures(runtime)
    assert figures["warning_decisions_total", (("kind", "incident_opened"),)] == 1
    assert figures["warning_pages_total", (("channel", "sms"), ("outcome", "accepted"))] == 1
    assert figures["warning_pages_total", (("channel", "sms"), ("outcome", "delivered"))] == 1
    assert figures["warning_incidents_open", (("level", "yellow"),)] == 1
    assert figures["warning_incidents_open", (("level", "red"),)] == 0
    assert figures["warning_readings_judged_total", ()] == 1
    assert figures["warning_rule_evaluation_seconds_count", ()] == 1
    assert figures["warning_provider_request_seconds_count", (("channel", "sms"), ("outcome", "sent"))] == 1
    assert figures["warning_db_transaction_seconds_count", (("outcome", "committed"),)] > 3
    assert figures["warning_escalation_wakeup_lateness_seconds_count", ()] == 1  # step 1, at once
    assert figures["warning_escalation_oldest_due_seconds", ()] == 0

    clock.advance_to(START + timedelta(minutes=20))  # step 2 was due at 15 min; nobody woke the engine
    assert _figures(runtime)["warning_escalation_oldest_due_seconds", ()] == 5 * 60
    runtime.engine.tick()
    figures = _figures(runtime)
    assert figures["warning_escalation_oldest_due_seconds", ()] == 0
    assert figures["warning_escalation_wakeup_lateness_seconds_sum", ()] == 5 * 60  # ran 5 min late
    assert figures["warning_pages_total", (("channel", "voice"), ("outcome", "accepted"))] == 1


def test_health_is_liveness_and_ready_says_what_is_not(live: tuple[Runtime, VirtualClock, Path]) -> None:
    runtime, _, database = live
    status, body = _get(runtime, "/health")  # no token: probes carry none
    assert status == 200 and json.loads(body)["status"] == "ok"
    status, body = _get(runtime, "/ready")
    ready = json.loads(body)
    assert status == 200 and ready["status"] == "ready" and ready["failing"] == [], ready
    assert ready["checks"]["database"] == "ok" and ready["checks"]["schema"].endswith("(newest)")
    assert ready["checks"]["organisation"] == runtime.engine.org.version
    assert ready["checks"]["provider"].startswith("the loopback Twilio simulator")

    with sqlite3.connect(database) as connection:  # as if an older release's database were put back
        connection.execute("UPDATE alembic_version SET version_num = '0001_release_0_1'")
    status, body = _get(runtime, "/ready")
    ready = json.loads(body)
    assert status == 503 and ready["failing"] == ["schema"], ready
    assert "warning db upgrade" in ready["checks"]["schema"]
    assert _get(runtime, "/health")[0] == 200  # alive all the same: restarting it would not help


@pytest.fixture
def json_logs() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    stream = io.StringIO()
    configure_logging("info", stream, as_json=True)
    try:
        yield stream
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)


def test_logs_are_json_lines_carrying_each_decision(
    live: tuple[Runtime, VirtualClock, Path], json_logs: io.StringIO
) -> None:
    runtime, _, _ = live
    runtime.engine.ingest_payload(reading(3.7, START), "test")
    records: list[dict[str, Any]] = [json.loads(line) for line in json_logs.getvalue().splitlines()]
    decisions = [record for record in records if record["logger"] == "warning.decisions"]
    opened = next(record for record in decisions if record["kind"] == "incident_opened")
    assert opened["incident"] == "F0001" and opened["level"] == "INFO"
    assert opened["message"].startswith("yellow (III) flood warning F0001 opened")
    seqs = {row.kind: row.seq for row in runtime.store.decisions()}
    assert opened["decision"] == seqs["incident_opened"]
    assert {"escalation_started", "escalation_step_taken"} <= {record["kind"] for record in decisions}
