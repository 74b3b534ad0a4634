"""Compile rule specs into value bands and durable-rules JSON rulesets.

Each station's thresholds split the number line into bands at every fire and clear value (falling
thresholds are mirrored, so that everywhere below "higher is worse").
In one band the verdict is fixed: the lowest level the value forces (`floor`) and the highest level
it still allows an existing warning to hold (`cap`). Bands do not overlap, so each reading matches
exactly one durable-rules rule: this sidesteps durable-rules' refraction (an event consumed by one
rule is invisible to the others) and leaves no half-matched events behind.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from warning.domain import Level, Threshold, level_rank
from warning.errors import FileProblem, RuleFileError
from warning.rulebook.spec import (
    CatalogueFileSpec,
    CatalogueStationSpec,
    CompoundSpec,
    RuleFileHeader,
    RuleSpec,
    StationSpec,
)
from warning.yamlfile import YamlDocument, read_yaml, validate_node

# durable-rules' JSON parser cannot read exponent notation (1e-05, 1e+20), which Python writes for
# very small and very large floats: every number it sees is an integer count of micro-units
# (millionths of the rule's unit), far finer than any sensor. floor() after a positive scaling is
# monotonic, so bands stay ordered and non-overlapping.
MICRO = 1_000_000
LARGEST_COMPARABLE = 2**53  # beyond this durable-rules' numbers lose integer precision


def quantize(value: float) -> int:
    return math.floor(value * MICRO)


@dataclass(frozen=True, slots=True)
class Band:
    """Values in [low, high) give at least `floor` and at most `cap` (None: no warning)."""

    index: int
    low: float
    high: float
    floor: Level | None
    cap: Level | None
    # Ranks (0 for no warning) precomputed for the evaluator's hot path.
    floor_rank: int = field(init=False)
    cap_rank: int = field(init=False)
    # The bounds in micro-units (None: unbounded), as durable-rules compares them.
    low_q: int | None = field(init=False)
    high_q: int | None = field(init=False)
    # The same bounds with infinities for None: membership is `lo <= x < hi` (exact against integers).
    lo: float = field(init=False)
    hi: float = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "floor_rank", level_rank(self.floor))
        object.__setattr__(self, "cap_rank", level_rank(self.cap))
        object.__setattr__(self, "low_q", quantize(self.low) if math.isfinite(self.low) else None)
        object.__setattr__(self, "high_q", quantize(self.high) if math.isfinite(self.high) else None)
        object.__setattr__(self, "lo", -math.inf if self.low_q is None else self.low_q)
        object.__setattr__(self, "hi", math.inf if self.high_q is None else self.high_q)

    def holds(self, value_q: float) -> bool:
        return self.lo <= value_q < self.hi


@dataclass(frozen=True, slots=True)
class UpwardThreshold:
    """A threshold on the scale where higher is worse (falling thresholds are mirrored)."""

    level: Level
    fire: float
    clear: float


@dataclass(frozen=True, slots=True)
class CompiledStation:
    spec: StationSpec
    thresholds: tuple[Threshold, ...]  # as the planner wrote them, for evidence and reasons
    bands: tuple[Band, ...]  # on the upward scale: signal * sign
    sign: float  # +1 for thresholds that fire on a rise, -1 for those that fire on a fall


@dataclass(frozen=True, slots=True)
class CompiledRule:
    hazard: str
    spec: RuleSpec
    version: str
    source: str
    stations: dict[str, CompiledStation]

    @property
    def id(self) -> str:
        return self.spec.id

    def group_key(self, station_id: str, area: str) -> str:
        """The incident a detection of this rule at this station joins (see RuleSpec.group_by)."""
        values = {"rule": self.spec.id, "station": station_id, "area": area}
        parts = [self.hazard, *(f"{field}={values[field]}" for field in self.spec.group_by)]
        if self.spec.group is not None:
            parts.append(f"group={self.spec.group}")
        return "/".join(parts)


def _verdict(value: float, thresholds: tuple[UpwardThreshold, ...]) -> tuple[Level | None, Level | None]:
    floor = cap = None
    for threshold in thresholds:  # ordered blue -> red
        if value >= threshold.fire:
            floor = threshold.level
        if value >= threshold.clear:
            cap = threshold.level
    return floor, cap


def build_bands(thresholds: tuple[UpwardThreshold, ...]) -> tuple[Band, ...]:
    points = sorted({t.fire for t in thresholds} | {t.clear for t in thresholds})
    edges = [-math.inf, *points, math.inf]
    bands: list[Band] = []
    for low, high in itertools.pairwise(edges):
        floor, cap = _verdict(low if math.isfinite(low) else high - 1.0, thresholds)
        if bands and (bands[-1].floor, bands[-1].cap) == (floor, cap):
            previous = bands.pop()
            low = previous.low
        bands.append(Band(len(bands), low, high, floor, cap))
    return tuple(bands)


def compile_station(spec: StationSpec) -> CompiledStation:
    ordered = sorted(spec.levels.items(), key=lambda item: item[0].rank)
    thresholds = tuple(
        Threshold(level=level, above=t.above, clear_below=t.clear_below, below=t.below, clear_above=t.clear_above)
        for level, t in ordered
    )
    upward = tuple(UpwardThreshold(level, *t.upward()) for level, t in ordered)
    return CompiledStation(spec, thresholds, build_bands(upward), 1.0 if spec.rising else -1.0)


def compile_rule(hazard: str, spec: RuleSpec, source: str) -> CompiledRule:
    stations = {station.id: compile_station(station) for station in spec.stations}
    return CompiledRule(hazard, spec, spec.version, source, stations)


def band_condition(band: Band) -> dict[str, Any]:
    """durable-rules JSON condition matching a signal (on the upward scale, in micro-units) inside
    one band. Stations whose thresholds give the same bands share one ruleset of these."""
    terms: list[dict[str, Any]] = []
    if band.low_q is not None:
        terms.append({"$gte": {"value": band.low_q}})
    if band.high_q is not None:
        terms.append({"$lt": {"value": band.high_q}})
    return {"m": {"$and": terms}}


@dataclass(frozen=True, slots=True)
class CompiledCompound:
    hazard: str
    spec: CompoundSpec
    source: str

    @property
    def id(self) -> str:
        return self.spec.id

    @property
    def version(self) -> str:
        # Fields added since a compound was written count only when set: its version stays what it was.
        unset = set() if self.spec.attach_members else {"attach_members"}
        canonical = json.dumps(self.spec.model_dump(mode="json", exclude=unset), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(canonical.encode()).hexdigest()[:12]


@dataclass(frozen=True, slots=True)
class Rulebook:
    rules: list[CompiledRule]
    compounds: list[CompiledCompound]


CATALOGUE = "stations.yaml"


def _add_to_catalogue(document: YamlDocument, catalogue: dict[str, CatalogueStationSpec]) -> list[FileProblem]:
    spec = validate_node(document, (), CatalogueFileSpec, document.root)
    if isinstance(spec, list):
        return spec
    problems = []
    for index, station in enumerate(spec.stations):
        if station.id in catalogue:
            problems.append(document.problem(("stations", index, "id"), f"station {station.id} is listed twice"))
        catalogue[station.id] = station
    return problems


def _select_stations(rule: RuleSpec, catalogue: dict[str, CatalogueStationSpec]) -> tuple[list[StationSpec], list[str]]:
    """The catalogue stations a rule selects, with its levels resolved against each one's stages."""
    select, levels = rule.select, rule.levels
    assert select is not None and levels is not None
    errors = [f"rule {rule.id}: station {sid} is not in the station catalogue" for sid in select.stations
              if sid not in catalogue]  # fmt: skip
    chosen = [
        station for station in catalogue.values()
        if rule.kind in station.kinds and set(select.tags) <= set(station.tags)
        and (select.area is None or station.area.startswith(select.area))
        and (not select.stations or station.id in select.stations)
    ]  # fmt: skip
    if not chosen and not errors:
        errors.append(f"rule {rule.id} selects no station: none in the catalogue has kind '{rule.kind}'"
                      f"{', tags ' + ', '.join(select.tags) if select.tags else ''}"
                      f"{', area ' + select.area + '*' if select.area else ''}")  # fmt: skip
    stations = []
    for station in chosen:
        try:
            resolved = {level: template.resolve(station.stages) for level, template in levels.items()}
            stations.append(StationSpec(id=station.id, name=station.name, name_zh=station.name_zh,
                                        area=station.area, location=station.location, levels=resolved))  # fmt: skip
        except ValidationError as exc:
            errors.append(
                f"rule {rule.id}, station {station.id}: {exc.errors()[0]['msg'].removeprefix('Value error, ')}"
            )
        except ValueError as exc:
            errors.append(f"rule {rule.id}: station {station.id} {exc}")
    return stations, errors


def load_rule_files(paths: list[Path]) -> list[CompiledRule]:
    """The threshold rules of every rule file (see load_rulebook)."""
    return load_rulebook(paths).rules


def rule_files(paths: list[Path]) -> list[Path]:
    """The files of `paths` (directories searched for *.yaml), each station catalogue beside them first."""
    files: list[Path] = []
    for path in paths:
        files.extend(sorted(path.glob("*.yaml")) if path.is_dir() else [path])
    catalogues = {file.parent / CATALOGUE for file in files if (file.parent / CATALOGUE).is_file()}
    return sorted(catalogues) + [file for file in files if file not in catalogues]


def load_rulebook(paths: list[Path]) -> Rulebook:
    """Load every rule file (directories are searched for *.yaml); raise one error listing all problems."""
    files = rule_files(paths)
    problems: list[FileProblem] = []
    compiled: list[CompiledRule] = []
    compounds: list[tuple[YamlDocument, int, CompiledCompound]] = []
    owners: dict[str, str] = {}
    documents: list[tuple[Path, YamlDocument]] = []
    catalogue: dict[str, CatalogueStationSpec] = {}
    for file in files:
        try:
            document = read_yaml(file, RuleFileError)
        except RuleFileError as exc:
            problems.extend(exc.problems)
            continue
        if "stations" in document.root and "hazard" not in document.root:
            problems.extend(_add_to_catalogue(document, catalogue))
        else:
            documents.append((file, document))
    for file, document in documents:
        # Each rule is validated on its own, so one broken rule hides no problem in the others.
        header = validate_node(document, (), RuleFileHeader, {**document.root, "rules": [], "compounds": []})
        if isinstance(header, list):
            problems.extend(header)
            continue
        raw_rules, raw_compounds = document.root.get("rules", []), document.root.get("compounds", [])
        if not isinstance(raw_rules, list) or not isinstance(raw_compounds, list) or not raw_rules + raw_compounds:
            problems.append(document.problem((), "a rule file needs a list of `rules` or of `compounds`"))
            continue
        sections: tuple[tuple[str, type[RuleSpec] | type[CompoundSpec], list[Any]], ...] = (
            ("rules", RuleSpec, raw_rules),
            ("compounds", CompoundSpec, raw_compounds),
        )
        for section, spec_type, raws in sections:
            for index, raw in enumerate(raws):
                item: RuleSpec | CompoundSpec | list[FileProblem] = validate_node(
                    document, (section, index), spec_type, raw
                )
                if isinstance(item, list):
                    problems.extend(item)
                    continue
                if item.id in owners:
                    problems.append(document.problem(
                        (section, index, "id"),
                        f"rule id '{item.id}' is already used in {owners[item.id]}: rule ids must be unique",
                    ))  # fmt: skip
                    continue
                owners[item.id] = str(file)
                if isinstance(item, RuleSpec):
                    if item.select is not None:
                        stations, errors = _select_stations(item, catalogue)
                        problems.extend(document.problem((section, index, "select"), e) for e in errors)
                        if errors:
                            continue
                        item = item.model_copy(update={"stations": stations})
                    compiled.append(compile_rule(header.hazard, item, str(file)))
                else:
                    assert isinstance(item, CompoundSpec)
                    compounds.append((document, index, CompiledCompound(header.hazard, item, str(file))))
    known = {rule.id for rule in compiled}
    for document, index, compound in compounds:
        for position, member in enumerate(compound.spec.members):
            if member not in known:
                problems.append(document.problem(
                    ("compounds", index, "members", position),
                    f"compound {compound.id}: member '{member}' is not a rule in the loaded files",
                ))  # fmt: skip
    if not files:
        problems.append(FileProblem(", ".join(map(str, paths)), 0, "no rule files (*.yaml) found"))
    if problems:
        raise RuleFileError(problems)
    return Rulebook(compiled, [compound for _, _, compound in compounds])
