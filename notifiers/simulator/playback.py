"""A simulator's own clock: what a provider does later (a receipt, a reply, a keypress) waits in a
queue until its time. In a drill the runner moves the clock (`advance`); live, a ticker follows the
wall clock (or the engine's, when that runs faster)."""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from warning.clock import Clock, SystemClock


@dataclass(order=True)
class _Scheduled:
    at: datetime
    seq: int
    action: Callable[[], Awaitable[None]] = field(compare=False)


class Playback:
    """Runs on the simulator's event loop; `advance`, `next_at` and `schedule` are called there."""

    def __init__(self, *, start: datetime | None = None, live: bool = False, clock: Clock | None = None) -> None:
        self.live = live
        self._clock: Clock = clock or SystemClock()
        self._now = (start or self._clock.now()).astimezone(UTC)
        self._queue: list[_Scheduled] = []
        self._seq = itertools.count()
        self._lock: asyncio.Lock | None = None
        self._ticker: asyncio.Task[None] | None = None

    async def open(self) -> None:
        self._lock = asyncio.Lock()
        if self.live:
            self._ticker = asyncio.get_running_loop().create_task(self._tick())

    async def close(self) -> None:
        if self._ticker is not None:
            self._ticker.cancel()

    @property
    def current(self) -> datetime:
        """Where the clock stands: the last action played, or the last moment advanced to."""
        return self._now

    def now(self) -> datetime:
        """When a request arrives: live, the clock itself (the ticker may be a tick behind)."""
        return max(self._now, self._clock.now()) if self.live else self._now

    def schedule(self, after: timedelta, action: Callable[[], Awaitable[None]]) -> None:
        heapq.heappush(self._queue, _Scheduled(self._now + after, next(self._seq), action))

    async def next_at(self) -> datetime | None:
        return self._queue[0].at if self._queue else None

    async def advance(self, to: datetime) -> int:
        """Play every action due by `to`; how many ran."""
        assert self._lock is not None, "open() first"
        ran = 0
        async with self._lock:
            while self._queue and self._queue[0].at <= to:
                item = heapq.heappop(self._queue)
                self._now = max(self._now, item.at)
                await item.action()
                ran += 1
            self._now = max(self._now, to.astimezone(UTC))
        return ran

    async def _tick(self) -> None:
        while True:
            await self.advance(self._clock.now())
            await asyncio.sleep(0.05)
