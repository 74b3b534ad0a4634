"""Backtests: rules run over recorded readings at full speed (the same evaluator as a live engine, but
no database, pages or escalation: each rule and station's level is kept in memory), and the warnings
they would have raised scored against the events observed on the ground.

Per rule and station: warnings raised, time in warning, flaps (a warning raised again within
`flap_within` of clearing), and against the observed events: hits (a warning standing within
`lead_window` before an event's start, or during it), misses, false alarms (a warning that touched no
event) and lead time (from the warning to the event's start; negative when it came late).

Recorded readings are the feeds' own shape with their time, one per line: JSON lines or CSV with
`observed_at` (ISO 8601 with a zone), `sensor_id`, `kind`, `value`, `unit`, in time order per file.
A line that is not a reading is set aside with its file and line, as a feed's would be.
"""

from __future__ import annotations

import csv
import heapq
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from statistics import mean
from typing import Any

import pydantic_core
from pydantic import BaseModel, ConfigDict, Field, model_validator

from sensors.body import csv_cell, csv_records
from sensors.decode import ReadingDecoder
from warning.domain import EARLIEST_INSTANT, LATEST_INSTANT, AwareDatetime, Level, Reading
from warning.errors import ConfigFileError, FileProblem, ReadingRejected
from warning.rulebook import RuleEvaluator, load_rulebook
from warning.yamlfile import load_spec

READING_SUFFIXES = (".csv", ".jsonl", ".ndjson")
MOST_PROBLEMS = 50


class BacktestFileError(ConfigFileError):
    """An observed-events file is invalid."""


class ObservedEvent(BaseModel):
    """Something that happened on the ground, which a warning should have come before."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,40}$")
    station: str = Field(min_length=1, max_length=100, description="the station whose warnings should foretell it")
    start: AwareDatetime
    end: AwareDatetime
    what: str = Field(default="", max_length=500)

    @model_validator(mode="after")
    def _ordered(self) -> ObservedEvent:
        if self.end < self.start:
            raise ValueError("end is before start")
        return self


class ObservedFile(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    source: str = Field(default="", max_length=500, description="where the observations come from")
    events: list[ObservedEvent] = Field(min_length=1)


def load_observed(path: Path) -> ObservedFile:
    return load_spec(path, ObservedFile, BacktestFileError)[0]


@dataclass
class WarningPeriod:
    rule: str
    station: str
    start: datetime
    end: datetime | None = None  # None: still standing when the readings ended
    highest: Level = Level.blue

    def overlaps(self, start: datetime, end: datetime, until: datetime) -> bool:
        return self.start <= end and (self.end or until) >= start


@dataclass
class StationScore:
    rule: str
    station: str
    warnings: int = 0
    hits: int = 0
    misses: int = 0
    false_alarms: int = 0
    flaps: int = 0
    in_warning: timedelta = timedelta(0)
    leads: list[timedelta] = field(default_factory=list)
    hit_events: set[str] = field(default_factory=set)

    @property
    def mean_lead(self) -> timedelta | None:
        return timedelta(seconds=mean(lead.total_seconds() for lead in self.leads)) if self.leads else None


@dataclass
class Backtest:
    rules: str
    readings: int
    set_aside: list[FileProblem]
    set_aside_count: int
    periods: list[WarningPeriod]
    scores: list[StationScore]
    first: datetime | None
    last: datetime | None
    events: list[ObservedEvent]

    def totals(self) -> dict[str, float | int | None]:
        hits = sum(score.hits for score in self.scores)
        false_alarms = sum(score.false_alarms for score in self.scores)
        matched = {event.id for event in self.events if self._hit(event)}
        caught, missed = len(matched), len(self.events) - len(matched)
        leads = [lead for score in self.scores for lead in score.leads]
        return {
            "events": len(self.events), "events_warned": caught, "events_missed": missed,
            "probability_of_detection": caught / len(self.events) if self.events else None,
            "false_alarm_ratio": false_alarms / (hits + false_alarms) if hits + false_alarms else None,
            "warnings": len(self.periods), "false_alarms": false_alarms,
            "mean_lead_minutes": mean(lead.total_seconds() for lead in leads) / 60 if leads else None,
            "flaps": sum(score.flaps for score in self.scores),
        }  # fmt: skip

    def _hit(self, event: ObservedEvent) -> bool:
        return any(event.id in score.hit_events for score in self.scores)


FAST_HEADER = ["observed_at", "sensor_id", "kind", "value", "unit"]
BATCH = 1000  # readings validated together


def recorded_readings(path: Path, problems: list[FileProblem]) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line, reading object) of one recorded file, in its order; an unreadable line goes to `problems`."""
    name = str(path)
    with path.open("rb") as raw:
        if path.suffix.lower() not in READING_SUFFIXES:
            problems.append(FileProblem(name, 1, f"recorded readings end in {', '.join(READING_SUFFIXES)}"))
            return
        if path.suffix.lower() == ".csv":
            yield from _csv_readings(raw, name, problems)
            return
        for number, line in enumerate(raw, start=1):
            if not line.strip():
                continue
            try:
                item = pydantic_core.from_json(line)
            except ValueError as exc:
                problems.append(FileProblem(name, number, f"not JSON: {exc}"))
                continue
            if not isinstance(item, dict):
                problems.append(FileProblem(name, number, "a line must be one JSON object: a reading"))
                continue
            yield number, item


def _csv_readings(raw: Any, name: str, problems: list[FileProblem]) -> Iterator[tuple[int, dict[str, Any]]]:
    text = (line.decode("utf-8-sig" if n == 1 else "utf-8") for n, line in enumerate(raw, start=1))
    rows = csv.reader(text)
    try:
        header = next(rows, None)
    except (UnicodeDecodeError, csv.Error) as exc:
        problems.append(FileProblem(name, 1, f"header row unreadable: {exc}"))
        return
    if header is None or "observed_at" not in header:
        problems.append(FileProblem(name, 1, "the header row must name the columns, observed_at among them "
                                             "(observed_at,sensor_id,kind,value,unit)"))  # fmt: skip
        return
    if header == FAST_HEADER:  # the usual layout, read without a cell-by-cell guess at each type
        try:
            for row in rows:
                if len(row) == 5 and row[1] and row[4]:
                    try:
                        value = float(row[3])
                    except ValueError:
                        value = row[3]  # type: ignore[assignment]  # refused as a reading, with its reason
                    yield rows.line_num, {"observed_at": row[0], "sensor_id": row[1], "kind": row[2], "value": value,
                                          "unit": row[4]}  # fmt: skip
                elif row:
                    cells = {key: csv_cell(cell) for key, cell in zip(header, row, strict=False) if cell}
                    if len(row) != len(header):
                        problems.append(FileProblem(name, rows.line_num, f"{len(row)} cells where the header names "
                                                    f"{len(header)} columns"))  # fmt: skip
                        continue
                    yield rows.line_num, cells
        except (UnicodeDecodeError, csv.Error) as exc:
            problems.append(
                FileProblem(name, rows.line_num + 1, f"unreadable: {exc}; the rest of the file is not read")
            )
        return
    for number, record in csv_records(rows, header):
        if isinstance(record, ReadingRejected):
            problems.append(FileProblem(name, number, record.reason))
        else:
            yield number, record


def _decoded(files: list[Path], decoder: ReadingDecoder, problems: list[FileProblem]) -> Iterator[Reading]:
    """Every file's readings, merged in time order (each file in its own order)."""

    def one(path: Path) -> Iterator[Reading]:
        batch: list[tuple[int, dict[str, Any]]] = []
        for numbered in itertools.chain(recorded_readings(path, problems), [None]):
            if numbered is not None:
                batch.append(numbered)
                if len(batch) < BATCH:
                    continue
            verdicts = decoder.decode_objects([item for _, item in batch], LATEST_INSTANT)
            for (line, _), verdict in zip(batch, verdicts, strict=True):
                if isinstance(verdict, ReadingRejected):
                    problems.append(FileProblem(str(path), line, verdict.reason))
                else:
                    yield verdict
            batch.clear()

    if len(files) == 1:
        return one(files[0])
    return heapq.merge(*(one(path) for path in files), key=lambda reading: reading.observed_at)


def run_backtest(
    rules: list[Path],
    readings: list[Path],
    events: list[ObservedEvent],
    *,
    lead_window: timedelta = timedelta(hours=24),
    flap_within: timedelta = timedelta(hours=1),
    progress: Callable[[int], None] | None = None,
) -> Backtest:
    rulebook = load_rulebook(rules)
    evaluator = RuleEvaluator(rulebook.rules)
    decoder = ReadingDecoder(evaluator.sensors)
    levels: dict[str, Level] = {}
    open_periods: dict[tuple[str, str], WarningPeriod] = {}
    periods: list[WarningPeriod] = []
    problems: list[FileProblem] = []
    count, first, last = 0, None, None
    for reading in _decoded(readings, decoder, problems):
        count += 1
        if first is None:
            first = reading.observed_at
        last = reading.observed_at
        if progress is not None and count % 10_000 == 0:
            progress(10_000)
        for detection in evaluator.evaluate(reading, levels.get).detections:
            key = (detection.rule_id, detection.station_id)
            if detection.level is None:
                levels.pop(detection.key, None)
                period = open_periods.pop(key, None)
                if period is not None:
                    period.end = reading.observed_at
                continue
            levels[detection.key] = detection.level
            period = open_periods.get(key)
            if period is None:
                period = open_periods[key] = WarningPeriod(detection.rule_id, detection.station_id,
                                                           reading.observed_at, highest=detection.level)  # fmt: skip
                periods.append(period)
            elif detection.level.rank > period.highest.rank:
                period.highest = detection.level
    if progress is not None:
        progress(count % 10_000)
    until = last or EARLIEST_INSTANT
    scores = _score(rulebook.rules, periods, events, until, lead_window, flap_within)
    return Backtest(", ".join(str(path) for path in rules), count, problems[:MOST_PROBLEMS], len(problems), periods,
                    scores, first, last, events)  # fmt: skip


def _score(
    rules: Any, periods: list[WarningPeriod], events: list[ObservedEvent], until: datetime, lead_window: timedelta,
    flap_within: timedelta,
) -> list[StationScore]:  # fmt: skip
    scores: list[StationScore] = []
    for rule in rules:
        for station in rule.stations:
            mine = [period for period in periods if period.rule == rule.id and period.station == station]
            here = [event for event in events if event.station == station]
            if not mine and not here:
                continue
            score = StationScore(rule.id, station, warnings=len(mine))
            for period in mine:
                score.in_warning += (period.end or until) - period.start
            score.flaps = sum(1 for a, b in itertools.pairwise(mine)
                              if a.end is not None and b.start - a.end <= flap_within)  # fmt: skip
            touched: set[int] = set()
            for event in here:
                warned = [p for p in mine if p.overlaps(event.start - lead_window, event.end, until)]
                if warned:
                    score.hits += 1
                    score.hit_events.add(event.id)
                    score.leads.append(event.start - warned[0].start)
                    touched.update(id(p) for p in warned)
                else:
                    score.misses += 1
            score.false_alarms = sum(1 for period in mine if id(period) not in touched)
            scores.append(score)
    return scores
