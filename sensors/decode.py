"""Decode one feed payload into a Reading, or say exactly why it cannot be one."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from pydantic import ValidationError

from warning.domain import Reading
from warning.errors import ReadingRejected

MAX_PAYLOAD_BYTES = 64 * 1024


def _reason(error: ValidationError) -> str:
    parts = []
    for item in error.errors():
        if item["type"] == "json_invalid":
            return f"not JSON: {item['ctx'].get('error', item['msg']) if 'ctx' in item else item['msg']}"
        if item["type"] == "model_type" and not item["loc"]:
            return "payload must be a JSON object"
        field = ".".join(str(part) for part in item["loc"]) or "payload"
        parts.append(f"{field}: {item['msg']}")
    return "; ".join(parts)


class ReadingDecoder:
    def __init__(
        self,
        knows_sensor: Callable[[str], bool],
        *,
        max_clock_skew: timedelta = timedelta(minutes=5),
    ) -> None:
        self.knows_sensor = knows_sensor
        self.max_clock_skew = max_clock_skew

    def decode(self, payload: bytes | str | dict[str, Any], now: datetime) -> Reading:
        """A validated Reading, or ReadingRejected with a reason a sensor operator can act on."""
        try:
            if isinstance(payload, bytes | str):
                if len(payload) > MAX_PAYLOAD_BYTES:
                    raise ReadingRejected(f"payload of {len(payload)} bytes exceeds {MAX_PAYLOAD_BYTES}")
                reading = Reading.model_validate_json(payload)  # one pass: parse and validate
            else:
                reading = Reading.model_validate(payload)
        except ValidationError as exc:
            raise ReadingRejected(_reason(exc)) from exc
        if not self.knows_sensor(reading.sensor_id):
            raise ReadingRejected(f"unknown sensor '{reading.sensor_id}': no rule watches it")
        if reading.observed_at - now > self.max_clock_skew:
            raise ReadingRejected(
                f"observed_at {reading.observed_at.isoformat()} is in the future "
                f"(now {now.isoformat()}, tolerance {self.max_clock_skew})"
            )
        return reading
