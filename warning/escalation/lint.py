"""`warning escalation lint`: problems in escalation policies a planner should fix before a real night.

- Each policy is walked, with the driver's own step decisions, for every area whose departments it
  would use and every level it serves, as if nobody ever acknowledged: steps that reach nobody,
  policies that page nobody at all at some level (a loop with no exit but exhaustion), and plans
  the carrier would not deliver as written (the budget would hold pages back).
- Every role a policy pages is checked around the clock over a week in its department's time zone
  (shifts may leave hours uncovered), and around each DST change of the coming year: a shift that
  starts or ends at a wall time that does not exist or happens twice, or a gap the change opens.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from warning.dispatch.budget import CarrierBudget, earliest_allowed
from warning.domain import Level, format_duration, level_rank
from warning.escalation.org import DAYS, EVERY_MEMBER, Organisation
from warning.escalation.policy import decide_step, snapshot_policy, start_tier, total_positions

_T0 = datetime(2026, 1, 5, 10, tzinfo=UTC)  # a Monday; walks use offsets, the roster is checked separately
COVERAGE_STEP = timedelta(minutes=15)
DST_STEP = timedelta(minutes=5)


def lint_organisation(
    org: Organisation, budget: CarrierBudget | None = None, *, year_from: datetime = _T0
) -> list[str]:
    """Every problem found, in a stable order; `year_from` starts the year searched for DST changes."""
    problems = _walk_policies(org, budget or org.spec.carrier_budget.budget())
    problems += _roster_gaps(org)
    problems += _dst_problems(org, year_from)
    return sorted(set(problems), key=problems.index)


def _walk_policies(org: Organisation, budget: CarrierBudget) -> list[str]:
    problems: list[str] = []
    for policy in org.spec.policies:
        areas = sorted({d.area for d in org.departments.values() if d.kind == policy.department_kind})
        levels = [level for level in Level if level_rank(level) >= level_rank(policy.from_level)]
        reached: set[int] = set()
        for area in areas:
            chain = org.department_chain(policy.department_kind, area)
            snapshot = snapshot_policy(policy, chain)
            for level in levels:
                problems += _walk(org, budget, snapshot, area, level, reached)
        for index, step in enumerate(policy.steps):
            if areas and index not in reached:
                problems.append(f"policy {policy.id}, step {index + 1}: unreachable: no {policy.department_kind} "
                                f"department sits {step.up} tier(s) above the start in any area; remove it or "
                                f"lower `up`")  # fmt: skip
    return problems


def _walk(
    org: Organisation, budget: CarrierBudget, snapshot: dict[str, object], area: str, level: Level, reached: set[int]
) -> list[str]:
    problems: list[str] = []
    calls: dict[str, list[datetime]] = defaultdict(list)
    texts: dict[str, list[datetime]] = defaultdict(list)
    due = _T0
    paged = 0
    steps = len(snapshot["steps"])  # type: ignore[arg-type]
    for position in range(total_positions(snapshot)):
        outcome = decide_step(snapshot, 0, position, due, level, org)
        where = f"policy {snapshot['policy_id']}, area {area}, step {position % steps + 1}"
        if not outcome.pages and not outcome.beyond_top and not outcome.skipped:
            problems.append(f"{where}: {outcome.summary.split(': ', 1)[1]}")
        paged += len(outcome.pages)
        if not outcome.beyond_top:
            reached.add(position % steps)
        for page in outcome.pages:
            sent = calls[page.person.id] if page.channel.value == "voice" else texts[page.person.id]
            limits = budget.voice if page.channel.value == "voice" else [budget.identical_sms]
            allowed = earliest_allowed(sent, limits, due)
            if allowed > due:
                problems.append(
                    f"{where}: {page.channel.value} to {page.person.name} at +{format_duration(due - _T0)} "
                    f"exceeds the carrier budget; it would be held until +{format_duration(allowed - _T0)}"
                )
            if page.channel.value in ("voice", "sms"):
                sent.append(due)
        assert outcome.next_at is not None
        due = outcome.next_at
    if not paged:
        start = start_tier(snapshot, level)
        problems.append(f"policy {snapshot['policy_id']}, area {area}: a {level.value} warning pages nobody "
                        f"(every step is skipped or above the top tier, starting {start} tier(s) up); it only "
                        f"runs until exhausted")  # fmt: skip
    return problems


def _paged_roles(org: Organisation) -> dict[str, set[str]]:
    """Department id -> the roles some policy step pages there."""
    roles: dict[str, set[str]] = defaultdict(set)
    for policy in org.spec.policies:
        for dept in org.departments.values():
            if dept.kind == policy.department_kind:
                roles[dept.id] |= {s.notify for s in policy.steps if s.notify != EVERY_MEMBER} | {"duty_officer"}
    return roles


def _uncovered(
    org: Organisation, dept_id: str, role: str, start: datetime, end: datetime, step: timedelta
) -> list[datetime]:
    moments: list[datetime] = []
    at = start
    while at < end:
        if org.on_duty(dept_id, role, at, overrides=False) is None:
            moments.append(at)
        at += step
    return moments


def _spans(moments: list[datetime], step: timedelta) -> list[tuple[datetime, datetime]]:
    spans: list[tuple[datetime, datetime]] = []
    for at in moments:
        if spans and at - spans[-1][1] <= step:
            spans[-1] = (spans[-1][0], at)
        else:
            spans.append((at, at))
    return [(first, last + step) for first, last in spans]


def _roster_gaps(org: Organisation) -> list[str]:
    """Hours of the week (local time) when a paged role has nobody: shifts leave them uncovered."""
    problems: list[str] = []
    for dept_id, roles in _paged_roles(org).items():
        dept = org.departments[dept_id]
        if not dept.shifts:
            continue
        zone = org.zone(dept_id)
        monday = datetime(2026, 1, 5, tzinfo=zone).astimezone(UTC)  # a week with no DST change anywhere
        for role in sorted(roles & dept.roles()):
            gaps = _uncovered(org, dept_id, role, monday, monday + timedelta(days=7), COVERAGE_STEP)
            for first, last in _spans(gaps, COVERAGE_STEP):
                begins, ends = first.astimezone(zone), last.astimezone(zone)
                problems.append(f"department {dept_id}: nobody is {role.replace('_', ' ')} on "
                                f"{DAYS[begins.weekday()]} {begins:%H:%M} to {DAYS[ends.weekday()]} {ends:%H:%M} "
                                f"({zone.key}); a warning then would page nobody at this step")  # fmt: skip
    return problems


def _transitions(zone: ZoneInfo, start: datetime) -> list[datetime]:
    """UTC instants in the year from `start` where the zone's UTC offset changes."""
    found: list[datetime] = []
    at, end = start, start + timedelta(days=366)
    previous = at.astimezone(zone).utcoffset()
    while at < end:
        nxt = at + timedelta(hours=1)
        offset = nxt.astimezone(zone).utcoffset()
        if offset != previous:
            found.append(nxt)
            previous = offset
        at = nxt
    return found


def _dst_problems(org: Organisation, year_from: datetime) -> list[str]:
    problems: list[str] = []
    paged = _paged_roles(org)
    for dept_id, roles in paged.items():
        dept = org.departments[dept_id]
        if not dept.shifts:
            continue
        zone = org.zone(dept_id)
        for change in _transitions(zone, year_from.astimezone(UTC)):
            day = (change - timedelta(hours=1)).astimezone(zone).date()
            for index, shift in enumerate(dept.shifts):
                for name, wall in (("starts", shift.start), ("ends", shift.end)):
                    what = _odd_wall_time(datetime.combine(day, wall, zone))
                    if what:
                        problems.append(
                            f"department {dept_id}: shift {index + 1} {name} at {wall:%H:%M}, which {what} on {day} "
                            f"in {zone.key} (DST change); move it off the change hour"
                        )
            for role in sorted(roles & dept.roles()):
                gaps = _uncovered(org, dept_id, role, change - timedelta(hours=12), change + timedelta(hours=12),
                                  DST_STEP)  # fmt: skip
                # Only gaps the change opens: the same wall time a week earlier was covered.
                gaps = [at for at in gaps if _covered_week_before(org, dept_id, role, at, zone)]
                for first, last in _spans(gaps, DST_STEP):
                    problems.append(f"department {dept_id}: around the DST change of {day} in {zone.key} nobody is "
                                    f"{role.replace('_', ' ')} from {first.astimezone(zone):%H:%M %Z} to "
                                    f"{last.astimezone(zone):%H:%M %Z}")  # fmt: skip
    return problems


def _covered_week_before(org: Organisation, dept_id: str, role: str, at: datetime, zone: ZoneInfo) -> bool:
    local = at.astimezone(zone)
    before = datetime.combine(local.date() - timedelta(days=7), local.time(), zone)
    return org.on_duty(dept_id, role, before, overrides=False) is not None


def _odd_wall_time(local: datetime) -> str:
    """'does not exist' for a wall time in a DST gap, 'happens twice' for one in a fold, else ''."""
    exists = local.astimezone(UTC).astimezone(local.tzinfo).replace(tzinfo=None) == local.replace(tzinfo=None)
    if not exists:
        return "does not exist"
    if local.replace(fold=1).utcoffset() != local.replace(fold=0).utcoffset():
        return "happens twice"
    return ""
