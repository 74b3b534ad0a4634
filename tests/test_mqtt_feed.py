"""Readings from field gateways through a real Mosquitto broker: the local one (127.0.0.1:1883) and,
for the reconnection, one started on a port of its own. Each test publishes under a prefix of its
own, so tests never see each other's messages."""

from __future__ import annotations

import json
import subprocess
import threading
import time
import urllib.request
import uuid
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from paho.mqtt.enums import CallbackAPIVersion

from sensors.mqtt import Broker, MqttFeed, Payload, payload_of
from tests.conftest import START, free_port, http_json, make_runtime, start_live_engine
from warning.app import Runtime
from warning.clock import VirtualClock
from warning.domain import Reading
from warning.errors import ReadingRejected
from warning.settings import mqtt_address

LOCAL = Broker("127.0.0.1", 1883)


@pytest.fixture
def runtime(tmp_path: Path) -> Iterator[Runtime]:
    rt = make_runtime(f"sqlite:///{tmp_path / 'mqtt.db'}", VirtualClock(START + timedelta(hours=1)))
    try:
        yield rt
    finally:
        rt.close()


def publish(broker: Broker, messages: list[tuple[str, bytes]]) -> None:
    """Publish at QoS 1 and wait until the broker has each one."""
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"gateway-{uuid.uuid4().hex[:8]}")
    client.connect(broker.host, broker.port)
    client.loop_start()
    try:
        for topic, body in messages:
            client.publish(topic, body, qos=1).wait_for_publish(timeout=10)
    finally:
        client.disconnect()
        client.loop_stop()


def reading_body(value: object, minute: int, **extra: object) -> bytes:
    return json.dumps({"value": value, "unit": "m", "observed_at": (START + timedelta(minutes=minute)).isoformat(),
                       **extra}).encode()  # fmt: skip


def feed_into(runtime: Runtime, broker: Broker, prefix: str, client_id: str) -> MqttFeed:
    def ingest(payloads: Sequence[tuple[str, Payload]]) -> Sequence[Reading | ReadingRejected]:
        return runtime.engine.ingest_payloads(payloads)

    feed = MqttFeed(broker, prefix, client_id, ingest, runtime.engine.evaluator.area_of).start()
    assert feed.subscribed.wait(10), "no subscription"
    return feed


def wait_until(what: str, done: object, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if done():  # type: ignore[operator]
            return
        time.sleep(0.05)
    raise AssertionError(f"waited {seconds}s for {what}")


def stored(runtime: Runtime) -> int:
    with runtime.store.transaction() as tx:
        return len(tx.readings_since(START - timedelta(days=1)))


def test_gateway_messages_are_judged_and_every_bad_one_dead_lettered_with_its_reason(runtime: Runtime) -> None:
    prefix = f"test-{uuid.uuid4().hex[:8]}/readings"
    gauge = f"{prefix}/370102/water_level/HY-370102-01"
    feed = feed_into(runtime, LOCAL, prefix, f"warning-{uuid.uuid4().hex[:8]}")
    try:
        publish(LOCAL, [
            (gauge, reading_body(2.9, 0)),
            (gauge, b"{not json"),
            (gauge, b'{"value": 3.0, "value": 3.1, "observed_at": "2026-07-14T12:01:00+00:00"}'),
            (gauge, reading_body(3.0, 2, sensor_id="HY-370102-02")),
            (f"{prefix}/370103/water_level/HY-370102-01", reading_body(3.0, 3)),
            (f"{prefix}/370102/water_level/NOBODY", reading_body(3.0, 4)),
            (f"{prefix}//water_level/HY-370102-01", reading_body(3.0, 5)),
            (gauge, b"[" + b" " * 70_000 + b"]"),
            (gauge, reading_body(3.7, 9)),
        ])  # fmt: skip
        wait_until("every message taken", lambda: stored(runtime) + len(runtime.store.dead_letters()) == 9)
    finally:
        feed.stop()
    reasons = [(row.source, row.reason) for row in runtime.store.dead_letters()]
    assert [source for source, _ in reasons] == [f"mqtt:{gauge}"] * 3 + [
        f"mqtt:{prefix}/370103/water_level/HY-370102-01",
        f"mqtt:{prefix}/370102/water_level/NOBODY",
        f"mqtt:{prefix}//water_level/HY-370102-01",
        f"mqtt:{gauge}",
    ]
    words = [reason for _, reason in reasons]
    assert words[0].startswith("not JSON") and "'value' appears more than once" in words[1]
    assert words[2] == "the topic names sensor_id 'HY-370102-01', the payload 'HY-370102-02'"
    assert words[3] == "the topic puts HY-370102-01 in area 370103; the station catalogue has it in 370102"
    assert "unknown sensor 'NOBODY'" in words[4] and "is not" in words[5] and "exceeds" in words[6]
    assert stored(runtime) == 2
    assert [row.kind for row in runtime.store.decisions()].count("incident_opened") == 1  # 3.7 m warns


def test_messages_published_while_the_engine_is_away_or_not_acknowledged_arrive_later(runtime: Runtime) -> None:
    """A persistent session keeps what arrives while the engine is down, and a batch whose ingest
    failed is not acknowledged, so the broker delivers it again to the next connection."""
    prefix = f"test-{uuid.uuid4().hex[:8]}/readings"
    gauge, client_id = f"{prefix}/370102/water_level/HY-370102-01", f"warning-{uuid.uuid4().hex[:8]}"
    failing = threading.Event()
    failing.set()

    def flaky(payloads: Sequence[tuple[str, Payload]]) -> Sequence[Reading | ReadingRejected]:
        if failing.is_set():
            failing.clear()
            raise RuntimeError("the engine crashed mid-batch")
        return runtime.engine.ingest_payloads(payloads)

    feed = MqttFeed(LOCAL, prefix, client_id, flaky, runtime.engine.evaluator.area_of).start()
    assert feed.subscribed.wait(10)
    publish(LOCAL, [(gauge, reading_body(2.5, 0))])
    wait_until("the failing batch", lambda: not failing.is_set())
    feed.stop()  # the unacknowledged message stays with the broker, and so do the next ones
    publish(LOCAL, [(gauge, reading_body(2.6, 1)), (gauge, reading_body(2.7, 2))])
    feed = feed_into(runtime, LOCAL, prefix, client_id)
    try:
        wait_until("all three readings", lambda: stored(runtime) == 3)
    finally:
        feed.stop()


def test_the_feed_reconnects_and_subscribes_again_when_the_broker_restarts(runtime: Runtime, tmp_path: Path) -> None:
    port = free_port()
    config = tmp_path / "mosquitto.conf"
    config.write_text(f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n", encoding="utf-8")

    def broker_process() -> subprocess.Popen[bytes]:
        process = subprocess.Popen(
            ["mosquitto", "-c", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        time.sleep(0.3)
        return process

    broker, own = broker_process(), Broker("127.0.0.1", port)
    prefix, gauge = "field/readings", "field/readings/370102/water_level/HY-370102-01"
    feed = feed_into(runtime, own, prefix, "warning-reconnect")
    try:
        publish(own, [(gauge, reading_body(2.5, 0))])
        wait_until("the first reading", lambda: stored(runtime) == 1)
        broker.terminate()
        broker.wait()
        wait_until("the feed to notice", lambda: not feed.subscribed.is_set())
        broker = broker_process()  # a broker without the old session: the feed must subscribe again
        assert feed.subscribed.wait(40), "did not subscribe again"
        publish(own, [(gauge, reading_body(2.6, 1))])
        wait_until("the reading after the restart", lambda: stored(runtime) == 2)
    finally:
        feed.stop()
        broker.terminate()
        broker.wait()


def test_broker_urls_and_topics_are_checked() -> None:
    assert mqtt_address("mqtt://gw:s%40cret@10.0.0.5:8883") == ("10.0.0.5", 8883, "gw", "s@cret")
    assert mqtt_address("mqtt://127.0.0.1") == ("127.0.0.1", 1883, None, None)
    for bad in ("http://x", "mqtt://", "mqtt://h:99999", "mqtt://h/path"):
        with pytest.raises(ValueError):
            mqtt_address(bad)
    refused = payload_of("p/370102/water_level", b"{}", "p", lambda _: None)
    assert isinstance(refused, ReadingRejected) and "is not p/<area>/<kind>/<sensor>" in refused.reason


def test_a_live_engine_takes_readings_from_mqtt_and_counts_them(tmp_path: Path) -> None:
    prefix = f"test-{uuid.uuid4().hex[:8]}/readings"
    process, api = start_live_engine({
        "WARNING_DATABASE_URL": f"sqlite:///{tmp_path / 'live.db'}",
        "WARNING_MQTT_URL": "mqtt://127.0.0.1:1883",
        "WARNING_MQTT_TOPIC_PREFIX": prefix,
        "WARNING_MQTT_CLIENT_ID": f"warning-{uuid.uuid4().hex[:8]}",
        "WARNING_API_TOKENS": "token-li-na:li-na",
    })  # fmt: skip
    try:
        now = datetime.now(UTC).replace(microsecond=0)
        gauge = f"{prefix}/370102/water_level/HY-370102-01"
        body = {"value": 3.8, "unit": "m", "observed_at": now.isoformat()}
        assert process.stdout is not None
        while "readings from MQTT: subscribed" not in (line := process.stdout.readline().decode()):
            assert line, "the engine stopped before subscribing"
        publish(LOCAL, [(gauge, json.dumps(body).encode()), (gauge, b"garbage")])
        deadline, incidents = time.monotonic() + 20, []
        while time.monotonic() < deadline and not incidents:
            incidents = http_json("GET", f"{api}/api/incidents", token="token-li-na")[1]["items"]
            time.sleep(0.2)
        assert [incident["rule_id"] for incident in incidents] == ["river-stage"]
        request = urllib.request.Request(f"{api}/metrics", headers={"Authorization": "Bearer token-li-na"})
        with urllib.request.urlopen(request, timeout=10) as response:
            text = response.read().decode()
        assert 'warning_feed_readings_total{feed="mqtt",outcome="accepted"} 1.0' in text
        assert 'warning_feed_readings_total{feed="mqtt",outcome="refused"} 1.0' in text
    finally:
        process.terminate()
        process.wait(timeout=30)


@settings(max_examples=300, deadline=None)
@given(
    topic=st.sampled_from(["p/370102/water_level/HY-370102-01", "p/370103/water_level/HY-370102-01", "p//x/y",
                           "p/a/b/c/d", "q/370102/water_level/S"]) | st.text(max_size=40),
    body=st.binary(max_size=200) | st.dictionaries(st.text(max_size=10), st.none() | st.floats() | st.text(max_size=5),
                                                    max_size=4).map(lambda d: json.dumps(d).encode()),
)  # fmt: skip
def test_no_topic_or_body_makes_the_mqtt_adapter_raise(topic: str, body: bytes) -> None:
    payload = payload_of(topic, body, "p", {"HY-370102-01": "370102"}.get)
    assert isinstance(payload, dict) or (isinstance(payload, ReadingRejected) and payload.reason)
