"""Who may do what: roles, each scoped to an area subtree, and the one place that decides whether a
caller may read or act on an incident. Pure: the caller, the incident's area and the departments it
engages in, a reason out (None when allowed).

- dispatcher: acts on every incident of their area (creates them, escalates, re-levels, lifts,
  reassigns, acknowledges on an officer's behalf);
- duty officer: acts for their own department, on incidents that engage it;
- planner: reads, runs drills and reads rules and reports; no live actions;
- administrator: everything within their area, and the users.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from warning.areas import within
from warning.domain import Frozen


class Role(StrEnum):
    dispatcher = "dispatcher"
    duty_officer = "duty_officer"
    planner = "planner"
    administrator = "administrator"


class Principal(Frozen):
    """The caller of one request, as signed in or named by a token."""

    user: str = Field(description="user name (or `person:<id>` for a token from the settings)")
    name: str
    role: Role
    area: str = Field(description="the area subtree the role covers")
    person: str | None = Field(default=None, description="the organisation's person this user is")
    department: str | None = Field(default=None, description="that person's department")
    via: str = Field(default="token", description="token, session or settings")
    address: str | None = Field(default=None, description="where the request came from")


# Actions on live incidents, by the roles that may take them at all (scope is checked after).
ACTIONS: dict[str, frozenset[Role]] = {
    "acknowledge": frozenset({Role.dispatcher, Role.duty_officer, Role.administrator}),
    "acknowledge_for": frozenset({Role.dispatcher, Role.administrator}),
    "hand_over": frozenset({Role.duty_officer, Role.dispatcher, Role.administrator}),
    "escalate": frozenset({Role.dispatcher, Role.duty_officer, Role.administrator}),
    "relevel": frozenset({Role.dispatcher, Role.administrator}),
    "lift": frozenset({Role.dispatcher, Role.administrator}),
    "reassign": frozenset({Role.dispatcher, Role.administrator}),
    "note": frozenset({Role.dispatcher, Role.duty_officer, Role.administrator}),
    "repage": frozenset({Role.dispatcher, Role.administrator}),
    "create": frozenset({Role.dispatcher, Role.duty_officer, Role.administrator}),
    "silence": frozenset({Role.dispatcher, Role.duty_officer, Role.administrator}),
    "duty_override": frozenset({Role.dispatcher, Role.administrator}),
    # Approve a held CAP message for public release: the command centre's call, not a department's.
    "release": frozenset({Role.dispatcher, Role.administrator}),
}
# A live drill's clock is the exercise controller's (a planner), never a player's.
DRILL_CONTROLLERS = frozenset({Role.planner, Role.administrator})


def may_read(principal: Principal, area: str) -> bool:
    """Every role reads the incidents of its own area subtree."""
    return within(area, principal.area)


def refusal(principal: Principal, action: str, area: str, departments: frozenset[str] = frozenset()) -> str | None:
    """Why `principal` may not take `action` on an incident of `area` engaging `departments`; None
    when they may."""
    if principal.role not in ACTIONS[action]:
        if principal.role is Role.planner:
            return "a planner has no live actions (drills, rules and reports only)"
        return f"a {principal.role.value.replace('_', ' ')} may not {action.replace('_', ' ')}"
    if not within(area, principal.area):
        return f"area {area} is outside {principal.name}'s area {principal.area}"
    if principal.role is Role.duty_officer and action not in ("create", "silence"):
        if principal.department is None:
            return f"{principal.name} is not in a department"
        if departments and principal.department not in departments:
            return f"{principal.name}'s department {principal.department} is not engaged in this incident"
    return None
