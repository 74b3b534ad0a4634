"""Decode one feed payload into a Reading, or say exactly why it cannot be one."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from warning.domain import AwareDatetime, Reading
from warning.errors import ReadingRejected

MAX_PAYLOAD_BYTES = 64 * 1024


class ReadingPayload(BaseModel):
    """The JSON a feed sends. Strict: a value sent as a string is an error, not a guess."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    reading_id: str | None = Field(default=None, min_length=1, max_length=200)
    sensor_id: str = Field(min_length=1, max_length=100)
    kind: str = Field(min_length=1, max_length=50)
    value: Annotated[float, Field(strict=True, allow_inf_nan=False)]
    unit: str | None = None
    observed_at: AwareDatetime


def _reason(error: ValidationError) -> str:
    parts = []
    for item in error.errors():
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
        if isinstance(payload, bytes | str):
            if len(payload) > MAX_PAYLOAD_BYTES:
                raise ReadingRejected(f"payload of {len(payload)} bytes exceeds {MAX_PAYLOAD_BYTES}")
            try:
                data = json.loads(payload)
            except (ValueError, UnicodeDecodeError) as exc:
                raise ReadingRejected(f"not JSON: {exc}") from exc
        else:
            data = payload
        if not isinstance(data, dict):
            raise ReadingRejected("payload must be a JSON object")
        try:
            wire = ReadingPayload.model_validate(data)
        except ValidationError as exc:
            raise ReadingRejected(_reason(exc)) from exc
        if not self.knows_sensor(wire.sensor_id):
            raise ReadingRejected(f"unknown sensor '{wire.sensor_id}': no rule watches it")
        if wire.observed_at - now > self.max_clock_skew:
            raise ReadingRejected(
                f"observed_at {wire.observed_at.isoformat()} is in the future "
                f"(now {now.isoformat()}, tolerance {self.max_clock_skew})"
            )
        reading_id = wire.reading_id or f"{wire.sensor_id}@{wire.observed_at.isoformat()}"
        return Reading(
            reading_id=reading_id,
            sensor_id=wire.sensor_id,
            kind=wire.kind,
            value=wire.value,
            unit=wire.unit,
            observed_at=wire.observed_at,
        )
