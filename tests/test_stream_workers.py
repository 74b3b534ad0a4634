"""Two stream workers in one consumer group share a readings topic of four partitions by area, on
one PostgreSQL database; one is killed (SIGKILL) mid-stream and the other takes its areas over,
priming them from the stored readings. The incidents and pages must equal those of one engine fed
the same readings in order: none lost, none twice, and a rate-of-rise warning that needs the killed
worker's readings in its window still opens when it should."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.partitioner import DefaultPartitioner

from tests.conftest import make_runtime, unfit_decisions
from warning.clock import VirtualClock
from warning.store import Store

pytestmark = [pytest.mark.kafka, pytest.mark.postgres]

PARTITIONS = 4
GAUGES_PER_AREA = 2
MINUTES = 90


def _areas() -> list[str]:
    """Four district codes that fall in four different partitions (murmur2, as producers key them)."""
    partitioner, every, chosen, used = DefaultPartitioner(), list(range(PARTITIONS)), [], set()
    for number in range(1, 100):
        code = f"3701{number:02d}"
        partition = partitioner(code.encode(), every, every)
        if partition not in used:
            used.add(partition)
            chosen.append(code)
        if len(chosen) == PARTITIONS:
            return chosen
    raise AssertionError("no four codes in four partitions")


AREAS = _areas()
GAUGES = [(f"G{area}-{n}", area) for area in AREAS for n in range(GAUGES_PER_AREA)]


def _organisation() -> str:
    lines = ["areas:", '  - {code: "370100", name: City}']
    lines += [f'  - {{code: "{a}", name: District {a}, parent: "370100"}}' for a in AREAS]
    lines += ["departments:"]
    lines += [f'  - {{id: water-{a}, name: Water {a}, kind: water, area: "{a}", roster: {{duty_officer: duty-{a}}}}}'
              for a in AREAS]  # fmt: skip
    lines += ["people:"]
    lines += [f'  - {{id: duty-{a}, name: Duty {a}, phone: "+86139{a[4:]}00001", department: water-{a}}}'
              for a in AREAS]  # fmt: skip
    lines += ["policies:", "  - id: flood", "    hazard: flood", "    department_kind: water", "    steps:",
              "      - {notify: duty_officer, channels: [sms], wait: 30m}", ""]  # fmt: skip
    return "\n".join(lines)


def _rules() -> str:
    stations = "".join(f'      - {{id: {g}, name: Gauge {g}, area: "{a}", levels: LEVELS}}\n' for g, a in GAUGES)
    return (
        "hazard: flood\nrules:\n"
        "  - id: stage\n    title: Stage high\n    kind: water_level\n    stations:\n"
        + stations.replace("LEVELS", "{yellow: {above: 3.0, clear_below: 2.8}}")
        + "  - id: rise\n    title: Rising fast\n    kind: water_level\n"
        "    signal: {of: rate, over: 30m, min_span: 10m}\n    stations:\n"
        + stations.replace("LEVELS", "{yellow: {above: 1.0, clear_below: 0.5}}")
    )


def _stage(index: int, minute: int) -> float:
    """Every other gauge rises from minute 40 to 60 (1.5 m in 20 min) and falls back by minute 85."""
    if index % 2:
        return 2.0
    if minute < 40:
        return 2.0
    if minute < 60:
        return round(2.0 + 1.5 * (minute - 40) / 20, 3)
    return round(max(2.0, 3.5 - 1.5 * (minute - 60) / 25), 3)


def _readings(start: datetime) -> list[tuple[bytes, bytes]]:
    """(key, payload) minute by minute; the first gauge of each area is keyed by its sensor, as a
    careless producer would, and must be sent on to its area's worker."""
    messages = []
    for minute in range(MINUTES):
        for index, (gauge, area) in enumerate(GAUGES):
            payload = {"sensor_id": gauge, "kind": "water_level", "value": _stage(index, minute), "unit": "m",
                       "observed_at": (start + timedelta(minutes=minute)).isoformat()}  # fmt: skip
            key = gauge if index % GAUGES_PER_AREA == 0 else area
            messages.append((key.encode(), json.dumps(payload).encode()))
    return messages


def _produce(broker: str, messages: list[tuple[bytes, bytes]]) -> None:
    async def go() -> None:
        producer = AIOKafkaProducer(bootstrap_servers=broker)
        await producer.start()
        try:
            for key, value in messages:
                await producer.send("feeds.readings.v1", value, key=key)
            await producer.flush()
        finally:
            await producer.stop()

    asyncio.run(go())


def _worker(name: str, broker: str, database_url: str, tmp_path: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "KAFKA_BROKER": broker,
        "WARNING_DATABASE_URL": database_url,
        "WARNING_PROVIDER": "simulator",
        "WARNING_RULES": str(tmp_path / "rules.yaml"),
        "WARNING_ORGANISATION": str(tmp_path / "org.yaml"),
        "WARNING_STREAM_APP_ID": "warning-workers-test",
        "WARNING_STREAM_DATADIR": str(tmp_path / f"faust-{name}"),
        "WARNING_KAFKA_PARTITIONS": str(PARTITIONS),
        "WARNING_KAFKA_REBALANCE_TIMEOUT": "2",
        "WARNING_KAFKA_SESSION_TIMEOUT": "6",
        "WARNING_KAFKA_HEARTBEAT_INTERVAL": "1",
    }
    log = (tmp_path / f"{name}.log").open("w")
    command = [sys.executable, "-m", "warning.cli", "--log-level", "info", "stream", "worker", "--loglevel", "info"]
    return subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=tmp_path)


def _judging(tmp_path: Path, name: str) -> list[str]:
    """The areas a worker said it judges, each time its partitions changed."""
    text = (tmp_path / f"{name}.log").read_text(encoding="utf-8", errors="replace")
    return [line.split("judging ", 1)[1].strip() for line in text.splitlines() if "judging " in line]


def _wait(what: str, done: object, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if done():  # type: ignore[operator]
            return
        time.sleep(0.2)
    raise AssertionError(f"waited {seconds}s for {what}")


def _processed(database_url: str) -> int:
    try:
        store = Store(database_url)
    except Exception:  # the schema is being created by a worker
        return 0
    try:
        with store.transaction() as tx:
            return len(tx.readings_since(datetime(1970, 1, 1, tzinfo=UTC)))
    finally:
        store.dispose()


def _outcome(database_url: str) -> tuple[Counter[tuple[str, ...]], Counter[tuple[str, ...]]]:
    """Incident decisions by (kind, rule, station, the reading that decided), and pages by (rule,
    station, purpose, person)."""
    store = Store(database_url)
    try:
        incidents = {row.id: row for row in store.incidents()}
        assert not unfit_decisions(store.decisions())  # recorded by the worker processes
        decisions = Counter(
            (row.kind, incidents[row.incident_id].rule_id, incidents[row.incident_id].station_id,
             str((row.data["evidence"].get("reading") or {}).get("observed_at")))
            for row in store.decisions()
            if row.incident_id is not None and row.kind.startswith("incident_")
        )  # fmt: skip
        pages = Counter(
            (incidents[row.incident_id].rule_id, incidents[row.incident_id].station_id, row.purpose, row.person_id)
            for row in store.notifications()
        )
    finally:
        store.dispose()
    return decisions, pages


def test_two_workers_share_areas_and_one_killed_mid_stream_loses_and_doubles_nothing(
    broker: str, postgres_url: str, tmp_path: Path
) -> None:
    (tmp_path / "org.yaml").write_text(_organisation(), encoding="utf-8")
    (tmp_path / "rules.yaml").write_text(_rules(), encoding="utf-8")
    start = (datetime.now(UTC) - timedelta(minutes=MINUTES + 10)).replace(second=0, microsecond=0)
    messages = _readings(start)
    half = len(GAUGES) * 45

    first, second = _worker("a", broker, postgres_url, tmp_path), _worker("b", broker, postgres_url, tmp_path)
    try:
        _produce(broker, messages[:half])
        _wait("both workers judging areas of their own", lambda: all(
            _judging(tmp_path, name) and _judging(tmp_path, name)[-1] not in ("areas (none)", "every area")
            for name in ("a", "b")))  # fmt: skip
        _wait("the first half stored", lambda: _processed(postgres_url) >= half)
        second.kill()  # SIGKILL mid-stream: its uncommitted offsets go to the other worker
        second.wait()
        _produce(broker, messages[half:])
        _wait("every reading stored", lambda: _processed(postgres_url) == len(messages), seconds=90)
        _wait("the survivor judging every area", lambda: _judging(tmp_path, "a")[-1] == f"areas {', '.join(AREAS)}")
        time.sleep(2)  # pages claimed with the last decisions go out
    finally:
        for process in (first, second):
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
    taken_by_b = _judging(tmp_path, "b")[-1].removeprefix("areas ").split(", ")
    assert taken_by_b and set(taken_by_b) < set(AREAS)

    # One engine fed the same readings in order decides the same.
    reference = make_runtime(f"sqlite:///{tmp_path / 'one.db'}", VirtualClock(start + timedelta(minutes=MINUTES)),
                             organisation=tmp_path / "org.yaml", rules=(tmp_path / "rules.yaml",))  # fmt: skip
    try:
        for minute in range(MINUTES):
            batch = messages[minute * len(GAUGES) : (minute + 1) * len(GAUGES)]
            reference.engine.ingest_payloads([("reference", payload) for _, payload in batch])
        expected = _outcome(reference.store.url)
    finally:
        reference.close()
    decisions, pages = _outcome(postgres_url)
    assert decisions == expected[0]
    assert pages == expected[1]
    rising = [key for key in decisions if key[0] == "incident_opened" and key[1] == "rise"]
    assert len(rising) == len(GAUGES) // 2  # every rising gauge, B's too, though its window began with B
