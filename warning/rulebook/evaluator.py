"""Evaluate readings against compiled rules: quality gate, signal, durable-rules band match,
hysteresis, then the pending and keep-firing timers.

durable-rules decides which band a signal value falls in. The band is remembered per (rule,
station) and reused while the signal stays inside it: bands are fixed intervals of an immutable
rule version, so the reuse is exact, and durable-rules is asked again only when the signal leaves
its band. The warning level then follows from the band and the level the incident key is at now
(held by the caller, from open incidents in the database).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from durable.engine import Host, MessageNotHandledException

from warning.domain import Detection, Level, Reading, format_duration, level_rank
from warning.errors import EvaluationError
from warning.rulebook.compiler import (
    LARGEST_COMPARABLE,
    Band,
    CompiledCompound,
    CompiledRule,
    CompiledStation,
    band_condition,
    quantize,
)
from warning.rulebook.content import render_content
from warning.rulebook.nodata import Watch, build_watches
from warning.rulebook.series import SeriesState, apply_timing, quality_problems, window_signal


class _SynchronousHost(Host):  # type: ignore[misc]
    """A durable-rules host without its background dispatch threads.

    The stock Host polls every ruleset on wall-clock threading timers; we run every action inside
    post() and never use durable-rules timers, so evaluation is synchronous and replayable.
    """

    def _run(self) -> None:
        return None


@dataclass(frozen=True, slots=True)
class _BandAction:
    """Called by durable-rules when a signal matches a band; only records the match.

    durable-rules swallows exceptions raised in actions, so the action does nothing that can fail
    and the caller checks that exactly one band matched.
    """

    matches: list[Band]
    band: Band

    def run(self, _closure: Any) -> None:
        self.matches.append(self.band)


@dataclass(frozen=True, slots=True)
class GateChanged:
    """A station's readings started or stopped failing a rule's data-quality gate."""

    rule_id: str
    station_id: str
    failing: bool
    problems: tuple[str, ...]
    blocks: bool
    reading: Reading


@dataclass(frozen=True, slots=True)
class Evaluation:
    detections: tuple[Detection, ...]
    gate_changes: tuple[GateChanged, ...]


NOTHING = Evaluation((), ())  # shared result for the common case; never mutated


def next_level(current: Level | None, band: Band) -> Level | None:
    """The level after a reading in `band`: at least the band's floor; the current level is kept
    only while the band still allows it (hysteresis)."""
    held = current if level_rank(current) <= band.cap_rank else band.cap
    return band.floor if band.floor_rank > level_rank(held) else held


def incident_key(rule_id: str, station_id: str) -> str:
    return f"{rule_id}:{station_id}"


def signal_unit(rule: CompiledRule) -> str:
    """The unit thresholds are written in: the reading's, per hour for a rate, none for a count."""
    unit = rule.spec.unit or ""
    signal = rule.spec.signal
    if signal is not None and signal.of == "rate":
        unit = f"{unit}/h"
    elif signal is not None and signal.of == "count":
        unit = "readings"
    return f" {unit}" if unit else ""


def describe_signal(rule: CompiledRule, value: float) -> str:
    """'read 3.62 m' or 'rate over 1h was 0.42 m/h', for reasons a dispatcher reads."""
    signal = rule.spec.signal
    if signal is None:
        return f"read {value:g}{signal_unit(rule)}"
    return f"{signal.of} over {format_duration(signal.over)} was {value:.3g}{signal_unit(rule)}"


def _describe(
    rule: CompiledRule, station: CompiledStation, value: float, previous: Level | None, level: Level | None
) -> str:
    where = f"{station.spec.name} ({station.spec.id}) {describe_signal(rule, value)}"
    unit = signal_unit(rule)
    by_level = {threshold.level: threshold for threshold in station.thresholds}
    if level is not None and level_rank(level) > level_rank(previous):
        return f"{where}, {by_level[level].fire_text(unit)}"
    if previous is not None:
        return f"{where}, {by_level[previous].clear_text(unit)}"
    return where


# durable-rules' create_ruleset never returns (a busy loop in its C code) for a ruleset of more than
# 512 rules; a rule selecting many stations is split into rulesets of at most this many bands.
RULES_PER_RULESET = 500


class RuleEvaluator:
    """Owns one isolated durable-rules host holding each rule's bands in rulesets of at most
    RULES_PER_RULESET, and the series state."""

    def __init__(
        self,
        rules: Iterable[CompiledRule],
        *,
        compounds: Iterable[CompiledCompound] = (),
        carry_over: RuleEvaluator | None = None,
    ) -> None:
        self.rules = {rule.id: rule for rule in rules}
        self.compounds = {compound.id: compound for compound in compounds}
        self._by_sensor: dict[str, list[CompiledRule]] = {}
        self._matches: list[Band] = []
        self._lock = threading.Lock()
        self._states: dict[tuple[str, str], SeriesState] = {}
        # Per sensor, the (rule, kind, series state) it feeds: built on first use, then reused.
        self._series_of: dict[str, list[tuple[CompiledRule, str, SeriesState]]] = {}
        definitions: dict[str, dict[str, Any]] = {}
        # (rule id, station id) -> the ruleset holding that station's bands
        self._ruleset_of: dict[tuple[str, str], str] = {}
        for rule in self.rules.values():
            chunk = 0
            ruleset: dict[str, Any] = {}
            for station_id, station in rule.stations.items():
                self._by_sensor.setdefault(station_id, []).append(rule)
                if len(ruleset) + len(station.bands) > RULES_PER_RULESET:
                    chunk += 1
                    ruleset = {}
                name = f"{rule.id}~{chunk}"
                definitions[name] = ruleset
                self._ruleset_of[(rule.id, station_id)] = name
                for band in station.bands:
                    ruleset[f"{station_id}#{band.index}"] = {
                        "all": [band_condition(rule, station_id, band)],
                        "run": _BandAction(self._matches, band).run,
                    }
        self._host = _SynchronousHost()
        if definitions:
            self._host.set_rulesets(definitions)
        # Stations never heard from count as silent from this moment (set by the engine at start).
        self._watching_since: datetime | None = None
        self._watches: list[Watch] | None = None  # built on first use, after states are carried over
        self._watches_of: dict[str, list[Watch]] = {}
        if carry_over is not None:
            self._adopt_states(carry_over)
            self._watching_since = carry_over._watching_since

    def _adopt_states(self, old: RuleEvaluator) -> None:
        """Hot reload: keep windows, gates and timers of every (rule, station) that still exists."""
        for (rule_id, station_id), state in old._states.items():
            rule = self.rules.get(rule_id)
            if rule is None or station_id not in rule.stations:
                continue
            if old.rules[rule_id].version != rule.version:
                state.band, state.bands_seen = None, []  # the bands may have moved: ask durable-rules afresh
            self._states[(rule_id, station_id)] = state

    def knows_sensor(self, sensor_id: str) -> bool:
        return sensor_id in self._by_sensor

    def window_reach(self) -> float:
        """Seconds of history priming needs after a restart: the longest window or no-data period."""
        spans = [rule.spec.signal.over.total_seconds() for rule in self.rules.values() if rule.spec.signal]
        spans += [rule.spec.no_data.after.total_seconds() for rule in self.rules.values() if rule.spec.no_data]
        return max(spans, default=0.0)

    def watch_from(self, moment: datetime) -> None:
        if self._watching_since is None:
            self._watching_since = moment

    def _watch_list(self) -> list[Watch]:
        if self._watches is None:
            self._watches = []
            self._watches_of = {}
            for rule in self.rules.values():
                states = {sid: self._state(rule, sid) for sid in rule.stations} if rule.spec.no_data else {}
                for watch in build_watches(rule, states):
                    self._watches.append(watch)
                    for state in watch.states:
                        self._watches_of.setdefault(state.key, []).append(watch)
        return self._watches

    def next_silence_due(self) -> datetime | None:
        """When the next station (or area) not yet reported silent will count as silent."""
        if self._watching_since is None:
            return None
        with self._lock:
            due = [watch.due(self._watching_since) for watch in self._watch_list() if not watch.silent]
        return min(due, default=None)

    def silent(self, now: datetime, current_level: Callable[[str], Level | None]) -> list[Detection]:
        """No-data detections for stations or areas silent past their rule's `no_data.after`."""
        detections: list[Detection] = []
        if self._watching_since is None:
            return detections
        with self._lock:
            for watch in self._watch_list():
                if watch.silent or watch.due(self._watching_since) > now:
                    continue
                watch.silent = True
                no_data = watch.rule.spec.no_data
                assert no_data is not None
                if current_level(watch.key) is not None:
                    continue  # already open (e.g. reported before a restart)
                heard = watch.heard(self._watching_since)
                since = "the engine started" if heard == self._watching_since else heard.isoformat()
                reason = f"no reading from {watch.label} since {since}, longer than {format_duration(no_data.after)}"
                detections.append(self._silence(watch, no_data.level, None, reason))
        return detections

    def _silence(
        self, watch: Watch, level: Level | None, previous: Level | None, reason: str, reading: Reading | None = None
    ) -> Detection:
        rule = watch.rule
        content = render_content(rule, watch.sample, value=None, unit="", level=level, previous=previous,
                                 certainty="Observed", reason=reason)  # fmt: skip
        content["text"] = {}  # the rule's templates describe readings, not silence: the reason says it
        return Detection(
            rule_id=rule.id, rule_version=rule.version, hazard=rule.hazard, key=watch.key, station_id=watch.station_id,
            station_name=watch.station_name, area=watch.area, level=level, previous_level=previous,
            reading=reading, thresholds=(), reason=reason, signal_value=None, no_data=True, content=content,
        )  # fmt: skip

    def _match_band(self, rule: CompiledRule, reading: Reading, upward_q: int) -> Band:
        """The band durable-rules matches for a signal on the upward scale, in micro-units."""
        if abs(upward_q) > LARGEST_COMPARABLE:
            raise EvaluationError(
                f"rule {rule.id}: reading {reading.reading_id} value {reading.value:g} is too large to compare"
            )
        self._matches.clear()
        event = {"kind": reading.kind, "station": reading.sensor_id, "value": upward_q}
        ruleset = self._ruleset_of.get((rule.id, reading.sensor_id))
        try:
            if ruleset is None:
                raise MessageNotHandledException(event)
            self._host.post(ruleset, event)
        except MessageNotHandledException as exc:
            raise EvaluationError(
                f"rule {rule.id}: reading {reading.reading_id} matched no band of station {reading.sensor_id}"
            ) from exc
        if len(self._matches) != 1:
            raise EvaluationError(
                f"rule {rule.id}: reading {reading.reading_id} matched {len(self._matches)} bands, expected 1"
            )
        return self._matches[0]

    def _state(self, rule: CompiledRule, station_id: str) -> SeriesState:
        state = self._states.get((rule.id, station_id))
        if state is None:
            state = self._states[(rule.id, station_id)] = SeriesState(incident_key(rule.id, station_id))
        return state

    def prime(self, history: Iterable[Reading]) -> None:
        """Feed stored readings (oldest first) into windows and gates without judging them."""
        with self._lock:
            for reading in history:
                for rule in self._by_sensor.get(reading.sensor_id, []):
                    if rule.spec.kind != reading.kind:
                        continue
                    state = self._state(rule, reading.sensor_id)
                    if state.last_at is not None and reading.observed_at <= state.last_at:
                        continue
                    state.last_at = reading.observed_at
                    problems = quality_problems(rule.spec.quality, state, reading)
                    state.gated = bool(problems)
                    if not problems or rule.spec.quality is None or rule.spec.quality.on_fail != "block":
                        window_signal(rule.spec.signal, state, reading)

    def evaluate(self, reading: Reading, current_level: Callable[[str], Level | None]) -> Evaluation:
        """Detections for every rule whose key changes level on this reading, and gate changes."""
        detections: list[Detection] = []
        gate_changes: list[GateChanged] = []
        with self._lock:
            series = self._series_of.get(reading.sensor_id)
            if series is None:
                series = self._series_of[reading.sensor_id] = [
                    (rule, rule.spec.kind, self._state(rule, reading.sensor_id))
                    for rule in self._by_sensor.get(reading.sensor_id, ())
                ]
            for rule, kind, state in series:
                if kind != reading.kind:
                    continue
                if state.last_at is not None and reading.observed_at <= state.last_at:
                    continue  # out of order: a later reading was judged already
                state.last_at = reading.observed_at
                if rule.spec.no_data is not None:
                    self._watch_list()
                    for watch in self._watches_of.get(state.key, ()):
                        watch.silent = False
                        silent_level = current_level(watch.key)
                        if silent_level is not None:
                            station = rule.stations[reading.sensor_id]
                            reason = f"{station.spec.name} ({station.spec.id}) reports again"
                            detections.append(self._silence(watch, None, silent_level, reason, reading))
                detection = self._judge(rule, state, reading, current_level, gate_changes)
                if detection is not None:
                    detections.append(detection)
        if not detections and not gate_changes:
            return NOTHING
        return Evaluation(tuple(detections), tuple(gate_changes))

    def _judge(
        self,
        rule: CompiledRule,
        state: SeriesState,
        reading: Reading,
        current_level: Callable[[str], Level | None],
        gate_changes: list[GateChanged],
    ) -> Detection | None:
        quality = rule.spec.quality
        problems = quality_problems(quality, state, reading)
        blocks = bool(problems) and quality is not None and quality.on_fail == "block"
        if bool(problems) != state.gated:
            state.gated = bool(problems)
            gate_changes.append(GateChanged(rule.id, reading.sensor_id, state.gated, tuple(problems), blocks, reading))
        if blocks:
            return None  # a gated reading never counts as "safe": the warning stays where it is
        signal = window_signal(rule.spec.signal, state, reading)
        if signal is None:
            return None
        station = rule.stations[reading.sensor_id]
        upward_q = quantize(signal * station.sign)
        band = state.band
        if band is None or not band.holds(upward_q):
            # A band durable-rules gave before for this (rule, station) is a fixed interval of this
            # rule version: reusing it is exact. Only a value in a band not seen yet is posted.
            band = next((seen for seen in state.bands_seen if seen.holds(upward_q)), None)
            if band is None:
                band = self._match_band(rule, reading, upward_q)
                state.bands_seen.append(band)
            state.band = band
        previous = current_level(state.key)
        if (
            band.floor_rank <= level_rank(previous) <= band.cap_rank
            and state.pending_since is None
            and state.clearing_since is None
        ):
            return None  # the common case: the level stands and no timer is running
        target = next_level(previous, band)
        level = apply_timing(previous, target, state, reading.observed_at, rule.spec.pending, rule.spec.keep_firing_for)
        if level == previous:
            return None
        reason = _describe(rule, station, signal, previous, level)
        certainty = "Possible" if problems else "Observed"
        return Detection(
            rule_id=rule.id,
            rule_version=rule.version,
            hazard=rule.hazard,
            key=state.key,
            station_id=station.spec.id,
            station_name=station.spec.name,
            area=station.spec.area,
            level=level,
            previous_level=previous,
            reading=reading,
            thresholds=station.thresholds,
            reason=reason,
            signal_value=signal,
            certainty=certainty,
            quality=tuple(problems),
            content=render_content(
                rule,
                station,
                value=signal,
                unit=signal_unit(rule),
                level=level,
                previous=previous,
                certainty=certainty,
                reason=reason,
            ),
        )
