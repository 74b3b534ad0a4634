"""Exactly-once paging through provider trouble: the real twilio client against the simulator."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from notifiers.simulator import Faults
from tests.conftest import START, claim_pages, http_json, make_runtime
from warning.app import Runtime
from warning.clock import VirtualClock

PAGES = 1000


def _claim_pages(runtime: Runtime, count: int) -> None:
    claim_pages(runtime, [("sms", f"+86138{n:08d}", f"page {n}") for n in range(count)])


def test_every_page_is_delivered_exactly_once_through_5xx_429_and_dropped_answers(
    sqlite_runtime: tuple[Runtime, VirtualClock],
) -> None:
    runtime, clock = sqlite_runtime
    assert runtime.simulator is not None
    # 30% 5xx (a third before acting, a third after, a third answer dropped), and 429 bursts.
    runtime.simulator.set_faults(
        Faults(error_before=0.10, error_after=0.10, drop_after=0.10, burst_every=97, burst_length=5, seed=42)
    )
    _claim_pages(runtime, PAGES)
    _drain(runtime, clock, rounds=200)
    rows = runtime.store.notifications()
    assert {row.status for row in rows} <= {"accepted", "delivered"} and len(rows) == PAGES
    faults = Counter(event["fault"] for event in runtime.simulator.events_of("fault"))
    assert faults["error_after"] > 50 and faults["drop_after"] > 50 and faults["429"] > 20, faults
    created = Counter(event["body"] for event in runtime.simulator.events_of("sms"))
    assert len(created) == PAGES and set(created.values()) == {1}  # nobody paged twice, nobody missed
    sids = {event["body"]: event["sid"] for event in runtime.simulator.events_of("sms")}
    assert all(row.provider_sid == sids[row.text] for row in rows)  # each row knows its real message
    reconciled = [d for d in runtime.store.decisions() if d.kind == "notification_reconciled"]
    assert len(reconciled) == faults["error_after"] + faults["drop_after"]


def test_retries_back_off_and_wake_the_engine(sqlite_runtime: tuple[Runtime, VirtualClock]) -> None:
    runtime, clock = sqlite_runtime
    assert runtime.simulator is not None
    runtime.simulator.set_faults(Faults(error_before=1.0))
    _claim_pages(runtime, 1)
    waits = []
    for _ in range(4):
        runtime.engine.dispatcher.send_pending()
        due = runtime.engine.next_due_at()
        assert due is not None
        waits.append(due - clock.now())
        clock.advance_to(due)
    assert waits == [timedelta(seconds=1), timedelta(seconds=2), timedelta(seconds=4), timedelta(seconds=8)]
    runtime.simulator.set_faults(Faults())
    runtime.engine.dispatcher.send_pending()
    (row,) = runtime.store.notifications()
    assert (row.status, row.attempts) == ("accepted", 5)
    assert len(runtime.simulator.events_of("sms")) == 1


def test_a_page_left_sending_by_a_crash_is_reconciled_not_resent(sqlite_runtime: tuple[Runtime, VirtualClock]) -> None:
    runtime, clock = sqlite_runtime
    assert runtime.simulator is not None
    _claim_pages(runtime, 2)
    runtime.engine.dispatcher.send_pending()  # both accepted by the provider
    with runtime.store.transaction() as tx:  # the process died before recording page-1's answer
        row = tx.notification(2)
        assert row is not None
        row.status, row.provider_sid, row.updated_at = "sending", None, START
    clock.advance_to(START + timedelta(minutes=1))
    runtime.engine.dispatcher.send_pending()
    assert runtime.store.notifications()[1].status == "sending"  # a minute: it may still be in flight
    clock.advance_to(START + timedelta(minutes=3))
    runtime.engine.dispatcher.send_pending()
    rows = runtime.store.notifications()
    assert [row.status for row in rows] == ["accepted", "accepted"]
    assert len(runtime.simulator.events_of("sms")) == 2  # reconciled, not sent again


def _drain(runtime: Runtime, clock: VirtualClock, rounds: int = 100) -> None:
    """Send, let the simulator play, and move the clock to the next retry, until nothing is due."""
    assert runtime.simulator is not None
    for _ in range(rounds):
        runtime.simulator.advance(clock.now())
        runtime.engine.dispatcher.send_pending()
        due = runtime.engine.next_due_at()
        if due is None:
            break
        clock.advance_to(max(due, clock.now()))


def test_faults_scripted_per_number_over_http_hit_only_that_number(
    sqlite_runtime: tuple[Runtime, VirtualClock],
) -> None:
    runtime, clock = sqlite_runtime
    assert runtime.simulator is not None
    sim = runtime.simulator.url
    troubled, fine, bursty = "+8613900000001", "+8613900000002", "+8613900000003"
    status, answer = http_json("POST", f"{sim}/_sim/behaviour", {
        troubled: {"script": ["429", "503", "error_after", "drop", "500"]},
        bursty: {"faults": {"burst_every": 3, "burst_length": 2, "burst_status": "503", "seed": 7}},
    })  # fmt: skip
    assert status == 200 and answer["numbers"] == sorted([bursty, troubled])
    assert http_json("POST", f"{sim}/_sim/behaviour", {fine: {"script": ["teapot"]}})[0] == 400  # told, not ignored
    assert http_json("POST", f"{sim}/_sim/faults", {"error_after": 2})[0] == 400
    shown = http_json("GET", f"{sim}/_sim/behaviour")[1]
    assert shown["numbers"][troubled]["script"] == ["429", "503", "error_after", "drop", "500"]

    for n in range(3):  # three warnings for each number: one bundled message each
        claim_pages(runtime, [("sms", phone, f"{phone} page {n}") for phone in (troubled, fine, bursty)],
                    incident_code=f"F000{n + 1}")  # fmt: skip
    _drain(runtime, clock)

    rows = runtime.store.notifications()
    assert {row.status for row in rows} <= {"accepted", "delivered"} and len(rows) == 9
    created = Counter((event["to"], event["body"]) for event in runtime.simulator.events_of("sms"))
    assert len(created) == 3 and set(created.values()) == {1}
    sids = {event["to"]: event["sid"] for event in runtime.simulator.events_of("sms")}
    assert all(row.provider_sid == sids[row.phone] for row in rows)  # each row knows the message it went in
    faults = runtime.simulator.events_of("fault")
    assert {event.get("to") for event in faults if "to" in event} <= {troubled, bursty}
    assert [e["fault"] for e in faults if e.get("to") == troubled][:2] == ["429", "error_before"]
    assert any(e.get("status") == 503 for e in faults if e.get("to") == bursty)


def test_default_faults_over_http_then_cleared(sqlite_runtime: tuple[Runtime, VirtualClock]) -> None:
    runtime, clock = sqlite_runtime
    assert runtime.simulator is not None
    sim = runtime.simulator.url
    assert http_json("POST", f"{sim}/_sim/faults", {"error_before": 1.0})[0] == 200
    claim_pages(runtime, [("sms", "+8613900000009", "refused until cleared")])
    runtime.engine.dispatcher.send_pending()
    assert runtime.store.notifications()[0].status == "uncertain"  # a 500: ask the provider before any retry
    assert http_json("POST", f"{sim}/_sim/faults", {})[0] == 200
    clock.advance_to(clock.now() + timedelta(seconds=5))
    _drain(runtime, clock)
    assert runtime.store.notifications()[0].status in ("accepted", "delivered")
    assert len(runtime.simulator.events_of("sms")) == 1


def test_through_both_providers_every_page_goes_out_once_through_faults_and_failovers(
    sqlite_url: str,
) -> None:
    """Mainland numbers read in Chinese through Alibaba Cloud, the rest through Twilio, both in trouble:
    a refusal fails over to the other provider, an unclear answer is settled with the provider that
    had the request, and no page goes out twice, counted at both simulators."""
    clock = VirtualClock(START)
    runtime = make_runtime(sqlite_url, clock, domestic=True)
    try:
        aliyun, twilio = runtime.domestic_simulator, runtime.simulator
        assert aliyun is not None and twilio is not None
        faults = Faults(error_before=0.10, error_after=0.10, drop_after=0.10, burst_every=53, burst_length=4, seed=7)
        aliyun.set_faults(faults)
        twilio.set_faults(faults.model_copy(update={"seed": 8}))
        claim_pages(runtime, [("sms", f"+86138{n:08d}", f"小清河预警 {n}") for n in range(300)], language="zh-CN")
        claim_pages(runtime, [("sms", f"+86139{n:08d}", f"river page {n}") for n in range(200)], incident_code="F0002")
        for _ in range(300):
            aliyun.advance(clock.now())
            twilio.advance(clock.now())
            runtime.engine.dispatcher.send_pending()
            due = runtime.engine.next_due_at()
            if due is None:
                break
            clock.advance_to(max(due, clock.now()))
        rows = runtime.store.notifications()
        assert {row.status for row in rows} <= {"accepted", "delivered"} and len(rows) == 500
        by_aliyun = Counter(sent.out_id for sent in aliyun.sent)
        by_twilio = Counter(event["body"] for event in twilio.events_of("sms"))
        assert set(by_aliyun.values()) <= {1} and set(by_twilio.values()) <= {1}  # nobody paged twice...
        through_aliyun = {row.id for row in rows if row.provider == "aliyun"}
        assert {int(out_id) for out_id in by_aliyun} == through_aliyun
        assert set(by_twilio) == {row.text for row in rows if row.provider == "twilio"}
        assert not {str(row.id) for row in rows if row.provider == "twilio"} & set(by_aliyun)  # ...by both
        chinese = [row for row in rows if row.language == "zh-CN"]
        failed_over = [row for row in chinese if row.provider == "twilio"]
        assert 10 < len(failed_over) < 150 and len(through_aliyun) > 150  # refusals moved, the rest stayed
        assert all(row.provider == "twilio" for row in rows if row.language == "en")
        reconciled = [d for d in runtime.store.decisions() if d.kind == "notification_reconciled"]
        assert len(reconciled) > 40
        print(
            f"both providers: {len(through_aliyun)} pages through Alibaba Cloud, {len(failed_over)} Chinese pages "
            f"failed over to Twilio, {len(reconciled)} unclear answers reconciled, none sent twice"
        )
    finally:
        runtime.close()
