"""CAP 1.2 warnings from the meteorological bureau (`POST /api/cap`): an Alert opens a warning in each
area it names, an Update follows its references, a Cancel lifts, an expiry lifts (after a restart
too), and every malformed or hostile message is refused with its reason while the engine carries on."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sensors.body import BodyRefused
from sensors.cap import message_items, parse_message
from tests.conftest import ROOT, START, events_of, make_runtime
from warning import cli
from warning.app import Runtime
from warning.clock import VirtualClock
from warning.decisions.events import IncidentLifted

FEED_TOKEN = "token-cma"
SENDER = "37010041600000@cma.gov.cn"


def alert(
    identifier: str,
    sent: datetime,
    *,
    msg_type: str = "Alert",
    status: str = "Actual",
    event: str = "暴雨",
    severity: str = "Severe",
    areas: tuple[str, ...] = ("370102",),
    expires: datetime | None = None,
    references: tuple[tuple[str, datetime], ...] = (),
) -> bytes:
    refs = " ".join(f"{SENDER},{ref},{at.isoformat()}" for ref, at in references)
    area_xml = "".join(
        f"<area><areaDesc>区域{code}</areaDesc><geocode><valueName>GB/T 2260</valueName><value>{code}</value>"
        "</geocode></area>"
        for code in areas
    )
    info = (
        f"<info><language>zh-CN</language><category>Met</category><event>{event}</event>"
        f"<urgency>Immediate</urgency><severity>{severity}</severity><certainty>Likely</certainty>"
        + (f"<expires>{expires.isoformat()}</expires>" if expires else "")
        + f"<senderName>济南市气象台</senderName><headline>济南市气象台发布{event}预警</headline>{area_xml}</info>"
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">'
        f"<identifier>{identifier}</identifier><sender>{SENDER}</sender><sent>{sent.isoformat()}</sent>"
        f"<status>{status}</status><msgType>{msg_type}</msgType><scope>Public</scope>"
        + (f"<references>{refs}</references>" if refs else "")
        + (info if msg_type != "Cancel" or areas else "")
        + "</alert>"
    ).encode()


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Runtime, VirtualClock]]:
    clock = VirtualClock(START)
    runtime = make_runtime(f"sqlite:///{tmp_path / 'cap.db'}", clock, feeds={FEED_TOKEN: "cma"},
                           rules=(ROOT / "rules" / "weather.yaml",))  # fmt: skip
    try:
        yield runtime, clock
    finally:
        runtime.close()


def post(runtime: Runtime, body: bytes) -> tuple[int, Any]:
    assert runtime.api is not None
    headers = {"Content-Type": "application/cap+xml", "Authorization": f"Bearer {FEED_TOKEN}"}
    request = urllib.request.Request(f"{runtime.api.url}/api/cap", data=body, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def warnings(runtime: Runtime) -> dict[str, tuple[str, str]]:
    """The latest incident of each bureau station: (level, status)."""
    return {row.station_id: (row.level, row.status) for row in runtime.store.incidents()}


def at(minutes: int) -> datetime:
    return START + timedelta(minutes=minutes)


def test_an_alert_opens_an_update_follows_its_references_and_a_cancel_lifts(
    served: tuple[Runtime, VirtualClock],
) -> None:
    runtime, clock = served
    status, answer = post(runtime, alert("A1", at(0), areas=("370100", "370102")))
    assert status == 200 and answer["accepted"] == 2, answer
    assert warnings(runtime) == {"MET-370100": ("orange", "open"), "MET-370102": ("orange", "open")}
    opened = [row for row in runtime.store.incidents()]
    assert {row.rule_id for row in opened} == {"met-rainstorm"} and {row.hazard for row in opened} == {"weather"}
    assert post(runtime, alert("A1", at(0), areas=("370100", "370102")))[1]["accepted"] == 2  # again: nothing new
    assert len(runtime.store.incidents()) == 2

    clock.advance_to(at(60))  # the bureau lowers Lixia to yellow and no longer names the city
    update = alert("U1", at(60), msg_type="Update", severity="Moderate", references=(("A1", at(0)),))
    status, answer = post(runtime, update)
    assert status == 200 and answer["accepted"] == 2, answer
    assert warnings(runtime) == {"MET-370100": ("orange", "lifted"), "MET-370102": ("yellow", "open")}

    clock.advance_to(at(120))
    cancel = alert("C1", at(120), msg_type="Cancel", areas=(), references=(("A1", at(0)), ("U1", at(60))))
    status, answer = post(runtime, cancel)
    assert status == 200 and answer["refused"] == 0, answer
    assert warnings(runtime) == {"MET-370100": ("orange", "lifted"), "MET-370102": ("yellow", "lifted")}
    pages = runtime.store.notifications()
    assert pages and {page.department_id for page in pages} <= {"em-370100", "em-370102", "em-370000"}


def test_an_alert_lifts_when_it_expires_even_after_a_restart(tmp_path: Path) -> None:
    clock = VirtualClock(START)
    url = f"sqlite:///{tmp_path / 'cap.db'}"
    rules = (ROOT / "rules" / "weather.yaml",)
    runtime = make_runtime(url, clock, feeds={FEED_TOKEN: "cma"}, rules=rules)
    try:
        assert post(runtime, alert("A7", at(0), event="大风", severity="Minor", expires=at(180)))[1]["accepted"] == 1
        assert warnings(runtime) == {"MET-370102": ("blue", "open")}
        due = runtime.engine.next_due_at()
        assert due is not None and due <= at(180)  # the expiry is a moment to wake for, not 24 h from now
    finally:
        runtime.close()
    clock.advance_to(at(100))
    runtime = make_runtime(url, clock, feeds={FEED_TOKEN: "cma"}, rules=rules)
    try:
        clock.advance_to(at(179))
        runtime.engine.tick()
        assert warnings(runtime) == {"MET-370102": ("blue", "open")}
        clock.advance_to(at(180))
        runtime.engine.tick()
        assert warnings(runtime) == {"MET-370102": ("blue", "lifted")}
        (lifted,) = events_of(runtime.store, IncidentLifted)
        assert "expired at" in lifted.evidence.reason, lifted
    finally:
        runtime.close()


def test_a_stream_worker_that_gains_the_area_still_lifts_the_alert_when_it_expires(
    served: tuple[Runtime, VirtualClock],
) -> None:
    """As when Kafka partitions move: the area's series start afresh and are primed from the store."""
    runtime, clock = served
    assert post(runtime, alert("A8", at(0), event="Heat Wave", severity="Moderate", expires=at(20 * 60)))[1]["accepted"]
    runtime.engine.take_areas(frozenset())  # the partition went to another worker
    clock.advance_to(at(19 * 60))  # longer ago than any window: only the event's own end decides
    runtime.engine.take_areas(frozenset({"370102"}))
    runtime.engine.tick()
    assert warnings(runtime) == {"MET-370102": ("yellow", "open")}
    clock.advance_to(at(20 * 60))
    runtime.engine.tick()
    assert warnings(runtime) == {"MET-370102": ("yellow", "lifted")}


def test_an_alert_not_renewed_lapses_after_a_day_even_when_it_expires_later(
    served: tuple[Runtime, VirtualClock],
) -> None:
    runtime, clock = served
    assert post(runtime, alert("A9", at(0), event="台风", severity="Extreme", expires=at(72 * 60)))[1]["accepted"]
    clock.advance_to(at(23 * 60))
    renewed = alert("U9", at(23 * 60), msg_type="Update", event="台风", severity="Extreme", expires=at(72 * 60),
                    references=(("A9", at(0)),))  # fmt: skip
    assert post(runtime, renewed)[1]["accepted"] == 1
    clock.advance_to(at(46 * 60))
    runtime.engine.tick()
    assert warnings(runtime) == {"MET-370102": ("red", "open")}  # renewed at 23 h: stands until 47 h
    clock.advance_to(at(47 * 60))
    runtime.engine.tick()
    assert warnings(runtime) == {"MET-370102": ("red", "lifted")}
    (lifted,) = events_of(runtime.store, IncidentLifted)
    assert "longer than 24h" in lifted.evidence.reason, lifted


def test_bad_messages_are_refused_with_their_reason_and_the_good_parts_kept(
    served: tuple[Runtime, VirtualClock],
) -> None:
    runtime, _clock = served
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x "xxxxxxxx"><!ENTITY y "&x;&x;&x;&x;&x;&x;">]>'
        b'<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>&y;</identifier></alert>'
    )
    external = (
        b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        b'<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>&e;</identifier></alert>'
    )
    refused = {
        "not XML": (b'{"alert": 1}', "not XML"),
        "cut short": (alert("B1", at(0))[:200], "not XML"),
        "entities": (bomb, "forbidden"),
        "external entity": (external, "forbidden"),
        "wrong status": (alert("B2", at(0), status="Real"), "/alert/status"),
        "no severity": (alert("B3", at(0)).replace(b"<severity>Severe</severity>", b""), "severity"),
        "not UTF-8": (alert("B4", at(0)).replace("暴雨".encode(), b"\xff\xfe"), "not XML"),
        "unknown encoding": (alert("B9", at(0)).replace(b'encoding="UTF-8"', b'encoding="ATF-8"'), "unknown encoding"),
    }
    for name, (body, reason) in refused.items():
        status, answer = post(runtime, body)
        assert status == 400 and reason in answer["error"], (name, answer)
    assert len(runtime.store.dead_letters()) == len(refused)

    mixed = alert("B5", at(0), areas=("370102", "370105"))  # a district with no bureau station here
    status, answer = post(runtime, mixed)
    assert (status, answer["accepted"], answer["refused"]) == (200, 1, 1), answer
    assert "unknown sensor 'MET-370105'" in answer["refusals"][0]["reason"]
    assert warnings(runtime) == {"MET-370102": ("orange", "open")}

    unknown_event = post(runtime, alert("B6", at(0), event="海啸"))[1]
    assert (
        unknown_event["refused"] == 1 and "not a meteorological warning type" in unknown_event["refusals"][0]["reason"]
    )
    unknown_severity = post(runtime, alert("B7", at(0), severity="Unknown"))[1]
    assert "gives no warning level" in unknown_severity["refusals"][0]["reason"]
    no_code = alert("B8", at(0)).replace(b"<geocode><valueName>GB/T 2260</valueName><value>370102</value></geocode>",
                                         b"")  # fmt: skip
    assert "has no GB/T 2260 code" in post(runtime, no_code)[1]["refusals"][0]["reason"]
    stray = alert("C9", at(5), msg_type="Cancel", areas=(), references=(("never-sent", at(0)),))
    assert "none of them was received here" in post(runtime, stray)[1]["refusals"][0]["reason"]

    for status_name in ("Test", "Exercise", "System", "Draft"):  # change nothing on a live engine
        answer = post(runtime, alert(f"T-{status_name}", at(1), status=status_name, severity="Extreme"))[1]
        assert answer["received"] == 0
    assert warnings(runtime) == {"MET-370102": ("orange", "open")}

    unauthorised = urllib.request.Request(f"{runtime.api.url}/api/cap", data=mixed, method="POST")  # type: ignore[union-attr]
    with pytest.raises(urllib.error.HTTPError) as denied:
        urllib.request.urlopen(unauthorised, timeout=30)
    assert denied.value.code == 401


def test_the_post_command_sends_an_alert_file_and_names_what_was_refused(
    served: tuple[Runtime, VirtualClock], tmp_path: Path
) -> None:
    runtime, _clock = served
    assert runtime.api is not None
    file = tmp_path / "rainstorm.xml"
    file.write_bytes(alert("F1", at(0), areas=("370102", "370105")))
    result = CliRunner().invoke(
        cli.main, ["readings", "post", str(file), "--api", runtime.api.url, "--token", FEED_TOKEN]
    )
    assert result.exit_code == 1, result.output
    assert "2 warnings read, 1 accepted, 1 refused" in result.output
    assert f"{file}: MET-370105 met_rainstorm: unknown sensor" in result.output
    assert warnings(runtime) == {"MET-370102": ("orange", "open")}
    file.write_bytes(b"<alert>")
    result = CliRunner().invoke(
        cli.main, ["readings", "post", str(file), "--api", runtime.api.url, "--token", FEED_TOKEN]
    )
    assert result.exit_code == 1 and "not XML" in result.output


GOOD = alert("P1", START, areas=("370100", "370102"), expires=START + timedelta(hours=6))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_any_mangled_message_is_refused_or_read_never_a_crash(data: st.DataObject) -> None:
    """Cut, spliced or byte-flipped CAP: BodyRefused with a reason, or items; nothing else escapes."""
    body = bytearray(GOOD)
    for _ in range(data.draw(st.integers(1, 4))):
        where = data.draw(st.integers(0, len(body) - 1))
        action = data.draw(st.sampled_from(["flip", "cut", "insert", "delete"]))
        if action == "flip":
            body[where] = data.draw(st.integers(0, 255))
        elif action == "cut":
            del body[where:]
        elif action == "insert":
            body[where:where] = data.draw(st.binary(min_size=1, max_size=20))
        elif where < len(body):
            del body[where : where + data.draw(st.integers(1, 30))]
        if not body:
            body = bytearray(b"<")
    try:
        message = parse_message(bytes(body))
    except BodyRefused as exc:
        assert str(exc)
        return
    for item in message_items(message, lambda _prefixes: {("MET-370102", "met_rainstorm")}):
        assert item.where
