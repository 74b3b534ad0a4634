"""Compound warnings: judged from the member rules' open warnings in one area, as a pure function of
(compound, those warnings, now). The database holds the member warnings, so nothing is lost on a
restart and a replay judges exactly as live did."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from warning.catalogue import LANGUAGES, Local, both, clock_time, duration, pick
from warning.domain import Level, level_rank
from warning.rulebook.compiler import CompiledCompound
from warning.rulebook.reasons import level_name

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
    reasons: dict[str, str]  # by language
    due_at: datetime | None = None  # absence: when the answer's time runs out

    @property
    def reason(self) -> str:
        return self.reasons["en"]


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


def _codes(members: list[MemberWarning], names: Mapping[str, Local]) -> dict[str, str]:
    """'river-stage orange (F0001), rainfall-1h red (F0002)', each rule by its title in Chinese."""
    return _joined(
        [both("{rule} {level} ({code})", rule=_name(m.rule_id, names), code=m.code, level=level_name(m.level))
         for m in members]
    )  # fmt: skip


def _joined(words: list[dict[str, str]]) -> dict[str, str]:
    return {
        language: ("、" if language == "zh-CN" else ", ").join(w[language] for w in words) for language in LANGUAGES
    }


def _name(rule_id: str, names: Mapping[str, Local]) -> dict[str, str]:
    return {"en": rule_id, "zh-CN": pick(names.get(rule_id, rule_id), "zh-CN")}


def _span(within: timedelta) -> dict[str, str]:
    return {"en": str(within), "zh-CN": duration(within)["zh-CN"]}


def judge_compound(
    compound: CompiledCompound, warnings: list[MemberWarning], now: datetime, names: Mapping[str, Local] = {}
) -> CompoundVerdict:
    """`names`: the member rules' titles by language, for the reasons (English names each by its id)."""
    spec = compound.spec
    active = _strongest(warnings, compound)
    present = [active[m] for m in spec.members if m in active]
    within = spec.within
    first_rule = _name(spec.members[0], names)
    second_rule = _name(spec.members[1], names) if len(spec.members) > 1 else first_rule
    if spec.match == "any_of":
        if not present:
            return CompoundVerdict(None, (), both("no member warns any more"))
        return CompoundVerdict(_derived(compound, present), tuple(present),
                               both("member warnings: {codes}", codes=_codes(present, names)))  # fmt: skip
    if spec.match == "absence":
        assert within is not None
        first = active.get(spec.members[0])
        answer = active.get(spec.members[1])
        if first is None:
            return CompoundVerdict(None, (), both("{first} does not warn", first=first_rule))
        deadline = first.since + within
        if answer is not None and answer.since <= deadline:
            return CompoundVerdict(None, (), both("{second} followed {first} in time", first=first_rule,
                                                  second=second_rule))  # fmt: skip
        if now < deadline:
            waiting = both("waiting for {second} until {deadline}", second=second_rule,
                           deadline={"en": deadline.isoformat(), "zh-CN": clock_time(deadline)})  # fmt: skip
            return CompoundVerdict(None, (), waiting, deadline)
        return CompoundVerdict(
            _derived(compound, [first]), (first,),
            both("{first} warned ({code}) and {second} did not follow within {within}", first=first_rule,
                 code=first.code, second=second_rule, within=_span(within)),
        )  # fmt: skip
    if len(present) < len(spec.members):
        quiet = _joined([_name(m, names) for m in spec.members if m not in active])
        return CompoundVerdict(None, (), both("not every member warns: {missing} quiet", missing=quiet))
    assert within is not None
    starts = [m.since for m in present]
    if spec.match == "sequence" and any(b < a for a, b in itertools.pairwise(starts)):
        return CompoundVerdict(None, (), both("members did not start in the listed order"))
    if max(starts) - min(starts) > within:
        return CompoundVerdict(None, (), both("members started more than {within} apart", within=_span(within)))
    return CompoundVerdict(_derived(compound, present), tuple(present),
                           both("all members warn: {codes}", codes=_codes(present, names)))  # fmt: skip
