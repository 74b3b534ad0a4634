"""The live engine: wall clock, APScheduler wake-ups, live simulator. Due times survive a restart."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from notifiers.simulator import PhoneBehaviour
from tests.conftest import ROOT
from warning.app import Runtime, Settings, build_runtime, start_live_timer
from warning.clock import SystemClock

LI = "+8613800000002"


def _fast_org(tmp_path: Path) -> Path:
    text = (ROOT / "org" / "jinan.yaml").read_text(encoding="utf-8")
    text = text.replace("wait: 15m", "wait: 2s").replace("wait: 20m", "wait: 2s")
    path = tmp_path / "fast-org.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _live(database_url: str, org: Path) -> Runtime:
    settings = Settings(
        provider="simulator", database_url=database_url, rules=(ROOT / "rules" / "flood.yaml",), organisation=org
    )
    runtime = build_runtime(settings, SystemClock())
    start_live_timer(runtime)
    return runtime


def _wait_for(condition: Callable[[], bool], seconds: float = 15.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def _reading(value: float) -> dict[str, object]:
    return {
        "sensor_id": "HY-370102-01",
        "kind": "water_level",
        "value": value,
        "observed_at": datetime.now(UTC).isoformat(),
    }


def test_apscheduler_wakes_the_engine_when_a_step_is_due(database_url: str, tmp_path: Path) -> None:
    runtime = _live(database_url, _fast_org(tmp_path))
    try:
        assert runtime.simulator is not None
        runtime.simulator.set_behaviour(LI, PhoneBehaviour(answer_after=timedelta(seconds=1), press="1"))
        runtime.engine.ingest_payload(_reading(3.8), "test")
        _wait_for(lambda: runtime.store.incidents()[0].status == "acknowledged")
        sms, voice = runtime.store.notifications()[:2]
        assert (sms.channel, voice.channel) == ("sms", "voice")
        gap = voice.claimed_at - sms.claimed_at
        assert gap >= timedelta(seconds=2), gap  # never early
        assert gap < timedelta(seconds=3.5), gap  # and woken promptly, not by the 30 s safety sweep
        assert runtime.store.incidents()[0].acknowledged_by == "li-na"
    finally:
        runtime.close()


def test_due_steps_survive_a_restart(database_url: str, tmp_path: Path) -> None:
    org = _fast_org(tmp_path)
    first = _live(database_url, org)
    try:
        first.engine.ingest_payload(_reading(3.8), "test")
        assert [n.channel for n in first.store.notifications()] == ["sms"]
    finally:
        first.close()  # the engine stops before step 2 is due; its in-memory timer is gone
    time.sleep(2.5)
    second = _live(database_url, org)  # re-derives the wake-up from the database at start
    try:
        _wait_for(lambda: len(second.store.notifications()) >= 2)
        sent = second.store.notifications()  # read once: the next step (2 s later) may add more meanwhile
        assert [(n.person_id, n.channel) for n in sent][:2] == [("wang-wei", "sms"), ("li-na", "voice")]
        assert len({n.idempotency_key for n in sent}) == len(sent)  # nothing paged twice across the restart
    finally:
        second.close()


def test_shutdown_while_a_wake_up_is_re_arming_does_not_deadlock() -> None:
    """APScheduler's shutdown(wait=True) holds its lock while the running job re-arms through it."""
    import threading

    from warning.escalation.timers import LiveTimer

    started, release = threading.Event(), threading.Event()

    def wake() -> None:
        started.set()
        release.wait(5)
        timer.arm(datetime.now(UTC) + timedelta(seconds=30))

    timer = LiveTimer(wake)
    timer.start(datetime.now(UTC))
    assert started.wait(5)
    closer = threading.Thread(target=timer.shutdown, daemon=True)
    closer.start()
    time.sleep(0.2)  # shutdown is now waiting for the wake-up
    release.set()
    closer.join(5)
    assert not closer.is_alive(), "shutdown deadlocked with the wake-up in flight"
