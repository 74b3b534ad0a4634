"""A live drill's controls through the API: where the exercise stands, and pause, resume and speed for
the exercise controller (a planner or an administrator; players may read the state, not change it)."""

from __future__ import annotations

from typing import Literal, Protocol

from fastapi import APIRouter
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from warning.access import DRILL_CONTROLLERS
from warning.api.auth import Caller
from warning.api.bodies import REFUSALS, StrictRoute
from warning.clock import MAX_SPEED
from warning.errors import NotAllowed


class DrillState(BaseModel):
    model_config = ConfigDict(frozen=True)

    scenario: str
    state: Literal["running", "paused", "finished"]
    speed: float = Field(description="exercise seconds per wall second")
    now: AwareDatetime = Field(description="the exercise clock")
    start: AwareDatetime
    end: AwareDatetime
    injects_done: int
    injects: int


class Speed(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    speed: float = Field(gt=0, le=MAX_SPEED, description="exercise seconds per wall second, e.g. 60")


class DrillControl(Protocol):
    def state(self) -> DrillState: ...
    def pause(self) -> None: ...
    def resume(self) -> None: ...
    def set_speed(self, speed: float) -> None: ...


def drill_router(control: DrillControl) -> APIRouter:
    router = APIRouter(prefix="/api/drill", tags=["drill"], route_class=StrictRoute, responses=REFUSALS)

    def controller(principal: Caller) -> None:
        if principal.role not in DRILL_CONTROLLERS:
            role = principal.role.value.replace("_", " ")
            raise NotAllowed(f"only the exercise controller (a planner or an administrator) may pause, resume or "
                             f"change the speed of the drill; {principal.name} is a {role}")  # fmt: skip

    @router.get("")
    def drill_state(_principal: Caller) -> DrillState:
        """The live drill: its clock, its speed, how far through its injects."""
        return control.state()

    @router.post("/pause")
    def pause(principal: Caller) -> DrillState:
        """Stop the exercise clock: nothing falls due and no phone rings until it resumes."""
        controller(principal)
        control.pause()
        return control.state()

    @router.post("/resume")
    def resume(principal: Caller) -> DrillState:
        controller(principal)
        control.resume()
        return control.state()

    @router.post("/speed")
    def speed(request: Speed, principal: Caller) -> DrillState:
        """Run the exercise clock faster or slower from now on."""
        controller(principal)
        control.set_speed(request.speed)
        return control.state()

    return router
