"""What a dispatcher or officer asks of an incident by hand, as the API, the CLI and (later) drill
scenarios take it: strict models, so a request is refused field by field before anything changes."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from warning.domain import AreaCode, AwareDatetime, Level

Text = Annotated[str, Field(min_length=1, max_length=2000)]
Reason = Annotated[str, Field(min_length=3, max_length=500, description="why, in a sentence: it goes in the timeline")]


class Request(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ReportSource(StrEnum):
    hotline_12345 = "hotline_12345"
    video_analytics = "video_analytics"
    field_report = "field_report"
    another_agency = "another_agency"
    other = "other"


class NewIncident(Request):
    """A warning opened by hand: a hotline report, a field report, another agency's call."""

    hazard: str = Field(pattern=r"^[a-z][a-z_]{0,49}$", description="flood, gas, traffic, waterlogging, weather ...")
    level: Level
    area: AreaCode
    title: Text = Field(max_length=200)
    description: Text
    source: ReportSource
    callback: str | None = Field(default=None, pattern=r"^\+?\d{3,20}$", description="the reporter's number")
    location: tuple[
        Annotated[float, Field(ge=-180, le=180)], Annotated[float, Field(ge=-90, le=90)]
    ] | None = Field(default=None, description="[longitude, latitude] (WGS 84)")  # fmt: skip
    station: str | None = Field(default=None, min_length=1, max_length=100, description="a station it concerns")


class Relevel(Request):
    level: Level
    reason: Reason


class Lift(Request):
    reason: Reason
    tell: bool = Field(default=True, description="tell everyone paged that the warning is lifted")


class Reassign(Request):
    department: str = Field(min_length=1, max_length=100, description="the department to page instead")
    reason: Reason


class Note(Request):
    text: Text


_NOT_BOTH = {"not": {"required": ["tier", "department"],
                     "properties": {"tier": {"type": "integer"}, "department": {"type": "string"}}}}  # fmt: skip


class Escalate(Request):
    """To the next step of every waiting track (nothing given), straight to a tier above the
    incident's area (1: the city above a district), or to a named department."""

    # Published too, so that a client (and the API's own fuzz test) knows before asking.
    model_config = ConfigDict(
        frozen=True, extra="forbid", json_schema_extra={"not": {"required": ["tier", "department"]}}
    )

    tier: int | None = Field(default=None, ge=1, le=5)
    department: str | None = Field(default=None, min_length=1, max_length=100)

    @model_validator(mode="after")
    def _one_target(self) -> Self:
        if self.tier is not None and self.department is not None:
            raise ValueError("escalate to a tier or to a department, not both")
        return self

    @property
    def target(self) -> Literal["next_step", "tier", "department"]:
        return "tier" if self.tier is not None else "department" if self.department is not None else "next_step"


class AcknowledgeFor(Request):
    """An officer phoned in: the dispatcher acknowledges on their behalf."""

    person: str = Field(min_length=1, max_length=100, description="the officer who acknowledged")
    note: str | None = Field(default=None, max_length=500, description="e.g. by phone at 21:14")


class Repage(Request):
    people: list[Annotated[str, Field(min_length=1, max_length=100)]] | None = Field(
        default=None, max_length=20, description="whom to page again (default: whoever the current steps paged)"
    )


class DutyOverrideRequest(Request):
    department: str = Field(min_length=1, max_length=100)
    role: str = Field(min_length=1, max_length=50, description="duty_officer, deputy, grid_worker ...")
    person: str = Field(min_length=1, max_length=100)
    until: AwareDatetime
    starts_at: AwareDatetime | None = Field(default=None, description="default: now")
    reason: Reason
