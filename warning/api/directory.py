"""What the console names and draws things by: the organisation within the caller's area (areas as a
tree, departments, people, hazards, the time zone), the area outlines for the map, and the rules in
force with their recent firings."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from warning.api.auth import Caller
from warning.api.bodies import REFUSALS, StrictRoute
from warning.engine import Engine
from warning.incidents.views import Directory, RuleView


def directory_router(engine: Engine, geometry: dict[str, Any]) -> APIRouter:
    router = APIRouter(prefix="/api", tags=["directory"], route_class=StrictRoute, responses=REFUSALS)
    outlines = {feature["properties"]["code"]: (feature["properties"]["name"], feature["properties"]["name_zh"])
                for feature in geometry["features"]}  # fmt: skip

    @router.get("/organisation")
    def organisation(principal: Caller) -> Directory:
        """Areas (parents first), departments, people and hazards within the caller's area."""
        return engine.directory(principal, outlines)

    @router.get("/geometry")
    def area_outlines(_principal: Caller) -> dict[str, Any]:
        """Every area outline the deployment ships, as one GeoJSON FeatureCollection (properties `code`,
        `name`, `name_zh`); the console's map draws it, without tiles from the internet."""
        return geometry

    @router.get("/rules")
    def rules(principal: Caller) -> list[RuleView]:
        """The rules and compounds in force, their stations in the caller's area, and their firings there
        in the last 24 hours."""
        return engine.rules_in_force(principal)

    return router
