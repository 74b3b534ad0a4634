"""Duty rosters: shifts in a named time zone (right across DST changes), overrides, conditional
steps and whole-department steps; and what `warning escalation lint` says about gaps."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.conftest import ROOT
from warning.domain import Level
from warning.errors import OrganisationFileError
from warning.escalation.lint import lint_organisation
from warning.escalation.org import Organisation, load_organisation
from warning.escalation.policy import explain_escalation

JINAN = load_organisation(ROOT / "org" / "jinan.yaml")

LONDON = """time_zone: Europe/London
areas:
  - {code: "110000", name: Capital}
departments:
  - id: water-110000
    name: Water
    kind: water
    area: "110000"
    shifts:
      - {start: "08:00", end: "20:00", roles: {duty_officer: day-officer}}
      - {start: "20:00", end: "08:00", roles: {duty_officer: night-officer}}
    overrides:
      - {role: duty_officer, person: stand-in, start: "2026-07-01T09:00:00+01:00", end: "2026-07-01T12:00:00+01:00"}
people:
  - {id: day-officer, name: Day Officer, phone: "+4470000001", department: water-110000, language: en}
  - {id: night-officer, name: Night Officer, phone: "+4470000002", department: water-110000, language: en}
  - {id: stand-in, name: Stand In, phone: "+4470000003", department: water-110000, language: en}
policies:
  - id: flood-water
    hazard: flood
    department_kind: water
    steps:
      - {notify: duty_officer, channels: [sms], wait: 15m}
"""


def _org(tmp_path: Path, text: str) -> Organisation:
    path = tmp_path / "org.yaml"
    path.write_text(text, encoding="utf-8")
    return load_organisation(path)


def _on_duty(org: Organisation, dept: str, at: str, role: str = "duty_officer") -> str | None:
    person = org.on_duty(dept, role, datetime.fromisoformat(at))
    return person.id if person is not None else None


def test_shifts_follow_local_time_in_the_department_zone() -> None:
    # The Lixia traffic brigade: day shift 08:00-20:00 Beijing time, night shift after.
    assert _on_duty(JINAN, "traffic-370102", "2026-07-14T07:59:00+08:00") == "ma-li"
    assert _on_duty(JINAN, "traffic-370102", "2026-07-14T08:00:00+08:00") == "guo-qiang"
    assert _on_duty(JINAN, "traffic-370102", "2026-07-14T11:59:00+00:00") == "guo-qiang"  # 19:59 in Jinan
    assert _on_duty(JINAN, "traffic-370102", "2026-07-14T12:00:00+00:00") == "ma-li"
    assert _on_duty(JINAN, "traffic-370102", "2026-07-14T03:00:00+08:00", "deputy") == "guo-qiang"


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        # Spring forward, 29 March 2026 01:00 UTC: the night shift ends at 08:00 BST = 07:00 UTC.
        ("2026-03-29T06:59:00+00:00", "night-officer"),
        ("2026-03-29T07:00:00+00:00", "day-officer"),
        ("2026-03-28T07:59:00+00:00", "night-officer"),  # the day before, 08:00 GMT = 08:00 UTC
        ("2026-03-28T08:00:00+00:00", "day-officer"),
        # Fall back, 25 October 2026 01:00 UTC: 20:00 GMT the same evening = 20:00 UTC.
        ("2026-10-25T19:59:00+00:00", "day-officer"),
        ("2026-10-25T20:00:00+00:00", "night-officer"),
        ("2026-10-24T18:59:00+00:00", "day-officer"),  # 19:59 BST
        ("2026-10-24T19:00:00+00:00", "night-officer"),  # 20:00 BST
        # The repeated hour after the change is still the night shift.
        ("2026-10-25T00:30:00+00:00", "night-officer"),
        ("2026-10-25T01:30:00+00:00", "night-officer"),
    ],
)
def test_shift_changes_stay_on_the_wall_clock_across_dst(tmp_path: Path, at: str, expected: str) -> None:
    assert _on_duty(_org(tmp_path, LONDON), "water-110000", at) == expected


def test_an_override_wins_over_the_shift_for_its_hours_only(tmp_path: Path) -> None:
    org = _org(tmp_path, LONDON)
    assert _on_duty(org, "water-110000", "2026-07-01T08:59:00+01:00") == "day-officer"
    assert _on_duty(org, "water-110000", "2026-07-01T09:00:00+01:00") == "stand-in"
    assert _on_duty(org, "water-110000", "2026-07-01T12:00:00+01:00") == "day-officer"


def test_lint_finds_hours_nobody_covers_and_shift_edges_inside_a_dst_change(tmp_path: Path) -> None:
    text = LONDON.replace('{start: "20:00", end: "08:00", roles: {duty_officer: night-officer}}',
                          '{start: "20:00", end: "01:30", roles: {duty_officer: night-officer}}')  # fmt: skip
    text = text.replace('{start: "08:00", end: "20:00", roles: {duty_officer: day-officer}}',
                        '{start: "08:00", end: "20:00", roles: {duty_officer: day-officer}}\n'
                        '      - {start: "02:30", end: "08:00", days: [mon, tue, wed, thu, fri], '
                        'roles: {duty_officer: stand-in}}')  # fmt: skip
    problems = lint_organisation(_org(tmp_path, text), year_from=datetime(2026, 1, 1, tzinfo=UTC))
    assert "department water-110000: nobody is duty officer on tue 01:30 to tue 02:30 (Europe/London); " \
           "a warning then would page nobody at this step" in problems  # fmt: skip
    assert any(
        p.startswith("department water-110000: nobody is duty officer on sat 01:30 to sat 08:00") for p in problems
    )
    # London's clocks skip 01:00-02:00 on 29 March and repeat it on 25 October.
    assert "department water-110000: shift 3 ends at 01:30, which happens twice on 2026-10-25 in Europe/London " \
           "(DST change); move it off the change hour" in problems  # fmt: skip
    assert any("shift 3 ends at 01:30, which does not exist on 2026-03-29" in p for p in problems)
    # The night shift ends at the first 01:30 (BST): the repeated half hour (GMT) has nobody.
    assert "department water-110000: around the DST change of 2026-10-25 in Europe/London nobody is duty officer " \
           "from 01:00 GMT to 01:30 GMT" in problems  # fmt: skip
    assert not any("starts at 02:30" in p for p in problems)


def test_the_bundled_shifts_cover_every_hour() -> None:
    assert not [p for p in lint_organisation(JINAN) if "nobody is" in p]


def test_conditional_steps_and_whole_department_steps() -> None:
    afternoon = explain_escalation(
        JINAN, "waterlogging", "370102", "blue", datetime.fromisoformat("2026-07-14T14:00+08:00")
    )
    night = explain_escalation(
        JINAN, "waterlogging", "370102", "blue", datetime.fromisoformat("2026-07-14T21:50+08:00")
    )
    # Step 3 of waterlogging-water calls the city only between 22:00 and 07:00 Jinan time.
    assert any(
        "step 3 of 4 of policy waterlogging-water: skipped, it applies 22:00-07:00" in line for line in afternoon
    )
    assert any("voice Zhao Min" in line and "step 3 of 4 of policy waterlogging-water" in line for line in night)
    # Step 2 of waterlogging-traffic texts every member of the brigade.
    members = [line for line in afternoon if "step 2 of 3 of policy waterlogging-traffic" in line]
    assert {"Guo Qiang", "Ma Li"} <= {name for line in members for name in ("Guo Qiang", "Ma Li") if name in line}
    assert JINAN.quorum_applies(Level.orange) and not JINAN.quorum_applies(Level.yellow)


def test_roster_mistakes_are_reported_with_their_lines(tmp_path: Path) -> None:
    text = LONDON.replace("time_zone: Europe/London", "time_zone: Europe/Londres")
    text = text.replace('{start: "08:00", end: "20:00", roles: {duty_officer: day-officer}}',
                        '{start: "8am", end: "20:00", roles: {duty_officer: day-oficer}}')  # fmt: skip
    text = text.replace("role: duty_officer, person: stand-in", "role: captain, person: stand-in")
    path = tmp_path / "org.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(OrganisationFileError) as caught:
        load_organisation(path)
    messages = [str(p) for p in caught.value.problems]
    assert (
        f"{path}:1: time_zone: unknown time zone 'Europe/Londres'; use an IANA name such as Asia/Shanghai" in messages
    )
    assert any(m.startswith(f"{path}:10: ") and "'8am' is not a local time; write it as HH:MM" in m for m in messages)
    # Cross-references are checked once the file's shape is right.
    fixed = text.replace("Europe/Londres", "Europe/London").replace('"8am"', '"08:00"')
    path.write_text(fixed, encoding="utf-8")
    with pytest.raises(OrganisationFileError) as caught:
        load_organisation(path)
    messages = [str(p) for p in caught.value.problems]
    assert f"{path}:10: department water-110000: role duty_officer names unknown person 'day-oficer'; " \
           "add them under people" in messages  # fmt: skip
    assert f"{path}:13: department water-110000: override of role 'captain', which no shift or roster of it has" \
        in messages  # fmt: skip
