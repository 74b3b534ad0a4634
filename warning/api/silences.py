"""Silences and maintenance windows through the API: list, add within the caller's area, end early."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path

from warning.access import refusal
from warning.api.auth import Caller
from warning.api.bodies import REFUSALS, StrictRoute
from warning.engine import Engine
from warning.errors import NotAllowed
from warning.silences import Silence, SilenceRequest


def silences_router(engine: Engine) -> APIRouter:
    router = APIRouter(prefix="/api/silences", tags=["silences"], route_class=StrictRoute, responses=REFUSALS)

    @router.get("")
    def silences(_principal: Caller) -> list[Silence]:
        """Silences active now or still to come."""
        return engine.silences()

    @router.post("", status_code=201)
    def add_silence(request: SilenceRequest, principal: Caller) -> Silence:
        """Silence warnings of an area, station or rule (up to a level) for a while, within the caller's area."""
        reason = refusal(principal, "silence", request.area or principal.area)
        if reason is not None:
            raise NotAllowed(reason)
        try:
            return engine.add_silence(principal.person or principal.user, request, scope=principal.area)
        except ValueError as exc:  # a window that cannot be (over already, longer than 30 days)
            raise HTTPException(409, str(exc)) from None

    @router.delete("/{silence_id}")
    def expire_silence(silence_id: Annotated[int, Path(ge=1, le=2**62)], principal: Caller) -> Silence:
        """End a silence now: whatever it held pages at once."""
        reason = refusal(principal, "silence", principal.area)
        if reason is not None:
            raise NotAllowed(reason)
        try:
            return engine.expire_silence(principal.person or principal.user, silence_id, scope=principal.area)
        except ValueError as exc:
            raise HTTPException(409, str(exc)) from None

    return router
