"""Decode one feed payload into a Reading, or say exactly why it cannot be one."""

from __future__ import annotations

import json
import re
from collections.abc import Container, Sequence
from datetime import datetime, timedelta
from typing import Any

from pydantic import TypeAdapter, ValidationError

from warning.domain import NAIVE_TIMESTAMP, Reading
from warning.errors import ReadingRejected

MAX_PAYLOAD_BYTES = 64 * 1024
_READINGS = TypeAdapter(list[Reading])
# In valid JSON without escapes every quote delimits a string, and a string followed by a colon is
# a key: counting them counts the keys written.
_KEY_TEXT = re.compile(r'"\s*:')
_KEY_BYTES = re.compile(rb'"\s*:')
_SPACED_KEY = re.compile(rb'"\s+:')


def _keys_written_once(joined: bytes, readings: Sequence[Reading]) -> bool:
    """True when a validated batch certainly holds no key written twice: two scans in C over the
    whole batch instead of one per payload (a reading has one field per distinct key it was sent).
    Keys are counted by their closing quote and colon; a batch with escapes or a key spaced from
    its colon is left to the exact check of each payload."""
    if b"\\" in joined or _SPACED_KEY.search(joined) is not None:
        return False
    return joined.count(b'":') == sum(len(reading.model_fields_set) for reading in readings)


def _duplicate_keys(payload: bytes | str, reading: Reading) -> str | None:
    """Why a validated payload must still be refused: a key written twice. JSON parsers keep the
    last one, so `{"sensor_id": "A", ..., "sensor_id": "B"}` would quietly be station B's."""
    escaped = "\\" in payload if isinstance(payload, str) else b"\\" in payload
    if not escaped:
        keys = _KEY_TEXT.findall(payload) if isinstance(payload, str) else _KEY_BYTES.findall(payload)
        if len(keys) == len(reading.model_fields_set):  # a reading has one field per distinct key
            return None
    try:
        pairs: list[tuple[str, object]] = json.loads(payload, object_pairs_hook=list)
    except ValueError as exc:
        return f"not JSON: {exc}"
    names = [name for name, _ in pairs]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if not repeated:
        return None
    return f"key {', '.join(map(repr, repeated))} appears more than once; send each field once"


def _reason(error: ValidationError) -> str:
    parts = []
    for item in error.errors():
        if item["type"] == "json_invalid":
            return f"not JSON: {item['ctx'].get('error', item['msg']) if 'ctx' in item else item['msg']}"
        if item["type"] == "model_type" and not item["loc"]:
            return "payload must be a JSON object"
        field = ".".join(str(part) for part in item["loc"]) or "payload"
        message = NAIVE_TIMESTAMP if item["type"] == "timezone_aware" else item["msg"]
        parts.append(f"{field}: {message}")
    return "; ".join(parts)


class ReadingDecoder:
    def __init__(
        self,
        sensors: Container[str],
        *,
        max_clock_skew: timedelta = timedelta(minutes=5),
    ) -> None:
        # The sensors some rule watches (a set or the rulebook's own view, tested in C per reading);
        # replaced when the rules are reloaded.
        self.sensors = sensors
        self.max_clock_skew = max_clock_skew

    def decode_many(self, payloads: Sequence[bytes], now: datetime) -> list[Reading | ReadingRejected]:
        """Decode a batch (as a Kafka fetch delivers it) in one validation pass; when the batch holds
        a bad payload, decode it item by item so each gets its own verdict. Results keep order."""
        if not payloads or max(map(len, payloads)) > MAX_PAYLOAD_BYTES:
            return [self._verdict(payload, now) for payload in payloads]
        joined = b"[" + b",".join(payloads) + b"]"
        try:
            readings = _READINGS.validate_json(joined)
        except ValidationError:
            readings = []
        # An empty payload, or one holding two objects, would shift every verdict after it:
        # only a one-to-one result may be trusted; nor a batch that may hold a key written twice.
        if len(readings) != len(payloads) or not _keys_written_once(joined, readings):
            return [self._verdict(payload, now) for payload in payloads]
        latest, sensors = now + self.max_clock_skew, self.sensors
        # The common case inline (the same checks as decode); only a reading that fails one is
        # looked at again, for its reason.
        return [
            reading if reading.observed_at <= latest and reading.sensor_id in sensors else self._verdict(payload, now)
            for payload, reading in zip(payloads, readings, strict=True)
        ]

    def decode_objects(
        self, items: Sequence[dict[str, Any]], now: datetime | None
    ) -> list[Reading | ReadingRejected]:  # fmt: skip
        """As decode_many, for items already parsed (rows of a CSV file): one validation pass for the
        batch, each item on its own only when the batch holds a bad one. `now` None: recorded
        readings, which no clock can find in the future (the span a reading can have still holds)."""
        try:
            readings = _READINGS.validate_python(items)
        except ValidationError:
            return [self._verdict_of(item, now) for item in items]
        sensors = self.sensors
        if now is None:
            return [reading if reading.sensor_id in sensors else self._verdict_of(item, now)
                    for item, reading in zip(items, readings, strict=True)]  # fmt: skip
        latest = now + self.max_clock_skew
        return [
            reading if reading.observed_at <= latest and reading.sensor_id in sensors else self._verdict_of(item, now)
            for item, reading in zip(items, readings, strict=True)
        ]

    def _verdict_of(self, item: dict[str, Any], now: datetime | None) -> Reading | ReadingRejected:
        try:
            return self.decode(item, now)
        except ReadingRejected as rejected:
            return rejected

    def _verdict(self, payload: bytes, now: datetime) -> Reading | ReadingRejected:
        try:
            return self.decode(payload, now)
        except ReadingRejected as rejected:
            return rejected

    def _admit(self, reading: Reading, now: datetime | None) -> None:
        """Checks beyond the payload's shape: a sensor some rule watches, a believable timestamp."""
        if reading.sensor_id not in self.sensors:
            raise ReadingRejected(f"unknown sensor '{reading.sensor_id}': no rule watches it")
        if now is not None and reading.observed_at > now + self.max_clock_skew:
            raise ReadingRejected(
                f"observed_at {reading.observed_at.isoformat()} is in the future "
                f"(now {now.isoformat()}, tolerance {self.max_clock_skew})"
            )

    def decode(self, payload: bytes | str | dict[str, Any], now: datetime | None) -> Reading:
        """A validated Reading, or ReadingRejected with a reason a sensor operator can act on.
        `now` None: a recorded reading, not checked against a clock."""
        try:
            if isinstance(payload, bytes | str):
                if len(payload) > MAX_PAYLOAD_BYTES:
                    raise ReadingRejected(f"payload of {len(payload)} bytes exceeds {MAX_PAYLOAD_BYTES}")
                reading = Reading.model_validate_json(payload)  # one pass: parse and validate
                duplicated = _duplicate_keys(payload, reading)
                if duplicated is not None:
                    raise ReadingRejected(duplicated)
            else:
                reading = Reading.model_validate(payload)
        except ValidationError as exc:
            raise ReadingRejected(_reason(exc)) from exc
        self._admit(reading, now)
        return reading
