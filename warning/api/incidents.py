"""The dispatchers' and duty officers' API on incidents: the list (filtered, paged, within the
caller's area), one incident in full, its timeline and readings; opening one by hand; and every
hand action, each checked against the caller's role and area and audited with who and from where."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from warning.access import Principal
from warning.accounts import Accounts
from warning.api.auth import Caller
from warning.api.bodies import REFUSALS, StrictRoute
from warning.domain import IncidentStatus, Level
from warning.engine import Engine
from warning.engine.hands import Rehearsal
from warning.errors import ActionRefused, NotAllowed
from warning.incidents.requests import (
    AcknowledgeFor,
    Escalate,
    Lift,
    NewIncident,
    Note,
    Reassign,
    Relevel,
    Repage,
)
from warning.incidents.views import IncidentDetail, IncidentPage, IncidentReadings, Preview, TimelineEntry
from warning.store.repository.incidents import IncidentFilter

CODE_PATTERN = r"^[A-Za-z]\d{4,10}$"
IncidentCode = Annotated[str, Path(pattern=CODE_PATTERN, description="an incident's code, e.g. F0001")]
IncidentCodeText = Annotated[str, Field(pattern=CODE_PATTERN)]
Language = Literal["en", "zh-CN"]


class HandoverBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    to: str = Field(min_length=1, max_length=100, description="person id of the colleague taking over")


class ActionAnswer(BaseModel):
    accepted: bool
    message: str
    incident: str | None = None


# Read answers are built from validated models and written out once: FastAPI would validate them
# again against the response model (the same model), which cost as much as the reading itself.
TIMELINE: TypeAdapter[list[TimelineEntry]] = TypeAdapter(list[TimelineEntry])


def _json(body: str | bytes) -> Response:
    return Response(body, media_type="application/json")


def incidents_router(engine: Engine, accounts: Accounts) -> APIRouter:
    router = APIRouter(prefix="/api/incidents", tags=["incidents"], route_class=StrictRoute, responses=REFUSALS)

    def act(principal: Principal, action: str, target: str, run: Callable[[], str]) -> ActionAnswer:
        """Run a hand action and audit it, accepted or refused (the refusal goes on to its 403/409)."""
        try:
            message = run()
        except (NotAllowed, ActionRefused) as refused:
            accounts.audit(principal, action, target, accepted=False, detail=str(refused))
            raise
        accounts.audit(principal, action, target, accepted=True, detail=message)
        return ActionAnswer(accepted=True, message=message, incident=target.upper())

    @router.get("", response_model=IncidentPage)
    def list_incidents(
        principal: Caller,
        status: Annotated[list[IncidentStatus] | None, Query(max_length=3)] = None,
        level: Annotated[list[Level] | None, Query(max_length=4)] = None,
        hazard: Annotated[list[str] | None, Query(max_length=20)] = None,
        area: Annotated[str | None, Query(pattern=r"^(\d{2}(\d{2}){0,2}|\d{9}|\d{12})$")] = None,
        since: datetime | None = None,
        text: Annotated[str | None, Query(min_length=1, max_length=100)] = None,
        code: Annotated[list[IncidentCodeText] | None, Query(max_length=100)] = None,
        order: Literal["newest", "board"] = "newest",
        limit: Annotated[int, Query(ge=1, le=500)] = 50,
        offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    ) -> Response:
        """Incidents the caller may read, newest first: by status, level, hazard, area subtree (a
        code or prefix), opened since, text in the code, title or reason, and codes; newest first, or in
        the board's order (most severe first, then the oldest)."""
        where = IncidentFilter(
            statuses=tuple(s.value for s in status or ()), levels=tuple(v.value for v in level or ()),
            hazards=tuple(hazard or ()), since=since, text=text, codes=tuple(code or ()),
            board_order=order == "board",
        )  # fmt: skip
        return _json(engine.incidents(principal, where, area=area, limit=limit, offset=offset).model_dump_json())

    @router.post("", status_code=201)
    def create_incident(body: NewIncident, principal: Caller) -> ActionAnswer:
        """Open an incident by hand (a hotline report, a field report); the same policies escalate it."""
        created: list[str] = []

        def run() -> str:
            created.append(engine.create_incident(principal, body))
            return f"{created[0]} opened"

        answer = act(principal, "create", body.area, run)
        return answer.model_copy(update={"incident": created[0]})

    @router.get("/{code}")
    def incident(code: IncidentCode, principal: Caller, language: Language = "en") -> IncidentDetail:
        """One incident: its causes, tracks per department, pages and acknowledgements."""
        return engine.incident_detail(principal, code, language)

    @router.get("/{code}/timeline", response_model=list[TimelineEntry])
    def timeline(code: IncidentCode, principal: Caller, language: Language = "en") -> Response:
        """Every decision about the incident, as typed events with a summary in `language`."""
        return _json(TIMELINE.dump_json(engine.timeline(principal, code, language)))

    @router.get("/{code}/readings")
    def readings(code: IncidentCode, principal: Caller) -> IncidentReadings:
        """The readings of the incident's stations around it, with their thresholds and clear levels."""
        return engine.incident_readings(principal, code)

    def rehearse(language: Language, run: Callable[[Rehearsal], object]) -> Preview:
        rehearsal = Rehearsal(language)
        run(rehearsal)
        return rehearsal.preview

    @router.post("/preview")
    def create_preview(body: NewIncident, principal: Caller, language: Language = "en") -> Preview:
        """What opening this incident would record and whom it would page now; nothing is kept."""
        return rehearse(language, lambda r: engine.create_incident(principal, body, r))

    @router.post("/{code}/ack-for/preview")
    def acknowledge_for_preview(code: IncidentCode, body: AcknowledgeFor, principal: Caller,
                                language: Language = "en") -> Preview:  # fmt: skip
        """What acknowledging on the officer's behalf would record; nothing is kept."""
        return rehearse(language, lambda r: engine.acknowledge_for(principal, code, body, r))

    @router.post("/{code}/escalate/preview")
    def escalate_preview(code: IncidentCode, body: Escalate, principal: Caller, language: Language = "en") -> Preview:
        """Whom escalating now would page; nothing is kept."""
        return rehearse(language, lambda r: engine.escalate(principal, code, body, r))

    @router.post("/{code}/level/preview")
    def relevel_preview(code: IncidentCode, body: Relevel, principal: Caller, language: Language = "en") -> Preview:
        """Whom the new level would page or tell; nothing is kept."""
        return rehearse(language, lambda r: engine.relevel(principal, code, body, r))

    @router.post("/{code}/lift/preview")
    def lift_preview(code: IncidentCode, body: Lift, principal: Caller, language: Language = "en") -> Preview:
        """Whom lifting would tell; nothing is kept."""
        return rehearse(language, lambda r: engine.lift(principal, code, body, r))

    @router.post("/{code}/reassign/preview")
    def reassign_preview(code: IncidentCode, body: Reassign, principal: Caller, language: Language = "en") -> Preview:
        """Which escalations reassigning would stop and whom it would page; nothing is kept."""
        return rehearse(language, lambda r: engine.reassign(principal, code, body, r))

    @router.post("/{code}/repage/preview")
    def repage_preview(code: IncidentCode, body: Repage, principal: Caller, language: Language = "en") -> Preview:
        """Whom paging again would reach; nothing is kept."""
        return rehearse(language, lambda r: engine.repage(principal, code, body, r))

    @router.post("/{code}/ack")
    def acknowledge(code: IncidentCode, principal: Caller) -> ActionAnswer:
        """Acknowledge for the caller's own department."""
        return act(principal, "acknowledge", code, lambda: engine.acknowledge_as(principal, code))

    @router.post("/{code}/ack-for")
    def acknowledge_for(code: IncidentCode, body: AcknowledgeFor, principal: Caller) -> ActionAnswer:
        """Acknowledge on behalf of an officer who phoned in ("by phone, for Li Na")."""
        return act(principal, "acknowledge_for", code, lambda: engine.acknowledge_for(principal, code, body))

    @router.post("/{code}/handover")
    def hand_over(code: IncidentCode, body: HandoverBody, principal: Caller) -> ActionAnswer:
        """Hand the incident to a colleague of the caller's department, who is paged now."""
        return act(principal, "hand_over", code, lambda: engine.hand_over_as(principal, code, body.to))

    @router.post("/{code}/escalate")
    def escalate(code: IncidentCode, body: Escalate, principal: Caller) -> ActionAnswer:
        """Escalate now: to the next step, straight to a tier above the incident's area, or to a department."""
        return act(principal, "escalate", code, lambda: engine.escalate(principal, code, body))

    @router.post("/{code}/level")
    def relevel(code: IncidentCode, body: Relevel, principal: Caller) -> ActionAnswer:
        """Raise or lower the level, with a reason; the policies re-decide as on an automatic change."""
        return act(principal, "relevel", code, lambda: engine.relevel(principal, code, body))

    @router.post("/{code}/lift")
    def lift(code: IncidentCode, body: Lift, principal: Caller) -> ActionAnswer:
        """Lift (close) the incident by hand, with a reason: every cause clears, escalation stops."""
        return act(principal, "lift", code, lambda: engine.lift(principal, code, body))

    @router.post("/{code}/reassign")
    def reassign(code: IncidentCode, body: Reassign, principal: Caller) -> ActionAnswer:
        """Page another department instead: the waiting escalations stop, the department is paged now."""
        return act(principal, "reassign", code, lambda: engine.reassign(principal, code, body))

    @router.post("/{code}/notes")
    def note(code: IncidentCode, body: Note, principal: Caller) -> ActionAnswer:
        """Add a note to the timeline."""
        return act(principal, "note", code, lambda: engine.note(principal, code, body))

    @router.post("/{code}/repage")
    def repage(code: IncidentCode, body: Repage, principal: Caller) -> ActionAnswer:
        """Page again now: the named people, or whoever the current steps paged."""
        return act(principal, "repage", code, lambda: engine.repage(principal, code, body))

    return router
