"""Evaluate readings against compiled rules: quality gate, signal, durable-rules band match,
hysteresis, then the pending and keep-firing timers.

durable-rules decides which band a signal value falls in. Each distinct set of bands (the
intervals a station's thresholds cut the signal into) is one ruleset; every (rule, station) with
those thresholds shares it. A band durable-rules matched is a fixed interval of an immutable rule
version, so it is remembered and reused exactly: per (rule, station) while the signal stays
inside it, and per ruleset for every station sharing it. durable-rules is asked only for a value in
a band nobody has reached yet. The warning level then follows from the band and the level the
incident key is at now (held by the caller, from open incidents in the database).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Iterable, KeysView, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from durable.engine import Host, MessageNotHandledException

from warning.domain import LEVEL_RANKS, Detection, Level, Reading, level_rank
from warning.errors import EvaluationError
from warning.rulebook import reasons as reasons_for
from warning.rulebook.compiler import (
    LARGEST_COMPARABLE,
    MICRO,
    Band,
    CompiledCompound,
    CompiledRule,
    CompiledStation,
    band_condition,
)
from warning.rulebook.content import render_content
from warning.rulebook.nodata import Watch, build_watches
from warning.rulebook.series import SeriesState, apply_timing, quality_problems, window_signal
from warning.rulebook.spec import QualitySpec, SignalSpec


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
class _BandTable:
    """The durable-rules ruleset of one distinct set of bands, and the bands it has matched so far."""

    ruleset: str
    matched: list[Band]

    def known_band(self, value_q: int) -> Band | None:
        return next((band for band in self.matched if band.holds(value_q)), None)


@dataclass(frozen=True, slots=True)
class _Feed:
    """One (rule, station) series a sensor feeds, with what judging its readings needs."""

    rule: CompiledRule
    kind: str
    state: SeriesState
    station: CompiledStation
    table: _BandTable
    scale: float  # signal * scale: micro-units on the upward scale
    signal: SignalSpec | None
    quality: QualitySpec | None
    low: float  # the gate's physical range and largest jump, infinite where the rule sets none
    high: float
    spike: float
    stuck_for: timedelta | None
    watched: bool  # the rule reports silence (no_data)


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


class RuleEvaluator:
    """Owns one isolated durable-rules host holding one ruleset per distinct set of bands, and the
    series state."""

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
        # Per sensor, the (rule, station) series it feeds (built below, once states are carried over).
        self._feeds_of: dict[str, list[_Feed]] = {}
        definitions: dict[str, dict[str, Any]] = {}
        tables: dict[tuple[Band, ...], _BandTable] = {}
        matches = self._matches
        self._table_of: dict[tuple[str, str], _BandTable] = {}
        for rule in self.rules.values():
            for station_id, station in rule.stations.items():
                self._by_sensor.setdefault(station_id, []).append(rule)
                table = tables.get(station.bands)
                if table is None:
                    table = tables[station.bands] = _BandTable(f"bands-{len(tables)}", [])
                    definitions[table.ruleset] = {
                        f"band-{band.index}": {"all": [band_condition(band)], "run": _BandAction(matches, band).run}
                        for band in station.bands
                    }
                self._table_of[(rule.id, station_id)] = table
        self._host = _SynchronousHost()
        if definitions:
            self._host.set_rulesets(definitions)
        # Stations never heard from count as silent from this moment (set by the engine at start).
        self._watching_since: datetime | None = None
        self._watches: list[Watch] | None = None  # built on first use, after states are carried over
        self._watches_of: dict[str, list[Watch]] = {}
        # The areas this process judges (several stream workers share a province by area); None: all.
        self._owned: frozenset[str] | None = None
        self._area_of = {sid: st.spec.area for rule in self.rules.values() for sid, st in rule.stations.items()}
        self._areas = frozenset(self._area_of.values())
        if carry_over is not None:
            self._adopt_states(carry_over)
            self._watching_since = carry_over._watching_since
            self._owned = carry_over._owned
        # Built with the rules rather than on a sensor's first reading, which would make the
        # first readings after a start or reload the slowest.
        for sensor_id in self._by_sensor:
            self._feeds_of[sensor_id] = self._feeds_for(sensor_id)

    def _adopt_states(self, old: RuleEvaluator) -> None:
        """Hot reload: keep windows, gates and timers of every (rule, station) that still exists."""
        for (rule_id, station_id), state in old._states.items():
            rule = self.rules.get(rule_id)
            if rule is None or station_id not in rule.stations:
                continue
            if old.rules[rule_id].version != rule.version:
                state.band = None  # the bands may have moved: ask durable-rules afresh
            self._states[(rule_id, station_id)] = state

    # areas (several workers) -----------------------------------------------------------------

    def area_of(self, sensor_id: str) -> str | None:
        """The area of a station some rule watches (what stream workers partition by)."""
        return self._area_of.get(sensor_id)

    @property
    def areas(self) -> frozenset[str]:
        return self._areas

    def owns_every_area(self) -> bool:
        owned = self._owned
        return owned is None or owned >= self.areas

    def owns(self, sensor_id: str) -> bool:
        """Whether this process judges the sensor: its area is ours (a sensor no rule watches is
        refused wherever it arrives)."""
        area = self._area_of.get(sensor_id)
        return self._owned is None or area is None or area in self._owned

    def assign(self, areas: frozenset[str] | None) -> set[str]:
        """Judge the stations of `areas` from now on (None: every area). The series of an area that
        changes hands start afresh here, and the sensors of the areas gained are returned: prime them
        from the stored readings before judging, as after a restart. An area let go is no longer
        watched for silence (its new owner watches it)."""
        with self._lock:
            before = self.areas if self._owned is None else self._owned
            after = self.areas if areas is None else areas
            gained, moved = after - before, after ^ before
            self._owned = areas
            sensors = {sid for sid, area in self._area_of.items() if area in moved}
            for rule in self.rules.values():
                for sid in rule.stations.keys() & sensors:
                    self._states[(rule.id, sid)] = SeriesState(incident_key(rule.id, sid))
            for sid in sensors:
                self._feeds_of[sid] = self._feeds_for(sid)
            self._watches = None  # rebuilt with the fresh states
            return {sid for sid, area in self._area_of.items() if area in gained}

    @property
    def sensors(self) -> KeysView[str]:
        """The sensors some rule watches."""
        return self._by_sensor.keys()

    def window_reach(self) -> float:
        """Seconds of history priming needs after a restart: the longest window or no-data period."""
        spans = [rule.spec.signal.over.total_seconds() for rule in self.rules.values() if rule.spec.signal]
        spans += [rule.spec.no_data.after.total_seconds() for rule in self.rules.values() if rule.spec.no_data]
        return max(spans, default=0.0)

    def event_stations(self) -> tuple[set[str], timedelta]:
        """The stations of rules of events, and how far back their last event still matters after a
        restart: their warnings lapse from it, however old it is."""
        rules = [rule for rule in self.rules.values() if rule.spec.lapse_after is not None]
        longest = max((rule.spec.lapse_after for rule in rules if rule.spec.lapse_after), default=timedelta(0))
        return {station for rule in rules for station in rule.stations}, longest

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
            due = [
                watch.due(self._watching_since)
                for watch in self._watch_list()
                if not watch.silent and (self._owned is None or watch.area in self._owned)
            ]
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
                if self._owned is not None and watch.area not in self._owned:
                    continue  # another worker's area: it watches it
                watch.silent = True
                no_data = watch.rule.spec.no_data
                assert no_data is not None
                if current_level(watch.key) is not None:
                    continue  # already open (e.g. reported before a restart)
                heard = watch.heard(self._watching_since)
                reasons = reasons_for.silent(watch.label, None if heard == self._watching_since else heard,
                                             no_data.after)  # fmt: skip
                detections.append(self._silence(watch, no_data.level, None, reasons))
        return detections

    def lapsed(self, now: datetime, current_level: Callable[[str], Level | None]) -> list[Detection]:
        """Lifts for rules of events (`lapse_after`) whose station has sent none for that long, or whose
        last event has expired."""
        detections: list[Detection] = []
        with self._lock:
            for rule in self.rules.values():
                lapse = rule.spec.lapse_after
                if lapse is None:
                    continue
                for station_id, station in rule.stations.items():
                    state = self._states.get((rule.id, station_id))
                    due = None if state is None else state.lapses_at(lapse)
                    if state is None or due is None or due > now:
                        continue
                    if state.lapse_seen == state.last_at:
                        continue  # looked at already: nothing heard since
                    if self._owned is not None and station.spec.area not in self._owned:
                        continue
                    state.lapse_seen = state.last_at
                    previous = current_level(state.key)
                    if previous is not None:
                        detections.append(self._lapse(rule, station, state, previous))
        return detections

    def _lapse(self, rule: CompiledRule, station: CompiledStation, state: SeriesState, previous: Level) -> Detection:
        assert rule.spec.lapse_after is not None and state.last_at is not None
        state.band = None  # the next event is judged afresh, from nothing
        state.pending_since = state.clearing_since = None
        if state.valid_until is not None and state.expires_first(rule.spec.lapse_after):
            reasons = reasons_for.expired(rule, station, state.last_at, state.valid_until)
        else:
            reasons = reasons_for.lapsed(rule, station, state.last_at, rule.spec.lapse_after)
        reason = reasons["en"]
        content = render_content(rule, station, value=None, unit="", level=None, previous=previous,
                                 certainty="Observed", reasons=reasons)  # fmt: skip
        return Detection(
            rule_id=rule.id, rule_version=rule.version, hazard=rule.hazard, key=state.key, station_id=station.spec.id,
            station_name=station.spec.name, area=station.spec.area, level=None, previous_level=previous, reading=None,
            thresholds=(), reason=reason, signal_value=None, content=content,
        )  # fmt: skip

    def next_lapse_due(self) -> datetime | None:
        """When the next station of a rule of events lapses, if nothing is heard from it meanwhile."""
        due = [
            lapses_at
            for rule in self.rules.values()
            if rule.spec.lapse_after is not None
            for station_id in rule.stations
            if (state := self._states.get((rule.id, station_id))) is not None
            and state.lapse_seen != state.last_at
            and (lapses_at := state.lapses_at(rule.spec.lapse_after)) is not None
        ]
        return min(due, default=None)

    def _silence(
        self,
        watch: Watch,
        level: Level | None,
        previous: Level | None,
        reasons: dict[str, str],
        reading: Reading | None = None,
    ) -> Detection:
        rule = watch.rule
        reason = reasons["en"]
        content = render_content(rule, watch.sample, value=None, unit="", level=level, previous=previous,
                                 certainty="Observed", reasons=reasons)  # fmt: skip
        content["text"] = {}  # the rule's templates describe readings, not silence: the reason says it
        return Detection(
            rule_id=rule.id, rule_version=rule.version, hazard=rule.hazard, key=watch.key, station_id=watch.station_id,
            station_name=watch.station_name, area=watch.area, level=level, previous_level=previous,
            reading=reading, thresholds=(), reason=reason, signal_value=None, no_data=True, content=content,
        )  # fmt: skip

    def _match_band(self, feed: _Feed, reading: Reading, scaled: float) -> Band:
        """The band for a signal on the upward scale, in micro-units: one durable-rules matched
        before for this station's bands, or else the one it matches now."""
        rule = feed.rule
        if not -LARGEST_COMPARABLE <= scaled <= LARGEST_COMPARABLE:  # NaN and infinities fail too
            raise EvaluationError(
                f"rule {rule.id}: reading {reading.reading_id} value {reading.value:g} gives a signal too large "
                "to compare with the thresholds"
            )
        upward_q = math.floor(scaled)
        band = feed.table.known_band(upward_q)
        if band is not None:
            return band
        self._matches.clear()
        try:
            self._host.post(feed.table.ruleset, {"value": upward_q})
        except MessageNotHandledException as exc:
            raise EvaluationError(
                f"rule {rule.id}: reading {reading.reading_id} matched no band of station {reading.sensor_id}"
            ) from exc
        if len(self._matches) != 1:
            raise EvaluationError(
                f"rule {rule.id}: reading {reading.reading_id} matched {len(self._matches)} bands, expected 1"
            )
        feed.table.matched.append(self._matches[0])
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
                    state.last_at, state.valid_until = reading.observed_at, reading.valid_until
                    problems = quality_problems(rule.spec.quality, state, reading)
                    state.gated = bool(problems)
                    if not problems or rule.spec.quality is None or rule.spec.quality.on_fail != "block":
                        window_signal(rule.spec.signal, state, reading)

    def _feeds_for(self, sensor_id: str) -> list[_Feed]:
        feeds = []
        for rule in self._by_sensor.get(sensor_id, ()):
            station = rule.stations[sensor_id]
            quality = rule.spec.quality
            low, high = quality.range if quality is not None and quality.range is not None else (-math.inf, math.inf)
            feeds.append(
                _Feed(
                    rule=rule,
                    kind=rule.spec.kind,
                    state=self._state(rule, sensor_id),
                    station=station,
                    table=self._table_of[(rule.id, sensor_id)],
                    scale=station.sign * MICRO,
                    signal=rule.spec.signal,
                    quality=quality,
                    low=low,
                    high=high,
                    spike=quality.spike if quality is not None and quality.spike is not None else math.inf,
                    stuck_for=quality.stuck_for if quality is not None else None,
                    watched=rule.spec.no_data is not None,
                )
            )
        return feeds

    def evaluate(self, reading: Reading, current_level: Callable[[str], Level | None]) -> Evaluation:
        """Detections for every rule whose key changes level on this reading, and gate changes.

        The hot path of every feed: what each (rule, station) needs is looked up once (`_Feed`), and
        a reading that passes the gate, stays in its band and leaves the level standing costs no
        call beyond `current_level`.
        """
        detections: list[Detection] = []
        gate_changes: list[GateChanged] = []
        at, value, kind = reading.observed_at, reading.value, reading.kind
        with self._lock:
            for feed in self._feeds_of.get(reading.sensor_id, ()):
                if feed.kind != kind:
                    continue
                state = feed.state
                if state.last_at is not None and at <= state.last_at:
                    continue  # out of order: a later reading was judged already
                state.last_at, state.valid_until = at, reading.valid_until
                if feed.watched:
                    detections += self._reports_again(feed, reading, current_level)
                good = state.last_good_value
                if feed.quality is None:
                    problems: Sequence[str] = ()
                elif (
                    feed.low <= value <= feed.high
                    and value != good
                    and (good is None or abs(value - good) <= feed.spike)
                    and not state.gated
                ):
                    # Passes the gate, which stays open: exactly what quality_problems() would do.
                    state.last_good_value = value
                    state.unchanged_since = at
                    problems = ()
                elif (
                    value == good
                    and not state.gated
                    and feed.low <= value <= feed.high
                    and (feed.stuck_for is None or state.unchanged_since is None
                         or at - state.unchanged_since < feed.stuck_for)
                ):  # fmt: skip
                    problems = ()  # the last good value again, not yet stuck: nothing changes
                else:
                    problems = quality_problems(feed.quality, state, reading)
                    blocks = bool(problems) and feed.quality.on_fail == "block"
                    if bool(problems) != state.gated:
                        state.gated = bool(problems)
                        gate_changes.append(
                            GateChanged(feed.rule.id, reading.sensor_id, state.gated, tuple(problems), blocks, reading)
                        )
                    if blocks:
                        continue  # a gated reading never counts as "safe": the warning stays where it is
                signal = value if feed.signal is None else window_signal(feed.signal, state, reading)
                if signal is None:
                    continue
                scaled = signal * feed.scale  # micro-units on the upward scale, as durable-rules compares
                band = state.band
                if band is None or not band.lo <= scaled < band.hi:  # Band.holds, without the call
                    band = state.band = self._match_band(feed, reading, scaled)
                previous = current_level(state.key)
                if (
                    band.floor_rank <= LEVEL_RANKS[previous] <= band.cap_rank
                    and state.pending_since is None
                    and state.clearing_since is None
                ):
                    continue  # the common case: the level stands and no timer is running
                detection = self._judge(feed, reading, signal, band, previous, problems)
                if detection is not None:
                    detections.append(detection)
        if not detections and not gate_changes:
            return NOTHING
        return Evaluation(tuple(detections), tuple(gate_changes))

    def _reports_again(
        self, feed: _Feed, reading: Reading, current_level: Callable[[str], Level | None]
    ) -> list[Detection]:
        """A reading from a station (or area) reported silent ends its no-data warning."""
        detections = []
        self._watch_list()
        for watch in self._watches_of.get(feed.state.key, ()):
            watch.silent = False
            silent_level = current_level(watch.key)
            if silent_level is not None:
                reasons = reasons_for.reports_again(feed.station)
                detections.append(self._silence(watch, None, silent_level, reasons, reading))
        return detections

    def _judge(
        self, feed: _Feed, reading: Reading, signal: float, band: Band, previous: Level | None, problems: Sequence[str]
    ) -> Detection | None:
        """The detection when the band, the level now and the timers move the key to a new level."""
        rule, station, state = feed.rule, feed.station, feed.state
        target = next_level(previous, band)
        level = apply_timing(previous, target, state, reading.observed_at, rule.spec.pending, rule.spec.keep_firing_for)
        if level == previous:
            return None
        reasons = reasons_for.judged(rule, station, signal, previous, level)
        reason = reasons["en"]
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
                unit=reasons_for.signal_unit(rule),
                level=level,
                previous=previous,
                certainty=certainty,
                reasons=reasons,
            ),
        )
