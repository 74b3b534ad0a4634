"""Decisions pushed as they commit (Server-Sent Events), for consoles and outside systems: filtered to
the caller's area (and an area asked for), in order, resumable from the last event id without losing
one.

One hub per process follows the decision log: woken at once by this process's commits (it is one of
the store's watchers) and every quarter second for those of other engines on the database. It hands
every subscriber every decision in sequence order; a client's stream first replays from the database
what it missed (its Last-Event-ID) up to the hub's mark, then the hub's, skipping what it has sent.

On PostgreSQL a decision numbered lower can commit after a higher one (two engines writing at once):
the hub holds back at a gap in the numbers until it fills, or for two seconds (a rolled-back
transaction leaves a hole for good), so an event id always means "everything up to here".
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from warning.api.auth import Caller
from warning.api.bodies import REFUSALS, StrictRoute
from warning.areas import narrowed
from warning.decisions.events import decision_from
from warning.decisions.render import Names, summary
from warning.store import Store
from warning.store.models import DecisionRow

POLL_SECONDS = 0.25  # for decisions other processes commit
GAP_SECONDS = 2.0  # a hole in the numbers older than this was a rolled-back transaction
PAGE = 500
HEARTBEAT_SECONDS = 15.0
QUEUE_LIMIT = 10_000  # a client this far behind is cut off, and catches up from the database on reconnecting


@dataclass(frozen=True, slots=True)
class Posted:
    """One decision as the stream carries it."""

    seq: int
    at: str
    kind: str
    incident: str | None
    area: str | None
    data: dict[str, Any]


def _posted(rows: Sequence[tuple[DecisionRow, str | None, str | None]]) -> list[Posted]:
    return [Posted(row.seq, row.at.isoformat(), row.kind, code, area, dict(row.data)) for row, code, area in rows]


@dataclass(eq=False)  # each one itself, in the hub's set
class _Subscriber:
    queue: asyncio.Queue[Posted | None] = field(default_factory=lambda: asyncio.Queue(QUEUE_LIMIT))


class DecisionHub:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.mark = 0  # every decision up to here has been handed on (or was a hole for good)
        self._subscribers: set[_Subscriber] = set()
        self._wake: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None

    # the store's watcher -------------------------------------------------------------------

    def committed(self, decisions: Sequence[DecisionRow]) -> None:
        if decisions and self._loop is not None and self._wake is not None:
            # The API may have stopped (its loop closed) while the engine goes on: nobody to wake then.
            with contextlib.suppress(RuntimeError):
                self._loop.call_soon_threadsafe(self._wake.set)

    def timed(self, seconds: float, committed: bool) -> None:
        pass

    # following the log ----------------------------------------------------------------------

    async def _ensure_running(self) -> None:
        # Started by the first subscriber, and again on a new loop (the API served again in-process).
        if self._task is None or self._task.done() or self._loop is not asyncio.get_running_loop():
            self._loop = asyncio.get_running_loop()
            self._wake = asyncio.Event()
            self.mark = await run_in_threadpool(self._last_seq)
            self._task = asyncio.create_task(self._follow())

    def _last_seq(self) -> int:
        with self.store.transaction() as tx:
            return tx.last_decision_seq()

    def _after(self, seq: int, limit: int) -> list[Posted]:
        with self.store.transaction() as tx:
            return _posted(tx.decisions_with_incident_after(seq, limit))

    async def _follow(self) -> None:
        assert self._wake is not None
        hole_since: float | None = None
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), POLL_SECONDS)
            self._wake.clear()
            if not self._subscribers:
                self.mark = await run_in_threadpool(self._last_seq)
                continue
            try:
                rows = await run_in_threadpool(self._after, self.mark, PAGE)
            except Exception:  # the database away: try again at the next poll
                await asyncio.sleep(POLL_SECONDS)
                continue
            for posted in rows:
                if posted.seq != self.mark + 1:  # a lower number not committed yet
                    hole_since = hole_since or time.monotonic()
                    if time.monotonic() - hole_since < GAP_SECONDS:
                        break  # look again at the next poll
                hole_since = None
                self.mark = posted.seq
                self._hand_on(posted)
            if len(rows) == PAGE:
                self._wake.set()

    def _hand_on(self, posted: Posted | None) -> None:
        for subscriber in list(self._subscribers):
            try:
                subscriber.queue.put_nowait(posted)
            except asyncio.QueueFull:  # far behind: cut off; it catches up from the database
                self._subscribers.discard(subscriber)
                with contextlib.suppress(asyncio.QueueEmpty):
                    subscriber.queue.get_nowait()
                subscriber.queue.put_nowait(None)

    # a client's stream -------------------------------------------------------------------------

    async def stream(self, after: int | None, wanted: Callable[[Posted], bool]) -> AsyncIterator[Posted | None]:
        """The decisions after `after` (default: from now) that `wanted` keeps, then each as it
        commits; None now and then while nothing happens (for a heartbeat), and at the end when the
        client fell too far behind."""
        await self._ensure_running()
        subscriber = _Subscriber()
        self._subscribers.add(subscriber)
        try:
            sent = self.mark if after is None else after
            while sent < self.mark:  # what it missed, up to the hub's mark
                rows = [row for row in await run_in_threadpool(self._after, sent, PAGE) if row.seq <= self.mark]
                if not rows:
                    break
                for missed in rows:
                    if wanted(missed):
                        yield missed
                sent = rows[-1].seq
            while True:
                try:
                    posted = await asyncio.wait_for(subscriber.queue.get(), HEARTBEAT_SECONDS)
                except TimeoutError:
                    yield None
                    continue
                if posted is None:
                    return
                if posted.seq > sent:
                    sent = posted.seq
                    if wanted(posted):
                        yield posted
        finally:
            self._subscribers.discard(subscriber)


def stream_router(hub: DecisionHub, names: Callable[[str], Names]) -> APIRouter:
    router = APIRouter(prefix="/api", tags=["stream"], route_class=StrictRoute, responses=REFUSALS)

    streamed: dict[int | str, dict[str, Any]] = {
        200: {"content": {"text/event-stream": {}}, "description": "decisions as they commit"}
    }

    @router.get("/stream", response_class=StreamingResponse, responses=streamed)
    async def decisions(
        request: Request,
        principal: Caller,
        area: Annotated[str | None, Query(pattern=r"^(\d{2}(\d{2}){0,2}|\d{9}|\d{12})$")] = None,
        after: Annotated[int | None, Query(ge=0, le=2**62, description="resume after this event id")] = None,
        language: Literal["en", "zh-CN"] = "en",
        last_event_id: Annotated[str | None, Header(alias="Last-Event-ID", max_length=20)] = None,
    ) -> StreamingResponse:
        """Every decision within the caller's area (and `area`, if given) as an SSE event `decision`
        whose id is its number: a reconnecting client sends Last-Event-ID (or `after`) and misses
        nothing. Decisions about no incident go to callers whose area is a whole province."""
        prefix = narrowed(area, principal.area)
        resume = after
        if last_event_id is not None and last_event_id.isdigit():
            resume = int(last_event_id)
        provincial = prefix is not None and len(prefix) <= 2

        def wanted(posted: Posted) -> bool:
            if prefix is None:
                return False
            if posted.area is None:
                return provincial
            return posted.area.startswith(prefix)

        async def events() -> AsyncIterator[str]:
            # A heartbeat at once and every 15 s when quiet: a console tells "connected, nothing new"
            # from "stalled" by it (an SSE comment would not reach the page's script).
            yield "retry: 2000\n\nevent: heartbeat\ndata: {}\n\n"
            async for posted in hub.stream(resume, wanted):
                if await request.is_disconnected():
                    return
                if posted is None:
                    yield "event: heartbeat\ndata: {}\n\n"
                    continue
                event = decision_from(posted.data)
                body = {"seq": posted.seq, "at": posted.at, "kind": posted.kind, "incident": posted.incident,
                        "area": posted.area, "summary": summary(event, language, names(language)),
                        "event": posted.data}  # fmt: skip
                yield f"id: {posted.seq}\nevent: decision\ndata: {json.dumps(body, ensure_ascii=False)}\n\n"

        headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
        return StreamingResponse(events(), media_type="text/event-stream", headers=headers)

    return router
