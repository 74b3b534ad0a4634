"""The dispatcher's and duty officer's API on incidents: the board, acknowledging and handing over."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from warning.api.bodies import StrictRoute
from warning.domain import AckSource, Incident
from warning.engine import Engine

IncidentCode = Annotated[str, Path(pattern=r"^[A-Za-z]\d{4,10}$", description="an incident's code, e.g. F0001")]


class HandoverBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    to: str = Field(min_length=1, max_length=100, description="person id of the colleague taking over")


class ActionAnswer(BaseModel):
    accepted: bool
    message: str


_REFUSED: dict[int | str, dict[str, Any]] = {409: {"model": ActionAnswer, "description": "refused: `message` says why"}}


def incidents_router(engine: Engine, caller: Callable[..., str]) -> APIRouter:
    router = APIRouter(prefix="/api/incidents", tags=["incidents"], route_class=StrictRoute)

    def answer(accepted: bool, message: str) -> JSONResponse:
        return JSONResponse(ActionAnswer(accepted=accepted, message=message).model_dump(),
                            status_code=200 if accepted else 409)  # fmt: skip

    @router.get("")
    def board(_person: str = Depends(caller)) -> list[Incident]:
        """Every incident, with its escalation tracks and any silence holding it."""
        return engine.board()

    @router.post("/{code}/ack", response_model=ActionAnswer, responses=_REFUSED)
    def acknowledge(code: IncidentCode, person: str = Depends(caller)) -> JSONResponse:
        """Acknowledge for the caller's department."""
        result = engine.acknowledge(code.upper(), person, AckSource.api)
        return answer(result.accepted, result.message)

    @router.post("/{code}/handover", response_model=ActionAnswer, responses=_REFUSED)
    def hand_over(code: IncidentCode, body: HandoverBody, person: str = Depends(caller)) -> JSONResponse:
        """Hand the incident to a colleague of the caller's department, who is paged now."""
        result = engine.hand_over(code.upper(), person, body.to)
        return answer(result.accepted, result.message)

    return router
