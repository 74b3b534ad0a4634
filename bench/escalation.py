"""Escalation wake-ups on the live clock: 10,000 escalations open at once, their next steps falling
due over time, woken by APScheduler as `warning run` is.

Phase 1 opens the warnings through the real ingest path at a steady rate (each pages its district
duty officer at once). Every policy waits long enough that all of them are open together before the
first second step falls due. Phase 2 measures how late each second step ran after its due time
(never early is checked: a negative lateness fails the run) and how many pages a second went out.
Phase 3 makes every escalation due at one instant (a storm: a whole city's warnings unanswered at
once) and measures the same: the lateness tail is then the time to work through the backlog.

Baseline in the same run: APScheduler alone firing date jobs at the phase 2 due times, with no
engine work, which is the lateness floor of the timer itself.

Prints one JSON object on its last line. Run: .venv/bin/python bench/escalation.py
[--escalations 10000 --rate 100 --database URL]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from apscheduler.schedulers.background import BackgroundScheduler  # noqa: E402
from sqlalchemy import func, select, update  # noqa: E402

from warning.app import Settings, build_runtime, start_live_timer  # noqa: E402
from warning.clock import SystemClock  # noqa: E402
from warning.store.models import EscalationRow, NotificationRow  # noqa: E402
from warning.store.repository import Store  # noqa: E402

CITIES = ("370100", "370200")
DISTRICTS = [f"{city[:4]}{n:02d}" for city in CITIES for n in range(1, 51)]


def organisation(wait: timedelta) -> str:
    minutes = int(wait.total_seconds() // 60)
    lines = ["areas:", '  - {code: "370000", name: Province}']
    lines += [f'  - {{code: "{c}", name: City {c}, parent: "370000"}}' for c in CITIES]
    lines += [f'  - {{code: "{d}", name: District {d}, parent: "{d[:4]}00"}}' for d in DISTRICTS]
    lines += ["departments:"]
    for area in ("370000", *CITIES, *DISTRICTS):
        roster = f"{{duty_officer: officer-{area}, deputy: deputy-{area}}}"
        lines.append(f'  - {{id: water-{area}, name: Water {area}, kind: water, area: "{area}", roster: {roster}}}')
    lines += ["people:"]
    for index, area in enumerate(("370000", *CITIES, *DISTRICTS)):
        for offset, role in enumerate(("officer", "deputy")):
            phone = f"+86139{index:04d}{offset:04d}"
            lines.append(f'  - {{id: {role}-{area}, name: {role} {area}, phone: "{phone}", department: water-{area}}}')
    lines += [
        "policies:",
        "  - {id: flood, hazard: flood, department_kind: water, steps: [",
        f"      {{notify: duty_officer, channels: [sms], wait: {minutes}m}},",
        f"      {{notify: deputy, channels: [sms], wait: {minutes}m}},",
        # Only the phase 3 storm reaches this step.
        f"      {{notify: duty_officer, channels: [sms], wait: {minutes}m}}]}}",
    ]
    return "\n".join(lines) + "\n"


def rules(count: int) -> str:
    lines = ["hazard: flood", "rules:", "  - id: bench-gauge", "    title: Gauge high", "    kind: water_level",
             "    stations:"]  # fmt: skip
    for n in range(count):
        area = DISTRICTS[n % len(DISTRICTS)]
        lines.append(f'      - {{id: B{n:05d}, name: Gauge {n}, area: "{area}", '
                     "levels: {yellow: {above: 3.0, clear_below: 2.8}}}")  # fmt: skip
    return "\n".join(lines) + "\n"


def percentiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    q = statistics.quantiles(ordered, n=100)
    return {"p50_ms": round(q[49] * 1000, 1), "p99_ms": round(q[98] * 1000, 1), "max_ms": round(ordered[-1] * 1000, 1)}


def lateness(store: Store, position: int, since: datetime) -> list[float]:
    late = []
    for decision in store.decisions():
        if (
            decision.kind == "escalation_step_taken"
            and decision.data.get("position") == position
            and decision.at >= since
        ):
            late.append((decision.at - datetime.fromisoformat(decision.data["due_at"])).total_seconds())
    return late


def wait_until(condition: object, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if callable(condition) and condition():
            return
        time.sleep(0.5)
    raise SystemExit("timed out waiting for the engine")


def tracks_past(store: Store, steps: int) -> int:
    """How many escalations have run at least `steps` steps (a cheap poll: no decision rows loaded)."""
    with store.transaction() as tx:
        query = select(func.count()).select_from(EscalationRow).where(EscalationRow.step_index >= steps)
        return int(tx.session.scalar(query) or 0)


def unsent(store: Store) -> int:
    with store.transaction() as tx:
        query = select(func.count()).select_from(NotificationRow).where(NotificationRow.provider_sid.is_(None))
        return int(tx.session.scalar(query) or 0)


def apscheduler_baseline(due_times: list[datetime]) -> list[float]:
    """Lateness of bare APScheduler date jobs at the same due times: the timer's own floor."""
    scheduler = BackgroundScheduler(timezone="UTC", job_defaults={"misfire_grace_time": None})
    late: list[float] = []
    lock = threading.Lock()
    start = datetime.now(UTC)
    shift = start + timedelta(seconds=2) - min(due_times)

    def fire(due: datetime) -> None:
        with lock:
            late.append((datetime.now(UTC) - due).total_seconds())

    scheduler.start()
    for due in due_times:
        scheduler.add_job(fire, "date", run_date=due + shift, args=[due + shift])
    wait_until(lambda: len(late) == len(due_times), timeout=600)
    scheduler.shutdown(wait=False)
    return late


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--escalations", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=25.0, help="warnings opened per second in phase 1")
    parser.add_argument("--database", default=None, help="default: a fresh SQLite file")
    args = parser.parse_args()
    opening = args.escalations / args.rate
    # Everything open before the first step 2 falls due, with room for ingest running below `rate`.
    wait = timedelta(minutes=max(1, int((opening * 1.3 + 60) // 60)))
    with tempfile.TemporaryDirectory() as workdir:
        work = Path(workdir)
        (work / "org.yaml").write_text(organisation(wait), encoding="utf-8")
        (work / "rules.yaml").write_text(rules(args.escalations), encoding="utf-8")
        settings = Settings(
            provider="simulator",
            database_url=args.database or f"sqlite:///{work / 'bench.db'}",
            rules=(work / "rules.yaml",),
            organisation=work / "org.yaml",
        )
        began = time.perf_counter()
        runtime = build_runtime(settings, SystemClock())
        setup_seconds = time.perf_counter() - began
        start_live_timer(runtime)
        store = runtime.store

        # Phase 1: open the warnings at a steady rate through ingest.
        phase1 = datetime.now(UTC)
        for n in range(args.escalations):
            target = phase1 + timedelta(seconds=n / args.rate)
            pause = (target - datetime.now(UTC)).total_seconds()
            if pause > 0:
                time.sleep(pause)
            reading = {"sensor_id": f"B{n:05d}", "kind": "water_level", "value": 3.2,
                       "observed_at": datetime.now(UTC).isoformat()}  # fmt: skip
            runtime.engine.ingest_payload(reading, "bench")
        opened_seconds = (datetime.now(UTC) - phase1).total_seconds()
        open_now = len([i for i in store.incidents() if i.status == "open"])

        # Phase 2: the second steps fall due over the next `opening` seconds; the live timer runs them.
        wait_until(lambda: tracks_past(store, 2) >= args.escalations, timeout=opening + wait.seconds + 600)
        phase2 = lateness(store, 1, phase1)
        steps2 = [d for d in store.decisions() if d.kind == "escalation_step_taken" and d.data.get("position") == 1]
        first, last = min(d.at for d in steps2), max(d.at for d in steps2)
        paced_pages_per_s = len(steps2) / max((last - first).total_seconds(), 1e-9)

        # Phase 3: a storm: every escalation due at one instant, two seconds from now.
        storm_at = datetime.now(UTC) + timedelta(seconds=2)
        with store.transaction() as tx:
            tx.session.execute(
                update(EscalationRow).where(EscalationRow.state == "active")
                .values(due_at=storm_at, token=EscalationRow.token + 1)
            )  # fmt: skip
        assert runtime.timer is not None
        runtime.timer.arm(storm_at)
        sent_before = sum(1 for n in store.notifications() if n.provider_sid is not None)
        wait_until(lambda: tracks_past(store, 3) >= args.escalations, 1800)
        wait_until(lambda: unsent(store) == 0, 600)
        storm = lateness(store, 2, storm_at - timedelta(seconds=1))
        storm_done = max(n.updated_at for n in store.notifications())
        storm_pages = sum(1 for n in store.notifications() if n.provider_sid is not None) - sent_before
        runtime.close()

    baseline = apscheduler_baseline([datetime.fromisoformat(d.data["due_at"]) for d in steps2])
    early = [late for late in phase2 + storm if late < 0]
    if early:
        raise SystemExit(f"{len(early)} steps ran early, by up to {-min(early):.3f} s")
    print(json.dumps({
        "escalations": args.escalations,
        "open_at_once": open_now,
        "setup_seconds": round(setup_seconds, 1),
        "opening_per_s": round(args.escalations / opened_seconds, 1),
        "paced_lateness": percentiles(phase2),
        "paced_pages_per_s": round(paced_pages_per_s, 1),
        "storm_lateness": percentiles(storm),
        "storm_pages_per_s": round(storm_pages / max((storm_done - storm_at).total_seconds(), 1e-9), 1),
        "baseline_apscheduler_lateness": percentiles(baseline),
        "early_steps": 0,
    }))  # fmt: skip


if __name__ == "__main__":
    main()
