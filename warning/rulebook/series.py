"""Per (rule, station) state over time: the data-quality gate, window signals, and the pending and
keep-firing timers. Time is the readings' own `observed_at`, so a replay judges exactly as live did.

Nothing here is the source of truth: the current warning level lives with the open incident in
the database, and windows can be re-primed from stored readings after a restart.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from warning.domain import Level, Reading, format_duration, level_rank
from warning.rulebook.compiler import Band
from warning.rulebook.spec import QualitySpec, SignalSpec


@dataclass(slots=True)
class SeriesState:
    key: str  # the incident key this series decides, rule:station
    # The window's readings, oldest first, as two parallel deques: sums run over `values` in C.
    times: deque[datetime] = field(default_factory=deque)
    values: deque[float] = field(default_factory=deque)
    last_at: datetime | None = None
    last_good_value: float | None = None
    unchanged_since: datetime | None = None
    gated: bool = False
    band: Band | None = None  # last band durable-rules matched: reused while the signal stays inside it
    pending_since: datetime | None = None  # since when the target level has been above the current one
    clearing_since: datetime | None = None  # since when the target level has been below the current one
    lapse_seen: datetime | None = None  # rules of events: the last reading whose lapse was looked at
    valid_until: datetime | None = None  # rules of events: until when the last event stands, if it said

    def lapses_at(self, lapse_after: timedelta) -> datetime | None:
        """When a rule of events lifts this station's warning if nothing is heard meanwhile:
        `lapse_after` after its last event, or sooner when that event said it ends sooner. Never
        later: a restarted engine finds the events it needs within `lapse_after`."""
        if self.last_at is None:
            return None
        lapses = self.last_at + lapse_after
        return self.valid_until if self.valid_until is not None and self.valid_until < lapses else lapses

    def expires_first(self, lapse_after: timedelta) -> bool:
        """Whether the last event's own end comes before `lapse_after` does."""
        return (
            self.valid_until is not None and self.last_at is not None and self.valid_until < self.last_at + lapse_after
        )


def quality_problems(spec: QualitySpec | None, state: SeriesState, reading: Reading) -> list[str]:
    """Why this reading fails the rule's data-quality gate (empty when it passes); updates the state."""
    if spec is None:
        return []
    problems: list[str] = []
    value = reading.value
    if spec.range is not None and not spec.range[0] <= value <= spec.range[1]:
        problems.append(f"value {value:g} outside the physical range [{spec.range[0]:g}, {spec.range[1]:g}]")
    if spec.spike is not None and state.last_good_value is not None and abs(value - state.last_good_value) > spec.spike:
        problems.append(f"jump of {value - state.last_good_value:+g} since the last reading exceeds {spec.spike:g}")
    implausible = bool(problems)
    if state.last_good_value is None or value != state.last_good_value:
        state.unchanged_since = reading.observed_at
    elif spec.stuck_for is not None and state.unchanged_since is not None:
        unchanged = reading.observed_at - state.unchanged_since
        if unchanged >= spec.stuck_for:
            problems.append(f"value stuck at {value:g} for {format_duration(unchanged)}")
    if not implausible:
        state.last_good_value = value  # an implausible value must not become the reference for the next one
    return problems


def window_signal(spec: SignalSpec | None, state: SeriesState, reading: Reading) -> float | None:
    """Add the reading to the window; the signal value, or None while there is too little history.

    Aggregates use the readings inside (now - over, now]. A rate compares with an anchor: the
    latest reading at or before the window start (as a hydrologist compares with the stage an hour
    ago), or the oldest reading inside the window until there is one; an anchor older than two
    windows is too stale to judge by.
    """
    if spec is None:
        return reading.value
    at = reading.observed_at
    cutoff = at - spec.over
    times, values = state.times, state.values
    times.append(at)
    values.append(reading.value)
    if spec.of == "rate":
        while len(times) > 1 and times[1] <= cutoff:  # keep one reading at or before the cutoff
            times.popleft()
            values.popleft()
        span = at - times[0]
        needed = spec.min_span if spec.min_span is not None else spec.over / 2
        if span < needed or span > 2 * spec.over or not span:
            return None
        return (reading.value - values[0]) / (span / _HOUR)
    while times[0] <= cutoff:  # aggregates see only (now - over, now]
        times.popleft()
        values.popleft()
    if spec.min_span is not None and at - times[0] < spec.min_span:
        return None
    match spec.of:
        case "sum":
            return math.fsum(values)  # exact: no drift across a threshold
        case "avg":
            return math.fsum(values) / len(values)
        case "max":
            return max(values)
        case "min":
            return min(values)
        case _:
            return float(len(values))


_HOUR = timedelta(hours=1)


def apply_timing(
    current: Level | None,
    target: Level | None,
    state: SeriesState,
    at: datetime,
    pending: timedelta | None,
    keep_firing_for: timedelta | None,
) -> Level | None:
    """The level to move to now: an upgrade waits until it has held for `pending`; a downgrade or
    clear waits until it has held for `keep_firing_for` (no flapping)."""
    if level_rank(target) > level_rank(current):
        state.clearing_since = None
        if pending is None:
            state.pending_since = None
            return target
        if state.pending_since is None:
            state.pending_since = at
        if at - state.pending_since < pending:
            return current
        state.pending_since = None  # fired: a further upgrade pends from its own start
        return target
    state.pending_since = None
    if level_rank(target) < level_rank(current):
        if keep_firing_for is None:
            state.clearing_since = None
            return target
        if state.clearing_since is None:
            state.clearing_since = at
        if at - state.clearing_since < keep_firing_for:
            return current
        state.clearing_since = None
        return target
    state.clearing_since = None
    return current
