"""Decisions as data: every kind of decision is a typed event with a published JSON Schema, and its
words in English and Chinese come from one renderer."""

from __future__ import annotations

import enum
import json
import re
import types
import typing
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import ROOT
from warning import cli
from warning.decisions.events import (
    LOG_VERSION,
    Decision,
    Event,
    Evidence,
    PageTaken,
    decision_from,
    decision_schema,
)
from warning.decisions.render import LANGUAGES, Names, summary
from warning.domain import Channel
from warning.drills.runner import run_drill

EVENT_KINDS: list[type[Event]] = list(typing.get_args(typing.get_args(Decision)[0]))  # the union inside Annotated
CJK = re.compile(r"[\u4e00-\u9fff]")


def test_the_schema_command_prints_the_published_schema() -> None:
    result = CliRunner().invoke(cli.main, ["schema", "decisions"])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)
    jsonschema.Draft202012Validator.check_schema(printed)
    assert printed == decision_schema() and printed["$id"].endswith(f":{LOG_VERSION}")
    kinds = {definition["properties"]["kind"]["const"] for definition in printed["$defs"].values()
             if "kind" in definition.get("properties", {})}  # fmt: skip
    assert kinds == {cls.model_fields["kind"].default for cls in EVENT_KINDS}
    assert all("kind" in printed["$defs"][cls.__name__]["required"] for cls in EVENT_KINDS)


def test_every_decision_of_the_demo_fits_the_schema_and_reads_in_both_languages() -> None:
    result = run_drill(ROOT / "scenarios" / "riverside-flood.yaml")
    validator = jsonschema.Draft202012Validator(decision_schema())
    kinds = set()
    for decision in result.decisions:
        errors = [error.message for error in validator.iter_errors(decision["data"])]
        assert not errors, (decision["kind"], errors)
        event = decision_from(decision["data"])
        kinds.add(event.kind)
        assert decision["summary"] == summary(event)  # stored as rendered, never written at the call site
        for language in LANGUAGES:
            words = summary(event, language, result.names)
            assert words and "{" not in words, (event.kind, language, words)
        assert CJK.search(summary(event, "zh-CN", result.names)), event.kind
    assert {"incident_opened", "escalation_step_taken", "notification_sent", "incident_acknowledged",
            "quorum_progressed", "incident_lifted"} <= kinds  # fmt: skip


def _any_event(cls: type[Event]) -> st.SearchStrategy[Event]:
    """Events built from their own JSON Schema's types: whatever values a field allows."""
    return st.builds(cls, **{name: _strategy(field.annotation) for name, field in cls.model_fields.items()
                             if name != "kind"})  # fmt: skip


OFFSETS = st.sampled_from([UTC, timezone(timedelta(hours=8))])
SCALARS: dict[Any, st.SearchStrategy[Any]] = {
    str: st.text(max_size=20),
    int: st.integers(0, 10**6),
    float: st.floats(allow_nan=False, allow_infinity=False),
    bool: st.booleans(),
    type(None): st.none(),
    Evidence: st.builds(Evidence, reading=st.none(), certainty=st.just("Observed"), thresholds=st.just([]),
                        message=st.dictionaries(st.sampled_from(LANGUAGES), st.text(max_size=20))),
    PageTaken: st.builds(PageTaken, channels=st.lists(st.sampled_from(list(Channel)), max_size=2)),
}  # fmt: skip


def _strategy(annotation: Any) -> st.SearchStrategy[Any]:
    origin = typing.get_origin(annotation)
    if annotation in SCALARS:
        return SCALARS[annotation]
    if origin in (typing.Union, types.UnionType):
        return st.one_of(*(_strategy(arg) for arg in typing.get_args(annotation)))
    if origin is typing.Literal:
        return st.sampled_from(typing.get_args(annotation))
    if origin is list:
        return st.lists(_strategy(typing.get_args(annotation)[0]), max_size=3)
    if origin is tuple:
        return st.tuples(*(_strategy(arg) for arg in typing.get_args(annotation)))
    if origin is dict:
        return st.dictionaries(st.text(max_size=8), st.text(max_size=8), max_size=2)
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return st.sampled_from(list(annotation))
    # hypothesis bounds are naive; each drawn time gets one of OFFSETS
    earliest, latest = datetime(1971, 1, 1), datetime(8999, 1, 1)  # noqa: DTZ001
    return st.datetimes(min_value=earliest, max_value=latest, timezones=OFFSETS)


VALIDATOR = jsonschema.Draft202012Validator(decision_schema())


@pytest.mark.parametrize("cls", EVENT_KINDS, ids=lambda cls: cls.model_fields["kind"].default)
@settings(max_examples=20)
@given(data=st.data())
def test_every_kind_renders_in_both_languages_and_round_trips(cls: type[Event], data: st.DataObject) -> None:
    event = data.draw(_any_event(cls))
    stored = event.model_dump(mode="json")
    assert not list(VALIDATOR.iter_errors(stored))
    assert decision_from(stored) == event
    names = Names(people={"li-na": "Li Na"})
    for language in LANGUAGES:
        assert summary(event, language, names)
