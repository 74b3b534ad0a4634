"""A batch of readings in one HTTP body (`POST /api/readings`) -> one payload per reading, each with
where it stood in the body, for the decoder to judge one by one.

Three shapes, by Content-Type:
- `application/json`: one reading object, or an array of them;
- `application/x-ndjson` (or `application/jsonl`): one reading object per line;
- `text/csv`: a header row naming the fields (sensor_id,kind,value,unit,observed_at[,reading_id]),
  then one reading per row; numbers are read as numbers, an empty cell as an absent field.

A body that cannot be split at all (an unknown type, a JSON array cut short) is refused whole with
the reason (`BodyRefused`); otherwise every item is judged on its own, so one bad line or item is
dead-lettered where it stands and the valid readings beside it are kept.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from warning.errors import ReadingRejected

JSON_TYPES = ("application/json",)
LINE_TYPES = ("application/x-ndjson", "application/jsonl", "application/json-lines")
CSV_TYPES = ("text/csv",)
BODY_TYPES = JSON_TYPES + LINE_TYPES + CSV_TYPES


class BodyRefused(ValueError):
    """The body as a whole cannot be read as readings; nothing of it was taken."""


@dataclass(frozen=True, slots=True)
class Item:
    """One reading's payload, and where it stood: `item 3` of an array, `line 7` of lines or CSV; or
    why it was refused while the body was split (a key written twice, a row short of cells)."""

    where: str
    payload: bytes | dict[str, Any] | ReadingRejected


class _Repeated:
    """An object in which a key was written twice: refused by name, as the decoder refuses it."""

    def __init__(self, keys: list[str]) -> None:
        self.keys = keys


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any] | _Repeated:
    found = dict(pairs)
    if len(found) == len(pairs):
        return found
    names = [name for name, _ in pairs]
    return _Repeated(sorted({name for name in names if names.count(name) > 1}))


def parse_json_body(body: bytes, object_pairs_hook: Any = None) -> Any:
    """A body's JSON, or BodyRefused saying why it is none (not UTF-8, not JSON, nested too deeply)."""
    try:
        return json.loads(body, object_pairs_hook=object_pairs_hook)
    except RecursionError:
        raise BodyRefused("the JSON body is nested too deeply") from None
    except ValueError as exc:  # not UTF-8, or not JSON
        raise BodyRefused(f"the body is not JSON: {exc}") from None


def _json_items(body: bytes) -> list[Item]:
    data = parse_json_body(body, _object)
    items = data if isinstance(data, list) else [data]
    return [Item(f"item {index}", _payload(value)) for index, value in enumerate(items, start=1)]


def json_object(raw: bytes) -> dict[str, Any] | ReadingRejected:
    """One JSON object (a reading's fields), or why it is not one: not UTF-8 or JSON, too deep, a key
    written twice, or another JSON value."""
    text = raw.decode("utf-8", "replace")[:1000]
    try:
        value = json.loads(raw, object_pairs_hook=_object)
    except RecursionError:
        return ReadingRejected("nested too deeply", text)
    except ValueError as exc:
        return ReadingRejected(f"not JSON: {exc}", text)
    payload = _payload(value)
    if isinstance(payload, ReadingRejected):
        return ReadingRejected(payload.reason, text)
    return payload


def _payload(value: Any) -> dict[str, Any] | ReadingRejected:
    if isinstance(value, _Repeated):
        keys = ", ".join(map(repr, value.keys))
        return ReadingRejected(f"key {keys} appears more than once; send each field once", f"(keys {keys} repeated)")
    if not isinstance(value, dict):
        return ReadingRejected("a reading must be a JSON object", json.dumps(value)[:1000])
    return value


def _line_items(body: bytes) -> Iterator[Item]:
    for number, line in enumerate(body.split(b"\n"), start=1):
        if line.strip():
            yield Item(f"line {number}", line.rstrip(b"\r"))


def csv_cell(text: str) -> Any:
    """A CSV cell as the feed decoder expects it: a number as a number (a value sent as text is refused)."""
    try:
        return float(text)
    except ValueError:
        return text


def csv_records(rows: Any, header: list[str]) -> Iterator[tuple[int, dict[str, Any] | ReadingRejected]]:
    """The rows after the header of a `csv.reader` (its `line_num` numbers them), each as (line number,
    its fields: numbers as numbers, empty cells absent), or (line number, why it cannot be read).
    Text that turns out not to be UTF-8 ends the rows there: what follows cannot be read."""
    while True:
        number = rows.line_num + 1
        try:
            row = next(rows)
        except StopIteration:
            return
        except UnicodeDecodeError as exc:
            yield number, ReadingRejected(f"not UTF-8 ({exc.reason}); the rest of the file cannot be read")
            return
        except csv.Error as exc:
            yield number, ReadingRejected(f"not CSV: {exc}")
            continue
        if not row:
            continue
        if len(row) != len(header):
            problem = f"{len(row)} cells where the header names {len(header)} columns"
            yield number, ReadingRejected(problem, ",".join(row)[:1000])
            continue
        yield number, {name: csv_cell(cell) for name, cell in zip(header, row, strict=True) if cell}


def _csv_items(body: bytes) -> Iterator[Item]:
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BodyRefused(f"the CSV body is not UTF-8 ({exc.reason} at byte {exc.start})") from None
    rows = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(rows, None)
    except csv.Error as exc:
        raise BodyRefused(f"the CSV header row cannot be read: {exc}") from None
    if not header or not {"sensor_id", "kind", "value"} <= set(header):
        raise BodyRefused("the CSV header row must name the fields, sensor_id, kind and value among them")
    if len(set(header)) != len(header):
        raise BodyRefused("a column is named twice in the CSV header row")
    for number, record in csv_records(rows, header):
        yield Item(f"line {number}", record)


def split_body(content_type: str, body: bytes) -> list[Item]:
    """The readings of a body, each with its place; BodyRefused when the body cannot be split."""
    kind = content_type.split(";")[0].strip().lower()
    if kind in JSON_TYPES:
        return _json_items(body)
    if kind in LINE_TYPES:
        return list(_line_items(body))
    if kind in CSV_TYPES:
        return list(_csv_items(body))
    raise BodyRefused(f"Content-Type {kind or '(none)'} is not one of {', '.join(BODY_TYPES)}")
