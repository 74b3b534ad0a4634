"""Where released CAP messages go besides the Atom feed: a webhook (the message POSTed as
`application/cap+xml`, signed `X-Warning-Signature: sha256=HMAC(secret, body)`, with the message's
identifier as `Idempotency-Key`) and an MQTT topic per area (`<prefix>/cap/<area code>`, QoS 1:
taken once the broker acknowledges it)."""

from __future__ import annotations

import threading
from typing import Any

import paho.mqtt.client as mqtt
import requests
from paho.mqtt.enums import CallbackAPIVersion

from notifiers.webhook import SIGNATURE_HEADER, sign
from warning.publish.push import PushFailed, Release

CAP_TYPE = "application/cap+xml"


class WebhookSubscriber:
    def __init__(self, url: str, secret: str, timeout_seconds: float = 10.0) -> None:
        self.name = f"webhook:{url}"[:100]
        self.url = url
        self.secret = secret
        self.timeout = timeout_seconds

    def push(self, release: Release) -> None:
        body = release.xml.encode("utf-8")
        headers = {"Content-Type": CAP_TYPE, SIGNATURE_HEADER: sign(self.secret, body),
                   "Idempotency-Key": release.identifier}  # fmt: skip
        try:
            response = requests.post(self.url, data=body, headers=headers, timeout=self.timeout)
        except requests.RequestException as exc:
            raise PushFailed(f"{self.url}: {exc}") from exc
        if not 200 <= response.status_code < 300:
            raise PushFailed(f"{self.url} answered {response.status_code}")


class MqttSubscriber:
    """Publishes on a connection of its own, kept open and reconnected by paho's network loop."""

    def __init__(self, host: str, port: int, prefix: str, client_id: str, *, username: str | None = None,
                 password: str | None = None, timeout_seconds: float = 10.0) -> None:  # fmt: skip
        self.name = f"mqtt:{host}:{port}/{prefix}"[:100]
        self.prefix = prefix.rstrip("/")
        self.timeout = timeout_seconds
        self._connected = threading.Event()
        self._client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=True)
        if username is not None:
            self._client.username_pw_set(username, password)
        self._client.reconnect_delay_set(min_delay=1, max_delay=30)
        self._client.on_connect = lambda _c, _u, _f, reason, _p: (
            self._connected.set() if not reason.is_failure else None
        )
        self._client.on_disconnect = lambda *_: self._connected.clear()
        self._client.connect_async(host, port, keepalive=30)
        self._client.loop_start()

    def _on_connect(self, _client: mqtt.Client, _userdata: Any, _flags: Any, reason: Any, _properties: Any) -> None:
        if not reason.is_failure:
            self._connected.set()

    def topic(self, release: Release) -> str:
        return f"{self.prefix}/cap/{release.area}"

    def push(self, release: Release) -> None:
        if not self._connected.wait(self.timeout):
            raise PushFailed(f"{self.name}: not connected to the broker")
        info = self._client.publish(self.topic(release), release.xml.encode("utf-8"), qos=1)
        try:
            info.wait_for_publish(self.timeout)
        except (RuntimeError, ValueError) as exc:
            raise PushFailed(f"{self.name}: {exc}") from exc
        if not info.is_published():
            raise PushFailed(f"{self.name}: the broker did not acknowledge {release.identifier}")

    def stop(self) -> None:
        self._client.disconnect()
        self._client.loop_stop()
