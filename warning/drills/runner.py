"""Replay a scenario on a virtual clock through the real engine, API, Twilio client and simulator.

The clock jumps from one due moment to the next (an inject, an escalation step, a simulated
phone's action), so an eight-hour drill runs in seconds and every run makes the same decisions in
the same order: the decision log is byte-identical across replays.
"""

from __future__ import annotations

import heapq
import json
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from warning.app import Settings, build_runtime
from warning.clock import VirtualClock
from warning.decisions.events import decision_from
from warning.decisions.render import Names, summary
from warning.domain import Reading
from warning.drills.scenario import InjectSpec, ScenarioSpec, load_scenario, series_files
from warning.drills.series import SeriesLine, read_series
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
    timeline: list[TimelineEntry]  # the inline injects and every decision; series readings are counted
    store_url: str
    series_readings: int = 0
    names: Names = field(default_factory=Names)  # how the organisation of the drill names people and departments


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


def _ingest(
    engine: Engine, batch: list[tuple[str, Payload]], shown: list[bool], moment: datetime
) -> list[TimelineEntry]:
    """Ingest a batch of injected readings (then empty both lists); timeline entries of the inline ones accepted."""
    verdicts = engine.ingest_payloads(batch) if batch else []
    entries = [
        TimelineEntry(moment, "reading", f"{r.sensor_id} {r.kind} {r.value:g}{' ' + r.unit if r.unit else ''}")
        for r, show in zip(verdicts, shown, strict=True)
        if show and isinstance(r, Reading)
    ]
    batch.clear()
    shown.clear()
    return entries


_Event = tuple[datetime, InjectSpec | SeriesLine, str]


def scenario_events(spec: ScenarioSpec, path: Path) -> Iterator[_Event]:
    """The inline injects and the lines of every series file, merged in time order as the drill goes:
    one series line in memory per file. At one moment inline injects come first, then each file's
    lines in the order the scenario names the files."""
    inline = sorted(((spec.start + inject.at, inject, f"scenario:{path.name}") for inject in spec.injects),
                    key=lambda event: event[0])  # fmt: skip
    series = [
        ((spec.start + line.at, line, f"series:{file.name}") for line in read_series(file))
        for file in series_files(spec, path)
    ]
    return heapq.merge(inline, *series, key=lambda event: event[0])


def run_drill(path: Path, *, database_url: str | None = None) -> DrillResult:
    spec, rules, organisation = load_scenario(path)
    workdir = None
    if database_url is None:
        workdir = tempfile.TemporaryDirectory(prefix="warning-drill-")
        database_url = f"sqlite:///{workdir.name}/drill.db"
    clock = VirtualClock(spec.start)
    # Drills page the loopback simulator only, whatever the environment says; their database is
    # scratch, so commits need not wait for the disk.
    settings = Settings(database_url=database_url, rules=tuple(rules), organisation=organisation, provider="simulator",
                        sqlite_synchronous="normal")  # fmt: skip
    runtime = build_runtime(settings, clock, exercise=True, drill_roster=spec.roster,
                            organisation_source=spec.organisation)  # fmt: skip
    assert runtime.simulator is not None  # drills never reach the real Twilio
    simulator, engine = runtime.simulator, runtime.engine
    for phone, behaviour in spec.players.items():
        simulator.set_behaviour(phone, behaviour)

    timeline: list[TimelineEntry] = []
    events = scenario_events(spec, path)
    head = next(events, None)
    end = spec.start + spec.duration
    seen, series_readings = 0, 0
    try:
        while True:
            players_due = simulator.next_at()
            due = (head[0] if head else None, engine.next_due_at(), players_due)
            candidates = [moment for moment in due if moment is not None]
            if not candidates or min(candidates) > end:
                break
            moment = max(min(candidates), clock.now())
            clock.advance_to(moment)
            simulator.advance(moment)  # the players act first (and their clock moves on: a reply is timed from now)
            # The readings due at one moment are one batch (one transaction), as a feed delivers them;
            # a silence set at that moment splits the batch where it stands in the file.
            batch: list[tuple[str, Payload]] = []
            shown: list[bool] = []
            stamp = moment.isoformat()  # every reading of the moment was observed then
            while head is not None and head[0] <= moment:
                _, event, source = head
                head = next(events, None)
                if isinstance(event, SeriesLine):
                    batch.append((source, {"observed_at": stamp, **event.reading}))
                    shown.append(False)
                    series_readings += 1
                elif event.silence is not None:
                    timeline.extend(_ingest(engine, batch, shown, moment))
                    engine.add_silence(event.silence.by, event.silence.request())  # checked by load_scenario
                else:
                    assert event.reading is not None
                    batch.append((source, {"observed_at": stamp, **event.reading}))
                    shown.append(True)
            timeline.extend(_ingest(engine, batch, shown, moment))
            engine.tick()
            decisions = runtime.store.decisions(after=seen)
            names = engine.org.display_names()
            timeline.extend(TimelineEntry(row.at, row.kind, summary(decision_from(row.data), "en", names))
                            for row in decisions)  # fmt: skip
            seen = decisions[-1].seq if decisions else seen
        return DrillResult(spec, decision_log(runtime.store), timeline, database_url, series_readings,
                           engine.org.display_names())  # fmt: skip
    finally:
        runtime.close()
        if workdir is not None:
            workdir.cleanup()
