"""The organisation: administrative areas (GB/T 2260 tree), departments with duty rosters, people,
and escalation policies. Loaded from YAML, every cross-reference checked with its line."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Annotated, Literal, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)
from ruamel.yaml import YAML

from warning.areas import structural_parent
from warning.decisions.render import Names
from warning.dispatch.budget import CarrierBudget
from warning.domain import AreaCode, AwareDatetime, Channel, Department, Level, Person, duration_field, level_rank
from warning.errors import FileProblem, OrganisationFileError
from warning.yamlfile import Location, load_spec

Duration = Annotated[timedelta, BeforeValidator(duration_field)]
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
EVERY_MEMBER = "every_member"  # a step that pages every person of the department
_CLOCK_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


def _clock_time(value: object) -> object:
    if isinstance(value, str):
        match = _CLOCK_TIME.match(value)
        if match is None:
            raise ValueError(f"'{value}' is not a local time; write it as HH:MM, e.g. 08:00 or 20:30")
        return time(int(match.group(1)), int(match.group(2)))
    return value


ClockTime = Annotated[time, BeforeValidator(_clock_time)]


def _zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError(f"unknown time zone '{value}'; use an IANA name such as Asia/Shanghai") from None
    return value


class Spec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class AreaSpec(Spec):
    code: AreaCode
    name: str
    name_zh: str | None = None
    parent: AreaCode | None = None


class ShiftSpec(Spec):
    """Who holds which role from `start` to `end` local time on the listed days. A shift that ends
    at or before its start runs overnight into the next day; it belongs to the day it starts."""

    days: list[str] = Field(default=list(DAYS), min_length=1)
    start: ClockTime
    end: ClockTime
    roles: dict[str, str] = Field(min_length=1)

    @field_validator("days")
    @classmethod
    def _known_days(cls, days: list[str]) -> list[str]:
        unknown = [day for day in days if day not in DAYS]
        if unknown:
            raise ValueError(f"unknown day(s) {', '.join(unknown)}; use {', '.join(DAYS)}")
        return days

    def covers(self, at: datetime, zone: ZoneInfo) -> bool:
        """Whether the shift holds at instant `at`. Compared in UTC: aware datetimes sharing one
        tzinfo compare by wall time, which is wrong across a DST change."""
        local_day = at.astimezone(zone).date()
        moment = at.astimezone(UTC)
        for day in (local_day - timedelta(days=1), local_day):
            if DAYS[day.weekday()] not in self.days:
                continue
            begins, ends = self.interval(day, zone)
            if begins <= moment < ends:
                return True
        return False

    def interval(self, day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
        """The shift starting on local `day`, in UTC. A start inside a DST gap begins at the first
        valid instant after it (zoneinfo's fold=0 reading of a missing wall time)."""
        end_day = day if self.end > self.start else day + timedelta(days=1)
        begins = datetime.combine(day, self.start, zone).astimezone(UTC)
        ends = datetime.combine(end_day, self.end, zone).astimezone(UTC)
        return begins, ends


class OverrideSpec(Spec):
    """A one-off change of duty (a swap, sick leave): `person` holds `role` from `start` to `end`."""

    role: str
    person: str
    start: AwareDatetime
    end: AwareDatetime
    reason: str | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.end <= self.start:
            raise ValueError("an override must end after it starts")
        return self


class DepartmentSpec(Spec):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    name: str
    name_zh: str | None = None
    kind: str
    area: AreaCode
    # role -> person id, holding at any hour no shift covers, e.g. duty_officer: wang-wei
    roster: dict[str, str] = Field(default_factory=dict)
    shifts: list[ShiftSpec] = Field(default_factory=list)
    overrides: list[OverrideSpec] = Field(default_factory=list)
    time_zone: Annotated[str, AfterValidator(_zone)] | None = None

    @model_validator(mode="after")
    def _someone(self) -> Self:
        if not self.roster and not self.shifts:
            raise ValueError(f"department {self.id} needs a roster or shifts: nobody could ever be paged")
        return self

    def roles(self) -> set[str]:
        return set(self.roster) | {role for shift in self.shifts for role in shift.roles}


class PersonSpec(Spec):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    name: str
    name_zh: str | None = None
    phone: str = Field(pattern=r"^\+\d{6,15}$")
    department: str
    language: str = Field(default="zh-CN", pattern=r"^(zh-CN|en)$")
    # Preferred channels, used by steps that do not name their own.
    channels: list[Channel] = Field(default=[Channel.sms], min_length=1)
    # The provider this person's pages go through first (a number the domestic provider cannot
    # reach, or one it reaches badly); None: chosen by number and language.
    provider: Literal["twilio", "aliyun"] | None = None


class HoursSpec(Spec):
    """A daily local-time window, e.g. 22:00-07:00 (overnight when the end is not after the start)."""

    start: ClockTime
    end: ClockTime

    def covers(self, at: datetime, zone: ZoneInfo) -> bool:
        local = at.astimezone(zone).time()
        if self.end > self.start:
            return self.start <= local < self.end
        return local >= self.start or local < self.end


def _hours(value: object) -> object:
    if isinstance(value, str):
        start, sep, end = value.partition("-")
        if not sep:
            raise ValueError(f"'{value}' is not a time window; write it as HH:MM-HH:MM, e.g. 22:00-07:00")
        return {"start": start.strip(), "end": end.strip()}
    return value


class StepSpec(Spec):
    """Notify a roster role (or every member) by the listed channels, then wait before the next step.

    A step may apply only from a level up or within daily hours; otherwise it is skipped without
    waiting."""

    notify: str
    channels: list[Channel] | None = Field(default=None, min_length=1)
    wait: Duration
    up: int = Field(default=0, ge=0, le=3, description="tiers above the incident's own area")
    min_level: Level | None = None
    hours: Annotated[HoursSpec, BeforeValidator(_hours)] | None = None


class PolicySpec(Spec):
    """How one kind of department is paged for one hazard. Several policies for one hazard fan out
    to several departments, each from its own level (`from_level`)."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    hazard: str
    department_kind: str
    from_level: Level = Level.blue
    # By level: how many tiers above the incident's area the steps start (red starts at the city).
    start_up: dict[Level, int] = Field(default_factory=dict)
    # By level: also inform (SMS, no acknowledgement asked) the duty officer this many tiers above the start.
    inform_up: dict[Level, int] = Field(default_factory=dict)
    steps: list[StepSpec] = Field(min_length=1)
    repeat: int = Field(default=0, ge=0, le=10, description="times to run the steps again if unacknowledged")
    # An SMS page the carrier has not confirmed delivered this long after acceptance counts as failed.
    sms_validity: Duration = timedelta(minutes=5)
    # What a failed page leads to, in this order: `voice` calls the same person instead of the SMS;
    # `next_step` brings the next step forward once every page of the step to that person failed.
    on_failure: list[Literal["voice", "next_step"]] = Field(default=["voice"])

    @field_validator("sms_validity")
    @classmethod
    def _validity(cls, validity: timedelta) -> timedelta:
        if not timedelta(minutes=1) <= validity <= timedelta(hours=1):
            raise ValueError("sms_validity goes from 1m to 1h")
        return validity

    @field_validator("start_up", "inform_up")
    @classmethod
    def _tiers(cls, tiers: dict[Level, int]) -> dict[Level, int]:
        if any(not 0 <= up <= 3 for up in tiers.values()):
            raise ValueError("tiers go from 0 (the incident's own area) to 3")
        return tiers

    @staticmethod
    def tiers_at(tiers: dict[Level, int], level: Level) -> int:
        """The value for the highest listed level at or below `level` (so red inherits orange's)."""
        best = max((at for at in tiers if level_rank(at) <= level_rank(level)), key=level_rank, default=None)
        return tiers[best] if best is not None else 0


class LimitSpec(Spec):
    count: int = Field(ge=1, le=1000)
    per: Duration


class CarrierBudgetSpec(Spec):
    """What the carriers deliver per recipient (defaults: the domestic voice limits), and how a page
    over it is re-planned."""

    voice: list[LimitSpec] = Field(
        default_factory=lambda: [LimitSpec(count=count, per=per) for count, per in CarrierBudget().voice]
    )
    identical_sms: LimitSpec = Field(
        default_factory=lambda: LimitSpec(count=CarrierBudget().identical_sms[0], per=CarrierBudget().identical_sms[1])
    )
    max_delay: Duration = CarrierBudget().max_delay
    bundle_window: Duration = CarrierBudget().bundle_window
    max_bundle: int = Field(default=CarrierBudget().max_bundle, ge=1, le=20)

    def budget(self) -> CarrierBudget:
        return CarrierBudget(
            voice=tuple((limit.count, limit.per) for limit in self.voice),
            identical_sms=(self.identical_sms.count, self.identical_sms.per),
            max_delay=self.max_delay,
            bundle_window=self.bundle_window,
            max_bundle=self.max_bundle,
        )


class OrganisationSpec(Spec):
    time_zone: Annotated[str, AfterValidator(_zone)] = "Asia/Shanghai"
    carrier_budget: CarrierBudgetSpec = Field(default_factory=CarrierBudgetSpec)
    # From this level up, every department a warning engages must acknowledge it (quorum).
    quorum_from: Level = Level.orange
    # From this level up, a warning's CAP messages are released to the public (feed, subscribers)
    # only when a dispatcher approves; None: every message is released as it is issued.
    release_approval_from: Level | None = None
    areas: list[AreaSpec] = Field(min_length=1)
    departments: list[DepartmentSpec] = Field(min_length=1)
    people: list[PersonSpec] = Field(min_length=1)
    policies: list[PolicySpec] = Field(min_length=1)


@dataclass(frozen=True, slots=True)
class DutyOverride:
    """Someone put on duty at run time (warning/engine/hands.py), beside the file's overrides."""

    department: str
    role: str
    person: str
    start: datetime
    end: datetime


class Organisation:
    """Lookups over a validated organisation: who is where, who is on duty when, which policies apply."""

    def __init__(self, spec: OrganisationSpec, version: str = "", text: str = "") -> None:
        self.spec = spec
        self.version = version
        self.text = text  # the YAML as written, stored with each version for audit and other engines
        self.areas = {area.code: area for area in spec.areas}
        self.departments = {dept.id: dept for dept in spec.departments}
        self.people = {person.id: person for person in spec.people}
        self.policies = {policy.id: policy for policy in spec.policies}
        self._by_phone = {person.phone: person.id for person in spec.people}
        # Made at run time and kept in the database; the engine refreshes them (follow_duty_overrides).
        self.duty_overrides: tuple[DutyOverride, ...] = ()

    def display_names(self, language: str = "en") -> Names:
        """How decisions name people and departments to a reader of `language` (zh-CN: their
        Chinese names, where the organisation gives them)."""
        zh = language == "zh-CN"
        return Names(people={p.id: (p.name_zh if zh and p.name_zh else p.name) for p in self.people.values()},
                     departments={d.id: (d.name_zh if zh and d.name_zh else d.name)
                                  for d in self.departments.values()})  # fmt: skip

    def person(self, person_id: str) -> Person:
        spec = self.people[person_id]
        return Person(id=spec.id, name=spec.name, name_zh=spec.name_zh, phone=spec.phone, department=spec.department,
                      language=spec.language)  # fmt: skip

    def preferred_provider(self, person_id: str) -> str | None:
        spec = self.people.get(person_id)
        return spec.provider if spec is not None else None

    def person_by_phone(self, phone: str) -> Person | None:
        person_id = self._by_phone.get(phone)
        return self.person(person_id) if person_id is not None else None

    def department(self, department_id: str) -> Department:
        spec = self.departments[department_id]
        return Department(id=spec.id, name=spec.name, kind=spec.kind, area=spec.area)

    def zone(self, department_id: str) -> ZoneInfo:
        return ZoneInfo(self.departments[department_id].time_zone or self.spec.time_zone)

    def policies_for(self, hazard: str, level: Level) -> list[PolicySpec]:
        """The policies a `level` warning of `hazard` engages, in file order (the first one leads)."""
        return [p for p in self.spec.policies if p.hazard == hazard and level_rank(p.from_level) <= level_rank(level)]

    def quorum_applies(self, level: Level) -> bool:
        return level_rank(level) >= level_rank(self.spec.quorum_from)

    def parent_area(self, code: str) -> str | None:
        """The listed parent; for an area not listed (one of thousands of communities), the one its
        code implies: a community's street, a street's district, and so up."""
        area = self.areas.get(code)
        if area is not None:
            return area.parent
        return structural_parent(code)

    def department_chain(self, kind: str, area: str) -> list[str]:
        """Departments of `kind` from `area` up the tier tree: district, city, province."""
        chain: list[str] = []
        code: str | None = area
        seen: set[str] = set()
        while code is not None and code not in seen:  # a loop is refused at load; never spin on one
            seen.add(code)
            chain.extend(d.id for d in self.departments.values() if d.kind == kind and d.area == code)
            code = self.parent_area(code)
        return chain

    def on_duty(self, department_id: str, role: str, at: datetime, *, overrides: bool = True) -> Person | None:
        """Who holds `role` at instant `at`: an override, else the shift then running, else the roster."""
        department = self.departments[department_id]
        if overrides:
            for made in reversed(self.duty_overrides):  # the latest made wins
                if (made.department, made.role) == (department_id, role) and made.start <= at < made.end:
                    return self.person(made.person)
            for override in department.overrides:
                if override.role == role and override.start <= at < override.end:
                    return self.person(override.person)
        zone = self.zone(department_id)
        for shift in department.shifts:
            if role in shift.roles and shift.covers(at, zone):
                return self.person(shift.roles[role])
        person_id = department.roster.get(role)
        return self.person(person_id) if person_id is not None else None

    def duty_source(self, department_id: str, role: str, at: datetime) -> str:
        """Why `on_duty` names whom it names: override (run time), file override, shift or roster."""
        department = self.departments[department_id]
        if any((m.department, m.role) == (department_id, role) and m.start <= at < m.end for m in self.duty_overrides):
            return "override (run time)"
        if any(o.role == role and o.start <= at < o.end for o in department.overrides):
            return "file override"
        zone = self.zone(department_id)
        if any(role in shift.roles and shift.covers(at, zone) for shift in department.shifts):
            return "shift"
        return "roster"

    def members(self, department_id: str) -> list[Person]:
        return [self.person(p.id) for p in self.spec.people if p.department == department_id]

    def recipients(self, department_id: str, notify: str, at: datetime) -> list[Person]:
        """Who a step notifying `notify` reaches at `at`: every member, or the role's holder."""
        if notify == EVERY_MEMBER:
            return self.members(department_id)
        person = self.on_duty(department_id, notify, at)
        return [person] if person is not None else []

    def preferred_channels(self, person_id: str) -> list[Channel]:
        return list(self.people[person_id].channels)


def _parent_loop(code: str, parents: dict[str, str | None]) -> list[str]:
    """The codes from `code` up its parents back to `code` itself, or [] when the walk ends at a root."""
    path, at = [code], parents.get(code)
    while at is not None and at not in path:
        path.append(at)
        at = parents.get(at)
    return [*path, code] if at == code else []


def _cross_reference_problems(
    spec: OrganisationSpec, problem: Callable[[Location, str], FileProblem]
) -> list[FileProblem]:
    problems: list[FileProblem] = []
    codes = {area.code for area in spec.areas}
    people = {person.id for person in spec.people}
    departments = {dept.id for dept in spec.departments}

    def unknown_person(where: Location, dept: DepartmentSpec, role: str, person_id: str) -> None:
        if person_id not in people:
            problems.append(problem(where, f"department {dept.id}: role {role} names unknown person "
                                           f"'{person_id}'; add them under people"))  # fmt: skip

    for section, ids in (
        ("areas", [area.code for area in spec.areas]),
        ("departments", [dept.id for dept in spec.departments]),
        ("people", [person.id for person in spec.people]),
        ("policies", [policy.id for policy in spec.policies]),
    ):
        key = "code" if section == "areas" else "id"
        first: dict[str, int] = {}
        for index, ident in enumerate(ids):
            if ident in first:
                again = f"{section} {ident} is listed twice (first as item {first[ident] + 1}); ids must be unique"
                problems.append(problem((section, index, key), again))
            first.setdefault(ident, index)
    parents = {area.code: area.parent for area in spec.areas}
    for index, area in enumerate(spec.areas):
        if area.parent is not None and area.parent not in codes:
            problems.append(problem(("areas", index, "parent"), f"parent area {area.parent} is not listed under areas"))
        loop = _parent_loop(area.code, parents)
        if loop:
            circle = f"area {area.code}: its parents lead back to it ({' -> '.join(loop)}); the areas must form a tree"
            problems.append(problem(("areas", index, "parent"), circle))
    for index, dept in enumerate(spec.departments):
        if dept.area not in codes:
            problems.append(
                problem(
                    ("departments", index, "area"), f"department {dept.id}: area {dept.area} is not listed under areas"
                )
            )
        for role, person_id in dept.roster.items():
            unknown_person(("departments", index, "roster", role), dept, role, person_id)
        for shift_index, shift in enumerate(dept.shifts):
            for role, person_id in shift.roles.items():
                unknown_person(("departments", index, "shifts", shift_index, "roles", role), dept, role, person_id)
        for override_index, override in enumerate(dept.overrides):
            where = ("departments", index, "overrides", override_index)
            unknown_person((*where, "person"), dept, override.role, override.person)
            if override.role not in dept.roles():
                problems.append(problem((*where, "role"), f"department {dept.id}: override of role '{override.role}', "
                                                          f"which no shift or roster of it has"))  # fmt: skip
    for index, person in enumerate(spec.people):
        if person.department not in departments:
            problems.append(
                problem(
                    ("people", index, "department"), f"person {person.id}: unknown department '{person.department}'"
                )
            )
    seen: dict[tuple[str, str], str] = {}
    for index, policy in enumerate(spec.policies):
        kinds = [d for d in spec.departments if d.kind == policy.department_kind]
        if not kinds:
            problems.append(
                problem(
                    ("policies", index, "department_kind"),
                    f"policy {policy.id}: no department has kind '{policy.department_kind}'",
                )
            )
        roles = {role for d in kinds for role in d.roles()} | {EVERY_MEMBER}
        for step_index, step in enumerate(policy.steps):
            if kinds and step.notify not in roles:
                problems.append(
                    problem(
                        ("policies", index, "steps", step_index, "notify"),
                        f"policy {policy.id} step {step_index + 1}: no {policy.department_kind} "
                        f"department has a roster role '{step.notify}' "
                        f"(known roles: {', '.join(sorted(roles))})",
                    )
                )
        pair = (policy.hazard, policy.department_kind)
        if pair in seen:
            problems.append(
                problem(
                    ("policies", index, "hazard"),
                    f"policy {policy.id}: policy {seen[pair]} already pages {policy.department_kind} departments "
                    f"for hazard {policy.hazard}; merge them or use another department kind",
                )
            )
        seen.setdefault(pair, policy.id)
    return problems


def load_organisation(path: Path) -> Organisation:
    spec, document = load_spec(path, OrganisationSpec, OrganisationFileError)
    problems = _cross_reference_problems(spec, document.problem)
    if problems:
        raise OrganisationFileError(problems)
    return organisation_of(spec, document.text)


def organisation_from_text(text: str) -> Organisation:
    """An organisation stored in the database (checked in full when it was loaded from its file)."""
    return organisation_of(OrganisationSpec.model_validate(YAML(typ="safe", pure=False).load(text)), text)


def organisation_of(spec: OrganisationSpec, text: str) -> Organisation:
    """The organisation with its version: a hash of its validated content, so whitespace and
    comments in the file do not make a new version."""
    canonical = spec.model_dump_json()
    return Organisation(spec, hashlib.sha256(canonical.encode()).hexdigest()[:12], text)
