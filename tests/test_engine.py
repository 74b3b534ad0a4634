"""The engine end to end on a virtual clock, through the real twilio client, the simulator and our
webhooks; each test runs on SQLite and on the local PostgreSQL."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta, timezone
from urllib.parse import urlencode

import aiohttp
import pytest

from notifiers.simulator import PhoneBehaviour
from notifiers.twilio_signature import TwilioSignature
from tests.conftest import START, audit_of, events_of, reading, step_to
from warning.app import SIMULATOR_AUTH_TOKEN, Runtime
from warning.clock import VirtualClock
from warning.decisions.events import FallbackCallPlaced, IncidentLifted, QualityGateFailed, QualityGatePassed
from warning.dispatch.messages import compose
from warning.domain import Channel, Level, NotificationPurpose

WANG, LI, ZHAO = "+8613800000001", "+8613800000002", "+8613800000011"


def kinds(runtime: Runtime) -> list[str]:
    return [row.kind for row in runtime.store.decisions()]


def pages(runtime: Runtime) -> list[tuple[str, str, str, str]]:
    return [(n.person_id, n.channel, n.purpose, n.status) for n in runtime.store.notifications()]


def test_crossing_opens_one_incident_and_pages_the_duty_officer(runtime: Runtime, clock: VirtualClock) -> None:
    runtime.engine.ingest_payload(reading(2.9, START), "test")
    assert runtime.store.incidents() == []
    runtime.engine.ingest_payload(reading(3.7, START + timedelta(minutes=1)), "test")
    (incident,) = runtime.store.incidents()
    assert (incident.code, incident.level, incident.status) == ("F0001", "yellow", "open")
    assert pages(runtime) == [("wang-wei", "sms", "page", "accepted")]
    (sms,) = runtime.simulator.events_of("sms")  # type: ignore[union-attr]
    assert sms["to"] == WANG and "F0001" in sms["body"] and "黄色" in sms["body"]


def test_a_redelivered_reading_never_opens_a_second_incident(runtime: Runtime, clock: VirtualClock) -> None:
    payload = reading(3.8, START)
    for _ in range(3):
        runtime.engine.ingest_payload(json.dumps(payload).encode(), "kafka")
    assert len(runtime.store.incidents()) == 1
    assert len(runtime.store.notifications()) == 1
    assert kinds(runtime).count("readings_redelivered") == 2
    # A later reading above the threshold (a new reading id) does not open another incident either.
    runtime.engine.ingest_payload(reading(3.9, START + timedelta(minutes=5)), "kafka")
    assert len(runtime.store.incidents()) == 1


def test_unacknowledged_page_escalates_to_voice_then_to_the_city(runtime: Runtime, clock: VirtualClock) -> None:
    runtime.simulator.set_behaviour(LI, PhoneBehaviour(voice="no-answer", answer_after=timedelta(seconds=30)))  # type: ignore[union-attr]
    runtime.engine.ingest_payload(reading(3.7, START), "test")
    step_to(runtime, clock, START + timedelta(minutes=14, seconds=59))
    assert [p[:2] for p in pages(runtime)] == [("wang-wei", "sms")]  # never early
    step_to(runtime, clock, START + timedelta(minutes=15))
    assert [p[:2] for p in pages(runtime)] == [("wang-wei", "sms"), ("li-na", "voice")]
    step_to(runtime, clock, START + timedelta(minutes=30))
    assert [p[:2] for p in pages(runtime)][2:] == [("zhao-min", "sms"), ("zhao-min", "voice")]
    statuses = {p[0]: p[3] for p in pages(runtime)}
    assert statuses["li-na"] == "no-answer"
    step_to(runtime, clock, START + timedelta(minutes=50))
    # repeat: 1 -> the policy runs once more from the district duty officer.
    assert [p[:2] for p in pages(runtime)][4:] == [("wang-wei", "sms")]


def test_keypress_one_acknowledges_and_stops_escalation(runtime: Runtime, clock: VirtualClock) -> None:
    runtime.simulator.set_behaviour(LI, PhoneBehaviour(answer_after=timedelta(seconds=20), press="71"))  # type: ignore[union-attr]
    runtime.engine.ingest_payload(reading(3.7, START), "test")
    step_to(runtime, clock, START + timedelta(hours=2))
    (incident,) = runtime.store.incidents()
    assert (incident.status, incident.acknowledged_by) == ("acknowledged", "li-na")
    assert incident.acknowledged_at == START + timedelta(minutes=15, seconds=20)
    keys = [e["digits"] for e in runtime.simulator.events_of("keypress")]  # type: ignore[union-attr]
    assert keys == ["7", "1"]  # a wrong key re-prompts, then 1 acknowledges
    assert [p[0] for p in pages(runtime)] == ["wang-wei", "li-na"]  # nobody paged after the ack
    assert runtime.engine.next_due_at() is None


def test_sms_reply_acknowledges(runtime: Runtime, clock: VirtualClock) -> None:
    runtime.simulator.set_behaviour(WANG, PhoneBehaviour(reply="确认 F0001", reply_after=timedelta(minutes=3)))  # type: ignore[union-attr]
    runtime.engine.ingest_payload(reading(3.7, START), "test")
    step_to(runtime, clock, START + timedelta(hours=1))
    (incident,) = runtime.store.incidents()
    assert (incident.status, incident.acknowledged_by) == ("acknowledged", "wang-wei")
    assert incident.acknowledged_at == START + timedelta(minutes=3)
    replies = [e["body"] for e in runtime.simulator.events_of("sms") if e["to"] == WANG]  # type: ignore[union-attr]
    assert replies[-1] == "F0001已确认，谢谢。"  # in the officer's language


def test_upgrade_informs_and_lift_stops_escalation_and_informs(runtime: Runtime, clock: VirtualClock) -> None:
    runtime.engine.ingest_payload(reading(3.7, START), "test")
    step_to(runtime, clock, START + timedelta(minutes=5))
    runtime.engine.ingest_payload(reading(4.5, clock.now()), "test")
    assert runtime.store.incidents()[0].level == "orange"
    step_to(runtime, clock, START + timedelta(minutes=10))
    runtime.engine.ingest_payload(reading(3.0, clock.now()), "test")
    (incident,) = runtime.store.incidents()
    assert incident.status == "lifted" and incident.lifted_at == START + timedelta(minutes=10)
    # At orange the traffic police (night shift: Ma Li) and emergency management join.
    assert [(p[0], p[2]) for p in pages(runtime)] == [
        ("wang-wei", "page"),
        ("ma-li", "page"),
        ("tian-lei", "page"),
        ("tian-lei", "page"),
        ("wang-wei", "update"),
        ("wang-wei", "lifted"),
        ("ma-li", "lifted"),
        ("tian-lei", "lifted"),
    ]
    assert runtime.engine.next_due_at() is None
    step_to(runtime, clock, START + timedelta(hours=2))
    assert len(pages(runtime)) == 8
    # The next crossing is a new incident with a new code.
    runtime.engine.ingest_payload(reading(3.9, clock.now()), "test")
    assert [i.code for i in runtime.store.incidents()] == ["F0001", "F0002"]


def test_stale_wake_up_does_nothing(runtime: Runtime, clock: VirtualClock) -> None:
    runtime.engine.ingest_payload(reading(3.7, START), "test")
    assert runtime.simulator is not None
    runtime.simulator.advance(START + timedelta(minutes=1))  # the SMS is delivered: no validity fallback
    clock.advance_to(START + timedelta(minutes=15))
    with runtime.store.transaction() as tx:
        escalation = tx.escalation(1)
        assert escalation is not None
        old_token = escalation.token
        assert runtime.engine.escalation.run_due(tx, 1, old_token, clock.now())
    with runtime.store.transaction() as tx:
        # The same wake-up delivered twice (a duplicate timer fire): fenced by the token.
        assert not runtime.engine.escalation.run_due(tx, 1, old_token, clock.now())
    assert runtime.engine.tick() == 0
    assert len(runtime.store.notifications()) == 2


def _post(url: str, params: dict[str, str], headers: dict[str, str]) -> tuple[int, str]:
    import asyncio

    async def go() -> tuple[int, str]:
        async with aiohttp.ClientSession() as session, session.post(url, data=params, headers=headers) as r:
            return r.status, await r.text()

    return asyncio.run(go())


def test_forged_or_altered_webhooks_acknowledge_nothing(runtime: Runtime, clock: VirtualClock) -> None:
    runtime.engine.ingest_payload(reading(3.7, START), "test")
    assert runtime.api is not None
    url = f"{runtime.api.url}/twilio/sms/inbound"
    params = {"From": WANG, "To": "+8653188880000", "Body": "1", "MessageSid": "SMx"}
    forged = TwilioSignature("not-the-auth-token").sign(url, params)
    assert _post(url, params, {"X-Twilio-Signature": forged})[0] == 403
    genuine = TwilioSignature(SIMULATOR_AUTH_TOKEN).sign(url, params)
    altered = {**params, "Body": "ACK F0001"}
    assert _post(url, altered, {"X-Twilio-Signature": genuine})[0] == 403
    assert _post(url, params, {})[0] == 403
    assert runtime.store.incidents()[0].status == "open"
    status, body = _post(url, params, {"X-Twilio-Signature": genuine})
    assert status == 200 and "已确认" in body
    assert runtime.store.incidents()[0].status == "acknowledged"
    # A later warning, then the same signed "1" replayed: it must not acknowledge the new warning.
    runtime.engine.ingest_payload(reading(3.0, START + timedelta(minutes=1)), "test")  # lifted
    runtime.engine.ingest_payload(reading(3.8, START + timedelta(minutes=2)), "test")  # a new warning
    status, body = _post(url, params, {"X-Twilio-Signature": genuine})
    assert status == 409 and "already received" in body
    assert [i.status for i in runtime.store.incidents()] == ["lifted", "open"]
    assert "webhook_replayed" in kinds(runtime)


def _api(runtime: Runtime, path: str, token: str | None) -> tuple[int, object]:
    import asyncio

    assert runtime.api is not None
    headers = {"Authorization": f"Bearer {token}"} if token else {}

    async def go() -> tuple[int, object]:
        async with aiohttp.ClientSession() as session:
            method = session.post if path.endswith("/ack") else session.get
            async with method(runtime.api.url + path, headers=headers) as r:  # type: ignore[union-attr]
                return r.status, await r.json()

    return asyncio.run(go())


def test_api_acknowledgement_needs_a_token_and_the_right_department(runtime: Runtime, clock: VirtualClock) -> None:
    runtime.engine.ingest_payload(reading(3.7, START), "test")
    assert _api(runtime, "/api/incidents", None)[0] == 401
    assert _api(runtime, "/api/incidents/F0001/ack", "wrong-token")[0] == 401
    status, board = _api(runtime, "/api/incidents", "token-zhao")
    assert status == 200 and [i["code"] for i in board["items"]] == ["F0001"]  # type: ignore[index,call-overload]
    # Zhao Min is in the city water bureau: engaged by the policy, so may acknowledge.
    status, body = _api(runtime, "/api/incidents/F0001/ack", "token-li-na")
    assert status == 200 and body == {"accepted": True, "message": "F0001 acknowledged", "incident": "F0001"}
    status, body = _api(runtime, "/api/incidents/F0001/ack", "token-zhao")
    assert status == 409 and "already acknowledged" in body["error"]  # type: ignore[index,call-overload]


def test_officer_of_an_unengaged_department_cannot_acknowledge(database_url: str, clock: VirtualClock) -> None:
    from tests.conftest import make_runtime

    # Chen Gang is the gas office's duty officer: a flood warning is not his to acknowledge.
    runtime = make_runtime(database_url, clock, tokens={"gas-token": "chen-gang"})
    try:
        runtime.engine.ingest_payload(reading(3.7, START), "test")
        status, body = _api(runtime, "/api/incidents/F0001/ack", "gas-token")
        assert status == 403 and "gas-370102 is not engaged in this incident" in body["error"]  # type: ignore[index]
        assert runtime.store.incidents()[0].status == "open"
        (refused,) = audit_of(runtime)
        assert (refused.user_name, refused.action, refused.outcome) == ("person:chen-gang", "acknowledge", "refused")
    finally:
        runtime.close()


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        ({"kind": "water_level", "value": 3.0, "observed_at": START.isoformat()}, "sensor_id: Field required"),
        (
            '{"sensor_id": "HY-370102-01", "kind": "water_level", "value": NaN, "observed_at": "2026-07-14T12:00:00Z"}',
            "value: Input should be a finite number",
        ),
        (reading(math.inf, START), "value: Input should be a finite number"),
        ({**reading(3.0, START), "value": "3.9"}, "value: Input should be a valid number"),
        (reading(3.0, START, sensor="HY-999"), "unknown sensor 'HY-999'"),
        (reading(3.0, START + timedelta(days=2)), "is in the future"),
        ({**reading(3.0, START), "observed_at": "2026-07-14T12:00:00"}, "must carry a time zone"),
        ({**reading(3.0, START), "observed_at": "14/07/2026 12:00"}, "'14/07/2026 12:00' is not an ISO 8601 timestamp"),
        ({**reading(3.0, START), "observed_at": None}, "observed_at: Input should be a valid datetime"),
        (b"\xff\xfe not json", "not JSON"),
        ("[1, 2]", "payload must be a JSON object"),
        ({**reading(3.0, START), "extra": 1}, "extra: Extra inputs are not permitted"),
    ],
)
def test_malformed_readings_become_dead_letters_and_the_engine_carries_on(
    runtime: Runtime, payload: object, reason: str
) -> None:
    assert runtime.engine.ingest_payload(payload, "test") is None  # type: ignore[arg-type]
    (letter,) = runtime.store.dead_letters()
    assert reason in letter.reason, letter.reason
    assert letter.source == "test" and letter.payload
    runtime.engine.ingest_payload(reading(3.7, START), "test")
    assert len(runtime.store.incidents()) == 1


def test_voice_twiml_offers_a_keypress_gather(runtime: Runtime, clock: VirtualClock) -> None:
    runtime.engine.ingest_payload(reading(3.7, START), "test")
    step_to(runtime, clock, START + timedelta(minutes=15))
    voice = next(n for n in runtime.store.notifications() if n.channel == "voice")
    assert runtime.api is not None
    url = f"{runtime.api.url}/twilio/voice/twiml?{urlencode({'n': voice.id})}"
    params = {"CallSid": voice.provider_sid or "", "CallStatus": "in-progress"}
    status, twiml = _post(url, params, {"X-Twilio-Signature": TwilioSignature(SIMULATOR_AUTH_TOKEN).sign(url, params)})
    assert status == 200
    assert '<Gather numDigits="1"' in twiml and f"/twilio/voice/gather?n={voice.id}" in twiml
    assert "按1确认" in twiml and 'language="zh-CN"' in twiml


def _rules_with(tmp_path: object, extra: str) -> object:
    """The bundled flood rules with `extra` lines set on river-stage (replacing its quality gate)."""
    from pathlib import Path

    from tests.conftest import ROOT

    text = (ROOT / "rules" / "flood.yaml").read_text(encoding="utf-8")
    text = text.replace("    quality: {range: [0, 15], spike: 1.5}\n", "", 1)
    text = text.replace("    unit: m\n", f"    unit: m\n{extra}", 1)
    path = Path(str(tmp_path)) / "flood.yaml"
    path.write_text(text, encoding="utf-8")
    (path.parent / "stations.yaml").write_text((ROOT / "rules" / "stations.yaml").read_text(encoding="utf-8"))
    return path


def test_hot_reload_keeps_open_incidents_and_refuses_a_broken_file(
    runtime: Runtime, clock: VirtualClock, tmp_path: object
) -> None:
    from pathlib import Path

    from warning.rulebook import load_rulebook

    runtime.engine.ingest_payload(reading(3.7, START), "test")
    path = Path(str(_rules_with(tmp_path, "    keep_firing_for: 30m\n")))
    assert runtime.engine.reload_rules(lambda: load_rulebook([path]))
    # The open incident survives, and the new rule's keep-firing now holds it through a dip.
    clock.advance_to(START + timedelta(minutes=45))
    runtime.engine.ingest_payload(reading(3.0, START + timedelta(minutes=10)), "test")
    assert runtime.store.incidents()[0].status == "open"
    path.write_text("hazard: flood\nrules: [{id: Broken}]\n", encoding="utf-8")
    assert not runtime.engine.reload_rules(lambda: load_rulebook([path]))
    refused = [row for row in runtime.store.decisions() if row.kind == "rules_reload_refused"]
    assert refused and any(":2:" in problem for problem in refused[0].data["problems"])
    runtime.engine.ingest_payload(reading(3.0, START + timedelta(minutes=41)), "test")
    assert runtime.store.incidents()[0].status == "lifted"  # the reloaded rule still runs


def test_quality_gate_decisions_reach_the_log(database_url: str, clock: VirtualClock, tmp_path: object) -> None:
    from pathlib import Path

    from tests.conftest import ROOT
    from warning.app import Settings, build_runtime

    path = Path(str(_rules_with(tmp_path, "    quality: {range: [0, 20], stuck_for: 1h}\n")))
    settings = Settings(
        provider="simulator", database_url=database_url, rules=(path,), organisation=ROOT / "org" / "jinan.yaml"
    )
    rt = build_runtime(settings, clock, serve_http=False)
    try:
        clock.advance_to(START + timedelta(minutes=10))
        rt.engine.ingest_payload(reading(99.0, START), "test")
        rt.engine.ingest_payload(reading(3.0, START + timedelta(minutes=10)), "test")
        (failed,) = [e for e in events_of(rt.store, QualityGateFailed) if e.rule == "river-stage"]
        assert failed.station == "HY-370102-01" and failed.blocks
        assert failed.problems == ["value 99 outside the physical range [0, 20]"]
        (passed,) = [e for e in events_of(rt.store, QualityGatePassed) if e.rule == "river-stage"]
        assert passed.station == "HY-370102-01"
        assert rt.store.incidents() == []
    finally:
        rt.close()


def test_a_restarted_engine_remembers_its_windows(database_url: str, clock: VirtualClock, tmp_path: object) -> None:
    from pathlib import Path

    from tests.conftest import ROOT
    from warning.app import Settings, build_runtime

    rule = "    signal: {of: avg, over: 1h, min_span: 20m}\n"
    path = Path(str(_rules_with(tmp_path, rule)))
    settings = Settings(
        provider="simulator", database_url=database_url, rules=(path,), organisation=ROOT / "org" / "jinan.yaml"
    )
    first = build_runtime(settings, clock, serve_http=False)
    first.engine.ingest_payload(reading(3.6, START), "test")
    first.engine.ingest_payload(reading(3.6, START + timedelta(minutes=10)), "test")
    first.close()
    clock.advance_to(START + timedelta(minutes=21))
    second = build_runtime(settings, clock, serve_http=False)
    try:
        second.engine.ingest_payload(reading(3.6, START + timedelta(minutes=20)), "test")
        (incident,) = second.store.incidents()  # the 20-minute span includes readings from before the restart
        assert incident.level == "yellow"
    finally:
        second.close()


def test_a_silent_sensor_is_a_detection_and_clears_when_it_reports(
    database_url: str, clock: VirtualClock, tmp_path: object
) -> None:
    from pathlib import Path

    from tests.conftest import ROOT
    from warning.app import Settings, build_runtime

    path = Path(str(_rules_with(tmp_path, "    no_data: {after: 30m}\n")))
    settings = Settings(
        provider="simulator", database_url=database_url, rules=(path,), organisation=ROOT / "org" / "jinan.yaml"
    )
    rt = build_runtime(settings, clock)
    try:
        rt.engine.ingest_payload(reading(2.5, START + timedelta(minutes=5)), "test")
        # East Lock (HY-370102-02) never reports: silent from the engine's start; Riverside from 12:05.
        assert rt.engine.next_due_at() == START + timedelta(minutes=30)
        step_to(rt, clock, START + timedelta(minutes=29))
        assert rt.store.incidents() == []
        step_to(rt, clock, START + timedelta(minutes=34))
        (east,) = rt.store.incidents()
        assert (east.key, east.level, east.title) == (
            "river-stage:HY-370102-02:no-data", "blue", "Sensor silent: Xiaoqing River, East Lock gauge"
        )  # fmt: skip
        assert east.reason.startswith("no reading from Xiaoqing River, East Lock gauge (HY-370102-02) since the engine")
        assert rt.store.notifications()[0].person_id == "wang-wei"  # the flood policy pages for it
        rt.engine.ingest_payload(reading(2.0, START + timedelta(minutes=33), sensor="HY-370102-02"), "test")
        assert rt.store.incidents()[0].status == "lifted"
        step_to(rt, clock, START + timedelta(minutes=40))
        riverside = rt.store.incidents()[1]
        assert riverside.key == "river-stage:HY-370102-01:no-data" and riverside.opened_at == START + timedelta(
            minutes=35
        )
        assert len(rt.store.incidents()) == 2  # reported once, not on every tick
    finally:
        rt.close()


def test_warning_content_follows_the_rule_cap_fields_and_templates(runtime: Runtime, clock: VirtualClock) -> None:
    runtime.engine.ingest_payload(reading(3.7, START), "test")
    _status, page = _api(runtime, "/api/incidents", "token-li-na")
    board = page["items"]  # type: ignore[index,call-overload]
    cap = board[0]["content"]["cap"]  # type: ignore[index]
    assert (cap["category"], cap["urgency"], cap["severity"], cap["certainty"]) == (
        "Met", "Immediate", "Moderate", "Observed"
    )  # fmt: skip
    assert cap["responseType"] == ["Prepare", "Monitor"]
    assert board[0]["content"]["text"]["en"] == (  # type: ignore[index]
        "Xiaoqing River, Riverside Bridge gauge stage 3.7 m, at the yellow warning stage of 3.5 m"
    )
    (sms,) = runtime.simulator.events_of("sms")  # type: ignore[union-attr]
    # The SMS keeps to one segment: the rule's text without its instruction, which a call would say.
    assert (
        sms["body"]
        == "黄色(III级)洪水预警 F0001：小清河滨河桥水位站水位3.7m，已达黄色预警水位3.5m。回复1或“确认 F0001”确认。"
    )
    call = compose(purpose=NotificationPurpose.page, channel=Channel.voice, language="zh-CN", exercise=False,
                   code="F0001", hazard="flood", level=Level.yellow, title="", reason="",
                   content=runtime.store.incidents()[0].content)  # fmt: skip
    assert "已达黄色预警水位3.5m。请按防汛预案巡查堤防，做好低洼地区人员转移准备。按1确认" in call
    runtime.engine.ingest_payload(reading(3.0, START + timedelta(minutes=1)), "test")
    lifted = runtime.store.incidents()[0].content["cap"]
    assert (lifted["urgency"], lifted["responseType"]) == ("Past", ["AllClear"])


def test_a_compound_warning_opens_its_own_incident_and_pages_its_policy(database_url: str, clock: VirtualClock) -> None:
    from tests.conftest import ROOT
    from warning.app import Settings, build_runtime

    settings = Settings(
        provider="simulator",
        database_url=database_url,
        rules=(ROOT / "rules",),
        organisation=ROOT / "org" / "jinan.yaml",
    )
    rt = build_runtime(settings, clock, serve_http=False)
    try:
        clock.advance_to(START + timedelta(hours=1))

        def feed(sensor: str, kind: str, value: float, minute: float) -> None:
            at = START + timedelta(minutes=minute)
            payload = {"sensor_id": sensor, "kind": kind, "value": value, "observed_at": at.isoformat()}
            rt.engine.ingest_payload(payload, "test")

        for minute in range(0, 11):
            feed("TR-370102-JS01", "speed", 12.0, minute)  # yellow at 10m (5m of data, 5m pending)
        feed("WD-370102-01", "water_depth", 0.2, 0)
        feed("WD-370102-01", "water_depth", 0.2, 6)  # yellow at 6m
        feed("RG-370102-01", "rainfall", 20.0, 5)
        feed("RG-370102-01", "rainfall", 15.0, 20)  # 35 mm in the hour: yellow at 20m
        compound = [i for i in rt.store.incidents() if i.rule_id == "urban-waterlogging"]
        assert [(i.key, i.level, i.hazard, i.title) for i in compound] == [
            ("urban-waterlogging:370102", "orange", "waterlogging", "Urban waterlogging")
        ]
        assert "all members warn: rainfall-1h yellow" in compound[0].reason
        assert compound[0].content["cap"]["responseType"] == ["Avoid", "Execute"]
        paged = {(n.person_id, n.channel) for n in rt.store.notifications() if n.incident_id == compound[0].id}
        # Emergency management coordinates; the water bureau and (night shift) traffic police take part.
        assert paged == {("tian-lei", "sms"), ("tian-lei", "voice"), ("wang-wei", "sms"), ("ma-li", "sms")}
    finally:
        rt.close()


def test_an_area_gone_dark_is_one_warning(database_url: str, clock: VirtualClock, tmp_path: object) -> None:
    from pathlib import Path

    from tests.conftest import ROOT
    from warning.app import Settings, build_runtime

    path = Path(str(_rules_with(tmp_path, "    no_data: {after: 30m, per: area}\n")))
    settings = Settings(
        provider="simulator", database_url=database_url, rules=(path,), organisation=ROOT / "org" / "jinan.yaml"
    )
    rt = build_runtime(settings, clock)
    try:
        rt.engine.ingest_payload(reading(2.5, START + timedelta(minutes=5)), "test")
        step_to(rt, clock, START + timedelta(minutes=34))
        assert rt.store.incidents() == []  # East Lock is silent, but Riverside spoke at 12:05
        step_to(rt, clock, START + timedelta(minutes=40))
        (dark,) = rt.store.incidents()
        assert (dark.key, dark.station_id, dark.level) == ("river-stage:area:370102:no-data", "area:370102", "blue")
        assert dark.reason.startswith("no reading from every river-stage station in area 370102 since 2026-07-14T12:05")
        rt.engine.ingest_payload(reading(2.0, START + timedelta(minutes=39), sensor="HY-370102-02"), "test")
        assert rt.store.incidents()[0].status == "lifted"
        lifted = events_of(rt.store, IncidentLifted)
        assert lifted[0].evidence.reason.endswith("Xiaoqing River, East Lock gauge (HY-370102-02) reports again")
    finally:
        rt.close()


def test_an_undelivered_sms_page_becomes_a_call_to_the_same_person(runtime: Runtime, clock: VirtualClock) -> None:
    assert runtime.simulator is not None
    runtime.simulator.set_behaviour(
        WANG, PhoneBehaviour(sms="undelivered", answer_after=timedelta(seconds=20), press="1")
    )
    runtime.engine.ingest_payload(reading(3.7, START), "test")
    step_to(runtime, clock, START + timedelta(minutes=5))
    assert [(p[0], p[1], p[3]) for p in pages(runtime)] == [("wang-wei", "sms", "undelivered"),
                                                           ("wang-wei", "voice", "completed")]  # fmt: skip
    (incident,) = runtime.store.incidents()
    assert (incident.status, incident.acknowledged_by) == ("acknowledged", "wang-wei")
    assert incident.acknowledged_at == START + timedelta(seconds=22)  # SMS failed at 2 s, answered 20 s later
    fallback = [(e.incident, e.person, e.failed) for e in events_of(runtime.store, FallbackCallPlaced)]
    assert fallback == [("F0001", "wang-wei", "undelivered")]


def test_a_database_from_an_older_version_is_refused_with_what_to_do(tmp_path: object) -> None:
    import sqlite3
    from pathlib import Path

    from warning.errors import SchemaMismatch
    from warning.store import Store

    path = Path(str(tmp_path)) / "old.db"
    with sqlite3.connect(path) as old:  # the escalations table as the walking skeleton made it
        old.execute("CREATE TABLE escalations (incident_id INTEGER PRIMARY KEY, policy JSON, step_index INTEGER)")
    with pytest.raises(SchemaMismatch) as caught:
        Store(f"sqlite:///{path}")
    assert "run `warning db upgrade`" in str(caught.value)
    from warning.store.repository import connect
    from warning.store.schema import upgrade

    engine = connect(f"sqlite:///{path}")
    with pytest.raises(SchemaMismatch) as caught:
        upgrade(engine)  # not release 0.1's tables either: refused, untouched
    engine.dispose()
    assert "table escalations lacks column(s) acknowledged_at, acknowledged_by" in str(caught.value)


def _signed_post(runtime: Runtime, path: str, params: dict[str, str]) -> tuple[int, str]:
    assert runtime.api is not None
    url = f"{runtime.api.url}{path}"
    return _post(url, params, {"X-Twilio-Signature": TwilioSignature(SIMULATOR_AUTH_TOKEN).sign(url, params)})


def test_a_replayed_escalate_now_keypress_is_refused_and_escalates_once(runtime: Runtime) -> None:
    """One correctly signed "press 2" request, captured and replayed, must not run the chain on."""
    runtime.engine.ingest_payload(reading(3.7, START), "test")
    page = runtime.store.notifications()[0]
    params = {"CallSid": "CA" + "1" * 32, "Digits": "2", "From": "+8653188880000", "To": LI}
    path = f"/twilio/voice/gather?n={page.id}&prompt=1"
    assert _signed_post(runtime, path, params)[0] == 200
    assert kinds(runtime).count("escalation_hastened") == 1
    for _ in range(3):
        status, body = _signed_post(runtime, path, params)
        assert (status, body) == (409, "this request was already received")
    assert kinds(runtime).count("escalation_hastened") == 1 and kinds(runtime).count("webhook_replayed") == 3
    # The next prompt of the same call is another request: a key pressed there is acted on.
    assert _signed_post(runtime, f"/twilio/voice/gather?n={page.id}&prompt=2", params)[0] == 200
    assert kinds(runtime).count("escalation_hastened") == 2


def test_a_repeat_prompt_carries_the_next_prompt_number(runtime: Runtime) -> None:
    runtime.engine.ingest_payload(reading(3.7, START), "test")
    page = runtime.store.notifications()[0]
    params = {"CallSid": "CA" + "2" * 32, "Digits": "9"}
    status, body = _signed_post(runtime, f"/twilio/voice/gather?n={page.id}&prompt=1", params)
    assert status == 200 and "prompt=2" in body


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/twilio/sms/status", {"MessageSid": "SM" + "3" * 32, "MessageStatus": "undelivered"}),
        ("/twilio/voice/status", {"CallSid": "CA" + "4" * 32, "CallStatus": "no-answer"}),
    ],
)
def test_a_replayed_status_callback_is_refused(runtime: Runtime, path: str, params: dict[str, str]) -> None:
    assert _signed_post(runtime, path, params)[0] == 204
    assert _signed_post(runtime, path, params)[0] == 409
    assert _signed_post(runtime, path, {**params, "MessageStatus": "failed", "CallStatus": "failed"})[0] == 204


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/twilio/sms/inbound", {"From": WANG, "Body": "1"}),
        ("/twilio/sms/inbound", {"From": WANG, "Body": "1", "MessageSid": "../../etc"}),
        ("/twilio/voice/gather?n=1&prompt=x", {"CallSid": "CA1", "Digits": "2"}),
        ("/twilio/voice/gather?n=1&prompt=1", {"Digits": "2"}),
        ("/twilio/sms/status", {"MessageSid": "SM1" + "x" * 100, "MessageStatus": "failed"}),
    ],
)
def test_a_signed_webhook_without_a_usable_provider_id_is_a_400(
    runtime: Runtime, path: str, params: dict[str, str]
) -> None:
    runtime.engine.ingest_payload(reading(3.7, START), "test")
    assert _signed_post(runtime, path, params)[0] == 400
    assert runtime.store.incidents()[0].status == "open" and "escalation_hastened" not in kinds(runtime)


def test_claimed_readings_are_stored_as_the_orm_stores_times_and_read_back_the_same(database_url: str) -> None:
    """The claim writes rows without SQLAlchemy's per-value conversions (SQLite) or as arrays
    (PostgreSQL): times must come back as the same instants, and compare as the ORM's own rows do."""
    from sqlalchemy import select

    from warning.domain import Reading
    from warning.store import Store
    from warning.store.models import ProcessedReadingRow

    store = Store(database_url)
    try:
        east = timezone(timedelta(hours=8))
        readings = [
            Reading(sensor_id="S1", kind="k", value=1.5, observed_at=datetime(2026, 7, 14, 20, 0, tzinfo=east)),
            Reading(sensor_id="S1", kind="k", value=2.0, observed_at=datetime(2026, 7, 14, 12, 0, 0, 1, tzinfo=UTC)),
            Reading(reading_id="sent-id", sensor_id="S2", kind="k", value=-3.0, unit="m",
                    observed_at=datetime(2026, 7, 14, 12, 0, 30, 250000, tzinfo=UTC)),
        ]  # fmt: skip
        now = datetime(2026, 7, 14, 12, 5, 0, 123456, tzinfo=UTC)
        with store.transaction() as tx:
            assert tx.claim_readings(readings, now) == {r.reading_id for r in readings}
            assert tx.claim_readings(readings, now) == set()  # all stored: each one a redelivery now
        with store.transaction() as tx:
            back = tx.readings_since(datetime(2026, 7, 14, 11, 59, 59, 999999, tzinfo=UTC))
            assert [(r.reading_id, r.observed_at, r.value, r.unit) for r in back] == [
                (r.reading_id, r.observed_at, r.value, r.unit) for r in sorted(readings, key=lambda r: r.observed_at)
            ]
            assert tx.readings_since(datetime(2026, 7, 14, 12, 0, 0, 1, tzinfo=UTC))[0].reading_id == "sent-id"
            rows = tx.session.scalars(select(ProcessedReadingRow.processed_at)).all()
            assert set(rows) == {now}
    finally:
        store.dispose()
