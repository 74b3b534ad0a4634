"""Rule files as planners write them: strict pydantic specs (unknown keys are errors)."""

from __future__ import annotations

import hashlib
import itertools
import json
from datetime import timedelta
from typing import Annotated, Literal, Self

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from warning.domain import AreaCode, Level, duration_field

Duration = Annotated[timedelta, BeforeValidator(duration_field)]


class Spec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class LevelThresholdSpec(Spec):
    """Fire at or above `above`; once fired, hold until the value falls below `clear_below`."""

    above: float
    clear_below: float

    @model_validator(mode="after")
    def _clear_below_above(self) -> Self:
        if self.clear_below >= self.above:
            raise ValueError(
                f"clear_below ({self.clear_below}) must be below above ({self.above}), "
                "or the warning could never be lifted"
            )
        return self


class StationSpec(Spec):
    id: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.:-]+$")
    name: str = Field(min_length=1)
    area: AreaCode
    levels: dict[Level, LevelThresholdSpec] = Field(min_length=1)

    @model_validator(mode="after")
    def _levels_rise_with_severity(self) -> Self:
        ordered = sorted(self.levels.items(), key=lambda item: item[0].rank)
        for (low, low_spec), (high, high_spec) in itertools.pairwise(ordered):
            if high_spec.above <= low_spec.above:
                raise ValueError(
                    f"station {self.id}: {high.value} above ({high_spec.above}) must be higher than "
                    f"{low.value} above ({low_spec.above})"
                )
            if high_spec.clear_below <= low_spec.clear_below:
                raise ValueError(
                    f"station {self.id}: {high.value} clear_below ({high_spec.clear_below}) must be higher "
                    f"than {low.value} clear_below ({low_spec.clear_below})"
                )
        return self


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

    range: tuple[float, float] | None = Field(default=None, description="physically possible [min, max]")
    spike: float | None = Field(default=None, gt=0, description="largest plausible change between readings")
    stuck_for: Duration | None = Field(default=None, description="an unchanged value this long means a stuck sensor")
    # block: the reading is not judged (the warning stays as it is); lower_certainty: judged, but the
    # detection's CAP certainty drops from Observed to Possible.
    on_fail: Literal["block", "lower_certainty"] = "block"

    @model_validator(mode="after")
    def _range_ordered(self) -> Self:
        if self.range is not None and self.range[0] >= self.range[1]:
            raise ValueError(f"quality range {list(self.range)}: the first value must be below the second")
        return self


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
    stations: list[StationSpec] = Field(min_length=1)

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
        canonical = json.dumps(self.model_dump(mode="json", by_alias=True), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(canonical.encode()).hexdigest()[:12]


class RuleFileHeader(Spec):
    """One file in rules/ holds the rules of one hazard; each rule is validated on its own."""

    hazard: str = Field(min_length=1, pattern=r"^[a-z][a-z_]*$")
    rules: list[object]
