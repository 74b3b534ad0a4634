"""The engine's only source of time. Domain code asks a Clock; it never reads the wall clock."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
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


class ExerciseClock:
    """A live drill's clock, which the exercise controller pauses, resumes, speeds up and slows down.
    It starts at the scenario's start and runs `speed` times faster than the wall; paused, it stands
    still (nothing falls due, no phone rings) and its wall times lie a day ahead, so that no timer
    fires: whoever holds timers re-arms them after each change (`on_change`)."""

    def __init__(self, epoch: datetime, speed: float, *, paused: bool = False) -> None:
        _check_speed(speed)
        if epoch.tzinfo is None:
            raise ValueError("an exercise clock needs a start time with a zone")
        self._lock = threading.Lock()
        self._epoch, self._anchor = epoch.astimezone(UTC), datetime.now(UTC)  # exercise time at wall time
        self._speed, self._paused = speed, paused
        self.on_change: list[Callable[[], None]] = []

    def now(self) -> datetime:
        with self._lock:
            return self._now(datetime.now(UTC))

    def _now(self, wall: datetime) -> datetime:
        return self._epoch if self._paused else self._epoch + (wall - self._anchor) * self._speed

    def wall_time(self, moment: datetime) -> datetime:
        with self._lock:
            wall = datetime.now(UTC)
            if self._paused:
                return wall + timedelta(days=1)
            return self._anchor + (moment - self._epoch) / self._speed

    @property
    def speed(self) -> float:
        return self._speed

    @property
    def paused(self) -> bool:
        return self._paused

    def pause(self) -> None:
        self._change(paused=True)

    def resume(self) -> None:
        self._change(paused=False)

    def set_speed(self, speed: float) -> None:
        _check_speed(speed)
        self._change(speed=speed)

    def _change(self, *, paused: bool | None = None, speed: float | None = None) -> None:
        with self._lock:
            wall = datetime.now(UTC)
            self._epoch, self._anchor = self._now(wall), wall  # time so far is kept; the change counts from now
            self._paused = self._paused if paused is None else paused
            self._speed = self._speed if speed is None else speed
        for listener in self.on_change:
            listener()


def _check_speed(speed: float) -> None:
    if not 0 < speed <= MAX_SPEED:  # NaN fails too
        raise ValueError(f"speed must be above 0 and at most {MAX_SPEED:g}")


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
