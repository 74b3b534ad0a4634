"""Incidents as the API and the console show them: one in the list, one in full (causes, tracks per
department, pages and acknowledgements), its timeline of typed events, the readings around it."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from warning.decisions.events import Decision
from warning.domain import AwareDatetime, Channel, Incident, Level, Reading, Threshold


class View(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", from_attributes=True)


class IncidentPage(View):
    items: list[Incident]
    total: int = Field(description="incidents matching the filters, on every page")
    limit: int
    offset: int


class CauseView(View):
    key: str
    rule: str = Field(description="the rule or compound; `hand` for a person's report")
    rule_version: str
    station: str
    area: str
    title: str
    reason: str
    said: dict[str, str] = Field(default_factory=dict, description="the reason in each language (zh-CN, en), "
                                 "where the rule gave it")  # fmt: skip
    level: Level = Field(description="its level now, or its last one once cleared")
    standing: bool = Field(description="false once it cleared")
    opened_at: AwareDatetime
    updated_at: AwareDatetime
    cleared_at: AwareDatetime | None


class TrackView(View):
    policy: str
    department_kind: str
    department: str = Field(description="the department its current step pages")
    departments: list[str] = Field(description="its tier tree, from the incident's area up")
    state: str = Field(description="active, exhausted, acknowledged or stopped")
    position: int = Field(description="steps taken")
    due_at: AwareDatetime | None
    acknowledged_by: str | None
    acknowledged_at: AwareDatetime | None
    stop_reason: str | None


class PageView(View):
    id: int
    person: str
    person_name: str
    department: str
    channel: Channel
    purpose: str
    origin: str
    status: str
    provider_status: str | None
    claimed_at: AwareDatetime
    updated_at: AwareDatetime
    error: str | None


class TimelineEntry(View):
    seq: int
    at: AwareDatetime
    kind: str
    summary: str = Field(description="in the language asked for")
    event: Decision


class IncidentDetail(View):
    incident: Incident
    causes: list[CauseView]
    tracks: list[TrackView]
    pages: list[PageView]
    acknowledgements: list[TimelineEntry] = Field(description="acknowledgements and quorum progress, in order")


class StationSeries(View):
    station: str
    name: str
    name_zh: str | None = None
    rules: list[str]
    thresholds: list[Threshold] = Field(description="the thresholds and clear levels its rules judge it by")
    readings: list[Reading]


class IncidentReadings(View):
    start: AwareDatetime
    end: AwareDatetime
    stations: list[StationSeries]


class StationView(View):
    id: str
    name: str
    name_zh: str | None
    area: str
    location: tuple[float, float] | None = Field(description="[longitude, latitude] (WGS 84), if known")
    kinds: list[str]
    rules: list[str]
    last_reading: Reading | None
    open_level: Level | None = Field(description="the highest level of its standing causes")


class DutyHolder(View):
    role: str
    person: str | None
    name: str | None
    phone: str | None
    source: str = Field(description="override (run time), file override, shift, or roster")


class DutyView(View):
    department: str
    name: str
    at: AwareDatetime
    holders: list[DutyHolder]


class DeadLetterView(View):
    id: int
    source: str
    reason: str
    payload: str
    received_at: AwareDatetime


class DutyOverrideView(View):
    id: int
    department: str
    role: str
    person: str
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    reason: str
    created_by: str


class PreviewPage(View):
    person: str
    person_name: str
    department: str
    department_name: str
    channel: Channel
    purpose: str


class Preview(View):
    """What an action would do, found by doing it in a transaction that is rolled back: the
    decisions it would record and the pages it would send now (the due steps run too)."""

    decisions: list[str] = Field(description="what would be recorded, in the language asked for")
    pages: list[PreviewPage] = Field(description="who would be paged now, and by what")


class AreaView(View):
    code: str
    name: str
    name_zh: str | None
    parent: str | None
    level: str = Field(description="province, city, district, street or community")
    outline: bool = Field(description="the map has its outline (GET /api/geometry)")


class DepartmentView(View):
    id: str
    name: str
    name_zh: str | None
    kind: str
    area: str
    in_area: bool = Field(description="within the caller's area (others are listed for their names)")


class PersonView(View):
    id: str
    name: str
    name_zh: str | None = None
    department: str


class Directory(View):
    """What the console names things by, within the caller's area."""

    time_zone: str = Field(description="the command centre's: times are shown in it")
    now: AwareDatetime = Field(description="the engine's time when asked")
    clock_speed: float = Field(
        description="how fast the engine's clock runs against the wall: 1, or more in a rehearsal"
    )
    areas: list[AreaView] = Field(description="the organisation's areas and those the map outlines, parents first")
    departments: list[DepartmentView]
    people: list[PersonView]
    hazards: list[str]
    actions: list[str] = Field(
        description="the actions the caller's role may take (area and department checked on each)"
    )


class RuleView(View):
    id: str
    version: str
    hazard: str
    title: str
    title_zh: str | None
    compound: bool
    stations: list[str]
    firings: int = Field(description="causes it opened in the last 24 hours")
    last_fired_at: AwareDatetime | None
    standing: int = Field(description="its causes standing now")
