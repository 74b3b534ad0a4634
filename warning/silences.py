"""Silences and maintenance windows: warnings nobody is paged about, from a start to an end.

A gauge being serviced or a tunnel section under repair produces warnings nobody should be woken
for. A silence matches warnings by area (a GB/T 2260 code prefix), station and rule, optionally
only up to a level, so a real red warning still breaks through a maintenance window. While one is
active, a matching warning still opens and shows on the board; its escalation waits and its pages
are held until the silence ends (recorded in the decision log, never dropped). When it ends, paging
resumes where it stopped; pages for a warning lifted in the meantime are not sent at all.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, NamedTuple, Self

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema, model_validator
from pydantic.config import JsonDict

from warning.areas import area_prefix, within
from warning.domain import AwareDatetime, Level, duration_field

# Written like 2h or 1h30m (not ISO 8601's PT2H), as the schema tells a client.
DURATION_SCHEMA = {
    "type": "string",
    "pattern": r"^0*[1-9]\d{0,2}[smhd](\d{1,3}[smhd]){0,3}$",
    "examples": ["2h", "1h30m"],
}
Duration = Annotated[timedelta, BeforeValidator(duration_field), WithJsonSchema(DURATION_SCHEMA)]
MAX_SILENCE = timedelta(days=30)  # a forgotten silence must not mute an area for good


def _given(field: str) -> JsonDict:
    """JSON Schema for "`field` is there and not null"."""
    return {"required": [field], "properties": {field: {"not": {"type": "null"}}}}


class SilenceRequest(BaseModel):
    """What a dispatcher or planner asks for (API, CLI, scenario file)."""

    # The checks across fields below, published in the schema too.
    model_config = ConfigDict(frozen=True, extra="forbid", json_schema_extra={
        "anyOf": [_given(name) for name in ("area", "station", "rule")],
        "oneOf": [_given("ends_at"), _given("duration")],
    })  # fmt: skip

    area: str | None = Field(
        default=None,
        pattern=r"^(\d{2}(\d{2}){0,2}|\d{9}|\d{12})$",
        description="GB/T 2260 code or prefix (37, 3701, 370102), a street or community code",
    )
    station: str | None = Field(default=None, min_length=1, max_length=100)
    rule: str | None = Field(default=None, min_length=1, max_length=100)
    up_to: Level | None = Field(default=None, description="silence warnings up to this level; higher ones page")
    starts_at: AwareDatetime | None = Field(default=None, description="default: now")
    ends_at: AwareDatetime | None = None
    duration: Duration | None = None
    reason: str = Field(min_length=3, max_length=500)

    @model_validator(mode="after")
    def _complete(self) -> Self:
        if self.area is None and self.station is None and self.rule is None:
            raise ValueError("say what to silence: an area, a station or a rule (or several)")
        if (self.ends_at is None) == (self.duration is None):
            raise ValueError("give either ends_at or duration (e.g. 2h)")
        return self

    def window(self, now: datetime) -> tuple[datetime, datetime]:
        """(start, end), checked: the end after the start and after now, at most 30 days long."""
        start = self.starts_at or now
        end = self.ends_at if self.ends_at is not None else start + (self.duration or timedelta(0))
        if end <= start:
            raise ValueError("the silence must end after it starts")
        if end <= now:
            raise ValueError("the silence would already be over")
        if end - start > MAX_SILENCE:
            raise ValueError(f"a silence lasts at most {MAX_SILENCE.days} days; renew it if the work takes longer")
        return start, end


class Silence(BaseModel):
    """A stored silence, as the API shows it."""

    model_config = ConfigDict(frozen=True, extra="forbid", from_attributes=True)

    id: int
    area: str | None
    station_id: str | None
    rule_id: str | None
    up_to: Level | None
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    reason: str
    created_by: str
    created_at: AwareDatetime
    expired_by: str | None = None

    def active(self, at: datetime) -> bool:
        return self.starts_at <= at < self.ends_at

    def matches(self, area: str, station_id: str, rule_id: str, level: Level) -> bool:
        return (
            (self.area is None or area.startswith(self.area))
            and (self.station_id is None or station_id == self.station_id)
            and (self.rule_id is None or rule_id == self.rule_id)
            and (self.up_to is None or level.rank <= self.up_to.rank)
        )

    def describe(self) -> str:
        parts = (("area", self.area), ("station", self.station_id), ("rule", self.rule_id),
                 ("up to", self.up_to.value if self.up_to else None))  # fmt: skip
        scope = [f"{name} {value}" for name, value in parts if value]
        return f"silence {self.id} ({', '.join(scope)}; {self.reason})"


def scoped_area(request: SilenceRequest, department_area: str) -> str:
    """The area a silence covers: what was asked, which must lie within the requester's department's
    area (a district officer cannot mute the next district); the department's whole area if none."""
    own = area_prefix(department_area)
    asked = area_prefix(request.area) if request.area is not None else own
    if not within(asked, own):
        raise ValueError(f"area {request.area} is outside your department's area {department_area}")
    return asked


class Subject(NamedTuple):
    """What a silence is matched against: one cause of a warning (its area, station and rule)."""

    area: str
    station_id: str
    rule_id: str


def covering(silences: list[Silence], subjects: list[Subject], level: Level, at: datetime) -> Silence | None:
    """The active silence covering a warning (the one ending last), if any: one that covers every
    cause of it (a gauge under maintenance does not silence the rain gauge that joined its warning)."""
    matching = [
        silence
        for silence in silences
        if silence.active(at) and all(silence.matches(*subject, level) for subject in subjects)
    ]
    return max(matching, key=lambda silence: (silence.ends_at, silence.id), default=None)
