"""The CAP messages the engine published about its warnings: an Atom feed per area
(`/cap/feed.xml?area=370102`) and each message as published (`/cap/alerts/IDENTIFIER.xml`). A caller
reads those of its own area subtree."""

from __future__ import annotations

from xml.etree import ElementTree

from fastapi import APIRouter, HTTPException, Path, Query, Response
from pydantic import AwareDatetime, BaseModel, Field

from warning.access import may_read
from warning.accounts import Accounts
from warning.api.auth import Caller
from warning.api.bodies import REFUSALS, StrictRoute
from warning.areas import area_prefix
from warning.engine import Engine
from warning.errors import ActionRefused, NotAllowed
from warning.publish.cap import NAMESPACE
from warning.publish.feed import CAP_TYPE, alert_document, atom_feed

FEED_ENTRIES = 200


def headlines(xml: str) -> dict[str, str]:
    """Each `info` block's headline by its language (our own messages: well-formed)."""
    root = ElementTree.fromstring(xml.encode("utf-8"))
    found = {}
    for info in root.iter(f"{{{NAMESPACE}}}info"):
        language, headline = info.findtext(f"{{{NAMESPACE}}}language"), info.findtext(f"{{{NAMESPACE}}}headline")
        if language and headline:
            found[language] = headline
    return found


class HeldRelease(BaseModel):
    identifier: str
    incident: str
    msg_type: str = Field(description="Alert, Update or Cancel")
    status: str = Field(description="Actual, or Exercise in a drill")
    level: str | None
    area: str
    sent: AwareDatetime
    headline: dict[str, str] = Field(description="what the public will read first, by language")
    xml: str = Field(description="the message as it will be published")


class Released(BaseModel):
    released: list[str] = Field(description="the identifiers released, oldest first")


def published_router(engine: Engine, public_base_url: str, accounts: Accounts) -> APIRouter:
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

    @router.get("/held", response_model=list[HeldRelease])
    def held(principal: Caller) -> list[HeldRelease]:
        """Messages awaiting a dispatcher's approval for public release in the caller's area, oldest first."""
        with engine.store.transaction() as tx:
            rows = tx.held_alerts(area_prefix=area_prefix(principal.area))
            codes = {row.incident_id: incident.code for row in rows
                     if (incident := tx.incident(row.incident_id)) is not None}  # fmt: skip
        return [HeldRelease(identifier=row.identifier, incident=codes.get(row.incident_id, ""), msg_type=row.msg_type,
                            status=row.status, level=row.level, area=row.area, sent=row.sent,
                            headline=headlines(row.xml), xml=row.xml)
                for row in rows]  # fmt: skip

    @router.post("/alerts/{identifier}/release", response_model=Released)
    def release(principal: Caller, identifier: str = Path(pattern=r"^[0-9A-Za-z._-]{1,120}$")) -> Released:
        """Approve a held message for public release: it, and any earlier held message of the same
        warning, reach the feed and the subscribers. Dispatchers and administrators of its area."""
        try:
            released = engine.release(principal, identifier)
        except (NotAllowed, ActionRefused) as refused:
            accounts.audit(principal, "release", identifier, accepted=False, detail=str(refused))
            raise
        accounts.audit(principal, "release", identifier, accepted=True, detail=f"released {', '.join(released)}")
        return Released(released=released)

    @router.get("/alerts/{identifier}.xml", response_class=Response, responses={200: {"content": {CAP_TYPE: {}}}})
    def alert(principal: Caller, identifier: str) -> Response:
        with engine.store.transaction() as tx:
            row = tx.published_alert(identifier)
        if row is None or not may_read(principal, row.area):
            raise HTTPException(404, f"no published message {identifier}")
        return Response(alert_document(row), media_type=CAP_TYPE)

    return router
