"""Escalation policy snapshots and pure step decisions.

Each policy a warning engages (one per department kind: water, traffic, emergency management ...)
is frozen onto the incident as one escalation track when it joins (a later edit of the
organisation file does not change an escalation under way). A step is decided from (snapshot,
position, due time, level) alone; the driver persists the outcome and arms the next wake-up.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from warning.decisions.events import StepSkip
from warning.domain import Channel, Level, Person, format_duration, level_rank
from warning.escalation.org import EVERY_MEMBER, HoursSpec, Organisation, PolicySpec
from warning.ledger import PageKey


@dataclass(frozen=True, slots=True)
class PlannedPage:
    """One page a step asks for, with its key in the ledger and the reason it is sent."""

    address: PageKey
    person: Person
    department_id: str
    why: str

    @property
    def key(self) -> str:
        return self.address.text

    @property
    def channel(self) -> Channel:
        return self.address.channel


@dataclass(frozen=True, slots=True)
class StepOutcome:
    pages: tuple[PlannedPage, ...]
    summary: str
    next_position: int
    next_at: datetime | None
    tier: int
    department_id: str
    # The step escalates above the top of the tier tree (e.g. `up: 1` for a province-level
    # incident): nobody further to reach, so it is skipped rather than re-paging the top.
    beyond_top: bool = False
    # The step's condition (level or hours) does not hold: skipped at once, without its wait.
    skipped: bool = False
    # For the decision log: the step of the policy and its round (from 1), the role it notifies,
    # and why it reached nobody (beyond_top, below_level, outside_hours, nobody_in_role) with details.
    step: int = 0
    steps: int = 0
    round: int = 1
    role: str = ""
    skip: StepSkip | None = None
    skip_detail: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class _Where:
    """Which step of the policy a position is, and whom it notifies."""

    step: int
    steps: int
    round: int
    role: str

    def fields(self) -> dict[str, Any]:
        return {"step": self.step, "steps": self.steps, "round": self.round, "role": self.role}


def snapshot_policy(policy: PolicySpec, department_chain: list[str]) -> dict[str, Any]:
    """The policy as JSON, with the departments each tier resolves to when the track starts."""
    return {
        "policy_id": policy.id,
        "hazard": policy.hazard,
        "department_kind": policy.department_kind,
        "repeat": policy.repeat,
        "departments": department_chain,
        "start_up": {level.value: up for level, up in policy.start_up.items()},
        "inform_up": {level.value: up for level, up in policy.inform_up.items()},
        "sms_validity_seconds": int(policy.sms_validity.total_seconds()),
        "on_failure": list(policy.on_failure),
        "steps": [
            {
                "notify": step.notify,
                "channels": [channel.value for channel in step.channels] if step.channels else None,
                "wait_seconds": int(step.wait.total_seconds()),
                "up": step.up,
                "min_level": step.min_level.value if step.min_level else None,
                "hours": f"{step.hours.start:%H:%M}-{step.hours.end:%H:%M}" if step.hours else None,
            }
            for step in policy.steps
        ],
    }


def total_positions(snapshot: dict[str, Any]) -> int:
    return len(snapshot["steps"]) * (int(snapshot["repeat"]) + 1)


def tiers_at(snapshot: dict[str, Any], field: str, level: Level) -> int:
    """`start_up` or `inform_up` for `level`: the entry of the highest listed level at or below it."""
    listed = {Level(name): int(up) for name, up in snapshot.get(field, {}).items()}
    return PolicySpec.tiers_at(listed, level)


def start_tier(snapshot: dict[str, Any], level: Level) -> int:
    """Where the steps start for `level`: `start_up` tiers above the incident's area, but never
    above the top of the chain (a red warning for the province itself starts at the province)."""
    return min(tiers_at(snapshot, "start_up", level), len(snapshot["departments"]) - 1)


def _condition_fails(
    step: dict[str, Any], level: Level, due_at: datetime, org: Organisation, dept: str
) -> tuple[StepSkip, dict[str, str], str] | None:
    """Why a conditional step does not apply now (code, details, words), or None when it does."""
    min_level = step.get("min_level")
    if min_level and level_rank(level) < level_rank(Level(min_level)):
        detail = {"min_level": str(min_level), "level": level.value}
        return "below_level", detail, f"applies from {min_level}, the warning is {level.value}"
    hours = step.get("hours")
    if hours:
        start, end = hours.split("-")
        window = HoursSpec.model_validate({"start": start, "end": end})
        zone = org.zone(dept)
        if not window.covers(due_at, zone):
            local = f"{due_at.astimezone(zone):%H:%M}"
            detail = {"hours": str(hours), "zone": str(zone.key), "local": local}
            return "outside_hours", detail, f"applies {hours} {zone.key} time, it is {local} there"
    return None


def decide_step(
    snapshot: dict[str, Any],
    incident_id: int,
    position: int,
    due_at: datetime,
    level: Level,
    org: Organisation,
    now: datetime | None = None,
) -> StepOutcome:
    """What step `position` (counting across repeats) does for a `level` warning, and when the next
    one is due. Who holds a role is read at `now` (when the step actually runs), default `due_at`."""
    steps = snapshot["steps"]
    chain: list[str] = snapshot["departments"]
    step = steps[position % len(steps)]
    round_number = position // len(steps)
    ordinal = f"step {position % len(steps) + 1} of {len(steps)}"
    if round_number:
        ordinal += f", round {round_number + 1}"
    ordinal += f" of policy {snapshot['policy_id']}"
    wait = timedelta(seconds=int(step["wait_seconds"]))
    tier = start_tier(snapshot, level) + int(step["up"])
    notify = step["notify"]
    role = "every member" if notify == EVERY_MEMBER else notify.replace("_", " ")
    where = _Where(position % len(steps) + 1, len(steps), round_number + 1, role)
    if tier >= len(chain):
        top = chain[-1]
        summary = (f"{ordinal}: no {snapshot['department_kind']} department "
                   f"{tier} tier(s) above this incident's; skipped")  # fmt: skip
        return StepOutcome((), summary, position + 1, due_at + wait, len(chain) - 1, top, beyond_top=True,
                           skip="beyond_top", **where.fields())  # fmt: skip
    department_id = chain[tier]
    department = org.departments[department_id]
    unmet = _condition_fails(step, level, due_at, org, department_id)
    if unmet:
        code, detail, words = unmet
        summary = f"{ordinal}: skipped, it {words}"
        return StepOutcome((), summary, position + 1, due_at, tier, department_id, skipped=True, skip=code,
                           skip_detail=detail, **where.fields())  # fmt: skip
    people = org.recipients(department_id, notify, now or due_at)
    the_role = role if notify == EVERY_MEMBER else f"the {role}"
    pages: list[PlannedPage] = []
    for person in people:
        names = step["channels"] or [c.value for c in org.preferred_channels(person.id)]
        for name in names:
            pages.append(
                PlannedPage(
                    address=PageKey.step(incident_id, snapshot["policy_id"], position, person.id, Channel(name)),
                    person=person,
                    department_id=department_id,
                    why=f"{ordinal}: {name} {the_role} of {department.name}",
                )
            )
    if not people:
        summary = f"{ordinal}: {department.name} has nobody as {the_role}; no page sent, moving on"
        return StepOutcome((), summary, position + 1, due_at + wait, tier, department_id, skip="nobody_in_role",
                           **where.fields())  # fmt: skip
    reached = ", ".join(
        f"{' and '.join(p.channel.value for p in pages if p.person.id == person.id)} {person.name}" for person in people
    )
    summary = f"{ordinal}: {reached}, {role} of {department.name}"
    # Even after the last step we wait once more: the driver declares the track exhausted only
    # when that final wait has passed without an acknowledgement.
    return StepOutcome(tuple(pages), summary, position + 1, due_at + wait, tier, department_id, **where.fields())


def plan_inform(
    snapshot: dict[str, Any], incident_id: int, level: Level, org: Organisation, at: datetime
) -> PlannedPage | None:
    """The duty officer `inform_up` tiers above where the steps start, told by SMS (e.g. red starts
    at the city and informs the province). Once per level: the key carries it."""
    up = tiers_at(snapshot, "inform_up", level)
    if not up:
        return None
    chain: list[str] = snapshot["departments"]
    tier = start_tier(snapshot, level) + up
    if tier >= len(chain):
        return None
    department = org.departments[chain[tier]]
    person = org.on_duty(department.id, "duty_officer", at)
    if person is None:
        return None
    key = PageKey.inform(incident_id, snapshot["policy_id"], level, person.id)
    why = f"policy {snapshot['policy_id']} informs {department.name} of every {level.value} warning"
    return PlannedPage(key, person, department.id, why)


def _engaged(org: Organisation, hazard: str, level: Level, area: str) -> list[tuple[PolicySpec, list[str]]] | str:
    """The policies a warning would engage and each one's departments for `area`, or why nobody
    would be paged."""
    policies = org.policies_for(hazard, level)
    if not policies:
        return f"no escalation policy covers a {level.value} {hazard} warning: nobody would be paged"
    engaged = [(policy, org.department_chain(policy.department_kind, area)) for policy in policies]
    engaged = [(policy, chain) for policy, chain in engaged if chain]
    if not engaged:
        kinds = ", ".join(p.department_kind for p in policies)
        return f"no {kinds} department covers area {area}: nobody would be paged"
    return engaged


def describe_policy(org: Organisation, hazard: str, area: str, level: Level = Level.yellow) -> list[str]:
    """Who the policies for `hazard` would page for a `level` incident in `area`, step by step,
    with today's roster (no shift times)."""
    resolved = _engaged(org, hazard, level, area)
    if isinstance(resolved, str):
        return [resolved]
    lines: list[str] = []
    for policy, chain in resolved:
        snapshot = snapshot_policy(policy, chain)
        start = start_tier(snapshot, level)
        lines.append(f"policy {policy.id} for area {area}, through {', '.join(chain)}:")
        for position, step in enumerate(policy.steps):
            tier = start + step.up
            if tier >= len(chain):
                lines.append(f"  step {position + 1}: no department {tier} tier(s) up: skipped")
                continue
            department = org.departments[chain[tier]]
            if step.notify == EVERY_MEMBER:
                who = "every member"
            elif step.notify in department.roster and not department.shifts:
                who = f"{org.people[department.roster[step.notify]].name} ({step.notify.replace('_', ' ')})"
            elif step.notify in department.roles():
                who = f"the {step.notify.replace('_', ' ')} on shift"
            else:
                who = f"nobody (no role {step.notify})"
            channels = " and ".join(c.value for c in step.channels) if step.channels else "preferred channel"
            condition = "".join(
                [f" (from {step.min_level.value})" if step.min_level else "",
                 f" (only {step.hours.start:%H:%M}-{step.hours.end:%H:%M})" if step.hours else ""]
            )  # fmt: skip
            lines.append(f"  step {position + 1}: {channels} {who} of {department.name}{condition}; "
                         f"then wait {format_duration(step.wait)}")  # fmt: skip
        if policy.repeat:
            lines.append(f"  then the steps again, {policy.repeat} more time(s), until acknowledged")
        lines.append(f"  {total_positions(snapshot)} steps at most before the dispatcher is told nobody acknowledged")
    return lines


def explain_escalation(org: Organisation, hazard: str, area: str, level: str, at: datetime) -> list[str]:
    """Who would be paged, when, by which channel and why, if a warning opened at `at` were never
    acknowledged: each engaged policy walked with the same step decisions the driver executes,
    with the rosters and shifts in force at each moment. Sends nothing."""
    warning_level = Level(level)
    resolved = _engaged(org, hazard, warning_level, area)
    if isinstance(resolved, str):
        return [resolved]
    area_name = org.areas[area].name if area in org.areas else area
    zone = at.tzinfo
    article = "an" if level[:1] in "aeiou" else "a"
    policies = ", ".join(policy.id for policy, _ in resolved)
    lines = [f"{article} {level} {hazard} warning in {area_name} ({area}) opened at {at.isoformat()}, "
             f"never acknowledged, engages {policies}:"]  # fmt: skip
    if len(resolved) > 1 and org.quorum_applies(warning_level):
        lines.append(f"  at {level} every engaged department must acknowledge (quorum); each escalates until it does")
    for policy, chain in resolved:
        snapshot = snapshot_policy(policy, chain)
        start = start_tier(snapshot, warning_level)
        lines.append(
            f" policy {policy.id} through {', '.join(chain)}" + (f", starting {start} tier(s) up" if start else "")
        )
        inform = plan_inform(snapshot, 0, warning_level, org, at)
        if inform is not None:
            lines.append(
                f"  {at.astimezone(zone):%H:%M}  inform {inform.person.name} ({inform.person.phone}): {inform.why}"
            )
        due = at
        for position in range(total_positions(snapshot)):
            outcome = decide_step(snapshot, 0, position, due, warning_level, org)
            when = due.astimezone(zone).strftime("%H:%M")
            if not outcome.pages:
                lines.append(f"  {when}  nobody paged: {outcome.summary}")
            for page in outcome.pages:
                lines.append(f"  {when}  {page.channel.value:<5} {page.person.name} ({page.person.phone}): {page.why}")
            assert outcome.next_at is not None
            due = outcome.next_at
        lines.append(f"  {due.astimezone(zone):%H:%M}  policy {policy.id} is exhausted: the dispatcher is told "
                     f"nobody acknowledged")  # fmt: skip
    return lines
