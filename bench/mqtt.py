"""MQTT readings/s through Mosquitto into the engine (SQLite, the bundled rules over 2,000 generated
stations), against a bare paho subscriber taking the same messages at QoS 1 in the same run.

Mosquitto's defaults drop messages: it queues at most 1,000 QoS 1 messages per subscriber
(max_queued_messages) beyond the 20 in flight (max_inflight_messages), and a burst from many
gateways overruns a subscriber that stores what it takes. So the bench runs its own Mosquitto with
the queue unbounded (as a deployment must configure it) and the in-flight window of `--inflight`,
once at mosquitto's default of 20 and once at 1,000.

Each subscriber connects first, then the readings are published (QoS 1) as fast as the broker takes
them; a run is timed from its first reading taken to its last. The engine's feed acknowledges a
message only after its batch is stored, so the in-flight window bounds a batch, and so the rate.

Prints one JSON object on its last line. Run: .venv/bin/python bench/mqtt.py [--readings 20000]
"""

from __future__ import annotations

import argparse
import json
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import province  # noqa: E402

from sensors.mqtt import Broker, MqttFeed, Payload  # noqa: E402
from warning.app import Settings, build_runtime  # noqa: E402
from warning.clock import VirtualClock  # noqa: E402
from warning.domain import Reading  # noqa: E402
from warning.errors import ReadingRejected  # noqa: E402

STATIONS = 2000


def start_mosquitto(workdir: Path, inflight: int) -> tuple[subprocess.Popen[bytes], Broker]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    config = workdir / f"mosquitto-{inflight}.conf"
    config.write_text(f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n"
                      f"max_queued_messages 0\nmax_inflight_messages {inflight}\n", encoding="utf-8")  # fmt: skip
    process = subprocess.Popen(["mosquitto", "-c", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process, Broker("127.0.0.1", port)
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("mosquitto did not start")


def publish(broker: Broker, prefix: str, count: int, start: datetime) -> None:
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"bench-gw-{uuid.uuid4().hex[:6]}")
    client.max_inflight_messages_set(1000)
    client.max_queued_messages_set(0)
    client.connect(broker.host, broker.port)
    client.loop_start()
    last = None
    for n, (at, reading) in enumerate(province.readings(STATIONS, count / STATIONS / 60 + 1)):
        if n == count:
            break
        topic = f"{prefix}/370102/{reading['kind']}/{reading['sensor_id']}"
        body = {"value": reading["value"], "unit": reading["unit"], "observed_at": (start + at).isoformat()}
        last = client.publish(topic, json.dumps(body), qos=1)
    assert last is not None
    last.wait_for_publish(timeout=120)
    client.disconnect()
    client.loop_stop()


def bare(broker: Broker, prefix: str, count: int, start: datetime) -> float:
    taken, done, first, subscribed = [0], threading.Event(), [0.0], threading.Event()

    def on_message(_c: Any, _u: Any, _m: Any) -> None:
        if taken[0] == 0:
            first[0] = time.perf_counter()
        taken[0] += 1
        if taken[0] == count:
            done.set()

    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"bench-bare-{uuid.uuid4().hex[:6]}")
    client.on_message = on_message
    client.on_subscribe = lambda *_: subscribed.set()
    client.on_connect = lambda c, *_: c.subscribe(f"{prefix}/+/+/+", qos=1)
    client.connect(broker.host, broker.port)
    client.loop_start()
    assert subscribed.wait(10)
    publish(broker, prefix, count, start)
    assert done.wait(300), f"{taken[0]} of {count}"
    elapsed = time.perf_counter() - first[0]
    client.disconnect()
    client.loop_stop()
    return count / elapsed


def engine(broker: Broker, prefix: str, count: int, inflight: int, start: datetime) -> float:
    with tempfile.TemporaryDirectory() as work:
        rules = province.write_rules(Path(work) / "rules", STATIONS)
        settings = Settings(provider="simulator", database_url=f"sqlite:///{work}/mqtt.db", rules=tuple(rules),
                            organisation=ROOT / "org" / "jinan.yaml")  # fmt: skip
        runtime = build_runtime(settings, VirtualClock(start + timedelta(days=1)), serve_http=False)
        taken, done, first = [0], threading.Event(), [0.0]

        def ingest(payloads: Sequence[tuple[str, Payload]]) -> Sequence[Reading | ReadingRejected]:
            verdicts = runtime.engine.ingest_payloads(payloads)
            if taken[0] == 0:
                first[0] = time.perf_counter()
            taken[0] += len(verdicts)
            if taken[0] >= count:
                done.set()
            return verdicts

        client_id = f"bench-engine-{uuid.uuid4().hex[:6]}"
        feed = MqttFeed(broker, prefix, client_id, ingest, runtime.engine.evaluator.area_of, inflight=inflight).start()
        try:
            assert feed.subscribed.wait(10)
            publish(broker, prefix, count, start)
            assert done.wait(600), f"{taken[0]} of {count}"
            return count / (time.perf_counter() - first[0])
        finally:
            feed.stop()
            runtime.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--readings", type=int, default=20_000)
    args = parser.parse_args()
    start = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(hours=1)
    result: dict[str, object] = {"readings": args.readings}
    with tempfile.TemporaryDirectory() as work:
        for inflight in (20, 1000):
            process, broker = start_mosquitto(Path(work), inflight)
            try:
                if inflight == 20:
                    result["baseline_bare_paho_qos1_per_s"] = round(bare(broker, "bench/bare", args.readings, start))
                through = engine(broker, "bench/engine", args.readings, inflight, start)
                result[f"engine_mqtt_per_s_inflight_{inflight}"] = round(through)
            finally:
                process.terminate()
                process.wait(timeout=10)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
