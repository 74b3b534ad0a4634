"""The engine's HTTP face, one FastAPI application: Twilio's signed webhooks, readings from feeds,
the authenticated JSON API (its OpenAPI document generated from the same pydantic models that
validate it, at /api/openapi.json), and the operators' health, readiness and metrics.

Engine calls are synchronous: plain `def` routes run in the thread pool, never on the event loop.
A lost database answers 503 (nothing was decided; the caller, or Twilio, may try again).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from sensors.metrics import FeedMetrics
from sensors.sensorthings import DatastreamSpec
from warning.api.auth import ApiTokens, caller
from warning.api.bodies import on_http_error, on_validation_error
from warning.api.feeds import feeds_router
from warning.api.incidents import incidents_router
from warning.api.operations import operations_router
from warning.api.silences import silences_router
from warning.api.twilio import SignatureCheck, twilio_router
from warning.engine import Engine
from warning.errors import DatabaseUnavailable

log = logging.getLogger(__name__)
API_VERSION = "1"


async def _database_unavailable(request: Request, _exc: Exception) -> Response:
    log.warning("database unavailable while serving %s", request.url.path)
    return JSONResponse({"error": "the database is unavailable; try again shortly"}, status_code=503)


def build_api(
    engine: Engine,
    signature: SignatureCheck,
    public_base_url: str,
    tokens: ApiTokens,
    channels: Mapping[str, str] | None = None,
    *,
    feeds: ApiTokens | None = None,
    metrics: FeedMetrics | None = None,
    datastreams: Mapping[str, DatastreamSpec] | None = None,
) -> FastAPI:
    """`channels`: what each channel pages through, in words, for /health (filled in by the caller).
    `feeds`: the tokens that may post readings, each naming its feed; `metrics`: served on /metrics;
    `datastreams`: the SensorThings Datastreams, by id, and the stations they are."""
    app = FastAPI(
        title="warning",
        version=API_VERSION,
        summary="Emergency coordination and early warning: incidents, escalation, acknowledgement.",
        openapi_url="/api/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(DatabaseUnavailable, _database_unavailable)
    authenticated = caller(tokens)
    app.include_router(operations_router(engine, channels if channels is not None else {}, metrics or FeedMetrics(),
                                         authenticated))  # fmt: skip
    app.include_router(feeds_router(engine, feeds or ApiTokens({}), metrics or FeedMetrics(), datastreams or {}))
    app.include_router(twilio_router(engine, signature, public_base_url))
    app.include_router(incidents_router(engine, authenticated))
    app.include_router(silences_router(engine, authenticated))
    return app
