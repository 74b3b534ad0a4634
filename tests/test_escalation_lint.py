"""`warning escalation lint`: problems found by walking each policy as if nobody acknowledged."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import ROOT
from warning.escalation.lint import lint_organisation
from warning.escalation.org import load_organisation


def _org(tmp_path: Path, replace: dict[str, str]) -> Path:
    text = (ROOT / "org" / "jinan.yaml").read_text(encoding="utf-8")
    for old, new in replace.items():
        assert old in text, old
        text = text.replace(old, new)
    path = tmp_path / "org.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_bundled_organisation_is_clean() -> None:
    assert lint_organisation(load_organisation(ROOT / "org" / "jinan.yaml")) == []


STEP_INDENT = "\n      "
GAS_STEPS = STEP_INDENT.join(
    [
        "- {notify: duty_officer, channels: [sms, voice], wait: 5m}",
        "- {notify: deputy, channels: [voice], wait: 5m}",
    ]
)
CALL_TWICE = STEP_INDENT.join(
    [
        "- {notify: duty_officer, channels: [voice], wait: 30s}",
        "- {notify: duty_officer, channels: [voice], wait: 5m}",
    ]
)


def test_lint_finds_steps_reaching_nobody_and_budget_breaches(tmp_path: Path) -> None:
    path = _org(tmp_path, {
        # The city water bureau loses its deputy: a city-level flood's step 2 reaches nobody.
        "roster: {duty_officer: zhao-min, deputy: sun-hao}": "roster: {duty_officer: zhao-min}",
        GAS_STEPS: CALL_TWICE,  # gas calls the duty officer twice within a minute
    })  # fmt: skip
    problems = lint_organisation(load_organisation(path))
    nobody = "policy flood-water, area 370100, step 2: Jinan City Water Bureau has nobody as the deputy"
    assert any(p.startswith(nobody) for p in problems), problems
    budget = "policy gas-tunnel, area 370102, step 2: voice to Chen Gang at +30s exceeds the carrier budget"
    assert any(p.startswith(budget) and p.endswith("held until +1m") for p in problems), problems


def test_lint_finds_a_step_no_area_can_reach(tmp_path: Path) -> None:
    path = _org(tmp_path, {
        "      - {notify: duty_officer, up: 1, channels: [sms], wait: 15m}\n  - id: waterlogging-em":
        "      - {notify: duty_officer, up: 1, channels: [sms], wait: 15m}\n"
        "      - {notify: duty_officer, up: 3, channels: [sms], wait: 15m}\n  - id: waterlogging-em",
    })  # fmt: skip
    problems = lint_organisation(load_organisation(path))
    assert "policy traffic-road, step 4: unreachable: no traffic department sits 3 tier(s) above the start in any " \
           "area; remove it or lower `up`" in problems  # fmt: skip
