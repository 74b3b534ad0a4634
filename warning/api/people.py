"""Signing in and out of the console (a session cookie and its CSRF token), who the caller is, who is
on duty, and duty overrides made at run time."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from warning.access import Principal
from warning.accounts import SESSION_LENGTH, Accounts
from warning.api.auth import CSRF_HEADER, SESSION_COOKIE, Caller
from warning.api.bodies import REFUSALS, StrictRoute
from warning.api.incidents import ActionAnswer
from warning.engine import Engine
from warning.errors import ActionRefused, NotAllowed
from warning.incidents.requests import DutyOverrideRequest
from warning.incidents.views import DutyOverrideView, DutyView


class SignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    user: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=200)


class SignedIn(BaseModel):
    principal: Principal
    csrf_token: str = Field(description=f"send it as {CSRF_HEADER} with every request that changes something")


def people_router(engine: Engine, accounts: Accounts, secure_cookies: bool) -> APIRouter:
    router = APIRouter(prefix="/api", tags=["people"], route_class=StrictRoute, responses=REFUSALS)

    @router.post("/session", responses={401: {"description": "wrong user name or password"}})
    def sign_in(body: SignIn, request: Request, response: Response) -> SignedIn:
        """Sign in to the console: a session cookie (HttpOnly, SameSite=Strict) and its CSRF token."""
        address = request.client.host if request.client else None
        signed = accounts.sign_in(body.user, body.password, address)
        if signed is None:
            raise HTTPException(401, "wrong user name or password, or the user is disabled")
        session, principal = signed
        response.set_cookie(SESSION_COOKIE, session.secret, max_age=int(SESSION_LENGTH.total_seconds()),
                            httponly=True, samesite="strict", secure=secure_cookies, path="/")  # fmt: skip
        accounts.audit(principal, "sign_in", principal.user, accepted=True)
        return SignedIn(principal=principal, csrf_token=session.csrf)

    @router.get("/session", responses={401: {"description": "no live console session"}})
    def session(request: Request) -> SignedIn:
        """The console session's user and CSRF token, for a page loaded again (the cookie is HttpOnly;
        another site's page cannot read this answer)."""
        cookie = request.cookies.get(SESSION_COOKIE)
        address = request.client.host if request.client else None
        found = accounts.principal_for_session(cookie, address) if cookie else None
        if found is None:
            raise HTTPException(401, "no console session: sign in")
        return SignedIn(principal=found[0], csrf_token=found[1])

    @router.delete("/session", status_code=204)
    def sign_out(request: Request, principal: Caller) -> Response:
        """End the console session (a token is revoked with `warning user token revoke`)."""
        cookie = request.cookies.get(SESSION_COOKIE)
        if cookie:
            accounts.sign_out(cookie)
            accounts.audit(principal, "sign_out", principal.user, accepted=True)
        response = Response(status_code=204)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    @router.get("/me")
    def me(principal: Caller) -> Principal:
        """Who the caller is: their role, area and department."""
        return principal

    @router.get("/duty/{department}")
    def duty(
        department: Annotated[str, Path(min_length=1, max_length=100)], principal: Caller, at: datetime | None = None
    ) -> DutyView:
        """Who holds each role of a department now (or at `at`), and why them."""
        return engine.duty(principal, department, at)

    @router.get("/duty-overrides")
    def duty_overrides(_principal: Caller) -> list[DutyOverrideView]:
        """Duty overrides made at run time, in force or to come."""
        return [DutyOverrideView(id=row.id, department=row.department_id, role=row.role, person=row.person_id,
                                 starts_at=row.starts_at, ends_at=row.ends_at, reason=row.reason,
                                 created_by=row.created_by) for row in engine.duty_overrides()]  # fmt: skip

    @router.post("/duty-overrides", status_code=201)
    def put_on_duty(body: DutyOverrideRequest, principal: Caller) -> ActionAnswer:
        """Put a named colleague on duty for a role until a time, with a reason."""
        try:
            override = engine.put_on_duty(principal, body)
        except (NotAllowed, ActionRefused) as refused:
            accounts.audit(principal, "duty_override", body.department, accepted=False, detail=str(refused))
            raise
        message = f"override {override}: {body.person} is {body.role} of {body.department} until {body.until}"
        accounts.audit(principal, "duty_override", body.department, accepted=True, detail=message)
        return ActionAnswer(accepted=True, message=message)

    @router.delete("/duty-overrides/{override_id}")
    def end_override(override_id: Annotated[int, Path(ge=1, le=2**62)], principal: Caller) -> ActionAnswer:
        """End a run-time duty override now."""
        engine.end_duty_override(principal, override_id)
        accounts.audit(principal, "end_duty_override", str(override_id), accepted=True)
        return ActionAnswer(accepted=True, message=f"override {override_id} ended")

    return router
