"""The engine's HTTP face, one FastAPI application: Twilio's signed webhooks, readings from feeds,
the authenticated JSON API (its OpenAPI document generated from the same pydantic models that
validate it, at /api/openapi.json), and the operators' health, readiness and metrics.

Engine calls are synchronous: plain `def` routes run in the thread pool, never on the event loop.
A lost database answers 503 (nothing was decided; the caller, or Twilio, may try again).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from sensors.metrics import FeedMetrics
from sensors.sensorthings import DatastreamSpec
from warning.accounts import Accounts
from warning.api.aliyun import AliyunPushes, aliyun_router
from warning.api.auth import ApiTokens, Authenticate
from warning.api.bodies import on_http_error, on_validation_error
from warning.api.console import serve_console
from warning.api.directory import directory_router
from warning.api.docs import serve_docs
from warning.api.drill import DrillControl, drill_router
from warning.api.feed_health import feed_health_router
from warning.api.feeds import feeds_router
from warning.api.incidents import incidents_router
from warning.api.operations import operations_router
from warning.api.people import people_router
from warning.api.published import published_router
from warning.api.silences import silences_router
from warning.api.stream import DecisionHub, stream_router
from warning.api.twilio import SignatureCheck, twilio_router
from warning.engine import Engine
from warning.errors import ActionRefused, DatabaseUnavailable, NotAllowed, NotFound

log = logging.getLogger(__name__)
API_VERSION = "1"


async def _database_unavailable(request: Request, _exc: Exception) -> Response:
    log.warning("database unavailable while serving %s", request.url.path)
    return JSONResponse({"error": "the database is unavailable; try again shortly"}, status_code=503)


def _answer(status: int) -> Callable[[Request, Exception], Awaitable[Response]]:
    async def handler(_request: Request, exc: Exception) -> Response:
        return JSONResponse({"error": str(exc)}, status_code=status)

    return handler


def build_api(
    engine: Engine,
    accounts: Accounts,
    hub: DecisionHub,
    signature: SignatureCheck,
    public_base_url: str,
    channels: Mapping[str, str] | None = None,
    *,
    feeds: ApiTokens | None = None,
    metrics: FeedMetrics | None = None,
    datastreams: Mapping[str, DatastreamSpec] | None = None,
    geometry: dict[str, Any] | None = None,
    drill: DrillControl | None = None,
    aliyun: AliyunPushes | None = None,
) -> FastAPI:
    """`accounts`: users, tokens and sessions the API authenticates against; `hub`: the decisions as
    they commit, for the stream (one of the store's watchers). `channels`: what each
    channel pages through, in words, for /health (filled in by the caller). `feeds`: the tokens that
    may post readings, each naming its feed; `metrics`: served on /metrics; `datastreams`: the
    SensorThings Datastreams, by id, and the stations they are; `geometry`: the area outlines the
    console's map draws (warning/geometry.py); `drill`: a live drill's controls (`/api/drill`)."""
    app = FastAPI(
        title="warning",
        version=API_VERSION,
        summary="Emergency coordination and early warning: incidents, escalation, acknowledgement.",
        description="Authenticate with `Authorization: Bearer <token>` (`warning user token issue`), or sign in "
        "(`POST /api/session`) and send the session's CSRF token as `X-CSRF-Token` with every change.",
        openapi_url="/api/openapi.json",
        docs_url=None,  # served from the npm package instead of a CDN: warning/api/docs.py
        redoc_url=None,
    )
    app.state.authenticate = Authenticate(accounts)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(DatabaseUnavailable, _database_unavailable)
    app.add_exception_handler(NotAllowed, _answer(403))
    app.add_exception_handler(NotFound, _answer(404))
    app.add_exception_handler(ActionRefused, _answer(409))
    feed_metrics = metrics or FeedMetrics()
    app.include_router(operations_router(engine, channels if channels is not None else {}, feed_metrics))
    app.include_router(feeds_router(engine, feeds or ApiTokens({}), feed_metrics, datastreams or {}))
    app.include_router(twilio_router(engine, signature, public_base_url))
    if aliyun is not None:
        app.include_router(aliyun_router(engine, aliyun.secret, aliyun.answer))
    app.include_router(incidents_router(engine, accounts))
    app.include_router(silences_router(engine))
    app.include_router(people_router(engine, accounts, secure_cookies=public_base_url.startswith("https://")))
    app.include_router(feed_health_router(engine))
    app.include_router(stream_router(hub, lambda language: engine.org.display_names(language)))
    app.include_router(published_router(engine, public_base_url, accounts))
    app.include_router(directory_router(engine, geometry or {"type": "FeatureCollection", "features": []}))
    if drill is not None:
        app.include_router(drill_router(drill))
    serve_docs(app)
    serve_console(app)
    return app
