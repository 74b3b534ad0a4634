"""Alibaba Cloud beside Twilio: mainland numbers read in Chinese are paged through the domestic
provider's official SDKs against its loopback simulator (templates, receipts, SMS replies, IVR
keypresses), fall over to Twilio when it fails, and are never paged twice."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from notifiers.aliyun.channels import RECEIPT_WINDOW
from notifiers.aliyun.simulator import AliyunSimulator
from notifiers.simulator import PhoneBehaviour, TwilioSimulator
from notifiers.simulator.behaviour import Outage
from tests.conftest import ROOT, START, claim_pages, events_of, make_runtime, reading, step_to
from warning.app import Runtime
from warning.clock import VirtualClock
from warning.decisions.events import NotificationFailed, NotificationSent, WebhookReplayed
from warning.dispatch.templates import load_templates
from warning.drills.runner import run_drill
from warning.errors import TemplateFileError

WANG, LI = "+8613800000001", "+8613800000002"


@pytest.fixture
def domestic(sqlite_url: str, clock: VirtualClock) -> Iterator[Runtime]:
    runtime = make_runtime(sqlite_url, clock, domestic=True)
    try:
        yield runtime
    finally:
        runtime.close()


def _sims(runtime: Runtime) -> tuple[AliyunSimulator, TwilioSimulator]:
    assert runtime.domestic_simulator is not None and runtime.simulator is not None
    return runtime.domestic_simulator, runtime.simulator


def test_a_chinese_officer_s_page_goes_as_the_registered_template_and_reads_as_the_page(
    domestic: Runtime, clock: VirtualClock
) -> None:
    aliyun, twilio = _sims(domestic)
    domestic.engine.ingest_payload(reading(3.7, START), "test")
    (row,) = domestic.store.notifications()
    assert (row.person_id, row.provider, row.status) == ("wang-wei", "aliyun", "accepted")
    (sent,) = aliyun.sent
    assert sent.template == "SMS_480000001" and sent.phone == "13800000001"
    assert sent.text == f"【济南应急】{row.text}"  # the template filled in reads exactly as the page
    assert twilio.events_of("sms") == []
    step_to(domestic, clock, START + timedelta(seconds=5))  # the receipt is pushed back
    assert domestic.store.notifications()[0].status == "delivered"
    (accepted,) = events_of(domestic.store, NotificationSent)
    assert accepted.provider == "aliyun" and accepted.provider_sid == row.provider_sid


def test_a_keypress_on_the_domestic_ivr_call_acknowledges(domestic: Runtime, clock: VirtualClock) -> None:
    aliyun, _ = _sims(domestic)
    aliyun.set_behaviour(LI, PhoneBehaviour(answer_after=timedelta(seconds=20), press="91"))
    domestic.engine.ingest_payload(reading(3.7, START), "test")
    step_to(domestic, clock, START + timedelta(hours=1))
    (incident,) = domestic.store.incidents()
    assert (incident.status, incident.acknowledged_by) == ("acknowledged", "li-na")
    call = next(sent for sent in aliyun.sent if sent.kind == "call")
    assert call.template == "TTS_480000101" and "按1确认" in call.text
    assert [event["digits"] for event in aliyun.events_of("keypress")] == ["9", "1"]  # 9 replays, 1 decides
    voice = next(row for row in domestic.store.notifications() if row.channel == "voice")
    assert (voice.provider, voice.status) == ("aliyun", "completed")
    assert [row.person_id for row in domestic.store.notifications()] == ["wang-wei", "li-na"]  # nobody after


def test_an_sms_reply_acknowledges_and_is_answered_through_the_domestic_provider(
    domestic: Runtime, clock: VirtualClock
) -> None:
    aliyun, twilio = _sims(domestic)
    aliyun.set_behaviour(WANG, PhoneBehaviour(reply="1", reply_after=timedelta(minutes=2)))
    domestic.engine.ingest_payload(reading(3.7, START), "test")
    step_to(domestic, clock, START + timedelta(minutes=10))
    (incident,) = domestic.store.incidents()
    assert (incident.status, incident.acknowledged_by) == ("acknowledged", "wang-wei")
    assert aliyun.sent[-1].template == "SMS_480000006" and aliyun.sent[-1].text == "【济南应急】F0001已确认，谢谢。"
    assert twilio.events_of("sms") == []


def test_the_domestic_provider_down_the_page_falls_over_to_twilio_once(domestic: Runtime, clock: VirtualClock) -> None:
    aliyun, twilio = _sims(domestic)
    aliyun.set_outage("sms", Outage(answer="503"))
    domestic.engine.ingest_payload(reading(3.7, START), "test")
    step_to(domestic, clock, START + timedelta(minutes=1))
    (row,) = domestic.store.notifications()
    assert (row.provider, row.status) == ("twilio", "delivered")
    (failed,) = events_of(domestic.store, NotificationFailed)
    assert (failed.outcome, failed.provider, failed.next_provider) == ("failed_over", "aliyun", "twilio")
    assert aliyun.sent == [] and len(twilio.events_of("sms")) == 1  # paged once, through Twilio


def test_an_unclear_answer_is_settled_with_the_domestic_provider_not_sent_twice(
    domestic: Runtime, clock: VirtualClock
) -> None:
    aliyun, twilio = _sims(domestic)
    domestic.engine.ingest_payload(reading(3.7, START), "test")  # sent, and then its answer is lost:
    with domestic.store.transaction() as tx:
        row = tx.notification(1)
        assert row is not None
        row.status, row.provider_sid = "uncertain", None
        row.retry_at = row.attempt_started_at = START
    step_to(domestic, clock, START + timedelta(minutes=1))
    (row,) = domestic.store.notifications()
    assert (row.provider, row.provider_sid) == ("aliyun", "aliyun-1")
    assert len(aliyun.sent) == 1 and twilio.events_of("sms") == []
    assert [d.kind for d in domestic.store.decisions() if d.kind == "notification_reconciled"]


def test_english_readers_and_numbers_abroad_stay_with_twilio(tmp_path: Path, sqlite_url: str) -> None:
    organisation = (ROOT / "org" / "jinan.yaml").read_text(encoding="utf-8")
    assert '"+8613800000001"' in organisation
    clock = VirtualClock(START)
    changed = tmp_path / "org.yaml"
    changed.write_text(organisation.replace('"+8613800000001"', '"+4915112345678"'), encoding="utf-8")
    runtime = make_runtime(sqlite_url, clock, organisation=changed, domestic=True)
    try:
        aliyun, twilio = _sims(runtime)
        runtime.engine.ingest_payload(reading(3.7, START), "test")
        (row,) = runtime.store.notifications()
        assert (row.phone, row.provider) == ("+4915112345678", "twilio")
        assert aliyun.sent == [] and len(twilio.events_of("sms")) == 1
    finally:
        runtime.close()


def _push(runtime: Runtime, path: str, body: object) -> tuple[int, dict[str, object]]:
    assert runtime.api is not None
    request = urllib.request.Request(f"{runtime.api.url}/aliyun/{path}", data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"}, method="POST")  # fmt: skip
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, {}


def test_pushes_need_the_secret_and_a_replayed_reply_acknowledges_nothing_again(domestic: Runtime) -> None:
    domestic.engine.ingest_payload(reading(3.7, START), "test")
    reply = [{"phone_number": "13800000001", "send_time": "2026-07-14 20:01:00", "content": "1",
              "sign_name": "济南应急", "dest_code": "", "sequence_id": 77}]  # fmt: skip
    assert _push(domestic, "wrong-secret/sms/up", reply)[0] == 403
    assert domestic.store.incidents()[0].status == "open"
    assert _push(domestic, "simulator-push-secret/sms/up", reply) == (200, {"code": 0, "msg": "接收成功"})
    assert domestic.store.incidents()[0].acknowledged_by == "wang-wei"
    assert _push(domestic, "simulator-push-secret/sms/up", reply)[0] == 200  # taken, so not pushed again...
    replayed = [event.key for event in events_of(domestic.store, WebhookReplayed)]
    assert replayed == ["aliyun-up:77"]  # ...but not acted on
    assert _push(domestic, "simulator-push-secret/sms/up", {"not": "an array"})[0] == 400


def test_a_templates_file_names_each_missing_or_unknown_parameter_with_its_line(tmp_path: Path) -> None:
    text = (ROOT / "org" / "aliyun-templates.yaml").read_text(encoding="utf-8")
    broken = text.replace("${mark}${heading}：${lead}${reason}。${reply}", "${heading}：${reason}。${station}")
    path = tmp_path / "templates.yaml"
    path.write_text(broken.replace("  bundle: {code: SMS_480000005", "  bundel: {code: SMS_480000005"),
                    encoding="utf-8")  # fmt: skip
    with pytest.raises(TemplateFileError) as raised:
        load_templates(path)
    messages = [str(problem) for problem in raised.value.problems]
    line = next(n for n, row in enumerate(broken.splitlines(), 1) if row.startswith("  page:"))
    assert f"{path}:{line}: ${{station}} is not a parameter of sms.page" in messages[0]
    assert any(f"{path}:{line}: the sms.page template must use ${{mark}}" in m for m in messages)
    assert any(f"{path}:{line}: the sms.page template must use ${{reply}}" in m for m in messages)
    assert any("no sms message is a 'bundel'" in m for m in messages)
    assert any("no template for sms.bundle" in m for m in messages)
    assert load_templates(ROOT / "org" / "aliyun-templates.yaml").by_kind["sms.page"].code == "SMS_480000001"


def test_the_domestic_drill_pages_through_alibaba_cloud_falls_over_once_and_replays_the_same() -> None:
    first = run_drill(ROOT / "scenarios" / "flood-drill-domestic.yaml")
    assert {score.verdict for score in first.scores} == {"met"}
    sent = [row["data"] for row in first.decisions if row["kind"] == "notification_sent"]
    by_notification = Counter(data["notification"] for data in sent)
    assert set(by_notification.values()) == {1}  # every page went out once, whichever provider took it
    failed_over = [row["data"] for row in first.decisions
                   if row["kind"] == "notification_failed" and row["data"]["outcome"] == "failed_over"]  # fmt: skip
    assert [(f["person"], f["provider"], f["next_provider"]) for f in failed_over] == [("wang-wei", "aliyun", "twilio")]
    providers = {(data["person"], data["provider"]) for data in sent}
    assert ("wang-wei", "twilio") in providers and ("li-na", "aliyun") in providers
    assert ("ma-li", "twilio") in providers and ("ma-li", "aliyun") not in providers  # she reads English
    acks = [row["data"] for row in first.decisions if row["kind"] == "incident_acknowledged"]
    assert any(ack["person"] == "li-na" and ack["source"] == "keypress" for ack in acks)  # pressed 1 on the IVR call
    again = run_drill(ROOT / "scenarios" / "flood-drill-domestic.yaml")
    assert [row["summary"] for row in again.decisions] == [row["summary"] for row in first.decisions]


def test_an_unclear_call_is_settled_by_its_receipt_not_placed_again(domestic: Runtime, clock: VirtualClock) -> None:
    aliyun, twilio = _sims(domestic)
    aliyun.set_behaviour(LI, PhoneBehaviour(answer_after=timedelta(seconds=20), press="1"))
    aliyun.set_outage("voice", Outage(answer="drop"))  # the call is placed, and the answer never comes back
    domestic.engine.ingest_payload(reading(3.7, START), "test")
    step_to(domestic, clock, START + timedelta(minutes=15, seconds=5))
    voice = next(row for row in domestic.store.notifications() if row.channel == "voice")
    assert (voice.provider, voice.status, voice.provider_sid) == ("aliyun", "uncertain", None)  # cannot be asked
    aliyun.set_outage("voice", None)
    step_to(domestic, clock, START + timedelta(hours=1))
    voice = next(row for row in domestic.store.notifications() if row.channel == "voice")
    assert (voice.status, voice.provider_sid) == ("completed", f"aliyun-{voice.id}")  # the receipt settled it
    assert [sent.kind for sent in aliyun.sent].count("call") == 1 and twilio.events_of("call") == []
    (incident,) = domestic.store.incidents()
    assert (incident.status, incident.acknowledged_by) == ("acknowledged", "li-na")


def test_a_call_whose_reports_are_lost_for_over_an_hour_is_settled_by_a_later_push_not_placed_again(
    domestic: Runtime, clock: VirtualClock
) -> None:
    """Our push address down for an hour and a half: the service pushes the report again every ten
    minutes, and the call is waited for rather than placed a second time."""
    aliyun, twilio = _sims(domestic)
    aliyun.set_outage("voice", Outage(answer="drop"))  # placed, and the answer never comes back
    domestic.engine.ingest_payload(reading(3.7, START), "test")
    step_to(domestic, clock, START + timedelta(minutes=15, seconds=5))
    voice = next(row for row in domestic.store.notifications() if row.channel == "voice")
    assert (voice.status, voice.provider_sid) == ("uncertain", None)
    aliyun.set_outage("voice", None)
    pushes = aliyun.callbacks
    down = "http://127.0.0.1:9/aliyun/down/voice/report"  # nothing listens there: every push fails
    aliyun.configure_callbacks(sms_report=pushes["sms_report"], sms_up=pushes["sms_up"], voice_report=down)
    step_to(domestic, clock, START + timedelta(hours=1, minutes=45))
    voice = next(row for row in domestic.store.notifications() if row.id == voice.id)
    assert voice.status == "uncertain" and len(aliyun.events_of("push_failed")) >= 8
    aliyun.configure_callbacks(**pushes)
    step_to(domestic, clock, START + timedelta(hours=2))
    voice = next(row for row in domestic.store.notifications() if row.id == voice.id)
    assert (voice.status, voice.provider_sid) == ("completed", f"aliyun-{voice.id}")
    assert [sent.out_id for sent in aliyun.sent if sent.kind == "call"].count(str(voice.id)) == 1
    assert twilio.events_of("call") == []


def test_a_call_that_never_left_is_placed_once_its_report_cannot_come_any_more(
    domestic: Runtime, clock: VirtualClock
) -> None:
    """An internal error before the service acted: the call stays unclear while a report could still
    come, and is placed once after that (`RECEIPT_WINDOW`)."""
    aliyun, _ = _sims(domestic)
    aliyun.set_outage("voice", Outage(answer="500"))
    domestic.engine.ingest_payload(reading(3.7, START), "test")
    step_to(domestic, clock, START + timedelta(minutes=15, seconds=5))
    aliyun.set_outage("voice", None)
    voice = next(row for row in domestic.store.notifications() if row.channel == "voice")
    assert voice.status == "uncertain" and voice.attempt_started_at is not None
    step_to(domestic, clock, voice.attempt_started_at + RECEIPT_WINDOW - timedelta(minutes=1))
    assert [sent.out_id for sent in aliyun.sent if sent.kind == "call"].count(str(voice.id)) == 0
    step_to(domestic, clock, voice.attempt_started_at + RECEIPT_WINDOW + timedelta(minutes=10))
    assert [sent.out_id for sent in aliyun.sent if sent.kind == "call"].count(str(voice.id)) == 1
    voice = next(row for row in domestic.store.notifications() if row.id == voice.id)
    assert voice.provider_sid == f"aliyun-{voice.id}"


def test_a_page_too_long_for_its_registered_template_goes_through_twilio_instead(
    tmp_path: Path, sqlite_url: str, clock: VirtualClock
) -> None:
    """The service refuses a value longer than its template was approved for (isv.PARAM_LENGTH_LIMIT):
    the engine knows the approved lengths, sends nothing there, and the page goes as text through Twilio."""
    registered = (ROOT / "org" / "aliyun-templates.yaml").read_text(encoding="utf-8")
    templates = tmp_path / "templates.yaml"
    templates.write_text(registered.replace("\nvalue_length: 70", "\nvalue_length: 12"), encoding="utf-8")
    runtime = make_runtime(sqlite_url, clock, domestic=True, templates=templates)
    try:
        aliyun, twilio = _sims(runtime)
        runtime.engine.ingest_payload(reading(3.7, START), "test")
        step_to(runtime, clock, START + timedelta(seconds=10))  # the next attempt, through Twilio
        (row,) = runtime.store.notifications()
        assert (row.person_id, row.provider, row.status) == ("wang-wei", "twilio", "delivered")
        assert aliyun.sent == [] and [event["body"] for event in twilio.events_of("sms")] == [row.text]
        failed = [NotificationFailed.model_validate(d.data) for d in runtime.store.decisions()
                  if d.kind == "notification_failed"]  # fmt: skip
        assert [(f.outcome, f.provider, f.next_provider) for f in failed] == [("failed_over", "aliyun", "twilio")]
        assert "takes at most 12" in failed[0].error
    finally:
        runtime.close()


def test_a_person_may_name_their_provider(tmp_path: Path, sqlite_url: str) -> None:
    organisation = (ROOT / "org" / "jinan.yaml").read_text(encoding="utf-8")
    line = next(row for row in organisation.splitlines() if "id: wang-wei" in row)
    changed = tmp_path / "org.yaml"  # Wang Wei's carrier drops Alibaba Cloud's messages: he asks for Twilio
    preferring = line.replace("language: zh-CN}", "language: zh-CN, provider: twilio}")
    changed.write_text(organisation.replace(line, preferring), encoding="utf-8")
    runtime = make_runtime(sqlite_url, VirtualClock(START), organisation=changed, domestic=True)
    try:
        aliyun, twilio = _sims(runtime)
        runtime.engine.ingest_payload(reading(3.7, START), "test")
        (row,) = runtime.store.notifications()
        assert (row.person_id, row.provider) == ("wang-wei", "twilio")
        assert aliyun.sent == [] and len(twilio.events_of("sms")) == 1
    finally:
        runtime.close()


def test_the_account_s_flow_control_is_kept_by_the_engine_not_met_at_the_service(
    domestic: Runtime, clock: VirtualClock
) -> None:
    """Five SMS an hour to one number through Alibaba Cloud (the account's flow control): the sixth
    page in the hour is not sent there to be refused; it waits, or is moved as the carrier budget says."""
    aliyun, _ = _sims(domestic)
    for n in range(6):
        clock.advance_to(START + timedelta(minutes=2 * n))
        aliyun.advance(clock.now())
        claim_pages(domestic, [("sms", WANG, f"第{n}条预警")], incident_code=f"F{n + 1:04d}", language="zh-CN")
        domestic.engine.dispatcher.send_pending()
    assert len(aliyun.sent) == 5
    refused = [d for d in domestic.store.decisions() if d.kind == "notification_failed"]
    assert refused == []  # never sent there to be refused by the service
    (sixth,) = [row for row in domestic.store.notifications() if row.text == "第5条预警"]
    assert sixth.provider == "aliyun" and sixth.provider_sid is None  # held back, not sent
    kinds = [d.kind for d in domestic.store.decisions()]
    assert "page_replanned" in kinds or "budget_held" in kinds
