"""Readings from feeds, each with its own token: JSON, JSON lines or CSV (`POST /api/readings`),
video-analytics and hotline events, the meteorological bureau's CAP warnings, NGSI-LD notifications
and SensorThings Observations. Each item is judged where it stands: the valid ones are kept beside
the refused ones, which are answered by place and reason and dead-lettered."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from sensors.body import BodyRefused, Item, split_body
from sensors.cap import message_items, parse_message, reading_prefix
from sensors.events import event_items
from sensors.metrics import FeedMetrics
from sensors.ngsi_ld import notification_items
from sensors.sensorthings import DatastreamSpec, observation_items
from warning.api.auth import ApiTokens
from warning.api.bodies import MAX_BODY_BYTES, StrictRoute, read_bounded
from warning.engine import Engine
from warning.errors import ReadingRejected

MAX_READINGS_BYTES = 16 * 1024 * 1024  # about 100,000 readings: a feed's backlog after an outage
READINGS_PER_TRANSACTION = 5000
REFUSALS_SHOWN = 100
Splitter = Callable[[str, bytes], list[Item]]


def feeds_router(
    engine: Engine, tokens: ApiTokens, metrics: FeedMetrics, datastreams: Mapping[str, DatastreamSpec]
) -> APIRouter:
    router = APIRouter(include_in_schema=False, route_class=StrictRoute)
    streams = dict(datastreams)

    async def from_feed(request: Request, split: Splitter) -> JSONResponse:
        """A batch of readings from a feed, split by `split` (content type, body): each judged where
        it stands, the valid ones kept beside the bad ones, in transactions of a few thousand."""
        feed = tokens.person_for(request.headers.get("Authorization"))
        if feed is None:
            raise HTTPException(401, "missing or invalid feed token (see WARNING_FEED_TOKENS)")
        try:
            raw = await read_bounded(request, MAX_READINGS_BYTES)
        except HTTPException:
            raise HTTPException(413, f"the body is larger than {MAX_READINGS_BYTES} bytes; send it in parts") from None
        try:  # off the event loop: a body of megabytes takes a while to split, and a splitter may ask the store
            items = await run_in_threadpool(split, request.headers.get("Content-Type", ""), raw)
        except BodyRefused as exc:
            refused = ReadingRejected(str(exc), raw[:MAX_BODY_BYTES].decode("utf-8", "replace"))
            await run_in_threadpool(engine.ingest_payloads, [(f"http:{feed}", refused)])
            metrics.observe(feed, [refused], engine.clock.now())
            raise HTTPException(400, str(exc)) from None
        verdicts: list[Any] = []
        for first in range(0, len(items), READINGS_PER_TRANSACTION):
            batch = [
                (f"http:{feed}:{item.where}", item.payload) for item in items[first : first + READINGS_PER_TRANSACTION]
            ]
            verdicts += await run_in_threadpool(engine.ingest_payloads, batch)
            metrics.observe(feed, verdicts[first:], engine.clock.now())
        refusals = [
            {"where": item.where, "reason": verdict.reason}
            for item, verdict in zip(items, verdicts, strict=True)
            if isinstance(verdict, ReadingRejected)
        ]
        body = {"feed": feed, "received": len(items), "accepted": len(items) - len(refusals),
                "refused": len(refusals), "refusals": refusals[:REFUSALS_SHOWN]}  # fmt: skip
        return JSONResponse(body)

    @router.post("/api/readings")
    async def readings(request: Request) -> JSONResponse:
        """Readings as JSON, JSON lines or CSV (sensors/body.py)."""
        return await from_feed(request, split_body)

    @router.post("/ngsi-ld/notify")
    async def ngsi_ld_notify(request: Request) -> JSONResponse:
        """An NGSI-LD notification from a context broker (sensors/ngsi_ld.py)."""
        return await from_feed(request, lambda _content_type, raw: notification_items(raw))

    @router.post("/api/events")
    async def events(request: Request) -> JSONResponse:
        """Video-analytics detections and hotline reports (sensors/events.py)."""
        return await from_feed(request, lambda _content_type, raw: event_items(raw))

    def cap_readings(_content_type: str, raw: bytes) -> list[Item]:
        message = parse_message(raw)
        items = message_items(message, engine.store.cap_series_of)
        series = {(item.payload["sensor_id"], item.payload["kind"]) for item in items if isinstance(item.payload, dict)}
        if series:  # noted before its readings are taken: a message that comes again after a crash is taken again
            prefix, now = reading_prefix(message.key), engine.clock.now()
            engine.store.remember_cap_message(prefix, message.key, message.msg_type, series, now)
        return items

    @router.post("/api/cap")
    async def cap(request: Request) -> JSONResponse:
        """CAP 1.2 warnings from the meteorological bureau (sensors/cap.py)."""
        return await from_feed(request, cap_readings)

    async def observations(request: Request, named: str | None) -> JSONResponse:
        """Observations created at a SensorThings service (sensors/sensorthings.py)."""
        return await from_feed(request, lambda _content_type, raw: observation_items(raw, streams, named))

    @router.post("/sensorthings/v1.1/Observations")
    async def sensorthings_observations(request: Request) -> JSONResponse:
        return await observations(request, None)

    @router.post("/sensorthings/v1.1/Datastreams({datastream})/Observations")
    async def sensorthings_datastream_observations(request: Request, datastream: str) -> JSONResponse:
        return await observations(request, datastream)

    return router
