"""Rule files as planners write them: strict pydantic specs (unknown keys are errors)."""

from __future__ import annotations

import hashlib
import itertools
import json
import re
import string
from datetime import timedelta
from typing import Annotated, Literal, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from warning.domain import AreaCode, Level, Measurement, duration_field

Duration = Annotated[timedelta, BeforeValidator(duration_field)]


class Spec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class LevelThresholdSpec(Spec):
    """Rising: fire at or above `above`, hold until the value falls below `clear_below`.
    Falling: fire at or below `below`, hold until the value rises above `clear_above`."""

    above: Measurement | None = None
    clear_below: Measurement | None = None
    below: Measurement | None = None
    clear_above: Measurement | None = None

    @model_validator(mode="after")
    def _one_direction_that_can_clear(self) -> Self:
        rising = self.above is not None or self.clear_below is not None
        falling = self.below is not None or self.clear_above is not None
        if rising == falling:
            raise ValueError(
                "write either above and clear_below (fires on a rise) or below and clear_above (fires on a fall)"
            )
        if rising:
            if self.above is None or self.clear_below is None:
                raise ValueError("a rising threshold needs both above and clear_below")
            if self.clear_below >= self.above:
                raise ValueError(
                    f"clear_below ({self.clear_below}) must be below above ({self.above}), "
                    "or the warning could never be lifted"
                )
        else:
            if self.below is None or self.clear_above is None:
                raise ValueError("a falling threshold needs both below and clear_above")
            if self.clear_above <= self.below:
                raise ValueError(
                    f"clear_above ({self.clear_above}) must be above below ({self.below}), "
                    "or the warning could never be lifted"
                )
        return self

    @property
    def rising(self) -> bool:
        return self.above is not None

    def upward(self) -> tuple[float, float]:
        """(fire, clear) on a scale where higher is worse: a falling threshold is mirrored."""
        if self.above is not None and self.clear_below is not None:
            return self.above, self.clear_below
        assert self.below is not None and self.clear_above is not None
        return -self.below, -self.clear_above


_STAGE_REF = re.compile(r"^\s*([a-z_][a-z0-9_]*)\s*(?:([+-])\s*(\d+(?:\.\d+)?))?\s*$")


def _stage_ref(value: float | str) -> float | str:
    if isinstance(value, str) and _STAGE_REF.match(value) is None:
        raise ValueError(f"'{value}' is neither a number nor a stage like warning_stage or warning_stage - 0.2")
    return value


Bound = Annotated[Measurement | str, AfterValidator(_stage_ref)]


def resolve_bound(value: float | str | None, stages: dict[str, float]) -> float | None:
    """A number, or a station's named stage with an optional offset ('warning_stage - 0.2')."""
    if value is None or isinstance(value, float | int):
        return value
    match = _STAGE_REF.match(value)
    assert match is not None  # checked when the rule was loaded
    name, sign, offset = match.groups()
    if name not in stages:
        known = ", ".join(sorted(stages)) or "none"
        raise ValueError(f"has no stage '{name}' (its stages: {known})")
    delta = float(offset or 0) * (-1 if sign == "-" else 1)
    return round(stages[name] + delta, 9)


class LevelTemplateSpec(Spec):
    """A level for selected stations: numbers, or each station's named stages."""

    above: Bound | None = None
    clear_below: Bound | None = None
    below: Bound | None = None
    clear_above: Bound | None = None

    def resolve(self, stages: dict[str, float]) -> LevelThresholdSpec:
        return LevelThresholdSpec(
            above=resolve_bound(self.above, stages),
            clear_below=resolve_bound(self.clear_below, stages),
            below=resolve_bound(self.below, stages),
            clear_above=resolve_bound(self.clear_above, stages),
        )


class SelectSpec(Spec):
    """Stations from the catalogue: of the rule's kind, with every tag, in the area (a code prefix)."""

    tags: list[str] = Field(default_factory=list)
    area: str | None = Field(
        default=None,
        pattern=r"^\d{2,12}$",
        description="GB/T 2260 code or prefix (37, 3701), or a street or community code",
    )
    stations: list[str] = Field(default_factory=list, description="only these station ids")


# Where a station stands, [longitude, latitude] in WGS 84: the console's map draws it there.
Location = tuple[Annotated[float, Field(ge=-180, le=180)], Annotated[float, Field(ge=-90, le=90)]]


class CatalogueStationSpec(Spec):
    id: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.:-]+$")
    name: str = Field(min_length=1)
    name_zh: str | None = None
    area: AreaCode
    location: Location | None = None
    kinds: list[str] = Field(min_length=1)
    tags: list[str] = Field(default_factory=list)
    # Named values per station, e.g. warning_stage (警戒水位) and guaranteed_stage (保证水位).
    stages: dict[str, Measurement] = Field(default_factory=dict)


class CatalogueFileSpec(Spec):
    """A station catalogue file: a top-level `stations:` list and nothing else."""

    stations: list[CatalogueStationSpec] = Field(min_length=1)


class StationSpec(Spec):
    id: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.:-]+$")
    name: str = Field(min_length=1)
    name_zh: str | None = None
    area: AreaCode
    location: Location | None = None
    levels: dict[Level, LevelThresholdSpec] = Field(min_length=1)

    @model_validator(mode="after")
    def _levels_grow_with_severity(self) -> Self:
        if len({spec.rising for spec in self.levels.values()}) > 1:
            raise ValueError(f"station {self.id}: all levels must fire the same way (all on a rise or all on a fall)")
        ordered = sorted(self.levels.items(), key=lambda item: item[0].rank)
        for (low, low_spec), (high, high_spec) in itertools.pairwise(ordered):
            (low_fire, low_clear), (high_fire, high_clear) = low_spec.upward(), high_spec.upward()
            word, clear_word = ("above", "clear_below") if low_spec.rising else ("below", "clear_above")
            comparison = "higher" if low_spec.rising else "lower"
            if high_fire <= low_fire:
                raise ValueError(
                    f"station {self.id}: {high.value} {word} ({getattr(high_spec, word)}) must be {comparison} "
                    f"than {low.value} {word} ({getattr(low_spec, word)})"
                )
            if high_clear <= low_clear:
                raise ValueError(
                    f"station {self.id}: {high.value} {clear_word} ({getattr(high_spec, clear_word)}) must be "
                    f"{comparison} than {low.value} {clear_word} ({getattr(low_spec, clear_word)})"
                )
        return self

    @property
    def rising(self) -> bool:
        return next(iter(self.levels.values())).rising


# rate: change per hour over the window (m/h for a river stage); the others aggregate the window.
Aggregate = Literal["rate", "sum", "avg", "max", "min", "count"]


class SignalSpec(Spec):
    """What the thresholds are compared with: the reading itself, or a window over recent readings."""

    of: Aggregate
    over: Duration
    # A window with less history than this is not judged yet (never read as "safe").
    min_span: Duration | None = None

    @model_validator(mode="after")
    def _span_fits(self) -> Self:
        if self.min_span is not None and self.min_span > self.over:
            raise ValueError(f"min_span ({self.min_span}) cannot be longer than the window ({self.over})")
        return self


class QualitySpec(Spec):
    """Data-quality gate applied before a reading may move a warning."""

    range: tuple[Measurement, Measurement] | None = Field(default=None, description="physically possible [min, max]")
    spike: Measurement | None = Field(default=None, gt=0, description="largest plausible change between readings")
    stuck_for: Duration | None = Field(default=None, description="an unchanged value this long means a stuck sensor")
    # block: the reading is not judged (the warning stays as it is); lower_certainty: judged, but the
    # detection's CAP certainty drops from Observed to Possible.
    on_fail: Literal["block", "lower_certainty"] = "block"

    @model_validator(mode="after")
    def _range_ordered(self) -> Self:
        if self.range is not None and self.range[0] >= self.range[1]:
            raise ValueError(f"quality range {list(self.range)}: the first value must be below the second")
        return self


class NoDataSpec(Spec):
    """A station silent this long is itself a detection (sensor health), never read as "all quiet"."""

    after: Duration
    level: Level = Level.blue
    # station: each silent station is a warning; area: one warning when every station of the rule
    # in an administrative area is silent (a district gone dark, e.g. a communications outage).
    per: Literal["station", "area"] = "station"


Language = Literal["zh-CN", "en"]
GroupField = Literal["rule", "station", "area"]
ResponseType = Literal["Shelter", "Evacuate", "Prepare", "Execute", "Avoid", "Monitor", "Assess", "AllClear", "None"]
TEMPLATE_FIELDS = ("station", "station_id", "area", "value", "unit", "level", "threshold", "reason", "title")


class CapSpec(Spec):
    """OASIS CAP 1.2 info fields of the warnings this rule issues."""

    event: str | None = Field(default=None, description="defaults to the rule's title")
    category: Literal["Geo", "Met", "Safety", "Security", "Rescue", "Fire", "Health", "Env", "Transport",
                      "Infra", "CBRNE", "Other"] = "Other"  # fmt: skip
    urgency: Literal["Immediate", "Expected", "Future", "Past", "Unknown"] = "Immediate"
    # By default from the level: red Extreme, orange Severe, yellow Moderate, blue Minor.
    severity: Literal["Extreme", "Severe", "Moderate", "Minor", "Unknown"] | None = None
    response_type: tuple[ResponseType, ...] = ("Monitor",)
    instruction: dict[Language, str] = Field(default_factory=dict)


class RuleSpec(Spec):
    """A threshold rule over one kind of reading, with per-station threshold sets."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    id: str = Field(min_length=1, pattern=r"^[a-z0-9][a-z0-9-]*$")
    title: str = Field(min_length=1)
    title_zh: str | None = None
    kind: str = Field(min_length=1)
    unit: str | None = None
    signal: SignalSpec | None = None
    quality: QualitySpec | None = None
    pending: Duration | None = Field(default=None, alias="for", description="the condition must hold this long")
    keep_firing_for: Duration | None = Field(default=None, description="hold a level this long after it clears")
    no_data: NoDataSpec | None = None
    # For readings that are events (a camera's detection, a hotline report): with no new one from a
    # station for this long, its warning lapses (is lifted), since events never say "all clear".
    lapse_after: Duration | None = None
    # How its detections make incidents (Alertmanager's group_by): detections with the same hazard
    # and the same values of these fields are causes of one incident. [rule, station] (the default)
    # gives each rule and station its own; [station] joins every rule of the hazard on a station
    # (a gauge's stage and its rate of rise are one flood); [area] one per district; `group` names
    # a group several rules share (every gauge of one river), combined with group_by.
    group_by: tuple[GroupField, ...] = ("rule", "station")
    group: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9-]*$")
    cap: CapSpec = Field(default_factory=CapSpec)
    # What happened, per language, e.g. "{station}水位{value}{unit}，超过{level}阈值{threshold}{unit}".
    messages: dict[Language, str] = Field(default_factory=dict)
    # Either stations selected from the catalogue with `levels` written against their named
    # stages, or stations listed here with their own levels. (select comes first: the check on
    # stations reads it.)
    select: SelectSpec | None = None
    levels: dict[Level, LevelTemplateSpec] | None = None
    stations: list[StationSpec] = Field(default_factory=list)

    @field_validator("stations")
    @classmethod
    def _stations_listed_or_selected(cls, stations: list[StationSpec], info: ValidationInfo) -> list[StationSpec]:
        selected = info.data.get("select") is not None
        if not stations and not selected:
            raise ValueError("list at least one station, or `select` stations from the catalogue with `levels`")
        if stations and selected:
            raise ValueError("list stations or select them from the catalogue, not both")
        return stations

    @model_validator(mode="after")
    def _select_with_levels(self) -> Self:
        if (self.select is not None) != (self.levels is not None):
            raise ValueError(f"rule {self.id}: `select` and `levels` go together")
        return self

    @model_validator(mode="after")
    def _templates_use_known_fields(self) -> Self:
        for language, template in self.messages.items():
            try:
                fields = [name for _, name, _, _ in string.Formatter().parse(template) if name is not None]
            except ValueError as exc:
                raise ValueError(f"messages.{language}: {exc}; write placeholders as {{station}}") from exc
            unknown = sorted(set(fields) - set(TEMPLATE_FIELDS))
            if unknown:
                raise ValueError(
                    f"messages.{language}: unknown placeholder {{{unknown[0]}}}; use {', '.join(TEMPLATE_FIELDS)}"
                )
        return self

    @model_validator(mode="after")
    def _lapse_with_care(self) -> Self:
        if self.lapse_after is not None and self.lapse_after.total_seconds() <= 0:
            raise ValueError(f"rule {self.id}: lapse_after must be longer than nothing, e.g. 30m")
        if self.lapse_after is not None and self.no_data is not None:
            raise ValueError(f"rule {self.id}: a rule of events lapses when they stop; it cannot also warn of silence")
        return self

    @model_validator(mode="after")
    def _group_fields_once(self) -> Self:
        if len(set(self.group_by)) != len(self.group_by):
            raise ValueError(f"rule {self.id}: group_by names a field twice")
        return self

    @model_validator(mode="after")
    def _stations_unique(self) -> Self:
        seen: set[str] = set()
        for station in self.stations:
            if station.id in seen:
                raise ValueError(f"station {station.id} is listed twice in rule {self.id}")
            seen.add(station.id)
        return self

    @property
    def version(self) -> str:
        """Content hash, so every detection names the exact rule text it came from."""
        # Fields added since a rule was written count only when set: its version stays what it was.
        unset = {name for name in ("lapse_after", "group") if getattr(self, name) is None}
        if self.group_by == ("rule", "station"):
            unset.add("group_by")
        dumped = self.model_dump(mode="json", by_alias=True, exclude=unset)
        canonical = json.dumps(dumped, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(canonical.encode()).hexdigest()[:12]


class CompoundSpec(Spec):
    """A warning built from other rules' warnings in the same administrative area.

    all_of: every member warns, the latest starting within `within` of the earliest.
    any_of: any member warns.
    sequence: members start in the listed order, the last within `within` of the first.
    absence: the first member warns and the second does not follow within `within`.
    """

    id: str = Field(min_length=1, pattern=r"^[a-z0-9][a-z0-9-]*$")
    title: str = Field(min_length=1)
    title_zh: str | None = None
    match: Literal["all_of", "any_of", "sequence", "absence"]
    members: list[str] = Field(min_length=2)
    within: Duration | None = None
    min_level: Level = Level.blue
    # highest: the highest member level; agree_up: one level above it when all members agree on it.
    level: Literal["highest", "agree_up"] = "highest"
    # The members' warnings in the area join the compound's incident as causes when it opens (and
    # while it is open), instead of paging as incidents of their own: one situation, one incident.
    attach_members: bool = False
    cap: CapSpec = Field(default_factory=CapSpec)

    @model_validator(mode="after")
    def _shape(self) -> Self:
        if len(set(self.members)) != len(self.members):
            raise ValueError(f"compound {self.id}: a member is listed twice")
        if self.match == "absence" and len(self.members) != 2:
            raise ValueError(f"compound {self.id}: absence takes exactly two members: the warning and the answer")
        if self.match in ("all_of", "sequence", "absence") and self.within is None:
            raise ValueError(f"compound {self.id}: {self.match} needs `within`, e.g. within: 1h")
        return self


class RuleFileHeader(Spec):
    """One file in rules/ holds the rules of one hazard and/or compounds; each is validated on its own."""

    hazard: str = Field(min_length=1, pattern=r"^[a-z][a-z_]*$")
    rules: list[object] = Field(default_factory=list)
    compounds: list[object] = Field(default_factory=list)
