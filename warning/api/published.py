"""The CAP messages the engine published about its warnings: an Atom feed per area
(`/cap/feed.xml?area=370102`) and each message as published (`/cap/alerts/IDENTIFIER.xml`). A caller
reads those of its own area subtree."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Query, Response

from warning.access import may_read
from warning.api.auth import Caller
from warning.api.bodies import REFUSALS, StrictRoute
from warning.areas import area_prefix
from warning.engine import Engine
from warning.publish.feed import CAP_TYPE, alert_document, atom_feed

FEED_ENTRIES = 200


def published_router(engine: Engine, public_base_url: str) -> APIRouter:
    router = APIRouter(prefix="/cap", tags=["published warnings"], route_class=StrictRoute, responses=REFUSALS)
    base = public_base_url.rstrip("/")

    @router.get("/feed.xml", response_class=Response, responses={200: {"content": {"application/atom+xml": {}}}})
    def feed(
        principal: Caller,
        area: str = Query(default="", pattern=r"^(\d{2}|\d{4}|\d{6}|\d{9}|\d{12})?$",
                          description="an area code: its messages and those below it (default: the caller's)"),
    ) -> Response:  # fmt: skip
        scope = area or principal.area
        if not may_read(principal, scope):
            raise HTTPException(403, f"area {scope} is outside {principal.name}'s area {principal.area}")
        with engine.store.transaction() as tx:
            rows = tx.published_alerts(area_prefix=area_prefix(scope), limit=FEED_ENTRIES)
        text = atom_feed(rows, base_url=base, area=scope, updated=engine.clock.now())
        return Response(text, media_type="application/atom+xml")

    @router.get("/alerts/{identifier}.xml", response_class=Response, responses={200: {"content": {CAP_TYPE: {}}}})
    def alert(principal: Caller, identifier: str) -> Response:
        with engine.store.transaction() as tx:
            row = tx.published_alert(identifier)
        if row is None or not may_read(principal, row.area):
            raise HTTPException(404, f"no published message {identifier}")
        return Response(alert_document(row), media_type=CAP_TYPE)

    return router
