"""Console and webhook notifiers, through the same dispatcher as Twilio."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from notifiers.webhook import SIGNATURE_HEADER, sign, verify
from tests.conftest import ROOT, START, reading, step_to
from warning.app import Runtime, Settings, build_runtime
from warning.clock import VirtualClock
from warning.serving import BackgroundServer

SECRET = "department-shared-secret"


class Receiver:
    """A department system taking pages: checks the signature, fails once, dedupes on Idempotency-Key."""

    def __init__(self) -> None:
        self.server = BackgroundServer()
        self.pages: dict[str, dict[str, Any]] = {}
        self.answers = [503]
        app = web.Application()
        app.router.add_post("/pages", self.handle)
        self.server.start(app)

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        if not verify(SECRET, body, request.headers.get(SIGNATURE_HEADER)):
            return web.Response(status=401)
        if self.answers:
            return web.Response(status=self.answers.pop(0))
        self.pages.setdefault(request.headers["Idempotency-Key"], json.loads(body))
        return web.Response(status=202)


def _org_with(tmp_path: Path, channels: str) -> Path:
    text = (ROOT / "org" / "jinan.yaml").read_text(encoding="utf-8")
    text = text.replace(
        "{notify: duty_officer, channels: [sms], wait: 15m}",
        f"{{notify: duty_officer, channels: {channels}, wait: 15m}}",
    )
    path = tmp_path / "org.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    rec = Receiver()
    try:
        yield rec
    finally:
        rec.server.stop()


def _runtime(sqlite_url: str, clock: VirtualClock, org: Path, webhook: str | None = None) -> Runtime:
    settings = Settings(provider="simulator", database_url=sqlite_url, rules=(ROOT / "rules" / "flood.yaml",),
                        organisation=org, webhook_url=webhook, webhook_secret=SECRET)  # fmt: skip
    return build_runtime(settings, clock)


def test_console_pages_are_written_and_accepted(
    sqlite_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    clock = VirtualClock(START)
    runtime = _runtime(sqlite_url, clock, _org_with(tmp_path, "[console]"))
    try:
        runtime.engine.ingest_payload(reading(3.7, START), "test")
        (page,) = runtime.store.notifications()
        assert (page.channel, page.status, page.provider_sid) == ("console", "accepted", "console-1")
    finally:
        runtime.close()
    assert "[page console-1] to wang-wei (+8613800000001), F0001: 黄色(III级)洪水预警 F0001" in capsys.readouterr().out


def test_webhook_pages_are_signed_retried_and_delivered_once(
    sqlite_url: str, tmp_path: Path, receiver: Receiver
) -> None:
    clock = VirtualClock(START)
    runtime = _runtime(sqlite_url, clock, _org_with(tmp_path, "[webhook]"), f"{receiver.server.url}/pages")
    try:
        runtime.engine.ingest_payload(reading(3.7, START), "test")
        (page,) = runtime.store.notifications()
        assert page.status == "claimed" and page.retry_at == START + timedelta(seconds=1)  # the 503
        step_to(runtime, clock, START + timedelta(seconds=5))
        (page,) = runtime.store.notifications()
        assert page.status == "accepted" and page.attempts == 2
        (body,) = receiver.pages.values()
        assert (body["incident_code"], body["person_id"], body["channel"]) == ("F0001", "wang-wei", "webhook")
    finally:
        runtime.close()


def test_a_forged_webhook_body_fails_verification() -> None:
    body = b'{"incident_code": "F0001"}'
    assert verify(SECRET, body, sign(SECRET, body))
    assert not verify(SECRET, body.replace(b"F0001", b"F0002"), sign(SECRET, body))
    assert not verify(SECRET, body, sign("another secret", body))
    assert not verify(SECRET, body, None)
