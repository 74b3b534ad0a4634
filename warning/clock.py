"""The engine's only source of time. Domain code asks a Clock; it never reads the wall clock."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """Current time, timezone-aware UTC."""
        ...


class SystemClock:
    """Live time, for the running engine."""

    def now(self) -> datetime:
        return datetime.now(UTC)


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
