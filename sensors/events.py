"""Incident feeds as readings (`POST /api/events`): a video-analytics platform's detections and the
12345 hotline's reports, so that rules judge them like any reading and compounds combine them with
sensors ("a camera sees standing water while the rain gauge is over 30 mm/h, in one district").

- video: `{"type": "video", "camera": "CAM-370102-0031", "event": "standing_water", "confidence": 0.91,
  "observed_at": "...", "event_id": "..."}` is a reading of kind `video_standing_water` from the camera,
  valued at its confidence (0 to 1);
- hotline: `{"type": "hotline", "report_id": "...", "area": "370102", "category": "waterlogging",
  "observed_at": "...", "text": "..."}` is a reading of kind `hotline_waterlogging` from the district's
  hotline station `HOTLINE-370102`, valued 1 (a rule counts them over a window).

Cameras and hotline stations are in the station catalogue like gauges. Events never say "all clear":
the rules that read them set `lapse_after`, and their warnings lapse when the events stop. An event's
own id (`event_id`, `report_id`) identifies it, so a platform sending it twice is recognised.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from sensors.body import Item, parse_json_body
from warning.errors import ReadingRejected

_NAME = r"^[a-z][a-z0-9_]{0,39}$"


class VideoEvent(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")  # platforms add their own fields (boxes, frames)

    type: Literal["video"]
    camera: str = Field(min_length=1, max_length=100)
    event: str = Field(pattern=_NAME, description="e.g. standing_water, crowd, smoke")
    confidence: float = Field(ge=0, le=1, allow_inf_nan=False)
    observed_at: str
    event_id: str | None = Field(default=None, max_length=200)

    def reading(self) -> dict[str, Any]:
        reading = {"sensor_id": self.camera, "kind": f"video_{self.event}", "value": self.confidence,
                   "observed_at": self.observed_at}  # fmt: skip
        return reading | ({"reading_id": self.event_id} if self.event_id else {})


class HotlineReport(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")  # the caller's words, the operator's notes

    type: Literal["hotline"]
    report_id: str = Field(min_length=1, max_length=200)
    area: str = Field(pattern=r"^\d{6}$", description="GB/T 2260 code of the district")
    category: str = Field(pattern=_NAME, description="e.g. waterlogging, gas_smell")
    observed_at: str

    def reading(self) -> dict[str, Any]:
        return {"sensor_id": f"HOTLINE-{self.area}", "kind": f"hotline_{self.category}", "value": 1.0,
                "observed_at": self.observed_at, "reading_id": f"hotline:{self.report_id}"}  # fmt: skip


_EVENT: TypeAdapter[VideoEvent | HotlineReport] = TypeAdapter(
    Annotated[VideoEvent | HotlineReport, Field(discriminator="type")]
)


def _reason(error: ValidationError) -> str:
    return "; ".join(f"{'.'.join(map(str, e['loc'])) or 'event'}: {e['msg']}" for e in error.errors())


def event_items(body: bytes) -> list[Item]:
    """One reading per event of the body (an event, or an array of them); a bad one refused where it stands."""
    data = parse_json_body(body)
    events = data if isinstance(data, list) else [data]
    items = []
    for index, event in enumerate(events, start=1):
        where = f"event {index}"
        try:
            parsed = _EVENT.validate_python(event)
        except ValidationError as exc:
            text = json.dumps(event, ensure_ascii=False)[:1000]
            items.append(Item(where, ReadingRejected(f"{_reason(exc)} (type video or hotline)", text)))
            continue
        items.append(Item(where, parsed.reading()))
    return items
