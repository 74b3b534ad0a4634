"""Compound warnings: judged from the member rules' open warnings in one area, as a pure function of
(compound, those warnings, now). The database holds the member warnings, so nothing is lost on a
restart and a replay judges exactly as live did."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import datetime

from warning.domain import Level, level_rank
from warning.rulebook.compiler import CompiledCompound

_LEVELS = (Level.blue, Level.yellow, Level.orange, Level.red)


@dataclass(frozen=True, slots=True)
class MemberWarning:
    """An open warning of a member rule: the strongest one of that rule in the area counts."""

    rule_id: str
    area: str
    level: Level
    since: datetime
    code: str


@dataclass(frozen=True, slots=True)
class CompoundVerdict:
    level: Level | None
    members: tuple[MemberWarning, ...]
    reason: str
    due_at: datetime | None = None  # absence: when the answer's time runs out


def compound_key(compound_id: str, area: str) -> str:
    return f"{compound_id}:{area}"


def _strongest(warnings: list[MemberWarning], compound: CompiledCompound) -> dict[str, MemberWarning]:
    best: dict[str, MemberWarning] = {}
    for warning in warnings:
        if warning.rule_id not in compound.spec.members or level_rank(warning.level) < compound.spec.min_level.rank:
            continue
        held = best.get(warning.rule_id)
        if held is None or (level_rank(warning.level), -warning.since.timestamp()) > (
            level_rank(held.level), -held.since.timestamp()
        ):  # fmt: skip
            best[warning.rule_id] = warning
    return best


def _derived(compound: CompiledCompound, members: list[MemberWarning]) -> Level:
    highest = max((m.level for m in members), key=lambda level: level.rank)
    agree = len({m.level for m in members}) == 1 and len(members) > 1
    if compound.spec.level == "agree_up" and agree and highest is not Level.red:
        return _LEVELS[highest.rank]  # rank is 1-based: the next level up
    return highest


def _codes(members: list[MemberWarning]) -> str:
    return ", ".join(f"{m.rule_id} {m.level.value} ({m.code})" for m in members)


def judge_compound(compound: CompiledCompound, warnings: list[MemberWarning], now: datetime) -> CompoundVerdict:
    spec = compound.spec
    active = _strongest(warnings, compound)
    present = [active[m] for m in spec.members if m in active]
    within = spec.within
    if spec.match == "any_of":
        if not present:
            return CompoundVerdict(None, (), "no member warns any more")
        return CompoundVerdict(_derived(compound, present), tuple(present), f"member warnings: {_codes(present)}")
    if spec.match == "absence":
        assert within is not None
        first = active.get(spec.members[0])
        answer = active.get(spec.members[1])
        if first is None:
            return CompoundVerdict(None, (), f"{spec.members[0]} does not warn")
        deadline = first.since + within
        if answer is not None and answer.since <= deadline:
            return CompoundVerdict(None, (), f"{spec.members[1]} followed {spec.members[0]} in time")
        if now < deadline:
            return CompoundVerdict(None, (), f"waiting for {spec.members[1]} until {deadline.isoformat()}", deadline)
        return CompoundVerdict(
            _derived(compound, [first]), (first,),
            f"{spec.members[0]} warned ({first.code}) and {spec.members[1]} did not follow within {within}",
        )  # fmt: skip
    if len(present) < len(spec.members):
        missing = [m for m in spec.members if m not in active]
        return CompoundVerdict(None, (), f"not every member warns: {', '.join(missing)} quiet")
    assert within is not None
    starts = [m.since for m in present]
    if spec.match == "sequence" and any(b < a for a, b in itertools.pairwise(starts)):
        return CompoundVerdict(None, (), "members did not start in the listed order")
    if max(starts) - min(starts) > within:
        return CompoundVerdict(None, (), f"members started more than {within} apart")
    return CompoundVerdict(_derived(compound, present), tuple(present), f"all members warn: {_codes(present)}")
