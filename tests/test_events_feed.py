"""Incident feeds (`POST /api/events`): video-analytics detections and hotline reports judged as
readings, combined with sensors by compounds, and lapsing when the events stop."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, START, events_of, make_runtime
from warning.app import Runtime
from warning.clock import VirtualClock
from warning.decisions.events import IncidentLifted

FEED_TOKEN = "token-video-platform"


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Runtime, VirtualClock]]:
    clock = VirtualClock(START)
    rules = (ROOT / "rules" / "flood.yaml", ROOT / "rules" / "events.yaml")
    runtime = make_runtime(f"sqlite:///{tmp_path / 'events.db'}", clock, feeds={FEED_TOKEN: "video"}, rules=rules)
    try:
        yield runtime, clock
    finally:
        runtime.close()


def post(runtime: Runtime, body: object) -> tuple[int, Any]:
    assert runtime.api is not None
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {FEED_TOKEN}"}
    request = urllib.request.Request(f"{runtime.api.url}/api/events", data=json.dumps(body).encode(), method="POST",
                                     headers=headers)  # fmt: skip
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def camera(confidence: float, minute: int, event_id: str) -> dict[str, object]:
    return {"type": "video", "camera": "CAM-370102-0031", "event": "standing_water", "confidence": confidence,
            "observed_at": (START + timedelta(minutes=minute)).isoformat(), "event_id": event_id,
            "boxes": [[10, 20, 30, 40]]}  # fmt: skip


def incidents(runtime: Runtime) -> dict[str, tuple[str, str]]:
    return {row.rule_id: (row.level, row.status) for row in runtime.store.incidents()}


def test_a_camera_detection_warns_and_lapses_when_detections_stop(served: tuple[Runtime, VirtualClock]) -> None:
    runtime, clock = served
    assert post(runtime, camera(0.93, 0, "evt-1"))[1]["accepted"] == 1
    assert incidents(runtime) == {"standing-water-seen": ("yellow", "open")}
    clock.advance_to(START + timedelta(minutes=20))
    assert post(runtime, [camera(0.91, 20, "evt-2"), camera(0.91, 20, "evt-2")])[1]["accepted"] == 2  # once judged
    due = runtime.engine.next_due_at()
    assert due is not None and due <= START + timedelta(minutes=50)  # the lapse is a moment to wake for
    clock.advance_to(START + timedelta(minutes=49))
    runtime.engine.tick()
    assert incidents(runtime) == {"standing-water-seen": ("yellow", "open")}  # 29 minutes since the last
    clock.advance_to(START + timedelta(minutes=50))
    runtime.engine.tick()
    assert incidents(runtime) == {"standing-water-seen": ("yellow", "lifted")}
    (lifted,) = events_of(runtime.store, IncidentLifted)
    assert "no video_standing_water event since" in lifted.evidence.reason
    assert "longer than 30m" in lifted.evidence.reason
    assert runtime.engine.next_due_at() is None or runtime.engine.next_due_at() > START + timedelta(minutes=50)
    clock.advance_to(START + timedelta(minutes=60))
    post(runtime, camera(0.95, 60, "evt-3"))  # water again: a new warning
    assert [row.status for row in runtime.store.incidents()] == ["lifted", "open"]


def test_a_camera_and_the_rain_gauge_in_one_district_are_one_warning_a_level_up(
    served: tuple[Runtime, VirtualClock],
) -> None:
    runtime, clock = served
    for minute in (0, 15, 30):
        clock.advance_to(START + timedelta(minutes=minute))
        rain = {"sensor_id": "RG-370102-01", "kind": "rainfall", "value": 10.0, "unit": "mm",
                "observed_at": clock.now().isoformat()}  # fmt: skip
        runtime.engine.ingest_payload(rain, "rain-gauge")
        if minute == 15:
            post(runtime, camera(0.9, 15, "evt-9"))
    assert incidents(runtime)["waterlogging-confirmed"] == ("orange", "open")


def test_hotline_reports_are_counted_and_bad_events_refused_where_they_stand(
    served: tuple[Runtime, VirtualClock],
) -> None:
    runtime, clock = served
    clock.advance_to(START + timedelta(minutes=30))
    reports = [
        {"type": "hotline", "report_id": f"12345-{n}", "area": "370102", "category": "waterlogging",
         "observed_at": (START + timedelta(minutes=4 * n)).isoformat(), "text": "路口积水没过脚踝"}
        for n in range(1, 4)
    ]  # fmt: skip
    bad = [
        {"type": "video", "camera": "CAM-370102-0031", "event": "Standing Water!", "confidence": 2,
         "observed_at": START.isoformat()},
        {"type": "weibo", "text": "..."},
        {"type": "hotline", "report_id": "x", "area": "3701", "category": "waterlogging", "observed_at": "soon"},
        {"type": "hotline", "report_id": "y", "area": "370103", "category": "waterlogging",
         "observed_at": START.isoformat()},
        "not an event",
    ]  # fmt: skip
    status, answer = post(runtime, [*reports, *bad])
    assert status == 200 and (answer["accepted"], answer["refused"]) == (3, 5)
    reasons = {refusal["where"]: refusal["reason"] for refusal in answer["refusals"]}
    assert "event:" in reasons["event 4"] and "confidence" in reasons["event 4"]
    assert "does not match any of the expected tags" in reasons["event 5"] or "weibo" in reasons["event 5"]
    assert "area" in reasons["event 6"]
    assert "unknown sensor 'HOTLINE-370103'" in reasons["event 7"]
    assert incidents(runtime) == {"hotline-waterlogging": ("yellow", "open")}
