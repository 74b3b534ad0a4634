"""The bundled rule library ships with its unit tests; they must pass, and a wrong expectation must fail."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT
from warning.rulebook.testing import find_test_files, run_rule_test_file

TEST_FILES = find_test_files([ROOT / "rules" / "tests"])


def test_every_bundled_rule_file_has_tests() -> None:
    tested = {path.name.removesuffix(".test.yaml") for path in TEST_FILES}
    rule_files = {path.stem for path in (ROOT / "rules").glob("*.yaml")} - {"stations"}  # the catalogue
    assert rule_files <= tested


@pytest.mark.parametrize("path", TEST_FILES, ids=lambda path: path.name)
def test_bundled_rule_tests_pass(path: Path) -> None:
    for result in run_rule_test_file(path):
        assert result.passed, (result.name, result.missing, result.unexpected)


def test_a_wrong_expectation_fails_with_what_differs(tmp_path: Path) -> None:
    path = tmp_path / "wrong.test.yaml"
    path.write_text(
        f"rule_files: [{ROOT / 'rules' / 'flood.yaml'}]\n"
        "tests:\n"
        "  - name: expects orange where there is yellow\n"
        "    start: 2026-07-14T20:00:00+08:00\n"
        "    series:\n"
        "      - {sensor: HY-370102-01, kind: water_level, every: 10m, values: [3.0, 3.6]}\n"
        "    expect:\n"
        "      - {at: 10m, rule: river-stage, station: HY-370102-01, level: orange}\n",
        encoding="utf-8",
    )
    done = subprocess.run(
        [sys.executable, "-m", "warning.cli", "rules", "test", str(path)],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 1
    assert f"FAIL {path}:3: expects orange where there is yellow" in done.stdout
    assert "expected but not detected: +10m river-stage HY-370102-01 -> orange" in done.stdout
    assert "detected but not expected: +10m river-stage HY-370102-01 -> yellow" in done.stdout
