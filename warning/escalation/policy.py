"""Escalation policy snapshots and pure step decisions.

The policy is frozen onto the incident when it opens (a later edit of the organisation file does
not change an escalation under way). A step is decided from (snapshot, position, due time) alone;
the driver persists the outcome and arms the next wake-up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from warning.domain import Channel, Person, format_duration
from warning.escalation.org import Organisation, PolicySpec


@dataclass(frozen=True, slots=True)
class PlannedPage:
    """One page a step asks for, with its idempotency key and the reason it is sent."""

    key: str
    person: Person
    department_id: str
    channel: Channel
    why: str


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


def snapshot_policy(policy: PolicySpec, department_chain: list[str]) -> dict[str, Any]:
    """The policy as JSON, with the departments each tier resolves to when the incident opens."""
    return {
        "policy_id": policy.id,
        "hazard": policy.hazard,
        "department_kind": policy.department_kind,
        "repeat": policy.repeat,
        "departments": department_chain,
        "steps": [
            {
                "notify": step.notify,
                "channels": [channel.value for channel in step.channels],
                "wait_seconds": int(step.wait.total_seconds()),
                "up": step.up,
            }
            for step in policy.steps
        ],
    }


def total_positions(snapshot: dict[str, Any]) -> int:
    return len(snapshot["steps"]) * (int(snapshot["repeat"]) + 1)


def decide_step(
    snapshot: dict[str, Any], incident_id: int, position: int, due_at: datetime, org: Organisation
) -> StepOutcome:
    """What step `position` (counting across repeats) does, and when the next one is due."""
    steps = snapshot["steps"]
    chain: list[str] = snapshot["departments"]
    step = steps[position % len(steps)]
    round_number = position // len(steps)
    ordinal = f"step {position % len(steps) + 1} of {len(steps)}"
    if round_number:
        ordinal += f", round {round_number + 1}"
    wait = timedelta(seconds=int(step["wait_seconds"]))
    tier = int(step["up"])
    if tier >= len(chain):
        top = chain[-1]
        summary = (f"{ordinal} of policy {snapshot['policy_id']}: no {snapshot['department_kind']} department "
                   f"{tier} tier(s) above this incident's; skipped")  # fmt: skip
        return StepOutcome((), summary, position + 1, due_at + wait, len(chain) - 1, top, beyond_top=True)
    department_id = chain[tier]
    department = org.departments[department_id]
    pages: list[PlannedPage] = []
    person = org.on_duty(department_id, step["notify"])
    role = step["notify"].replace("_", " ")
    if person is None:
        summary = (
            f"{ordinal} of policy {snapshot['policy_id']}: {department.name} has nobody in role "
            f"'{role}'; no page sent, moving on"
        )
    else:
        channels = [Channel(name) for name in step["channels"]]
        for channel in channels:
            pages.append(
                PlannedPage(
                    key=f"incident:{incident_id}:position:{position}:{person.id}:{channel.value}",
                    person=person,
                    department_id=department_id,
                    channel=channel,
                    why=f"{ordinal} of policy {snapshot['policy_id']}: {channel.value} the {role} of {department.name}",
                )
            )
        summary = (
            f"{ordinal} of policy {snapshot['policy_id']}: "
            f"{' and '.join(c.value for c in channels)} {person.name}, {role} of {department.name}"
        )
    next_position = position + 1
    # Even after the last step we wait once more: the driver declares the policy exhausted only
    # when that final wait has passed without an acknowledgement.
    return StepOutcome(tuple(pages), summary, next_position, due_at + wait, tier, department_id)


def _policy_and_chain(org: Organisation, hazard: str, area: str) -> tuple[PolicySpec, list[str]] | str:
    """The hazard's policy and the departments it would use for `area`, or why nobody would be paged."""
    policy = org.policy_for(hazard)
    if policy is None:
        return f"no escalation policy covers hazard '{hazard}': nobody would be paged"
    chain = org.department_chain(policy.department_kind, area)
    if not chain:
        return f"policy {policy.id}: no {policy.department_kind} department covers area {area}: nobody would be paged"
    return policy, chain


def describe_policy(org: Organisation, hazard: str, area: str) -> list[str]:
    """Who the policy for `hazard` would page for an incident in `area`, step by step."""
    resolved = _policy_and_chain(org, hazard, area)
    if isinstance(resolved, str):
        return [resolved]
    policy, chain = resolved
    lines = [f"policy {policy.id} for area {area}, through {', '.join(chain)}:"]
    snapshot = snapshot_policy(policy, chain)
    for position in range(len(policy.steps)):
        step = policy.steps[position]
        if step.up >= len(chain):
            lines.append(f"  step {position + 1}: no department {step.up} tier(s) up: skipped")
            continue
        department = org.departments[chain[step.up]]
        person = org.on_duty(department.id, step.notify)
        who = f"{person.name} ({step.notify.replace('_', ' ')})" if person else f"nobody in role {step.notify}"
        lines.append(f"  step {position + 1}: {' and '.join(c.value for c in step.channels)} {who} of "
                     f"{department.name}; then wait {format_duration(step.wait)}")  # fmt: skip
    if policy.repeat:
        lines.append(f"  then the steps again, {policy.repeat} more time(s), until acknowledged")
    total = total_positions(snapshot)
    lines.append(f"  {total} steps at most before the dispatcher is told nobody acknowledged")
    return lines


def explain_escalation(org: Organisation, hazard: str, area: str, level: str, at: datetime) -> list[str]:
    """Who would be paged, when, by which channel and why, if a warning opened at `at` were never
    acknowledged: the policy walked with the same step decisions the driver executes. Sends nothing."""
    resolved = _policy_and_chain(org, hazard, area)
    if isinstance(resolved, str):
        return [resolved]
    policy, chain = resolved
    area_name = org.areas[area].name if area in org.areas else area
    zone = at.tzinfo
    article = "an" if level[:1] in "aeiou" else "a"
    opened = f"{article} {level} {hazard} warning in {area_name} ({area}) opened at {at.isoformat()}"
    lines = [f"{opened}, never acknowledged, follows policy {policy.id} through {', '.join(chain)}:"]
    snapshot = snapshot_policy(policy, chain)
    due = at
    for position in range(total_positions(snapshot)):
        outcome = decide_step(snapshot, 0, position, due, org)
        when = due.astimezone(zone).strftime("%H:%M")
        if not outcome.pages:
            lines.append(f"  {when}  nobody paged: {outcome.summary}")
        for page in outcome.pages:
            lines.append(f"  {when}  {page.channel.value:<5} {page.person.name} ({page.person.phone}): {page.why}")
        assert outcome.next_at is not None
        due = outcome.next_at
    lines.append(f"  {due.astimezone(zone).strftime('%H:%M')}  the policy is exhausted: the dispatcher is told "
                 f"nobody acknowledged")  # fmt: skip
    return lines
