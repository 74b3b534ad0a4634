"""Evaluate readings against compiled rules through durable-rules, with hysteresis.

durable-rules decides which band a reading falls in; the warning level then follows from the band
and the level the incident key is at now (held by the caller, from open incidents in the database),
so the evaluator keeps no state that a restart could lose.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from durable.engine import Host, MessageNotHandledException

from warning.domain import Detection, Level, Reading, level_rank
from warning.errors import EvaluationError
from warning.rulebook.compiler import Band, CompiledRule, CompiledStation, band_condition


class _SynchronousHost(Host):  # type: ignore[misc]
    """A durable-rules host without its background dispatch threads.

    The stock Host polls every ruleset on wall-clock threading timers; we run every action inside
    post() and never use durable-rules timers, so evaluation is synchronous and replayable.
    """

    def _run(self) -> None:
        return None


@dataclass(frozen=True, slots=True)
class _BandAction:
    """Called by durable-rules when a reading matches a band; only records the match.

    durable-rules swallows exceptions raised in actions, so the action does nothing that can fail
    and the caller checks that exactly one band matched.
    """

    matches: list[Band]
    band: Band

    def run(self, _closure: Any) -> None:
        self.matches.append(self.band)


def next_level(current: Level | None, band: Band) -> Level | None:
    """The level after a reading in `band`: at least the band's floor; the current level is kept
    only while the band still allows it (hysteresis)."""
    held = current if level_rank(current) <= level_rank(band.cap) else band.cap
    return band.floor if level_rank(band.floor) > level_rank(held) else held


def incident_key(rule_id: str, station_id: str) -> str:
    return f"{rule_id}:{station_id}"


def _describe(
    rule: CompiledRule, station: CompiledStation, reading: Reading, previous: Level | None, level: Level | None
) -> str:
    unit = f" {rule.spec.unit}" if rule.spec.unit else ""
    where = f"{station.spec.name} ({station.spec.id}) read {reading.value:g}{unit}"
    by_level = {threshold.level: threshold for threshold in station.thresholds}
    if level is not None and level_rank(level) > level_rank(previous):
        return f"{where}, at or above the {level.value} threshold {by_level[level].above:g}{unit}"
    if previous is not None:
        return f"{where}, below the {previous.value} clear level {by_level[previous].clear_below:g}{unit}"
    return where


class RuleEvaluator:
    """Owns one isolated durable-rules host holding one ruleset per rule."""

    def __init__(self, rules: Iterable[CompiledRule]) -> None:
        self.rules = {rule.id: rule for rule in rules}
        self._by_sensor: dict[str, list[CompiledRule]] = {}
        self._matches: list[Band] = []
        self._lock = threading.Lock()
        definitions: dict[str, dict[str, Any]] = {}
        for rule in self.rules.values():
            ruleset: dict[str, Any] = {}
            for station_id, station in rule.stations.items():
                self._by_sensor.setdefault(station_id, []).append(rule)
                for band in station.bands:
                    ruleset[f"{station_id}#{band.index}"] = {
                        "all": [band_condition(rule, station_id, band)],
                        "run": _BandAction(self._matches, band).run,
                    }
            definitions[rule.id] = ruleset
        self._host = _SynchronousHost()
        if definitions:
            self._host.set_rulesets(definitions)

    def knows_sensor(self, sensor_id: str) -> bool:
        return sensor_id in self._by_sensor

    def sensor_kinds(self, sensor_id: str) -> set[str]:
        return {rule.spec.kind for rule in self._by_sensor.get(sensor_id, [])}

    def _match_band(self, rule: CompiledRule, reading: Reading) -> Band:
        self._matches.clear()
        event = {"kind": reading.kind, "station": reading.sensor_id, "value": reading.value}
        try:
            self._host.post(rule.id, event)
        except MessageNotHandledException as exc:
            raise EvaluationError(
                f"rule {rule.id}: reading {reading.reading_id} matched no band of station {reading.sensor_id}"
            ) from exc
        if len(self._matches) != 1:
            raise EvaluationError(
                f"rule {rule.id}: reading {reading.reading_id} matched {len(self._matches)} bands, expected 1"
            )
        return self._matches[0]

    def evaluate(self, reading: Reading, current_level: Callable[[str], Level | None]) -> list[Detection]:
        """Detections for every rule whose key changes level on this reading."""
        detections: list[Detection] = []
        with self._lock:
            for rule in self._by_sensor.get(reading.sensor_id, []):
                if rule.spec.kind != reading.kind:
                    continue
                station = rule.stations[reading.sensor_id]
                band = self._match_band(rule, reading)
                key = incident_key(rule.id, station.spec.id)
                previous = current_level(key)
                level = next_level(previous, band)
                if level == previous:
                    continue
                detections.append(
                    Detection(
                        rule_id=rule.id,
                        rule_version=rule.version,
                        hazard=rule.hazard,
                        key=key,
                        station_id=station.spec.id,
                        station_name=station.spec.name,
                        area=station.spec.area,
                        level=level,
                        previous_level=previous,
                        reading=reading,
                        thresholds=station.thresholds,
                        reason=_describe(rule, station, reading, previous, level),
                    )
                )
        return detections
