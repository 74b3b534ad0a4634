"""Replay a scenario on a virtual clock through the real engine, API, Twilio client and simulator.

The clock jumps from one due moment to the next (an inject, an escalation step, a simulated
phone's action), so an eight-hour drill runs in seconds and every run makes the same decisions in
the same order: the decision log is byte-identical across replays.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from warning.app import Settings, build_runtime
from warning.clock import VirtualClock
from warning.domain import Reading
from warning.drills.scenario import ScenarioSpec, load_scenario
from warning.engine import Engine, Payload
from warning.store import Store


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str
    summary: str


@dataclass(frozen=True)
class DrillResult:
    scenario: ScenarioSpec
    decisions: list[dict[str, Any]]
    timeline: list[TimelineEntry]
    store_url: str


def decision_log(store: Store) -> list[dict[str, Any]]:
    codes = {row.id: row.code for row in store.incidents()}
    return [
        {
            "seq": row.seq,
            "at": row.at.isoformat(),
            "kind": row.kind,
            "incident": codes.get(row.incident_id) if row.incident_id else None,
            "summary": row.summary,
            "data": row.data,
        }
        for row in store.decisions()
    ]


def write_decision_log(decisions: list[dict[str, Any]], path: Path) -> None:
    lines = (json.dumps(entry, sort_keys=True, ensure_ascii=False) for entry in decisions)
    path.parent.mkdir(parents=True, exist_ok=True)  # e.g. var/ on a fresh clone
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")


def _ingest(engine: Engine, batch: list[tuple[str, Payload]], moment: datetime) -> list[TimelineEntry]:
    """Ingest a batch of injected readings (then empty it); the timeline entries of those accepted."""
    entries = [
        TimelineEntry(moment, "reading", f"{r.sensor_id} {r.kind} {r.value:g}{' ' + r.unit if r.unit else ''}")
        for r in (engine.ingest_payloads(batch) if batch else [])
        if isinstance(r, Reading)
    ]
    batch.clear()
    return entries


def run_drill(path: Path, *, database_url: str | None = None) -> DrillResult:
    spec, rules, organisation = load_scenario(path)
    workdir = None
    if database_url is None:
        workdir = tempfile.TemporaryDirectory(prefix="warning-drill-")
        database_url = f"sqlite:///{workdir.name}/drill.db"
    clock = VirtualClock(spec.start)
    # Drills page the loopback simulator only, whatever the environment says.
    settings = Settings(database_url=database_url, rules=tuple(rules), organisation=organisation, provider="simulator")
    runtime = build_runtime(settings, clock, exercise=True, drill_roster=spec.roster,
                            organisation_source=spec.organisation)  # fmt: skip
    assert runtime.simulator is not None  # drills never reach the real Twilio
    simulator, engine = runtime.simulator, runtime.engine
    for phone, behaviour in spec.players.items():
        simulator.set_behaviour(phone, behaviour)

    timeline: list[TimelineEntry] = []
    injects = sorted(enumerate(spec.injects), key=lambda item: (item[1].at, item[0]))
    end = spec.start + spec.duration
    seen = 0
    try:
        while True:
            candidates = [
                moment
                for moment in (
                    spec.start + injects[0][1].at if injects else None,
                    engine.next_due_at(),
                    simulator.next_at(),
                )
                if moment is not None
            ]
            if not candidates or min(candidates) > end:
                break
            moment = max(min(candidates), clock.now())
            clock.advance_to(moment)
            simulator.advance(moment)  # the players act first: they were waiting for this moment
            # The readings due at one moment are one batch (one transaction), as a feed delivers them;
            # a silence set at that moment splits the batch where it stands in the file.
            batch: list[tuple[str, Payload]] = []
            while injects and spec.start + injects[0][1].at <= moment:
                _, inject = injects.pop(0)
                if inject.silence is not None:
                    timeline.extend(_ingest(engine, batch, moment))
                    engine.add_silence(inject.silence.by, inject.silence.request())  # checked by load_scenario
                    continue
                assert inject.reading is not None
                batch.append((f"scenario:{path.name}", {"observed_at": moment.isoformat(), **inject.reading}))
            timeline.extend(_ingest(engine, batch, moment))
            engine.tick()
            decisions = runtime.store.decisions()
            timeline.extend(TimelineEntry(row.at, row.kind, row.summary) for row in decisions[seen:])
            seen = len(decisions)
        return DrillResult(spec, decision_log(runtime.store), timeline, database_url)
    finally:
        runtime.close()
        if workdir is not None:
            workdir.cleanup()
