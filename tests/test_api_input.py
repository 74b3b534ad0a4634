"""The HTTP surface as a hostile or careless client uses it: whatever the body, path or form, the
answer is a 2xx or a 4xx that says what is wrong, never a 500, and the engine keeps serving."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from notifiers.simulator.server import TwilioSimulator
from notifiers.twilio_signature import TwilioSignature
from tests.conftest import START, make_runtime, reading
from warning.app import SIMULATOR_AUTH_TOKEN, Runtime
from warning.clock import VirtualClock

TOKEN = "token-li-na"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runtime]:
    path: Path = tmp_path_factory.mktemp("api") / "api.db"
    runtime = make_runtime(f"sqlite:///{path}", VirtualClock(START), tokens={TOKEN: "li-na"})
    runtime.engine.ingest_payload(reading(3.7, START), "test")  # F0001 open, pages claimed
    try:
        yield runtime
    finally:
        runtime.close()


def _send(method: str, url: str, **kwargs: Any) -> tuple[int, str, str]:
    async def go() -> tuple[int, str, str]:
        timeout = aiohttp.ClientTimeout(total=30)
        async with aiohttp.ClientSession(timeout=timeout) as session, session.request(method, url, **kwargs) as r:
            return r.status, r.headers.get("Content-Type", ""), await r.text()

    return asyncio.run(go())


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=5),
    max_leaves=12,
)
silence_bodies = st.fixed_dictionaries(
    {},
    optional={
        "area": st.sampled_from(["370102", "37", "3701", "999999", "", "x"]) | st.text(max_size=8),
        "station": st.text(max_size=120) | json_values,
        "rule": st.sampled_from(["river-stage", ""]) | json_values,
        "up_to": st.sampled_from(["blue", "yellow", "red", "purple"]) | json_values,
        "starts_at": st.sampled_from(["2026-07-14T12:00:00+00:00", "0001-01-01T00:00:00+08:00",
                                      "9999-12-31T23:59:59-12:00", "2026-07-14T12:00:00", "soon"]) | json_values,
        "ends_at": st.sampled_from(["2026-07-14T14:00:00+00:00", "9999-12-31T23:59:59+00:00"]) | json_values,
        "duration": st.sampled_from(["2h", "99999999999d", "0m", "-1h", "1e9s"]) | json_values,
        "reason": st.sampled_from(["gauge maintenance", "x"]) | json_values,
    },
)  # fmt: skip
bodies = st.one_of(
    silence_bodies.map(lambda body: json.dumps(body).encode()),
    json_values.map(lambda body: json.dumps(body).encode()),
    st.binary(max_size=200),
    st.just(b'{"reason": "dup", "reason": "twice", "area": "370102", "duration": "1h"}'),
    st.just(b"[" * 5000 + b"]" * 5000),
)
paths = st.sampled_from(["F0001", "f0001", "F9999", "", "..", "%00", "x" * 300, "F0001%2Fack", "🌊"])
endpoints = st.sampled_from([
    ("POST", "/api/silences"), ("POST", "/api/incidents/{code}/ack"), ("POST", "/api/incidents/{code}/handover"),
    ("DELETE", "/api/silences/{code}"), ("GET", "/api/incidents"), ("GET", "/api/silences"),
    ("DELETE", "/api/silences/1"), ("GET", "/health"),
])  # fmt: skip
authorizations = st.sampled_from([f"Bearer {TOKEN}", "Bearer nope", "", "Basic x", "Bearer " + "x" * 9000])


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    endpoints, paths, bodies, st.sampled_from([f"Bearer {TOKEN}", "Bearer nope", "", "Basic x", "Bearer " + "x" * 9000])
)
def test_any_api_request_gets_an_answer_that_is_not_a_server_error(
    served: Runtime, endpoint: tuple[str, str], code: str, body: bytes, authorization: str
) -> None:
    assert served.api is not None
    method, template = endpoint
    headers = {"Content-Type": "application/json", "Authorization": authorization}
    status, content_type, text = _send(method, served.api.url + template.format(code=code), data=body, headers=headers)
    assert status < 500, (status, text)
    if status >= 400 and status != 404 and "json" in content_type:
        answer = json.loads(text)
        assert answer.get("error") or answer.get("message"), answer


form_values = st.text(max_size=40) | st.sampled_from(["1", "2", "9", "ACK F0001", "确认 F0001", "", "\x00"])
forms = st.fixed_dictionaries(
    {},
    optional={
        "MessageSid": st.sampled_from(["SM" + "a" * 32, "", "../x"]) | st.text(max_size=70),
        "CallSid": st.sampled_from(["CA" + "b" * 32, ""]) | st.text(max_size=70),
        "MessageStatus": st.sampled_from(["delivered", "undelivered", "failed", "sent", "teapot"])
        | st.text(max_size=25),
        "CallStatus": st.sampled_from(["completed", "no-answer", "busy"]) | st.text(max_size=25),
        "From": st.sampled_from(["+8613800000001", "+1", ""]) | st.text(max_size=20),
        "Body": form_values,
        "Digits": form_values,
    },
)
webhooks = st.sampled_from([
    "/twilio/sms/status", "/twilio/voice/status", "/twilio/voice/twiml?n=1", "/twilio/voice/twiml?n=x",
    "/twilio/voice/gather?n=1&prompt=1", "/twilio/voice/gather?n=99999999999999999999&prompt=1",
    "/twilio/voice/gather?n=1&prompt=99999999999999999999", "/twilio/sms/inbound",
])  # fmt: skip


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(webhooks, forms)
def test_any_signed_webhook_gets_an_answer_that_is_not_a_server_error(
    served: Runtime, path: str, form: dict[str, str]
) -> None:
    """Signed with the real token: whatever a provider (or one who has the token) sends, no 500."""
    assert served.api is not None
    url = served.api.url + path
    form = {key: value.replace("\x00", "") for key, value in form.items()}
    signature = TwilioSignature(SIMULATOR_AUTH_TOKEN).sign(url, form)
    status, _, text = _send("POST", url, data=form, headers={"X-Twilio-Signature": signature})
    assert status < 500, (status, text)


@pytest.fixture(scope="module")
def simulator() -> Iterator[TwilioSimulator]:
    running = TwilioSimulator("AC" + "5" * 32, SIMULATOR_AUTH_TOKEN, start=START).start()
    try:
        yield running
    finally:
        running.stop()


control_bodies = st.one_of(
    bodies,
    st.fixed_dictionaries(
        {"to": st.sampled_from(["2026-07-14T13:00:00+00:00", "2026-07-14T13:00", "x"]) | json_values}
    ).map(lambda body: json.dumps(body).encode()),
    st.dictionaries(st.sampled_from(["+8613800000001", "x"]), json_values, max_size=2).map(
        lambda b: json.dumps(b).encode()
    ),
)


@settings(max_examples=100, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from(["/_sim/advance", "/_sim/behaviour", "/_sim/faults"]), control_bodies)
def test_any_simulator_control_request_gets_an_answer_that_is_not_a_server_error(
    simulator: TwilioSimulator, path: str, body: bytes
) -> None:
    status, _, text = _send("POST", simulator.url + path, data=body, headers={"Content-Type": "application/json"})
    assert status < 500, (status, text)
