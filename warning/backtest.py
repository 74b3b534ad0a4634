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
import multiprocessing
import os
import zlib
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from queue import Empty
from statistics import mean
from typing import Any

import pydantic_core
from pydantic import BaseModel, ConfigDict, Field, model_validator

from sensors.body import csv_cell, csv_records
from sensors.decode import ReadingDecoder
from warning.domain import EARLIEST_INSTANT, AwareDatetime, Level, Reading
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


def recorded_readings(
    path: Path, problems: list[FileProblem], keep: Callable[[Any, int], bool] | None = None
) -> Iterator[tuple[int, dict[str, Any]]]:  # fmt: skip
    """(line, reading object) of one recorded file, in its order; an unreadable line goes to `problems`.
    `keep(sensor, line)`: only these lines (a worker's share), told before their cells are read."""
    name = str(path)
    with path.open("rb") as raw:
        if path.suffix.lower() not in READING_SUFFIXES:
            problems.append(FileProblem(name, 1, f"recorded readings end in {', '.join(READING_SUFFIXES)}"))
            return
        if path.suffix.lower() == ".csv":
            yield from _csv_readings(raw, name, problems, keep)
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
            if keep is None or keep(item.get("sensor_id"), number):
                yield number, item


def _csv_readings(
    raw: Any, name: str, problems: list[FileProblem], keep: Callable[[Any, int], bool] | None
) -> Iterator[tuple[int, dict[str, Any]]]:  # fmt: skip
    def text() -> Iterator[str]:
        # Line by line, so that a byte that is not UTF-8 costs its own line only, and the rest is read.
        for number, line in enumerate(raw, start=1):
            try:
                yield line.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError as exc:
                problems.append(FileProblem(name, number, f"not UTF-8 ({exc.reason} at byte {exc.start})"))
                yield "\n"  # an empty row, so the rows keep their line numbers

    rows = csv.reader(text())
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
                if keep is not None and not keep(row[1] if len(row) > 1 and row[1] else None, rows.line_num):
                    continue
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
        elif keep is None or keep(record.get("sensor_id"), number):
            yield number, record


@dataclass(frozen=True)
class Share:
    """One worker's part of the stations: all of a station's readings go to one worker (its windows
    need every one), stations spread so that each worker judges about as many (rule, station) series."""

    worker: int
    workers: int
    station_worker: dict[str, int]

    @classmethod
    def of(cls, worker: int, workers: int, rules: Any) -> Share:
        load: dict[str, int] = {}
        for rule in rules:
            for station in rule.stations:
                load[station] = load.get(station, 0) + 1
        totals = [0] * workers
        placed: dict[str, int] = {}
        for station in sorted(load, key=lambda s: (-load[s], s)):  # heaviest first, to the lightest worker
            lightest = totals.index(min(totals))
            placed[station] = lightest
            totals[lightest] += load[station]
        return cls(worker, workers, placed)

    def mine(self, sensor: Any, line: int) -> bool:
        if isinstance(sensor, str):
            placed = self.station_worker.get(sensor)
            return (placed if placed is not None else zlib.crc32(sensor.encode()) % self.workers) == self.worker
        return line % self.workers == self.worker  # a line with no usable station: one worker tells of it


def _mine(share: Share | None, sensor: Any, line: int) -> bool:
    return share is None or share.mine(sensor, line)


def _decoded(
    files: list[Path], decoder: ReadingDecoder, problems: list[FileProblem], share: Share | None = None
) -> Iterator[Reading]:  # fmt: skip
    """Every file's readings (this worker's share of the stations), merged in time order."""

    def one(path: Path) -> Iterator[Reading]:
        found: list[FileProblem] = []
        rows = recorded_readings(path, found, share.mine if share is not None else None)
        while True:
            batch = list(itertools.islice(rows, BATCH))
            if found:  # lines that are not readings at all: one worker tells of each
                problems.extend(problem for problem in found if _mine(share, None, problem.line))
                found.clear()
            if not batch:
                return
            verdicts = decoder.decode_objects([item for _, item in batch], None)
            for (line, _), verdict in zip(batch, verdicts, strict=True):
                if isinstance(verdict, ReadingRejected):
                    problems.append(FileProblem(str(path), line, verdict.reason))
                else:
                    yield verdict

    if len(files) == 1:
        return one(files[0])
    return heapq.merge(*(one(path) for path in files), key=lambda reading: reading.observed_at)


@dataclass
class _Judged:
    """One worker's part: the warning periods of its stations, what it set aside, what it read."""

    periods: list[WarningPeriod]
    problems: list[FileProblem]
    count: int
    first: datetime | None
    last: datetime | None


PARALLEL_FROM_BYTES = 20_000_000  # below this, starting workers costs more than they save
STEP = 10_000  # readings between progress reports


def _judge(
    rules: list[Path], readings: list[Path], share: Share | None, progress: Callable[[int], None] | None
) -> _Judged:  # fmt: skip
    rulebook = load_rulebook(rules)
    evaluator = RuleEvaluator(rulebook.rules)
    decoder = ReadingDecoder(evaluator.sensors)
    levels: dict[str, Level] = {}
    open_periods: dict[tuple[str, str], WarningPeriod] = {}
    periods: list[WarningPeriod] = []
    problems: list[FileProblem] = []
    count, first, last = 0, None, None
    for reading in _decoded(readings, decoder, problems, share):
        count += 1
        if first is None:
            first = reading.observed_at
        last = reading.observed_at
        if progress is not None and count % STEP == 0:
            progress(STEP)
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
        progress(count % STEP)
    return _Judged(periods, sorted(problems, key=lambda p: (p.path, p.line)), count, first, last)


def _judge_share(rules: list[Path], readings: list[Path], worker: int, workers: int, queue: Any) -> _Judged:
    """A worker process's part; its progress goes back through `queue`."""
    share = Share.of(worker, workers, load_rulebook(rules).rules)
    return _judge(rules, readings, share, queue.put)


def _judge_in_parallel(
    rules: list[Path], readings: list[Path], workers: int, progress: Callable[[int], None] | None
) -> _Judged:  # fmt: skip
    context = multiprocessing.get_context("spawn")  # no fork of a process that may hold threads
    with context.Manager() as manager, ProcessPoolExecutor(workers, mp_context=context) as pool:
        queue = manager.Queue()
        futures = [pool.submit(_judge_share, rules, readings, k, workers, queue) for k in range(workers)]
        while not all(future.done() for future in futures):
            try:
                done = queue.get(timeout=0.2)
            except Empty:
                continue
            if progress is not None:
                progress(done)
        parts = [future.result() for future in futures]
    firsts = [part.first for part in parts if part.first is not None]
    lasts = [part.last for part in parts if part.last is not None]
    return _Judged(
        periods=sorted((p for part in parts for p in part.periods), key=lambda p: (p.start, p.rule, p.station)),
        problems=sorted((p for part in parts for p in part.problems), key=lambda p: (p.path, p.line)),
        count=sum(part.count for part in parts), first=min(firsts, default=None), last=max(lasts, default=None),
    )  # fmt: skip


def run_backtest(
    rules: list[Path],
    readings: list[Path],
    events: list[ObservedEvent],
    *,
    lead_window: timedelta = timedelta(hours=24),
    flap_within: timedelta = timedelta(hours=1),
    progress: Callable[[int], None] | None = None,
    workers: int | None = None,
) -> Backtest:
    """`workers`: processes sharing the stations (default: one per core, for files of 20 MB and more)."""
    rulebook = load_rulebook(rules)  # refused here, before any worker starts, if it is wrong
    if workers is None:
        large = sum(path.stat().st_size for path in readings) >= PARALLEL_FROM_BYTES
        workers = min(os.cpu_count() or 1, 4) if large else 1
    judged = (_judge_in_parallel(rules, readings, workers, progress) if workers > 1
              else _judge(rules, readings, None, progress))  # fmt: skip
    until = judged.last or EARLIEST_INSTANT
    scores = _score(rulebook.rules, judged.periods, events, until, lead_window, flap_within)
    return Backtest(", ".join(str(path) for path in rules), judged.count, judged.problems[:MOST_PROBLEMS],
                    len(judged.problems), judged.periods, scores, judged.first, judged.last, events)  # fmt: skip


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
