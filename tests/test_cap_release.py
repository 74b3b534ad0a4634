"""CAP messages released to the public: from the organisation's approval level up, a warning's
messages wait for a dispatcher of its area (API), and released ones are pushed, in release order and
each once, to a signed webhook and an MQTT topic (the local Mosquitto) as well as the Atom feed."""

from __future__ import annotations

import queue
import urllib.request
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from aiohttp import web
from paho.mqtt.enums import CallbackAPIVersion

from notifiers.webhook import SIGNATURE_HEADER, verify
from tests.conftest import ROOT, START, events_of, http_json, reading
from warning.access import Role
from warning.app import Runtime, build_accounts, build_runtime
from warning.clock import VirtualClock
from warning.decisions.events import PublicReleaseApproved, PublicReleaseHeld
from warning.serving import BackgroundServer
from warning.settings import Settings

SECRET = "cap-webhook-secret-0123"


class Receiver:
    """A subscriber's webhook: keeps what it takes, refuses while told to."""

    def __init__(self) -> None:
        self.taken: list[tuple[str, bytes]] = []
        self.refusing = False
        app = web.Application()
        app.router.add_post("/cap", self._take)
        self.server = BackgroundServer().start(app)

    async def _take(self, request: web.Request) -> web.Response:
        body = await request.read()
        if self.refusing or not verify(SECRET, body, request.headers.get(SIGNATURE_HEADER)):
            return web.Response(status=503)
        self.taken.append((request.headers["Idempotency-Key"], body))
        return web.Response(status=204)


@pytest.fixture
def centre(tmp_path: Path) -> Iterator[tuple[Runtime, dict[str, str], Receiver, queue.Queue[tuple[str, bytes]]]]:
    organisation = tmp_path / "org.yaml"
    text = (ROOT / "org" / "jinan.yaml").read_text(encoding="utf-8")
    organisation.write_text(f"release_approval_from: orange\n{text}", encoding="utf-8")
    receiver, prefix = Receiver(), f"test-{uuid.uuid4().hex[:8]}"
    heard: queue.Queue[tuple[str, bytes]] = queue.Queue()
    listener = mqtt.Client(CallbackAPIVersion.VERSION2)
    listener.on_message = lambda _c, _u, message: heard.put((message.topic, bytes(message.payload)))
    listener.connect("127.0.0.1", 1883)
    listener.subscribe(f"{prefix}/cap/#", qos=1)
    listener.loop_start()
    settings = Settings(provider="simulator", database_url=f"sqlite:///{tmp_path / 'w.db'}",
                        rules=(ROOT / "rules" / "flood.yaml",), organisation=organisation,
                        cap_webhooks=f"{receiver.server.url}/cap", cap_webhook_secret=SECRET,
                        cap_mqtt_url="mqtt://127.0.0.1:1883", cap_mqtt_prefix=prefix)  # fmt: skip
    runtime = build_runtime(settings, VirtualClock(START))
    accounts = build_accounts(runtime.store, runtime.engine)
    accounts.add_user("lixia-desk", Role.dispatcher, "370102", full_name="Lixia desk")
    accounts.add_user("huaiyin-desk", Role.dispatcher, "370104", full_name="Huaiyin desk")
    accounts.add_user("wang", Role.duty_officer, "370102", full_name="Wang Wei", person="wang-wei")
    tokens = {name: accounts.issue_token(name, "test").secret for name in ("lixia-desk", "huaiyin-desk", "wang")}
    try:
        yield runtime, tokens, receiver, heard
    finally:
        runtime.close()
        receiver.server.stop()
        listener.loop_stop()
        listener.disconnect()


def _call(runtime: Runtime, method: str, path: str, token: str) -> tuple[int, Any]:
    assert runtime.api is not None
    return http_json(method, f"{runtime.api.url}{path}", None, token)


def _feed(runtime: Runtime, token: str) -> str:
    assert runtime.api is not None
    request = urllib.request.Request(f"{runtime.api.url}/cap/feed.xml", headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return str(response.read().decode("utf-8"))


def _mqtt(heard: queue.Queue[tuple[str, bytes]], count: int) -> list[tuple[str, bytes]]:
    return [heard.get(timeout=10) for _ in range(count)]


def test_an_orange_update_waits_for_a_dispatcher_then_reaches_the_feed_and_every_subscriber_once(
    centre: tuple[Runtime, dict[str, str], Receiver, queue.Queue[tuple[str, bytes]]],
) -> None:
    runtime, tokens, receiver, heard = centre
    runtime.engine.ingest_payload(reading(3.7, START), "test")  # yellow: released as it is issued
    (alert,) = [key for key, _ in receiver.taken]
    ((topic, body),) = _mqtt(heard, 1)
    assert topic.endswith("/cap/370102") and alert.encode() in body and b"<msgType>Alert</msgType>" in body
    runtime.engine.clock.advance_to(START + timedelta(minutes=5))  # type: ignore[attr-defined]
    runtime.engine.ingest_payload(reading(4.5, START + timedelta(minutes=5)), "test")  # orange: held
    (held_event,) = events_of(runtime.store, PublicReleaseHeld)
    assert held_event.msg_type == "Update" and held_event.level.value == "orange"
    assert [key for key, _ in receiver.taken] == [alert] and heard.empty()
    assert held_event.identifier not in _feed(runtime, tokens["lixia-desk"])

    status, held = _call(runtime, "GET", "/cap/held", tokens["lixia-desk"])
    assert status == 200 and [(h["identifier"], h["incident"], h["level"]) for h in held] == [
        (held_event.identifier, "F0001", "orange")]  # fmt: skip
    assert _call(runtime, "GET", "/cap/held", tokens["huaiyin-desk"]) == (200, [])  # another district's desk
    path = f"/cap/alerts/{held_event.identifier}/release"
    assert _call(runtime, "POST", path, tokens["huaiyin-desk"])[0] == 404  # not in its area
    assert _call(runtime, "POST", path, tokens["wang"])[0] == 403  # an officer does not release to the public
    receiver.refusing = True  # the subscriber is down when it is released: it gets it later, in order
    assert _call(runtime, "POST", path, tokens["lixia-desk"]) == (200, {"released": [held_event.identifier]})
    assert [key for key, _ in receiver.taken] == [alert]
    (approved,) = events_of(runtime.store, PublicReleaseApproved)
    assert approved.by_name == "Lixia desk" and approved.identifiers == [held_event.identifier]
    assert held_event.identifier in _feed(runtime, tokens["lixia-desk"])
    ((topic, body),) = _mqtt(heard, 1)
    assert held_event.identifier.encode() in body and b"<msgType>Update</msgType>" in body
    receiver.refusing = False
    runtime.engine.clock.advance_to(START + timedelta(minutes=6))  # type: ignore[attr-defined]
    runtime.engine.tick()  # tried again after its back-off
    assert [key for key, _ in receiver.taken] == [alert, held_event.identifier]
    assert _call(runtime, "POST", path, tokens["lixia-desk"])[0] == 409  # released once
    runtime.engine.tick()
    assert len(receiver.taken) == 2 and heard.empty()  # nothing pushed twice
