"""Area codes: GB/T 2260 districts and, below them, 12-digit street and community codes; the tree
they imply; communities in rules, organisations and silences."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import ROOT, START, events_of, make_runtime
from warning.areas import area_prefix, level_of, normal_area_code, structural_parent, within
from warning.clock import VirtualClock
from warning.decisions.events import EscalationStarted
from warning.silences import SilenceRequest


@pytest.mark.parametrize(
    ("code", "prefix", "parent", "level"),
    [
        ("370000", "37", None, "province"),
        ("370100", "3701", "370000", "city"),
        ("370102", "370102", "370100", "district"),
        ("370102002000", "370102002", "370102", "street"),
        ("370102002001", "370102002001", "370102002000", "community"),
    ],
)
def test_the_tree_a_code_implies(code: str, prefix: str, parent: str | None, level: str) -> None:
    assert (area_prefix(code), structural_parent(code), level_of(code)) == (prefix, parent, level)


def test_codes_are_checked_and_kept_in_one_form() -> None:
    assert normal_area_code("370102000000") == "370102"  # a whole district, written in 12 digits
    for bad in ("3701", "37010200100", "37010200A001", "370102000001", "３７０１０２"):
        with pytest.raises(ValueError, match="area code"):
            normal_area_code(bad)


@given(st.from_regex(r"\A37\d{4}(\d{6})?\Z"))
def test_every_area_lies_within_each_of_its_ancestors(code: str) -> None:
    try:
        code = normal_area_code(code)
    except ValueError:
        return
    ancestor: str | None = code
    while ancestor is not None:
        assert within(code, ancestor)
        ancestor = structural_parent(ancestor)
    assert not within(code, "360000")


COMMUNITY_RULES = """hazard: flood
rules:
  - id: courtyard-water
    title: Standing water in a courtyard
    kind: water_depth
    stations:
      - id: WD-COMMUNITY-01
        name: Furong Street courtyard depth gauge
        area: "370102002001"
        levels:
          yellow: {above: 0.2, clear_below: 0.1}
"""


def _community_org(tmp_path: Path) -> Path:
    """The bundled organisation with a community, its grid worker (网格员) and a grid policy."""
    text = (ROOT / "org" / "jinan.yaml").read_text(encoding="utf-8")
    text = text.replace(
        '  - {code: "370102", name: Lixia District, name_zh: 历下区, parent: "370100"}\n',
        '  - {code: "370102", name: Lixia District, name_zh: 历下区, parent: "370100"}\n'
        '  - {code: "370102002001", name: Furong Street Community, parent: "370102"}\n',
    )
    text = text.replace(
        "departments:\n",
        "departments:\n"
        "  - id: grid-370102002001\n    name: Furong Street Community grid\n    kind: grid\n"
        '    area: "370102002001"\n    roster: {grid_worker: song-lan}\n',
        1,
    )
    text = text.replace(
        "people:\n",
        'people:\n  - {id: song-lan, name: Song Lan, phone: "+8613800000091", department: grid-370102002001}\n',
        1,
    )
    text = text.replace(
        "policies:\n",
        "policies:\n  - id: flood-grid\n    hazard: flood\n    department_kind: grid\n    steps:\n"
        "      - {notify: grid_worker, channels: [sms], wait: 15m}\n",
        1,
    )
    path = tmp_path / "org.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_community_station_pages_its_grid_worker_and_the_district(tmp_path: Path, sqlite_url: str) -> None:
    rules = tmp_path / "community.yaml"
    rules.write_text(COMMUNITY_RULES, encoding="utf-8")
    clock = VirtualClock(START)
    runtime = make_runtime(sqlite_url, clock, rules=(rules,), organisation=_community_org(tmp_path))
    try:
        runtime.engine.ingest_payload(
            {"sensor_id": "WD-COMMUNITY-01", "kind": "water_depth", "value": 0.3, "observed_at": START.isoformat()},
            "test",
        )
        (incident,) = runtime.store.incidents()
        assert incident.area == "370102002001"
        chains = {e.policy: e.departments for e in events_of(runtime.store, EscalationStarted)}
        # The grid worker of the community; the water bureaus from the district up (the community is
        # listed under its district; its street is not listed at all, and is not needed).
        assert chains["flood-grid"] == ["grid-370102002001"]
        assert chains["flood-water"] == ["water-370102", "water-370100", "water-370000"]
        paged = {(n.person_id, n.channel) for n in runtime.store.notifications()}
        assert ("song-lan", "sms") in paged and ("wang-wei", "sms") in paged
        # A district officer may silence one community of the district; not the next district.
        courtyard = SilenceRequest(area="370102002001", duration="1h", reason="drain works in the courtyard")
        silence = runtime.engine.add_silence("wang-wei", courtyard)
        assert silence.area == "370102002001"
        with pytest.raises(ValueError, match="outside your department's area"):
            elsewhere = SilenceRequest(area="370103001001", duration="1h", reason="not my district")
            runtime.engine.add_silence("wang-wei", elsewhere)
    finally:
        runtime.close()


def test_an_unlisted_community_escalates_through_the_tree_its_code_implies(tmp_path: Path, sqlite_url: str) -> None:
    rules = tmp_path / "community.yaml"
    rules.write_text(COMMUNITY_RULES.replace("370102002001", "370102005007"), encoding="utf-8")
    clock = VirtualClock(START)
    runtime = make_runtime(sqlite_url, clock, rules=(rules,))
    try:
        read_at = START + timedelta(minutes=1)
        runtime.engine.ingest_payload(
            {"sensor_id": "WD-COMMUNITY-01", "kind": "water_depth", "value": 0.3, "observed_at": read_at.isoformat()},
            "test",
        )
        chains = {e.policy: e.departments for e in events_of(runtime.store, EscalationStarted)}
        assert chains["flood-water"] == ["water-370102", "water-370100", "water-370000"]
    finally:
        runtime.close()
