"""Drill scenario files: a timeline of injects on a virtual clock (the Master Scenario Events List),
the drill roster, how each player's phone behaves in the Twilio simulator, and the expectations the
drill is scored against. Every problem is refused at load with its `file:line`: an unknown person,
station, area or department, an inject after the end, a fault on a number outside the roster."""

from __future__ import annotations

from pathlib import Path
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from notifiers.simulator.behaviour import PhoneBehaviour
from warning.areas import within
from warning.domain import AwareDatetime
from warning.drills.expectations import ExpectationSpec
from warning.drills.injects import Duration, InjectSpec, Phone
from warning.drills.series import check_series
from warning.errors import ConfigFileError, FileProblem, ScenarioFileError
from warning.escalation.org import Organisation, load_organisation
from warning.rulebook.compiler import load_rulebook
from warning.silences import scoped_area
from warning.yamlfile import FileName, YamlDocument, read_yaml, validate_document


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
    expectations: list[ExpectationSpec] = Field(default_factory=list)
    # `aliyun`: pages to mainland numbers read in Chinese go through the loopback Alibaba Cloud
    # simulator (templates, IVR keypresses), the rest through the Twilio simulator.
    domestic_provider: Literal["aliyun"] | None = None

    @model_validator(mode="after")
    def _something_happens(self) -> Self:
        if not self.injects and not self.series:
            raise ValueError("a drill needs injects, or series files of readings, or both")
        return self


def series_files(spec: ScenarioSpec, path: Path) -> list[Path]:
    """The scenario's series files, relative to the scenario file."""
    return [(path.parent / name).resolve() for name in spec.series]


class VariantSpec(BaseModel):
    """A variant of another scenario (`base`): the same drill with players changed, and injects and
    expectations added, e.g. one more phone out of reach."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    base: FileName
    name: str
    description: str = ""
    players: dict[Phone, PhoneBehaviour] = Field(default_factory=dict, description="replace the base's, by number")
    injects: list[InjectSpec] = Field(default_factory=list, description="added to the base's")
    expectations: list[ExpectationSpec] = Field(default_factory=list, description="added to the base's")
    domestic_provider: Literal["aliyun"] | None = Field(default=None, description="replaces the base's when given")


MOST_VARIANT_DEPTH = 4


def load_scenario(path: Path, _depth: int = 0) -> tuple[ScenarioSpec, list[Path], Path]:
    """The scenario, with its rule and organisation paths resolved relative to the scenario file."""
    document = read_yaml(path, ScenarioFileError)
    if isinstance(document.root, dict) and "base" in document.root:
        return _load_variant(path, document, _depth)
    spec = validate_document(document, ScenarioSpec, ScenarioFileError)
    base = path.parent
    problems = []
    rules = [(base / rule).resolve() for rule in spec.rules]
    for index, rule in enumerate(rules):
        if not rule.exists():
            problems.append(document.problem(("rules", index), f"rule file {spec.rules[index]} not found"))
    organisation = (base / spec.organisation).resolve()
    if not organisation.is_file():
        problems.append(document.problem(("organisation",), f"organisation file {spec.organisation} not found"))
    for index, series in enumerate(series_files(spec, path)):
        if not series.is_file():
            problems.append(document.problem(("series", index), f"series file {spec.series[index]} not found"))
        else:
            problems += check_series(series, spec.duration)
    if not problems:
        problems += _content_problems(spec, document, rules, organisation)
    if problems:
        raise ScenarioFileError(problems)
    return spec, rules, organisation


def _content_problems(spec: ScenarioSpec, document: YamlDocument, rules: list[Path],
                      organisation: Path) -> list[FileProblem]:  # fmt: skip
    """The timeline's and the expectations' problems, located in `document`."""
    problems = _timeline_problems(spec, document)
    try:
        stations = {sid: station.spec.area for rule in load_rulebook(rules).rules
                    for sid, station in rule.stations.items()}  # fmt: skip
        org = load_organisation(organisation)
    except ConfigFileError as exc:
        return problems + exc.problems
    return problems + _silence_problems(spec, document, org) + _reference_problems(spec, document, org, stations)


def _load_variant(path: Path, document: YamlDocument, depth: int) -> tuple[ScenarioSpec, list[Path], Path]:
    variant = validate_document(document, VariantSpec, ScenarioFileError)
    base_path = (path.parent / variant.base).resolve()
    if not base_path.is_file():
        raise ScenarioFileError([document.problem(("base",), f"base scenario {variant.base} not found")])
    if depth >= MOST_VARIANT_DEPTH:
        raise ScenarioFileError([document.problem(("base",), f"variants nest at most {MOST_VARIANT_DEPTH} deep")])
    base, rules, organisation = load_scenario(base_path, depth + 1)  # its problems are located in its own file
    # Paths resolved, so that they mean the same from the variant's folder.
    base = base.model_copy(update={"rules": [str(rule) for rule in rules], "organisation": str(organisation),
                                   "series": [str(file) for file in series_files(base, base_path)]})  # fmt: skip
    own = base.model_copy(update={"name": variant.name, "description": variant.description,
                                  "players": variant.players, "injects": variant.injects,
                                  "expectations": variant.expectations})  # fmt: skip
    problems = _content_problems(own, document, rules, organisation)
    taken = {inject.id for inject in base.injects if inject.id} | {e.id for e in base.expectations}
    problems += [document.problem(("injects", index, "id"), f"inject id {inject.id} is already used in the base")
                 for index, inject in enumerate(variant.injects) if inject.id in taken]  # fmt: skip
    problems += [document.problem(("expectations", index, "id"), f"expectation id {e.id} is already used in the base")
                 for index, e in enumerate(variant.expectations) if e.id in taken]  # fmt: skip
    if problems:
        raise ScenarioFileError(problems)
    merged = base.model_copy(update={
        "name": variant.name, "description": variant.description or base.description,
        "players": base.players | variant.players, "injects": [*base.injects, *variant.injects],
        "expectations": [*base.expectations, *variant.expectations],
        "domestic_provider": variant.domestic_provider or base.domestic_provider,
    })  # fmt: skip
    return merged, rules, organisation


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
    problems += [
        document.problem(
            ("injects", index, "fault", "phone"),
            f"fault on {inject.fault.phone}, which is not on the drill roster: a drill touches "
            "only the roster's phones",
        )
        for index, inject in enumerate(spec.injects)
        if inject.fault is not None and inject.fault.phone is not None and inject.fault.phone not in spec.roster
    ]
    ids: dict[str, int] = {}
    for index, inject in enumerate(spec.injects):
        if inject.id is not None and inject.id in ids:
            problems.append(document.problem(("injects", index, "id"), f"inject id {inject.id} is already used by "
                                             f"inject {ids[inject.id] + 1}"))  # fmt: skip
        ids.setdefault(inject.id or "", index)
    seen: set[str] = set()
    for index, expectation in enumerate(spec.expectations):
        if expectation.id in seen:
            problems.append(document.problem(("expectations", index, "id"), f"expectation id {expectation.id} "
                                             "is already used"))  # fmt: skip
        seen.add(expectation.id)
    return problems


def _reference_problems(
    spec: ScenarioSpec, document: YamlDocument, org: Organisation, stations: dict[str, str]
) -> list[FileProblem]:
    """People, departments, stations and areas the injects and expectations name, each checked."""
    problems: list[FileProblem] = []
    known_areas = {department.area for department in org.departments.values()} | set(stations.values())

    def person(where: tuple[str | int, ...], person_id: str | None) -> None:
        if person_id is not None and person_id not in org.people:
            problems.append(document.problem(where, f"unknown person {person_id}: use a person id from the "
                                             "organisation file"))  # fmt: skip

    def department(where: tuple[str | int, ...], department_id: str | None) -> None:
        if department_id is not None and department_id not in org.departments:
            problems.append(document.problem(where, f"unknown department {department_id}: use a department id "
                                             "from the organisation file"))  # fmt: skip

    def area(where: tuple[str | int, ...], code: str | None) -> None:
        if code is not None and not any(within(known, code) or within(code, known) for known in known_areas):
            problems.append(document.problem(where, f"unknown area {code}: no department or station is in it"))

    def station(where: tuple[str | int, ...], station_id: str | None) -> None:
        if station_id is not None and station_id not in stations:
            problems.append(document.problem(where, f"unknown station {station_id}: no rule watches it"))

    for index, inject in enumerate(spec.injects):
        at: tuple[str | int, ...] = ("injects", index)
        if inject.fault is not None:
            station((*at, "fault", "station"), inject.fault.station)
            area((*at, "fault", "area"), inject.fault.area)
        if inject.action is not None:
            person((*at, "action", "by"), inject.action.by)
            person((*at, "action", "to"), inject.action.to)
            department((*at, "action", "department"), inject.action.department)
        if inject.report is not None:
            person((*at, "report", "by"), inject.report.by)
            area((*at, "report", "area"), inject.report.area)
            station((*at, "report", "station"), inject.report.station)
        if inject.override is not None:
            person((*at, "override", "by"), inject.override.by)
            person((*at, "override", "person"), inject.override.person)
            department((*at, "override", "department"), inject.override.department)
    for index, expectation in enumerate(spec.expectations):
        for name, value in expectation.people_named():
            check, field_name = name.split(".")
            where = ("expectations", index, check, field_name)
            (person if field_name == "person" else department)(where, value)
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
