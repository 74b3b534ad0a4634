"""The engine's only source of time. Domain code asks a Clock; it never reads the wall clock."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Protocol, runtime_checkable


class Clock(Protocol):
    def now(self) -> datetime:
        """Current time, timezone-aware UTC."""
        ...


@runtime_checkable
class LiveClock(Protocol):
    """A clock that moves by itself, so a timer can be armed on the wall clock."""

    def now(self) -> datetime: ...

    def wall_time(self, moment: datetime) -> datetime:
        """The wall-clock instant at which this clock will read `moment`."""
        ...


class SystemClock:
    """Live time, for the running engine."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def wall_time(self, moment: datetime) -> datetime:
        return moment


MAX_SPEED = 10_000.0  # faster, and a day passes in seconds: no rehearsal needs it


class ScaledClock:
    """Live time run `speed` times faster from `epoch`, counted from the wall instant `anchor`: for
    rehearsals and crash tests that must see hours of escalation in minutes. Every process given
    the same three values reads the same time, so engines restarted or run side by side agree."""

    def __init__(self, epoch: datetime, anchor: datetime, speed: float) -> None:
        if epoch.tzinfo is None or anchor.tzinfo is None or not 0 < speed <= MAX_SPEED:  # NaN fails too
            raise ValueError(f"a scaled clock needs times with zones and a speed above 0 and at most {MAX_SPEED:g}")
        self.epoch, self.anchor, self.speed = epoch.astimezone(UTC), anchor.astimezone(UTC), speed

    def now(self) -> datetime:
        return self.epoch + (datetime.now(UTC) - self.anchor) * self.speed

    def wall_time(self, moment: datetime) -> datetime:
        return self.anchor + (moment - self.epoch) / self.speed

    def spec(self) -> str:
        return f"scaled:{self.epoch.isoformat()},{self.anchor.isoformat()},{self.speed:g}"


def live_clock(spec: str) -> LiveClock:
    """`system`, or `scaled:EPOCH,ANCHOR,SPEED` (ISO times with zones; see ScaledClock)."""
    if spec == "system":
        return SystemClock()
    kind, _, rest = spec.partition(":")
    parts = rest.split(",")
    if kind != "scaled" or len(parts) != 3:
        raise ValueError(f"clock {spec[:80]!r}: use 'system' or 'scaled:EPOCH,ANCHOR,SPEED'")
    try:
        epoch, anchor, speed = datetime.fromisoformat(parts[0]), datetime.fromisoformat(parts[1]), float(parts[2])
    except ValueError:
        raise ValueError(
            f"clock {spec[:80]!r}: EPOCH and ANCHOR are ISO times with zones and SPEED a number, "
            "e.g. scaled:2026-07-14T20:00:00+08:00,2026-11-30T10:00:00+00:00,60"
        ) from None
    return ScaledClock(epoch, anchor, speed)


class VirtualClock:
    """Drill and test time: moves only when told, never backwards."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("VirtualClock needs a timezone-aware start time")
        self._now = start.astimezone(UTC)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def advance_to(self, moment: datetime) -> None:
        with self._lock:
            moment = moment.astimezone(UTC)
            if moment < self._now:
                raise ValueError(f"virtual clock cannot go back from {self._now} to {moment}")
            self._now = moment
