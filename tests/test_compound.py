"""Compound judgement: all_of, any_of, sequence, absence, derived levels."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from warning.domain import Level
from warning.rulebook.compiler import CompiledCompound
from warning.rulebook.compound import MemberWarning, judge_compound
from warning.rulebook.spec import CompoundSpec

T0 = datetime(2026, 7, 14, 12, tzinfo=UTC)


def _compound(**spec: Any) -> CompiledCompound:
    return CompiledCompound("flood", CompoundSpec.model_validate({"id": "c", "title": "C", **spec}), "test")


def _warn(rule: str, level: Level, minute: int) -> MemberWarning:
    return MemberWarning(rule, "370102", level, T0 + timedelta(minutes=minute), f"{rule}-code")


Y, OR, R = Level.yellow, Level.orange, Level.red


@pytest.mark.parametrize(
    ("level_rule", "warnings", "expected"),
    [
        ("highest", [("a", Y, 0), ("b", OR, 30)], OR),
        ("agree_up", [("a", Y, 0), ("b", Y, 30)], OR),  # independent signals agree: one level up
        ("agree_up", [("a", Y, 0), ("b", OR, 30)], OR),  # no agreement: the highest
        ("agree_up", [("a", R, 0), ("b", R, 30)], R),  # nothing above red
        ("highest", [("a", Y, 0), ("b", Y, 61)], None),  # started too far apart
        ("highest", [("a", Y, 0)], None),  # a member is quiet
    ],
)
def test_all_of(level_rule: str, warnings: list[tuple[str, Level, int]], expected: Level | None) -> None:
    compound = _compound(match="all_of", members=["a", "b"], within="1h", level=level_rule)
    verdict = judge_compound(compound, [_warn(*w) for w in warnings], T0 + timedelta(hours=2))
    assert verdict.level == expected, verdict.reason


def test_min_level_ignores_weaker_member_warnings() -> None:
    compound = _compound(match="all_of", members=["a", "b"], within="1h", min_level="orange")
    assert judge_compound(compound, [_warn("a", OR, 0), _warn("b", Y, 5)], T0).level is None
    assert judge_compound(compound, [_warn("a", OR, 0), _warn("b", R, 5)], T0).level is R


def test_any_of_and_sequence() -> None:
    any_of = _compound(match="any_of", members=["a", "b"])
    assert judge_compound(any_of, [_warn("b", Y, 0)], T0).level is Y
    assert judge_compound(any_of, [], T0).level is None
    sequence = _compound(match="sequence", members=["a", "b"], within="30m")
    assert judge_compound(sequence, [_warn("a", Y, 0), _warn("b", Y, 20)], T0).level is Y
    assert judge_compound(sequence, [_warn("a", Y, 20), _warn("b", Y, 0)], T0).level is None  # wrong order
    assert judge_compound(sequence, [_warn("a", Y, 0), _warn("b", Y, 40)], T0).level is None  # too late


def test_absence_fires_when_the_answer_does_not_come_in_time() -> None:
    compound = _compound(match="absence", members=["leak", "ventilation"], within="10m")
    leak = _warn("leak", OR, 0)
    waiting = judge_compound(compound, [leak], T0 + timedelta(minutes=9))
    assert waiting.level is None and waiting.due_at == T0 + timedelta(minutes=10)
    fired = judge_compound(compound, [leak], T0 + timedelta(minutes=10))
    assert fired.level is OR and "did not follow within" in fired.reason
    answered = judge_compound(compound, [leak, _warn("ventilation", Y, 8)], T0 + timedelta(minutes=30))
    assert answered.level is None
