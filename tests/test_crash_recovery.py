"""The engine killed with SIGKILL at random moments, over and over, while it ingests a feed in
batches and escalates ten warnings.

`warning run` runs as a subprocess on a scaled clock (an hour of escalation in two minutes) against
the loopback Twilio and Alibaba Cloud simulators (half the people read Chinese: their pages go
through Alibaba Cloud), and is killed and restarted at least 100 times (`WARNING_SOAK_KILLS`:
`make soak` asks for 1,000) on SQLite, and on PostgreSQL as two engine processes sharing one
database, each killed and restarted on its own. Each start reads the same readings file from the
top, 10,000 readings in batches of 500 (one transaction each), so kills land before, inside and
after batches and every restart redelivers what was stored. Afterwards the pages are checked
against the timeline worked out by hand from the policy below: no step lost, no page sent twice
(counted at the simulators, which only the real clients reach), no step before its time; and every
reading of the file is stored exactly once. The one exception is named: an unclear Alibaba Cloud
call (which cannot be looked up) whose report pushes all failed while the only engine taking them
was being killed, placed again once `RECEIPT_WINDOW` had passed.
"""

from __future__ import annotations

import os
import random
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from sqlalchemy import func, select

from notifiers.aliyun.channels import RECEIPT_WINDOW
from notifiers.aliyun.simulator import AliyunSimulator
from notifiers.simulator.server import TwilioSimulator
from tests.conftest import ROOT, START, unfit_decisions
from warning.app import SIMULATOR_ACCOUNT_SID, SIMULATOR_AUTH_TOKEN
from warning.clock import ScaledClock
from warning.decisions.events import EscalationStepTaken
from warning.dispatch.templates import load_templates
from warning.store import Store
from warning.store.models import NotificationRow, ProcessedReadingRow

SPEED = 40.0  # engine seconds per wall second: the hour of escalation below takes 90 s
KILLS = int(os.environ.get("WARNING_SOAK_KILLS", "100"))
READINGS_PER_GAUGE = 1000  # a quarter-second apart: the first crosses the threshold, the rest hold it
DISTRICTS = [f"3701{n:02d}" for n in range(1, 11)]
WAIT = timedelta(minutes=10)
POSITIONS = 6  # three steps, repeated once

ORGANISATION = "\n".join(
    [
        "areas:",
        '  - {code: "370000", name: Province}',
        '  - {code: "370100", name: City, parent: "370000"}',
        *[f'  - {{code: "{d}", name: District {d}, parent: "370100"}}' for d in DISTRICTS],
        "departments:",
        '  - {id: water-370100, name: City Water, kind: water, area: "370100", roster: {duty_officer: city}}',
        *[
            f'  - {{id: water-{d}, name: Water {d}, kind: water, area: "{d}", '
            f"roster: {{duty_officer: officer-{d}, deputy: deputy-{d}}}}}"
            for d in DISTRICTS
        ],
        "people:",
        '  - {id: city, name: City Officer, phone: "+8613900000000", department: water-370100}',
        # Half the people read English: with a domestic provider, they stay with Twilio.
        *[
            f'  - {{id: {role}-{d}, name: {role} {d}, phone: "+86139{d[4:]}{index:06d}", department: water-{d}, '
            f"language: {'en' if (int(d[4:]) + index) % 2 else 'zh-CN'}}}"
            for d in DISTRICTS
            for index, role in enumerate(("officer", "deputy"))
        ],
        "policies:",
        "  - id: flood",
        "    hazard: flood",
        "    department_kind: water",
        "    repeat: 1",
        "    steps:",
        "      - {notify: duty_officer, channels: [sms], wait: 10m}",
        "      - {notify: deputy, channels: [sms, voice], wait: 10m}",
        "      - {notify: duty_officer, up: 1, channels: [sms], wait: 10m}",
        "",
    ]
)

RULES = "\n".join(
    [
        "hazard: flood",
        "rules:",
        "  - id: gauge",
        "    title: Gauge high",
        "    kind: water_level",
        "    stations:",
        *[
            line
            for d in DISTRICTS
            for line in (
                f"      - id: G{d}",
                f"        name: Gauge {d}",
                f'        area: "{d}"',
                "        levels: {yellow: {above: 3.0, clear_below: 2.8}}",
            )
        ],
        "",
    ]
)


def _expected(incident_id: int, area: str, opened: datetime) -> dict[str, datetime]:
    """Idempotency key -> due time of every page the policy asks for, worked out by hand."""
    pages: dict[str, datetime] = {}
    for position in range(POSITIONS):
        due = opened + WAIT * position
        step = position % 3
        who = {0: [(f"officer-{area}", "sms")], 1: [(f"deputy-{area}", "sms"), (f"deputy-{area}", "voice")],
               2: [("city", "sms")]}[step]  # fmt: skip
        for person, channel in who:
            pages[f"incident:{incident_id}:flood:position:{position}:{person}:{channel}"] = due
    return pages


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class EngineSlot:
    """One engine process position: spawned, killed at a random moment, spawned again."""

    name: str
    env: dict[str, str]
    readings: Path
    log: Path
    rng: random.Random
    kills: int = 0
    process: subprocess.Popen[bytes] | None = None
    errors: list[str] = field(default_factory=list)

    def spawn(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "warning.cli", "run", "--readings", str(self.readings)],
                env=self.env, cwd=ROOT, stdout=log, stderr=log,
            )  # fmt: skip

    def kill(self) -> None:
        assert self.process is not None
        self.process.kill()  # SIGKILL: no cleanup, no flush, mid-transaction or mid-request
        self.process.wait()
        self.kills += 1

    def serving(self) -> int:
        return (
            self.log.read_text(encoding="utf-8", errors="replace").count("engine running") if self.log.exists() else 0
        )

    def kill_repeatedly(self, quota: int, until: datetime, clock: ScaledClock) -> None:
        """Half the kills land anywhere from the start (loading, recovering, ingesting), half while
        serving (stepping, sending, taking callbacks)."""
        try:
            while self.kills < quota or clock.now() < until:
                before = self.serving()
                self.spawn()
                if self.kills % 2:
                    deadline = time.monotonic() + 15
                    while self.serving() == before and time.monotonic() < deadline:
                        time.sleep(0.02)
                    time.sleep(self.rng.uniform(0.0, 1.0))
                else:
                    time.sleep(self.rng.uniform(0.1, 1.5))
                self.kill()
        except BaseException as exc:  # reported by the test thread
            self.errors.append(repr(exc))

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)


@dataclass
class Played:
    slots: list[EngineSlot]
    simulator: TwilioSimulator
    aliyun: AliyunSimulator | None = None


def _play(database_url: str, engines: int, tmp_path: Path, seed: int, *, domestic: bool = False) -> Played:
    """Run `engines` engine processes against one database through kills; return them settled. With
    `domestic`, Chinese readers are paged through Alibaba Cloud (its simulator, pushing to the first
    engine's address), the rest through Twilio."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    clock = ScaledClock(START, datetime.now(UTC), SPEED)
    simulator = TwilioSimulator(SIMULATOR_ACCOUNT_SID, SIMULATOR_AUTH_TOKEN, live=True, clock=clock).start()
    aliyun = None
    if domestic:  # the account's flow control raised for the city officer's bundles
        templates = (ROOT / "org" / "aliyun-templates.yaml").read_text(encoding="utf-8")
        (tmp_path / "templates.yaml").write_text(templates.replace(
            "flow_control: {per_minute: 1, per_hour: 5, per_day: 10}",
            "flow_control: {per_minute: 100, per_hour: 1000, per_day: 10000}"), encoding="utf-8")  # fmt: skip
        registered = load_templates(tmp_path / "templates.yaml")
        aliyun = AliyunSimulator(templates=registered.all(), sign_names=frozenset({registered.sign_name}), live=True,
                                 clock=clock, limits=registered.sms_limits,
                                 value_lengths=registered.value_lengths()).start()  # fmt: skip
    (tmp_path / "org.yaml").write_text(ORGANISATION, encoding="utf-8")
    (tmp_path / "rules.yaml").write_text(RULES, encoding="utf-8")
    readings = tmp_path / "readings.jsonl"
    readings.write_text(
        "".join(
            f'{{"sensor_id": "G{d}", "kind": "water_level", "value": 3.2, '
            f'"observed_at": "{(START + timedelta(seconds=n / 4)).isoformat()}"}}\n'
            for n in range(READINGS_PER_GAUGE)
            for d in DISTRICTS
        ),
        encoding="utf-8",
    )
    slots = []
    for index in range(engines):
        port = _free_port()
        env = {
            **os.environ,
            "WARNING_DATABASE_URL": database_url,
            "WARNING_PROVIDER": "simulator",
            "WARNING_RULES": str(tmp_path / "rules.yaml"),
            "WARNING_ORGANISATION": str(tmp_path / "org.yaml"),
            "WARNING_CLOCK": clock.spec(),
            "WARNING_API_PORT": str(port),
            "WARNING_PUBLIC_URL": f"http://127.0.0.1:{port}",
            "TWILIO_BASE_URL": simulator.url,
        }
        if aliyun is not None:
            env |= {"WARNING_DOMESTIC_PROVIDER": "aliyun", "WARNING_ALIYUN_ENDPOINT": aliyun.endpoint,
                    "WARNING_ALIYUN_TEMPLATES": str(tmp_path / "templates.yaml"),
                    "ALIBABA_CLOUD_ACCESS_KEY_ID": aliyun.access_key_id,
                    "ALIBABA_CLOUD_ACCESS_KEY_SECRET": aliyun.access_key_secret}  # fmt: skip
            if index == 0:
                push = f"http://127.0.0.1:{port}/aliyun/simulator-push-secret"
                aliyun.configure_callbacks(sms_report=f"{push}/sms/report", sms_up=f"{push}/sms/up",
                                           voice_report=f"{push}/voice/report")  # fmt: skip
        slots.append(EngineSlot(f"engine-{index}", env, readings, tmp_path / f"engine-{index}.log",
                                random.Random(seed + index)))  # fmt: skip
    # The whole policy runs in an hour of engine time; kills go on until then and the quota is met.
    until = START + WAIT * POSITIONS + timedelta(minutes=2)
    quota = -(-KILLS // engines)
    threads = [threading.Thread(target=s.kill_repeatedly, args=(quota, until, clock)) for s in slots]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for slot in slots:  # now left running, to finish what the last kill interrupted
        slot.spawn()
    store = Store(database_url)
    try:
        # Settled: every page sent, every track run out, and the readings file read to its end (the
        # engines left running read it from the top again; on a slow machine that outlasts the pages).
        # An unclear call waits RECEIPT_WINDOW for its report before it is placed: up to 270 s here.
        deadline = time.monotonic() + RECEIPT_WINDOW.total_seconds() / SPEED + 60
        while time.monotonic() < deadline:
            with store.transaction() as tx:
                rows = store.notifications()
                unsent = [row for row in rows if row.provider_sid is None]
                tracks = [t for i in store.incidents() for t in tx.escalations_of(i.id)]
                stored = tx.session.scalar(select(func.count()).select_from(ProcessedReadingRow)) or 0
            exhausted = tracks and all(t.state == "exhausted" for t in tracks)
            if len(rows) >= 50 and not unsent and exhausted and stored >= READINGS_PER_GAUGE * len(DISTRICTS):
                break
            time.sleep(0.5)
    finally:
        store.dispose()
        for slot in slots:
            slot.stop()
        simulator.stop()
        if aliyun is not None:
            aliyun.stop()
    return Played(slots, simulator, aliyun)


def _check(database_url: str, played: Played) -> None:
    slots, simulator, aliyun = played.slots, played.simulator, played.aliyun
    assert [error for slot in slots for error in slot.errors] == []
    assert sum(slot.kills for slot in slots) >= KILLS
    store = Store(database_url)
    try:
        incidents = store.incidents()
        notifications = store.notifications()
        decisions = store.decisions()
        with store.transaction() as tx:
            stored = tx.session.scalars(select(ProcessedReadingRow.reading_id)).all()
    finally:
        store.dispose()
    assert sorted(i.area for i in incidents) == DISTRICTS  # one incident per gauge, however many restarts
    # No reading lost, none stored twice, however often a batch was cut short or redelivered.
    assert len(stored) == len(set(stored)) == READINGS_PER_GAUGE * len(DISTRICTS)
    assert not [d for d in decisions if d.kind == "input_dead_lettered"]
    assert not unfit_decisions(decisions)  # recorded by the killed and restarted processes

    # No step lost: exactly the pages of the hand-worked timeline, each claimed once (the key is unique).
    expected: dict[str, datetime] = {}
    for incident in incidents:
        expected |= _expected(incident.id, incident.area, incident.opened_at)
    claimed = {row.idempotency_key: row for row in notifications}
    assert set(claimed) == set(expected)
    # No step early: each page claimed, and each step decided, no sooner than due.
    assert all(claimed[key].claimed_at >= due for key, due in expected.items())
    steps = [(d.at, EscalationStepTaken.model_validate(d.data)) for d in decisions if d.kind == "escalation_step_taken"]
    assert len(steps) == len(incidents) * POSITIONS
    assert all(step.due_at <= at for at, step in steps)
    # Every page reached the provider, and no page reached it twice: each simulator message or call
    # is exactly one the database knows (several pages for one person may share one, bundled).
    assert all(row.provider_sid is not None for row in notifications)
    carried: dict[str, list[NotificationRow]] = {}
    for row in notifications:
        carried.setdefault(str(row.provider_sid), []).append(row)
    unheard: set[str] = set()
    if aliyun is not None:  # each Alibaba Cloud message or call is one the database knows, sent once
        through = {sid: rows for sid, rows in carried.items() if rows[0].provider == "aliyun"}
        sent = Counter(f"aliyun-{sent.out_id}" for sent in aliyun.sent)
        twice = [(one.kind, one.out_id, one.at, carried.get(f"aliyun-{one.out_id}")) for one in aliyun.sent
                 if sent[f"aliyun-{one.out_id}"] > 1]  # fmt: skip
        # The one way a page goes twice: a call that cannot be asked about, whose every report push
        # failed (the only engine taking them was being killed) until it was placed again after
        # RECEIPT_WINDOW. Anything else placed or sent twice is a fault.
        again = [(out_id, at) for kind, out_id, at, _ in twice if kind == "call"
                 and at == max(one.at for one in aliyun.sent if one.out_id == out_id)]  # fmt: skip
        unheard = {out_id for out_id, at in again if not _report_taken(aliyun, out_id, at)}
        assert not [one for one in twice if one[1] not in unheard], _history(database_url, twice)
        assert all(sent[f"aliyun-{out_id}"] == 2 for out_id in unheard)
        placed = {out_id: sorted(one.at for one in aliyun.sent if one.out_id == out_id) for out_id in unheard}
        assert all(second - first > RECEIPT_WINDOW for first, second in placed.values())
        assert set(sent) == set(through)
        assert len(through) > 20 and all(row.language == "zh-CN" for rows in through.values() for row in rows)
        for sent_one in aliyun.sent:
            rows = through[f"aliyun-{sent_one.out_id}"]
            assert sent_one.at >= max(expected[row.idempotency_key] for row in rows)  # none early either
        carried = {sid: rows for sid, rows in carried.items() if rows[0].provider != "aliyun"}
    sms = {sid: rows for sid, rows in carried.items() if rows[0].channel == "sms"}
    assert sorted(simulator.messages) == sorted(sms)
    for sid, message in simulator.messages.items():
        rows = sms[sid]
        assert message["body"] == (rows[0].sent_text or rows[0].text) and message["to"] == rows[0].phone
        # ... and none before its time, by the simulator's own clock.
        assert message["_created_at"] >= max(expected[row.idempotency_key] for row in rows)
    calls = {sid: rows for sid, rows in carried.items() if rows[0].channel == "voice"}
    assert sorted(simulator.calls) == sorted(calls)
    for sid, call in simulator.calls.items():
        lead = calls[sid][0]
        assert parse_qs(urlparse(call["_url"]).query)["n"] == [str(lead.bundle_id or lead.id)]
        assert call["_created_at"] >= max(expected[row.idempotency_key] for row in calls[sid])
    bundled = sum(1 for rows in carried.values() if len(rows) > 1)
    through_aliyun = len(aliyun.sent) if aliyun is not None else 0
    exhausted = [d for d in decisions if d.kind == "escalation_exhausted"]
    assert len(exhausted) == len(incidents)
    started = sum(slot.log.read_text(encoding="utf-8", errors="replace").count("engine running") for slot in slots)
    redelivered = sum(d.data["count"] for d in decisions if d.kind == "readings_redelivered")
    print(
        f"{database_url.split(':')[0]}: {sum(s.kills for s in slots)} kills, {started} starts reached serving, "
        f"{len(notifications)} pages in {len(carried) + through_aliyun} messages ({bundled} bundled through Twilio, "
        f"{through_aliyun} messages through Alibaba Cloud, {len(unheard)} calls placed again after every push "
        f"of their report failed), {redelivered} readings redelivered"
    )


def _report_taken(aliyun: AliyunSimulator, out_id: str, before: datetime) -> bool:
    """Whether the engine took a push of this call's report before `before` (simulator clock)."""
    return any(event["type"] == "push" and event["status"] == 200 and out_id in event.get("out_ids", [])
               and datetime.fromisoformat(event["at"]) < before for event in aliyun.events)  # fmt: skip


def _history(database_url: str, twice: list[tuple[str, str, datetime, list[NotificationRow] | None]]) -> str:
    """What was sent twice, and every decision about its rows, to say how."""
    store = Store(database_url)
    try:
        keys = {row.idempotency_key for *_, rows in twice for row in rows or []}
        decisions = [d for d in store.decisions() if d.data.get("notification") in keys]
    finally:
        store.dispose()
    lines = [f"sent twice: {kind} OutId {out_id} at {at}" for kind, out_id, at, _ in twice]
    lines += [f"{d.at} {d.kind} {d.data}" for d in decisions]
    return "\n".join(lines)


@pytest.mark.long
@pytest.mark.postgres
def test_sigkill_at_random_points_loses_no_step_and_pages_nobody_twice(
    sqlite_url: str, postgres_url: str, tmp_path: Path
) -> None:
    """SQLite with one engine and PostgreSQL with two, run side by side to halve the wall time. Chinese
    readers are paged through Alibaba Cloud, the rest through Twilio: an unclear Alibaba Cloud SMS is
    looked up by its OutId, an unclear call settled by its receipt."""
    results: dict[str, Played] = {}

    def play(name: str, url: str, engines: int, seed: int) -> None:
        results[name] = _play(url, engines, tmp_path / name, seed, domestic=True)

    runs = [threading.Thread(target=play, args=args) for args in
            (("sqlite", sqlite_url, 1, 1), ("postgres", postgres_url, 2, 100))]  # fmt: skip
    for run in runs:
        run.start()
    for run in runs:
        run.join()
    _check(sqlite_url, results["sqlite"])
    _check(postgres_url, results["postgres"])
