"""Readings from field gateways over MQTT (paho-mqtt), in batches, acknowledged once stored.

Topic scheme: `<prefix>/<area>/<kind>/<sensor>`, e.g. `warning/readings/370102/water_level/HY-370102-01`,
with the reading as a JSON object: `{"value": 3.62, "unit": "m", "observed_at": "2026-07-14T21:10:00+08:00"}`.
The sensor and kind come from the topic (a payload may repeat them, but must agree); the area in the
topic must be the station's area in the catalogue, so a gateway publishing under the wrong district
is found out at once rather than its readings judged against another district's plan.

Delivery is at least once end to end: the subscription is QoS 1 in a persistent session (a fixed
client id, clean_session off), so the broker keeps what arrives while the engine is down; each
message is acknowledged (manual acks) only after the batch holding it was ingested, so a crash
before that gets it delivered again, and the engine recognises a redelivery by its reading id. The
client reconnects by itself and subscribes again on every connection.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from sensors.batching import queue_batches
from sensors.body import json_object
from sensors.decode import MAX_PAYLOAD_BYTES
from warning.domain import Reading
from warning.errors import ReadingRejected

log = logging.getLogger(__name__)

Payload = dict[str, Any] | ReadingRejected
Ingest = Callable[[Sequence[tuple[str, Payload]]], Sequence[Reading | ReadingRejected]]


@dataclass(frozen=True, slots=True)
class Broker:
    host: str
    port: int
    username: str | None = None
    password: str | None = None


def payload_of(topic: str, body: bytes, prefix: str, area_of: Callable[[str], str | None]) -> Payload:
    """The reading a message carries (sensor and kind from the topic), or why it is refused."""
    levels = topic.removeprefix(prefix.rstrip("/") + "/").split("/")
    if not topic.startswith(prefix.rstrip("/") + "/") or len(levels) != 3 or not all(levels):
        return ReadingRejected(
            f"topic {topic!r} is not {prefix}/<area>/<kind>/<sensor>", body[:1000].decode("utf-8", "replace")
        )
    area, kind, sensor = levels
    if len(body) > MAX_PAYLOAD_BYTES:
        return ReadingRejected(
            f"payload of {len(body)} bytes exceeds {MAX_PAYLOAD_BYTES}", body[:1000].decode("utf-8", "replace")
        )
    reading = json_object(body)
    if isinstance(reading, ReadingRejected):
        return reading
    for field, named in (("sensor_id", sensor), ("kind", kind)):
        if reading.setdefault(field, named) != named:
            return ReadingRejected(f"the topic names {field} {named!r}, the payload {reading[field]!r}", body.decode())
    listed = area_of(sensor)
    if listed is not None and listed != area:
        return ReadingRejected(f"the topic puts {sensor} in area {area}; the station catalogue has it in {listed}",
                               body.decode())  # fmt: skip
    return reading


class MqttFeed:
    """Subscribes to `<prefix>/+/+/+` and hands the readings to `ingest` in batches (one transaction
    each), acknowledging every message of a batch once `ingest` has returned."""

    def __init__(
        self,
        broker: Broker,
        prefix: str,
        client_id: str,
        ingest: Ingest,
        area_of: Callable[[str], str | None],
        *,
        inflight: int = 20,
        wait: float = 0.05,
    ) -> None:
        self.broker, self.prefix, self.ingest, self.area_of = broker, prefix.rstrip("/"), ingest, area_of
        # The broker sends at most `inflight` messages unacknowledged (mosquitto's max_inflight_messages,
        # 20 by default), and ours are acknowledged after their batch: a batch is at most that many.
        self.most, self.wait = inflight, wait
        self.subscribed = threading.Event()  # set on every (re)subscription, cleared on a disconnection
        self._messages: queue.Queue[tuple[int, str, bytes] | None] = queue.Queue(maxsize=8 * inflight)
        self._stop = threading.Event()
        self._client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=False,
                                   manual_ack=True)  # fmt: skip
        if broker.username is not None:
            self._client.username_pw_set(broker.username, broker.password)
        self._client.reconnect_delay_set(min_delay=1, max_delay=30)
        self._client.on_connect = self._on_connect
        self._client.on_disconnect = self._on_disconnect
        self._client.on_subscribe = self._on_subscribe
        self._client.on_message = self._on_message
        self._worker = threading.Thread(target=self._ingest_batches, name="mqtt-feed", daemon=True)

    @property
    def topic(self) -> str:
        return f"{self.prefix}/+/+/+"

    def start(self) -> MqttFeed:
        # connect_async: a broker not up yet is retried by the network loop, as a lost one is
        self._client.connect_async(self.broker.host, self.broker.port, keepalive=30)
        self._client.loop_start()
        self._worker.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._client.disconnect()
        self._client.loop_stop()
        self._worker.join(timeout=10)

    # paho callbacks (its network thread) --------------------------------------------------------

    def _on_connect(self, client: mqtt.Client, _userdata: Any, _flags: Any, reason: Any, _properties: Any) -> None:
        if reason.is_failure:
            log.error("MQTT broker %s:%s refused the connection: %s", self.broker.host, self.broker.port, reason)
            return
        client.subscribe(self.topic, qos=1)  # again on every connection: a broker may have lost the session

    def _on_subscribe(self, _client: mqtt.Client, _userdata: Any, _mid: int, reasons: Any, _properties: Any) -> None:
        if all(not reason.is_failure for reason in reasons):
            log.info("MQTT: subscribed to %s on %s:%s", self.topic, self.broker.host, self.broker.port)
            self.subscribed.set()
        else:
            log.error("MQTT: the broker refused the subscription to %s: %s", self.topic, reasons)

    def _on_disconnect(self, _client: mqtt.Client, _userdata: Any, _flags: Any, reason: Any, _properties: Any) -> None:
        self.subscribed.clear()
        if not self._stop.is_set():
            log.warning("MQTT: disconnected from %s:%s (%s); reconnecting", self.broker.host, self.broker.port, reason)

    def _on_message(self, _client: mqtt.Client, _userdata: Any, message: mqtt.MQTTMessage) -> None:
        # Blocks the network loop when the engine falls behind: the broker then holds the rest.
        self._messages.put((message.mid, message.topic, bytes(message.payload)))

    # the ingest thread --------------------------------------------------------------------------

    def _ingest_batches(self) -> None:
        for batch in queue_batches(self._messages, most=self.most, wait=self.wait, stop=self._stop):
            payloads = [
                (f"mqtt:{topic}", payload_of(topic, body, self.prefix, self.area_of)) for _, topic, body in batch
            ]
            try:
                self.ingest(payloads)
            except Exception:  # not acknowledged: the broker delivers the batch again after a reconnection
                log.exception("MQTT: a batch of %d readings could not be ingested", len(batch))
                continue
            for mid, _, _ in batch:
                self._client.ack(mid, 1)
