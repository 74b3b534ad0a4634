"""`warning escalation lint`: problems in escalation policies a planner should fix before a real night.

Each policy is walked, with the driver's own step decisions, for every area whose departments it
would use, as if nobody ever acknowledged: steps that reach nobody, and plans the carrier would not
deliver as written (the budget would hold pages back). (Every wait is positive by the file schema.)
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime

from warning.dispatch.budget import CarrierBudget, earliest_allowed
from warning.domain import format_duration
from warning.escalation.org import Organisation
from warning.escalation.policy import decide_step, snapshot_policy, total_positions

_T0 = datetime(2026, 1, 1, tzinfo=UTC)  # offsets only: the plan does not depend on the date


def lint_organisation(org: Organisation, budget: CarrierBudget | None = None) -> list[str]:
    budget = budget or CarrierBudget()
    problems: list[str] = []
    for policy in org.spec.policies:
        areas = sorted({d.area for d in org.departments.values() if d.kind == policy.department_kind})
        for area in areas:
            chain = org.department_chain(policy.department_kind, area)
            snapshot = snapshot_policy(policy, chain)
            calls: dict[str, list[datetime]] = defaultdict(list)
            texts: dict[str, list[datetime]] = defaultdict(list)
            due = _T0
            for position in range(total_positions(snapshot)):
                outcome = decide_step(snapshot, 0, position, due, org)
                where = f"policy {policy.id}, area {area}, step {position % len(policy.steps) + 1}"
                if not outcome.pages and not outcome.beyond_top:
                    problems.append(f"{where}: {outcome.summary.split(': ', 1)[1]}")
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
    return sorted(set(problems), key=problems.index)
