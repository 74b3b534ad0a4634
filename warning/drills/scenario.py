"""Drill scenario files: a timeline of injects on a virtual clock, the drill roster, and how each
player's phone behaves in the Twilio simulator."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Self

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from notifiers.simulator.behaviour import PhoneBehaviour
from warning.domain import AwareDatetime, Level, duration_field
from warning.drills.series import check_series
from warning.errors import FileProblem, ScenarioFileError
from warning.escalation.org import Organisation, load_organisation
from warning.silences import SilenceRequest, scoped_area
from warning.yamlfile import FileName, YamlDocument, load_spec

Duration = Annotated[timedelta, BeforeValidator(duration_field)]


def _offset(value: Any) -> timedelta:
    if value in (0, "0", "0m", "0s"):
        return timedelta(0)
    return duration_field(value)


Offset = Annotated[timedelta, BeforeValidator(_offset)]
Phone = Annotated[str, Field(pattern=r"^\+\d{6,15}$")]


class DrillSilence(BaseModel):
    """A maintenance window someone sets during the drill (as `warning silence add` would)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    by: str = Field(description="person id of whoever sets it, as in the organisation file")
    duration: Duration
    area: str | None = None
    station: str | None = None
    rule: str | None = None
    up_to: Level | None = None
    reason: str

    def request(self) -> SilenceRequest:
        return SilenceRequest(area=self.area, station=self.station, rule=self.rule, up_to=self.up_to,
                              duration=self.duration, reason=self.reason)  # fmt: skip


class InjectSpec(BaseModel):
    """One event on the drill timeline, `at` after the start. A reading goes through the same
    decoding as a live feed, so a malformed reading here is dead-lettered exactly as it would be live."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    at: Offset
    reading: dict[str, Any] | None = None
    silence: DrillSilence | None = None

    @model_validator(mode="after")
    def _one_event(self) -> Self:
        if (self.reading is None) == (self.silence is None):
            raise ValueError("an inject is either a reading or a silence")
        return self


class ScenarioSpec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    description: str = ""
    start: AwareDatetime
    duration: Duration
    rules: list[FileName] = Field(min_length=1)
    organisation: FileName
    roster: list[Phone] = Field(min_length=1)
    players: dict[Phone, PhoneBehaviour] = Field(default_factory=dict)
    injects: list[InjectSpec] = Field(default_factory=list)
    # Readings at scale, one per line with its `at` (JSON lines or CSV), streamed as the drill goes.
    series: list[FileName] = Field(default_factory=list)

    @model_validator(mode="after")
    def _something_happens(self) -> Self:
        if not self.injects and not self.series:
            raise ValueError("a drill needs injects, or series files of readings, or both")
        return self


def series_files(spec: ScenarioSpec, path: Path) -> list[Path]:
    """The scenario's series files, relative to the scenario file."""
    return [(path.parent / name).resolve() for name in spec.series]


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
    if not organisation.is_file():
        problems.append(document.problem(("organisation",), f"organisation file {spec.organisation} not found"))
    problems += _timeline_problems(spec, document)
    for index, series in enumerate(series_files(spec, path)):
        if not series.is_file():
            problems.append(document.problem(("series", index), f"series file {spec.series[index]} not found"))
        else:
            problems += check_series(series, spec.duration)
    if not problems:
        problems += _silence_problems(spec, document, load_organisation(organisation))
    if problems:
        raise ScenarioFileError(problems)
    return spec, rules, organisation


def _timeline_problems(spec: ScenarioSpec, document: YamlDocument) -> list[FileProblem]:
    """Injects after the end and players off the roster, each at its own line."""
    ends = f"the drill ends ({spec.duration}); lengthen duration or move the inject"
    problems = [
        document.problem(("injects", index, "at"), f"inject {index + 1} at {inject.at} is after {ends}")
        for index, inject in enumerate(spec.injects)
        if inject.at > spec.duration
    ]
    problems += [
        document.problem(("players", phone), f"player {phone} is not on the drill roster; add it to roster")
        for phone in spec.players
        if phone not in spec.roster
    ]
    return problems


def _silence_problems(spec: ScenarioSpec, document: YamlDocument, org: Organisation) -> list[FileProblem]:
    """Silences the organisation would refuse: an unknown person, or an area outside their department."""
    problems = []
    for index, inject in enumerate(spec.injects):
        if inject.silence is None:
            continue
        where: tuple[str | int, ...] = ("injects", index, "silence")
        if inject.silence.by not in org.people:
            problems.append(document.problem((*where, "by"), f"unknown person {inject.silence.by}: use a person id "
                                             "from the organisation file"))  # fmt: skip
            continue
        department = org.department(org.people[inject.silence.by].department)
        try:
            scoped_area(inject.silence.request(), department.area)
            inject.silence.request().window(spec.start + inject.at)
        except ValueError as exc:
            problems.append(document.problem(where, str(exc)))
    return problems
