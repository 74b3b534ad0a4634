"""Drill scenario files: a timeline of injects on a virtual clock, the drill roster, and how each
player's phone behaves in the Twilio simulator."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Self

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from notifiers.simulator.behaviour import PhoneBehaviour
from warning.domain import AwareDatetime, duration_field
from warning.errors import ScenarioFileError
from warning.yamlfile import load_spec

Duration = Annotated[timedelta, BeforeValidator(duration_field)]


def _offset(value: Any) -> timedelta:
    if value in (0, "0", "0m", "0s"):
        return timedelta(0)
    return duration_field(value)


Offset = Annotated[timedelta, BeforeValidator(_offset)]
Phone = Annotated[str, Field(pattern=r"^\+\d{6,15}$")]


class InjectSpec(BaseModel):
    """One event on the drill timeline, `at` after the start. A reading goes through the same
    decoding as a live feed, so a malformed reading here is dead-lettered exactly as it would be live."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    at: Offset
    reading: dict[str, Any]


class ScenarioSpec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    description: str = ""
    start: AwareDatetime
    duration: Duration
    rules: list[str] = Field(min_length=1)
    organisation: str
    roster: list[Phone] = Field(min_length=1)
    players: dict[Phone, PhoneBehaviour] = Field(default_factory=dict)
    injects: list[InjectSpec] = Field(min_length=1)

    @model_validator(mode="after")
    def _timeline_fits(self) -> Self:
        for index, inject in enumerate(self.injects):
            if inject.at > self.duration:
                raise ValueError(
                    f"inject {index + 1} at {inject.at} is after the drill ends ({self.duration}); "
                    "lengthen duration or move the inject"
                )
        for phone in self.players:
            if phone not in self.roster:
                raise ValueError(f"player {phone} is not on the drill roster; add it to roster")
        return self


def load_scenario(path: Path) -> tuple[ScenarioSpec, list[Path], Path]:
    """The scenario, with its rule and organisation paths resolved relative to the scenario file."""
    spec, document = load_spec(path, ScenarioSpec, ScenarioFileError)
    base = path.parent
    problems = []
    rules = [(base / rule).resolve() for rule in spec.rules]
    for index, rule in enumerate(rules):
        if not rule.exists():
            problems.append(document.problem(("rules", index), f"rule file {spec.rules[index]} not found"))
    organisation = (base / spec.organisation).resolve()
    if not organisation.exists():
        problems.append(document.problem(("organisation",), f"organisation file {spec.organisation} not found"))
    if problems:
        raise ScenarioFileError(problems)
    return spec, rules, organisation
