"""The loopback Twilio simulator, exercised only through the official twilio client and signed webhooks."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiohttp import web
from twilio.base.exceptions import TwilioRestException

from notifiers.simulator import PhoneBehaviour, TwilioSimulator
from notifiers.twilio_channels import TwilioSmsNotifier, build_twilio_client
from notifiers.twilio_signature import TwilioSignature
from warning.domain import Channel, Notification, NotificationPurpose
from warning.errors import DeliveryError
from warning.serving import BackgroundServer

SID, TOKEN = "AC" + "1" * 32, "sim-token"
START = datetime(2026, 7, 14, 12, tzinfo=UTC)


class Receiver:
    """A webhook endpoint that records what arrives and whether its signature is genuine."""

    def __init__(self) -> None:
        self.server = BackgroundServer()
        self.received: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self.signature = TwilioSignature(TOKEN)
        app = web.Application()
        app.router.add_post("/{tail:.*}", self.handle)
        self.server.start(app)

    async def handle(self, request: web.Request) -> web.Response:
        form = {key: str(value) for key, value in (await request.post()).items()}
        url = self.server.url + request.path_qs
        valid = self.signature.is_valid(url, form, request.headers.get("X-Twilio-Signature"))
        with self._lock:
            self.received.append({"path": request.path, "valid": valid, **form})
        if request.path == "/twiml":
            body = '<Response><Gather numDigits="1" action="/gather"><Say>Press 1</Say></Gather></Response>'
            return web.Response(text=body, content_type="application/xml")
        if request.path == "/gather":
            return web.Response(text="<Response><Say>Thanks</Say></Response>", content_type="application/xml")
        return web.Response(status=204)


@pytest.fixture
def simulator() -> Iterator[TwilioSimulator]:
    sim = TwilioSimulator(SID, TOKEN, start=START).start()
    try:
        yield sim
    finally:
        sim.stop()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    rec = Receiver()
    try:
        yield rec
    finally:
        rec.server.stop()


def test_wrong_credentials_are_refused_like_twilio(simulator: TwilioSimulator) -> None:
    client = build_twilio_client(SID, "wrong-token", simulator.url)
    with pytest.raises(TwilioRestException) as caught:
        client.messages.create(to="+8613800000001", from_="+8653188880000", body="x")
    assert (caught.value.status, caught.value.code) == (401, 20003)


def test_missing_body_is_a_400_with_twilios_error_code(simulator: TwilioSimulator) -> None:
    client = build_twilio_client(SID, TOKEN, simulator.url)
    with pytest.raises(TwilioRestException) as caught:
        client.messages.create(to="+8613800000001", from_="+8653188880000", body="")
    assert (caught.value.status, caught.value.code) == (400, 21602)


def test_message_lifecycle_with_signed_status_callbacks(simulator: TwilioSimulator, receiver: Receiver) -> None:
    client = build_twilio_client(SID, TOKEN, simulator.url)
    message = client.messages.create(
        to="+8613800000001", from_="+8653188880000", body="hello", status_callback=f"{receiver.server.url}/status"
    )
    assert message.status == "queued" and message.sid.startswith("SM")
    simulator.advance(START + timedelta(seconds=5))
    statuses = [(r["MessageStatus"], r["valid"]) for r in receiver.received]
    assert statuses == [("sent", True), ("delivered", True)]
    assert client.messages(message.sid).fetch().status == "delivered"


def test_call_fetches_twiml_and_answers_the_gather(simulator: TwilioSimulator, receiver: Receiver) -> None:
    simulator.set_behaviour("+8613800000002", PhoneBehaviour(answer_after=timedelta(seconds=5), press="1"))
    client = build_twilio_client(SID, TOKEN, simulator.url)
    call = client.calls.create(
        to="+8613800000002",
        from_="+8653188880000",
        url=f"{receiver.server.url}/twiml",
        status_callback=f"{receiver.server.url}/call-status",
    )
    simulator.advance(START + timedelta(seconds=4))
    assert [r["path"] for r in receiver.received] == ["/call-status"]  # ringing; not answered yet
    simulator.advance(START + timedelta(seconds=10))
    paths = [(r["path"], r.get("Digits"), r.get("CallStatus")) for r in receiver.received]
    assert paths == [
        ("/call-status", None, "ringing"),
        ("/twiml", None, "in-progress"),
        ("/gather", "1", "in-progress"),
        ("/call-status", None, "completed"),
    ]
    assert all(r["valid"] for r in receiver.received)
    assert client.calls(call.sid).fetch().status == "completed"


@pytest.mark.parametrize(("behaviour", "status"), [("no-answer", "no-answer"), ("busy", "busy")])
def test_unanswered_calls_report_their_status(
    simulator: TwilioSimulator, receiver: Receiver, behaviour: str, status: str
) -> None:
    simulator.set_behaviour("+8613800000002", PhoneBehaviour(voice=behaviour, answer_after=timedelta(seconds=30)))  # type: ignore[arg-type]
    client = build_twilio_client(SID, TOKEN, simulator.url)
    client.calls.create(
        to="+8613800000002",
        from_="+8653188880000",
        url=f"{receiver.server.url}/twiml",
        status_callback=f"{receiver.server.url}/call-status",
    )
    simulator.advance(START + timedelta(minutes=1))
    assert [r["CallStatus"] for r in receiver.received] == ["ringing", status]
    assert not any(r["path"] == "/twiml" for r in receiver.received)


def test_sms_reply_reaches_our_number_signed(simulator: TwilioSimulator, receiver: Receiver) -> None:
    simulator.configure_number("+8653188880000", sms_url=f"{receiver.server.url}/inbound")
    simulator.set_behaviour("+8613800000001", PhoneBehaviour(reply="ACK F0001", reply_after=timedelta(minutes=2)))
    client = build_twilio_client(SID, TOKEN, simulator.url)
    client.messages.create(to="+8613800000001", from_="+8653188880000", body="page")
    simulator.advance(START + timedelta(minutes=1))
    assert receiver.received == []
    simulator.advance(START + timedelta(minutes=3))
    (reply,) = receiver.received
    assert (reply["path"], reply["From"], reply["To"], reply["Body"], reply["valid"]) == (
        "/inbound",
        "+8613800000001",
        "+8653188880000",
        "ACK F0001",
        True,
    )


def test_notifier_translates_twilio_errors_into_delivery_errors(simulator: TwilioSimulator) -> None:
    notifier = TwilioSmsNotifier(build_twilio_client(SID, "bad", simulator.url), "+8653188880000", "http://x")
    page = Notification(
        id=1,
        idempotency_key="k",
        incident_id=1,
        incident_code="F0001",
        person_id="p",
        phone="+8613800000001",
        channel=Channel.sms,
        purpose=NotificationPurpose.page,
        language="en",
        text="t",
        exercise=False,
    )
    with pytest.raises(DeliveryError) as caught:
        notifier.send(page)
    assert not caught.value.retryable and "401" in str(caught.value)
    dead = TwilioSmsNotifier(build_twilio_client(SID, TOKEN, "http://127.0.0.1:9", 1.0), "+8653188880000", "http://x")
    with pytest.raises(DeliveryError) as unknown:
        dead.send(page)
    # Nothing listens there: the request provably never left, so a plain retry is safe.
    assert unknown.value.retryable and not unknown.value.ambiguous
