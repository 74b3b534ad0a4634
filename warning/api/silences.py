"""Silences and maintenance windows through the API: list, add within the caller's area, end early."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path

from warning.api.bodies import StrictRoute
from warning.engine import Engine
from warning.silences import Silence, SilenceRequest


def silences_router(engine: Engine, caller: Callable[..., str]) -> APIRouter:
    router = APIRouter(prefix="/api/silences", tags=["silences"], route_class=StrictRoute)

    @router.get("")
    def silences(_person: str = Depends(caller)) -> list[Silence]:
        """Silences active now or still to come."""
        return engine.silences()

    @router.post("", status_code=201, responses={400: {"description": "a window or area the caller may not silence"}})
    def add_silence(request: SilenceRequest, person: str = Depends(caller)) -> Silence:
        try:
            return engine.add_silence(person, request)
        except ValueError as exc:
            raise HTTPException(400, str(exc)) from None

    @router.delete("/{silence_id}", responses={409: {"description": "no such silence, or not the caller's to end"}})
    def expire_silence(silence_id: Annotated[int, Path(ge=1, le=2**62)], person: str = Depends(caller)) -> Silence:
        try:
            return engine.expire_silence(person, silence_id)
        except ValueError as exc:
            raise HTTPException(409, str(exc)) from None

    return router
