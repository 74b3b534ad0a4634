"""The organisation: administrative areas (GB/T 2260 tree), departments with duty rosters, people,
and escalation policies. Loaded from YAML, every cross-reference checked with its line."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Self

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from warning.domain import AreaCode, Channel, Department, Person, duration_field
from warning.errors import FileProblem, OrganisationFileError
from warning.yamlfile import Location, load_spec

Duration = Annotated[timedelta, BeforeValidator(duration_field)]


class Spec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class AreaSpec(Spec):
    code: AreaCode
    name: str
    parent: AreaCode | None = None


class DepartmentSpec(Spec):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    name: str
    name_zh: str | None = None
    kind: str
    area: AreaCode
    # role -> person id, e.g. duty_officer: wang-wei
    roster: dict[str, str] = Field(min_length=1)


class PersonSpec(Spec):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    name: str
    phone: str = Field(pattern=r"^\+\d{6,15}$")
    department: str
    language: str = Field(default="zh-CN", pattern=r"^(zh-CN|en)$")


class StepSpec(Spec):
    """Notify a roster role by the listed channels, then wait before the next step."""

    notify: str
    channels: list[Channel] = Field(min_length=1)
    wait: Duration
    up: int = Field(default=0, ge=0, le=3, description="tiers above the incident's own area")


class PolicySpec(Spec):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    hazard: str
    department_kind: str
    steps: list[StepSpec] = Field(min_length=1)
    repeat: int = Field(default=0, ge=0, le=10, description="times to run the steps again if unacknowledged")


class OrganisationSpec(Spec):
    areas: list[AreaSpec] = Field(min_length=1)
    departments: list[DepartmentSpec] = Field(min_length=1)
    people: list[PersonSpec] = Field(min_length=1)
    policies: list[PolicySpec] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_ids(self) -> Self:
        for name, ids in (
            ("area", [a.code for a in self.areas]),
            ("department", [d.id for d in self.departments]),
            ("person", [p.id for p in self.people]),
            ("policy", [p.id for p in self.policies]),
        ):
            duplicates = sorted({i for i in ids if ids.count(i) > 1})
            if duplicates:
                raise ValueError(f"{name} ids must be unique; repeated: {', '.join(duplicates)}")
        return self


class Organisation:
    """Lookups over a validated organisation: who is where, who is on duty, which policy applies."""

    def __init__(self, spec: OrganisationSpec) -> None:
        self.spec = spec
        self.areas = {area.code: area for area in spec.areas}
        self.departments = {dept.id: dept for dept in spec.departments}
        self.people = {person.id: person for person in spec.people}
        self.policies = {policy.hazard: policy for policy in spec.policies}

    def person(self, person_id: str) -> Person:
        spec = self.people[person_id]
        return Person(id=spec.id, name=spec.name, phone=spec.phone, department=spec.department, language=spec.language)

    def person_by_phone(self, phone: str) -> Person | None:
        for spec in self.people.values():
            if spec.phone == phone:
                return self.person(spec.id)
        return None

    def department(self, department_id: str) -> Department:
        spec = self.departments[department_id]
        return Department(id=spec.id, name=spec.name, kind=spec.kind, area=spec.area)

    def policy_for(self, hazard: str) -> PolicySpec | None:
        return self.policies.get(hazard)

    def parent_area(self, code: str) -> str | None:
        area = self.areas.get(code)
        return area.parent if area is not None else None

    def department_chain(self, kind: str, area: str) -> list[str]:
        """Departments of `kind` from `area` up the tier tree: district, city, province."""
        chain: list[str] = []
        code: str | None = area
        while code is not None:
            chain.extend(d.id for d in self.departments.values() if d.kind == kind and d.area == code)
            code = self.parent_area(code)
        return chain

    def on_duty(self, department_id: str, role: str) -> Person | None:
        person_id = self.departments[department_id].roster.get(role)
        return self.person(person_id) if person_id is not None else None


def _cross_reference_problems(
    spec: OrganisationSpec, problem: Callable[[Location, str], FileProblem]
) -> list[FileProblem]:
    problems: list[FileProblem] = []
    codes = {area.code for area in spec.areas}
    people = {person.id for person in spec.people}
    departments = {dept.id for dept in spec.departments}
    for index, area in enumerate(spec.areas):
        if area.parent is not None and area.parent not in codes:
            problems.append(problem(("areas", index, "parent"), f"parent area {area.parent} is not listed under areas"))
    for index, dept in enumerate(spec.departments):
        if dept.area not in codes:
            problems.append(
                problem(
                    ("departments", index, "area"), f"department {dept.id}: area {dept.area} is not listed under areas"
                )
            )
        for role, person_id in dept.roster.items():
            if person_id not in people:
                problems.append(
                    problem(
                        ("departments", index, "roster", role),
                        f"department {dept.id}: roster role {role} names unknown person "
                        f"'{person_id}'; add them under people",
                    )
                )
    for index, person in enumerate(spec.people):
        if person.department not in departments:
            problems.append(
                problem(
                    ("people", index, "department"), f"person {person.id}: unknown department '{person.department}'"
                )
            )
    for index, policy in enumerate(spec.policies):
        kinds = [d for d in spec.departments if d.kind == policy.department_kind]
        if not kinds:
            problems.append(
                problem(
                    ("policies", index, "department_kind"),
                    f"policy {policy.id}: no department has kind '{policy.department_kind}'",
                )
            )
        roles = {role for d in kinds for role in d.roster}
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
    hazards = [p.hazard for p in spec.policies]
    for index, policy in enumerate(spec.policies):
        if hazards.count(policy.hazard) > 1:
            problems.append(
                problem(
                    ("policies", index, "hazard"),
                    f"policy {policy.id}: another policy already covers hazard {policy.hazard}",
                )
            )
    return problems


def load_organisation(path: Path) -> Organisation:
    spec, document = load_spec(path, OrganisationSpec, OrganisationFileError)
    problems = _cross_reference_problems(spec, document.problem)
    if problems:
        raise OrganisationFileError(problems)
    return Organisation(spec)
