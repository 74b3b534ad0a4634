"""Series files: a scenario's readings at scale, one per line, read as the drill reaches them.

A day of 500 stations at one-minute cadence is 720,000 readings; held as injects in the scenario
that would be gigabytes, so a scenario names series files instead and the runner streams them in
time order beside its inline injects. Two formats, chosen by the file's suffix:

- JSON lines (`.jsonl`, `.ndjson`): one object per line, `{"at": "1h10m", "sensor_id": ..., "kind": ...,
  "value": ..., "unit": ...}`; `at` may also be seconds from the start, as a number.
- CSV (`.csv`): a header row naming `at` and the reading's fields, then one reading per row.

`at` is the offset from the drill's start, and lines must come in time order. The file is checked
once at load, line by line without holding it (`file:line` for every misplaced or unreadable line);
the reading fields themselves are judged by the feed decoder when the drill reaches them, so a bad
reading is dead-lettered exactly as it would be live.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pydantic_core

from sensors.body import csv_records
from warning.domain import parse_duration
from warning.errors import FileProblem, ReadingRejected

SUFFIXES = (".jsonl", ".ndjson", ".csv")
MOST_PROBLEMS = 50  # per file: the first ones say what is wrong; a thousand more say nothing new
_LONGEST_LINE = 64 * 1024


@dataclass(frozen=True, slots=True)
class SeriesLine:
    at: timedelta
    reading: dict[str, Any]


class _LineError(ValueError):
    pass


class _Offsets:
    """`at` texts to offsets; a series repeats the same few thousand, so each is parsed once."""

    def __init__(self) -> None:
        self._parsed: dict[str | float, timedelta] = {}

    def parse(self, value: Any) -> timedelta:
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise _LineError("`at` must be an offset from the start, like 90m or 1h30m, or seconds as a number")
        known = self._parsed.get(value)
        if known is not None:
            return known
        if isinstance(value, str):
            parsed = timedelta(0) if value.strip() in ("0", "0s", "0m") else _duration(value)
        elif not math.isfinite(value) or value < 0 or value > 3660 * 86400:
            raise _LineError(f"`at` {value!r} seconds is not an offset within a drill")
        else:
            parsed = timedelta(seconds=value)
        if len(self._parsed) < 100_000:
            self._parsed[value] = parsed
        return parsed


def _duration(text: str) -> timedelta:
    try:
        return parse_duration(text)
    except ValueError as exc:
        raise _LineError(f"`at` {exc}") from None


class _Reader:
    """Lines of one series file as (line number, `at`, reading), or a `_LineError` for a bad line."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offsets = _Offsets()

    def lines(self) -> Iterator[tuple[int, SeriesLine | _LineError]]:
        with self.path.open("rb") as raw:
            if self.path.suffix.lower() == ".csv":
                yield from self._csv(raw)
            else:
                yield from self._json_lines(raw)

    def _json_lines(self, raw: io.BufferedReader) -> Iterator[tuple[int, SeriesLine | _LineError]]:
        for number, line in enumerate(raw, start=1):
            if not line.strip():
                continue
            try:
                if len(line) > _LONGEST_LINE:
                    raise _LineError(f"line longer than {_LONGEST_LINE // 1024} KiB")
                try:
                    line.decode("utf-8")
                except UnicodeDecodeError as exc:
                    raise _LineError(f"not UTF-8 ({exc.reason} at byte {exc.start})") from None
                try:
                    item = pydantic_core.from_json(line)  # a third of json.loads' time, on a day of lines
                except ValueError as exc:
                    raise _LineError(f"not JSON: {exc}") from None
                if not isinstance(item, dict):
                    raise _LineError("a line must be one JSON object: the reading with its `at`")
                yield number, self._line(item)
            except _LineError as exc:
                yield number, exc

    def _csv(self, raw: io.BufferedReader) -> Iterator[tuple[int, SeriesLine | _LineError]]:
        # Decoded line by line, so that a byte that is not UTF-8 is reported on its own line (a text
        # wrapper decodes ahead, and would blame the line it happened to be reading).
        text = (line.decode("utf-8-sig" if number == 1 else "utf-8") for number, line in enumerate(raw, start=1))
        rows = csv.reader(text)
        try:
            header = next(rows, None)
        except (UnicodeDecodeError, csv.Error) as exc:
            yield 1, _LineError(f"header row unreadable: {exc}")
            return
        if header is None or "at" not in header:
            yield 1, _LineError("the header row must name the columns, `at` among them (at,sensor_id,kind,value,unit)")
            return
        if len(set(header)) != len(header):
            yield 1, _LineError("a column is named twice in the header row")
            return
        for number, record in csv_records(rows, header):
            if isinstance(record, ReadingRejected):
                yield number, _LineError(record.reason)
                continue
            try:
                yield number, self._line(record)
            except _LineError as exc:
                yield number, exc

    def _line(self, item: dict[str, Any]) -> SeriesLine:
        if "at" not in item:
            raise _LineError("no `at`: give each reading its offset from the start, like 90m")
        at = self.offsets.parse(item.pop("at"))
        return SeriesLine(at, item)


def check_series(path: Path, duration: timedelta) -> list[FileProblem]:
    """Every unreadable, misplaced or late line of a series file (at most MOST_PROBLEMS, then a count)."""
    if path.suffix.lower() not in SUFFIXES:
        return [FileProblem(str(path), 1, f"series files end in {', '.join(SUFFIXES)}; this one is {path.name}")]
    problems: list[FileProblem] = []
    previous: timedelta | None = None
    more = 0
    try:
        for number, line in _Reader(path).lines():
            message = None
            if isinstance(line, _LineError):
                message = str(line)
            elif previous is not None and line.at < previous:
                message = f"at {line.at} comes before the line above ({previous}); series files are read in time order"
            elif line.at > duration:
                message = f"at {line.at} is after the drill ends ({duration}); lengthen duration or drop the line"
            else:
                previous = line.at
            if message is not None:
                if len(problems) < MOST_PROBLEMS:
                    problems.append(FileProblem(str(path), number, message))
                else:
                    more += 1
    except OSError as exc:
        return [FileProblem(str(path), 1, f"cannot read it: {exc.strerror or exc}")]
    if more:
        problems.append(FileProblem(str(path), problems[-1].line, f"and {more} more problem(s) like these"))
    return problems


def read_series(path: Path) -> Iterator[SeriesLine]:
    """The lines of a checked series file in order, one at a time."""
    for _, line in _Reader(path).lines():
        if isinstance(line, SeriesLine):
            yield line
