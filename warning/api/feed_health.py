"""What planners and operators read of the feeds: stations with their last reading and state, and
the dead letters with their reasons."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from warning.api.auth import Caller
from warning.api.bodies import REFUSALS, StrictRoute
from warning.engine import Engine
from warning.incidents.views import DeadLetterView, StationView


def feed_health_router(engine: Engine) -> APIRouter:
    router = APIRouter(prefix="/api", tags=["feeds"], route_class=StrictRoute, responses=REFUSALS)

    @router.get("/stations")
    def stations(principal: Caller) -> list[StationView]:
        """Every station of the rules in force within the caller's area: its last reading (two days
        back at most) and the highest level its standing causes have."""
        return engine.stations(principal)

    @router.get("/dead-letters")
    def dead_letters(
        _principal: Caller,
        limit: Annotated[int, Query(ge=1, le=500)] = 50,
        before: Annotated[int | None, Query(ge=1, le=2**62)] = None,
    ) -> list[DeadLetterView]:
        """Input that could not become a reading, newest first, with why and the payload as it came."""
        return engine.dead_letters(limit, before)

    return router
