"""Replay a scenario on a virtual clock through the real engine, API, Twilio client and simulator.

The clock jumps from one due moment to the next (an inject, an escalation step, a simulated
phone's action), so an eight-hour drill runs in seconds and every run makes the same decisions in
the same order: the decision log is byte-identical across replays.
"""

from __future__ import annotations

import heapq
import json
import tempfile
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from warning.app import Settings, build_runtime
from warning.clock import VirtualClock
from warning.decisions.events import decision_from
from warning.decisions.render import Names, summary
from warning.dispatch.budget import CarrierBudget
from warning.domain import Reading
from warning.drills.expectations import Evaluation, Score, Verdict
from warning.drills.faults import FaultBoard
from warning.drills.injects import InjectSpec
from warning.drills.players import InjectOutcome, labels, play
from warning.drills.scenario import ScenarioSpec, load_scenario, series_files
from warning.drills.series import SeriesLine, read_series
from warning.engine import Engine, Payload
from warning.store import Store


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str
    summary: str


@dataclass(frozen=True)
class DrillDirectory:
    """What a report names things by, from the drill's organisation and rules."""

    departments: dict[str, tuple[str, str | None, str]] = field(default_factory=dict)  # id -> name, name_zh, area
    people: dict[str, str] = field(default_factory=dict)  # id -> name
    stations: dict[str, tuple[str, str | None, str]] = field(default_factory=dict)  # id -> name, name_zh, unit
    station_areas: dict[str, str] = field(default_factory=dict)
    budget: CarrierBudget = field(default_factory=CarrierBudget)

    @classmethod
    def of(cls, engine: Engine) -> DrillDirectory:
        org = engine.org
        stations: dict[str, tuple[str, str | None, str]] = {}
        for rule in engine.evaluator.rules.values():
            for sid, station in rule.stations.items():
                known = stations.get(sid)  # a rule's inline station may name it less fully than the catalogue
                stations[sid] = (station.spec.name, station.spec.name_zh or (known[1] if known else None),
                                 rule.spec.unit or (known[2] if known else ""))  # fmt: skip
        return cls(
            departments={d.id: (d.name, d.name_zh, d.area) for d in org.departments.values()},
            people={p.id: p.name for p in org.people.values()},
            stations=stations,
            station_areas={sid: area for sid in stations if (area := engine.evaluator.area_of(sid)) is not None},
            budget=org.spec.carrier_budget.budget(),
        )


@dataclass(frozen=True, slots=True)
class PublishedAlert:
    """A CAP message the drill published, as published."""

    identifier: str
    msg_type: str
    incident: str
    xml: str


@dataclass(frozen=True)
class DrillResult:
    scenario: ScenarioSpec
    decisions: list[dict[str, Any]]
    timeline: list[TimelineEntry]  # the inline injects and every decision; series readings are counted
    store_url: str
    series_readings: int = 0
    names: Names = field(default_factory=Names)  # how the organisation of the drill names people and departments
    injects: list[InjectOutcome] = field(default_factory=list)  # what became of each fault, action and report
    scores: list[Score] = field(default_factory=list)  # each expectation, in the scenario's order
    series: dict[str, list[tuple[datetime, float]]] = field(default_factory=dict)  # warned stations' readings
    dropped_readings: int = 0  # readings a silent station or area never sent
    department_of: dict[str, str] = field(default_factory=dict)  # person -> department
    directory: DrillDirectory = field(default_factory=DrillDirectory)
    scenario_file: str = ""
    alerts: list[PublishedAlert] = field(default_factory=list)  # the CAP messages the drill published

    @property
    def missed(self) -> list[Score]:
        return [score for score in self.scores if score.verdict is Verdict.missed]


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
                        domestic_provider=spec.domestic_provider, sqlite_synchronous="normal")  # fmt: skip
    runtime = build_runtime(settings, clock, exercise=True, drill_roster=spec.roster,
                            organisation_source=spec.organisation)  # fmt: skip
    assert runtime.simulator is not None  # drills never reach the real Twilio
    engine, simulators = runtime.engine, runtime.simulators()
    for phone, behaviour in spec.players.items():
        for simulator in simulators.values():
            simulator.set_behaviour(phone, behaviour)
    faults = FaultBoard(simulators, dict(spec.players), engine.evaluator.area_of)

    timeline: list[TimelineEntry] = []
    outcomes: list[InjectOutcome] = []
    names_of = labels(spec.injects)
    events = scenario_events(spec, path)
    head = next(events, None)
    end = spec.start + spec.duration
    seen, series_readings = 0, 0
    try:
        while True:
            due = (head[0] if head else None, engine.next_due_at(), faults.next_at(),
                   *(simulator.next_at() for simulator in simulators.values()))  # fmt: skip
            candidates = [moment for moment in due if moment is not None]
            if not candidates or min(candidates) > end:
                break
            moment = max(min(candidates), clock.now())
            clock.advance_to(moment)
            for ended in faults.end_due(moment):
                timeline.append(TimelineEntry(moment, "fault", f"ended: {ended.describe()}"))
            for (
                simulator
            ) in simulators.values():  # the players act first (their clock moves on: a reply is timed from now)
                simulator.advance(moment)
            # The readings due at one moment are one batch (one transaction), as a feed delivers them;
            # any other inject at that moment splits the batch where it stands in the file.
            batch: list[tuple[str, Payload]] = []
            shown: list[bool] = []
            stamp = moment.isoformat()  # every reading of the moment was observed then
            while head is not None and head[0] <= moment:
                _, event, source = head
                head = next(events, None)
                if isinstance(event, SeriesLine):
                    series_readings += 1
                    if not faults.silent(event.reading):
                        batch.append((source, {"observed_at": stamp, **event.reading}))
                        shown.append(False)
                elif event.reading is not None:
                    if not faults.silent(event.reading):
                        batch.append((source, {"observed_at": stamp, **event.reading}))
                        shown.append(True)
                else:
                    if event.fault is None:  # a fault only changes what later readings and pages meet
                        timeline.extend(_ingest(engine, batch, shown, moment))
                    outcome = play(engine, simulators, faults, event, names_of[id(event)], moment)
                    outcomes.append(outcome)
                    if event.fault is not None:
                        timeline.append(TimelineEntry(moment, "fault", outcome.what))
                    else:
                        timeline.append(TimelineEntry(moment, "inject", f"{outcome.id} {outcome.what}: "
                                                      f"{outcome.result}"))  # fmt: skip
                        for simulator in simulators.values():  # a text a player just sent reaches us now
                            simulator.advance(moment)
            timeline.extend(_ingest(engine, batch, shown, moment))
            engine.tick()
            decisions = runtime.store.decisions(after=seen)
            names = engine.org.display_names()
            timeline.extend(TimelineEntry(row.at, row.kind, summary(decision_from(row.data), "en", names))
                            for row in decisions)  # fmt: skip
            seen = decisions[-1].seq if decisions else seen
        return drill_result(spec, path, runtime.store, engine, end, outcomes, faults, series_readings, timeline,
                            database_url)  # fmt: skip
    finally:
        runtime.close()
        if workdir is not None:
            workdir.cleanup()


def drill_result(
    spec: ScenarioSpec, path: Path, store: Store, engine: Engine, end: datetime, outcomes: list[InjectOutcome],
    faults: FaultBoard, series_readings: int, timeline: list[TimelineEntry], store_url: str = "",
) -> DrillResult:  # fmt: skip
    """A drill played (replayed, or live up to `end`) and scored: its decision log, the injects'
    outcomes, the expectations, and what a report plots."""
    log = decision_log(store)
    codes = {row.id: row.code for row in store.incidents()}
    org = engine.org
    department_of = {person_id: person.department for person_id, person in org.people.items()}
    faulted = {inject.fault.station for inject in spec.injects if inject.fault and inject.fault.station}
    series = warned_series(store, log, spec.start - timedelta(seconds=1), faulted)
    scores = Evaluation(log, department_of, spec.roster, end, series).score(spec.expectations)
    return DrillResult(spec, log, timeline, store_url, series_readings, org.display_names(), injects=outcomes,
                       scores=scores, series=series, dropped_readings=faults.dropped, department_of=department_of,
                       directory=DrillDirectory.of(engine), scenario_file=str(path),
                       alerts=[PublishedAlert(row.identifier, row.msg_type, codes.get(row.incident_id, ""), row.xml)
                               for row in store.published_alerts()])  # fmt: skip


def warned_series(
    store: Store, log: list[dict[str, Any]], start: datetime, also: Collection[str] = ()
) -> dict[str, list[tuple[datetime, float]]]:
    """The readings after `start` of every station a warning was opened on, of the kind its rule judged,
    and of the stations `also` named (a fault silenced them): what the report plots and `lifted` reads."""
    kinds: dict[str, str | None] = dict.fromkeys(also)
    for row in log:
        if row["kind"] == "incident_opened" or row["kind"] == "cause_added":
            evidence = row["data"]["evidence"]
            reading = evidence.get("reading") or {}
            if isinstance(reading.get("kind"), str):
                kinds[evidence["station"]] = kinds.get(evidence["station"]) or reading["kind"]
    if not kinds:
        return {}
    with store.transaction() as tx:
        readings = tx.readings_since(start, set(kinds))
    series: dict[str, list[tuple[datetime, float]]] = {station: [] for station in kinds}
    for reading in readings:
        if kinds[reading.sensor_id] in (None, reading.kind):
            series[reading.sensor_id].append((reading.observed_at, reading.value))
    return series
