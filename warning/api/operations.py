"""For operators and probes: `/health` (liveness, and where pages really go), `/ready` (database
reachable and migrated, rules and organisation loaded, a provider named; 503 with what is not), and
the Prometheus figures on `/metrics` (behind a token)."""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import APIRouter, Depends, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from sensors.metrics import CONTENT_TYPE as METRICS_CONTENT_TYPE
from sensors.metrics import FeedMetrics
from warning.api.auth import current_principal
from warning.api.bodies import REFUSALS, StrictRoute
from warning.engine import Engine


class Health(BaseModel):
    status: str
    channels: dict[str, str]


class Readiness(BaseModel):
    status: str
    checks: dict[str, str]
    failing: list[str]


def operations_router(engine: Engine, channels: Mapping[str, str], metrics: FeedMetrics) -> APIRouter:
    router = APIRouter(tags=["operations"], route_class=StrictRoute)

    @router.get("/health")
    def health() -> Health:
        """Liveness, for probes: the process serves. Where pages really go, for operators."""
        return Health(status="ok", channels=dict(channels))

    @router.get("/ready", responses={503: {"model": Readiness, "description": "not ready: `failing` says why"}})
    async def ready() -> JSONResponse:
        """Readiness: the database reachable and migrated, rules and organisation loaded, a provider
        named. 503 with what is not, so a load balancer sends nothing here until it is."""
        checks: dict[str, str] = {}
        failing: list[str] = []
        if await run_in_threadpool(engine.store.reachable):
            revision, newest = await run_in_threadpool(engine.store.schema_revision)
            checks["database"] = "ok"
            checks["schema"] = (
                f"{revision} (newest)" if newest else f"{revision}, not the newest: run warning db upgrade"
            )
            failing += [] if newest else ["schema"]
        else:
            checks["database"], checks["schema"] = "unreachable", "unknown"
            failing += ["database", "schema"]
        rules = len(engine.evaluator.rules) + len(engine.evaluator.compounds)
        checks["rules"] = f"{rules} in force"
        checks["organisation"] = engine.org.version
        checks["provider"] = channels.get("sms", "none named")
        failing += [] if rules else ["rules"]
        failing += [] if channels else ["provider"]
        body = Readiness(status="ready" if not failing else "not ready", checks=checks, failing=failing)
        return JSONResponse(body.model_dump(), status_code=503 if failing else 200)

    @router.get("/metrics", dependencies=[Depends(current_principal)], response_class=Response,
                responses={200: {"content": {METRICS_CONTENT_TYPE: {}}}, 401: REFUSALS[401]})  # fmt: skip
    def metrics_page() -> Response:
        """The engine's and the feeds' figures in the Prometheus text format."""
        return Response(metrics.exposition(), headers={"Content-Type": METRICS_CONTENT_TYPE})

    return router
