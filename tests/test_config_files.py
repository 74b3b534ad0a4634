"""Configuration files as a careless or hostile planner writes them: every mistake is a
`file:line: message`, never a traceback or a hang, and the examples in the docs load as written."""

from __future__ import annotations

import copy
import math
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter
from ruamel.yaml import YAML

from notifiers.simulator.behaviour import SimulatorScript
from tests.conftest import ROOT, node_paths
from warning.drills.scenario import load_scenario
from warning.errors import ConfigFileError, FileProblem, ScenarioFileError
from warning.escalation.lint import lint_organisation
from warning.escalation.org import CarrierBudgetSpec, DepartmentSpec, PolicySpec, load_organisation
from warning.escalation.policy import explain_escalation
from warning.rulebook import load_rulebook
from warning.rulebook.testing import RuleTestFileSpec, run_rule_test_file
from warning.yamlfile import load_spec

ORG = ROOT / "org" / "jinan.yaml"


def _yaml(path: Path) -> Any:
    return YAML(typ="safe", pure=False).load(path.read_text(encoding="utf-8"))


def _dump(data: Any, path: Path) -> Path:
    yaml = YAML(typ="safe", pure=False)
    yaml.default_flow_style = False
    with path.open("w", encoding="utf-8") as file:
        yaml.dump(data, file)
    return path


def _problems(load: Callable[[], object]) -> list[FileProblem]:
    with pytest.raises(ConfigFileError) as caught:
        load()
    return caught.value.problems


def _line_of(path: Path, needle: str) -> int:
    return next(n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if needle in line)


# --- the classes found by trying -------------------------------------------------------------


def test_an_area_tree_with_a_loop_is_refused_at_the_parent_that_closes_it(tmp_path: Path) -> None:
    text = ORG.read_text(encoding="utf-8").replace(
        '{code: "370000", name: Shandong Province, name_zh: 山东省}',
        '{code: "370000", name: Shandong Province, name_zh: 山东省, parent: "370102"}',
    )
    path = tmp_path / "org.yaml"
    path.write_text(text, encoding="utf-8")
    problems = _problems(lambda: load_organisation(path))
    line = _line_of(path, 'code: "370000"')
    assert f"{path}:{line}: area 370000: its parents lead back to it (370000 -> 370102 -> 370100 -> 370000)" in [
        str(p).split(";")[0] for p in problems
    ]


def test_an_area_that_is_its_own_parent_is_refused(tmp_path: Path) -> None:
    text = ORG.read_text(encoding="utf-8").replace(
        '{code: "370102", name: Lixia District, name_zh: 历下区, parent: "370100"}',
        '{code: "370102", name: Lixia District, name_zh: 历下区, parent: "370102"}',
    )
    path = tmp_path / "org.yaml"
    path.write_text(text, encoding="utf-8")
    (problem,) = [p for p in _problems(lambda: load_organisation(path)) if "lead back" in p.message]
    assert problem.line == _line_of(path, 'code: "370102"') and "370102 -> 370102" in problem.message


@pytest.mark.timeout(60)
def test_lint_and_explain_finish_on_any_organisation_that_loads() -> None:
    """The walks up the tree end even on a tree built in memory with a loop (defence in depth)."""
    org = load_organisation(ORG)
    looped = org.spec.model_copy(
        update={
            "areas": [a.model_copy(update={"parent": "370102"}) if a.code == "370000" else a for a in org.spec.areas]
        }
    )
    from warning.escalation.org import organisation_of

    cyclic = organisation_of(looped, "")
    assert cyclic.department_chain("water", "370102") == ["water-370102", "water-370100", "water-370000"]
    from datetime import UTC, datetime

    assert lint_organisation(cyclic, year_from=datetime(2026, 1, 1, tzinfo=UTC)) is not None
    assert explain_escalation(cyclic, "flood", "370102", "red", datetime(2026, 7, 14, tzinfo=UTC))


@pytest.mark.parametrize(
    ("section", "key", "needle"),
    [
        ("areas", "code", 'code: "370102"'),
        ("departments", "id", "id: water-370100"),
        ("people", "id", "id: li-na"),
        ("policies", "id", "id: flood-traffic"),
    ],
)
def test_a_repeated_id_is_reported_at_the_repeat(tmp_path: Path, section: str, key: str, needle: str) -> None:
    data = _yaml(ORG)
    index = next(i for i, item in enumerate(data[section]) if f"{key}: " + str(item[key]) in needle.replace('"', ""))
    data[section].append(copy.deepcopy(data[section][index]))
    path = _dump(data, tmp_path / "org.yaml")
    problems = [p for p in _problems(lambda: load_organisation(path)) if "listed twice" in p.message]
    assert problems, "the repeat must be reported"
    assert problems[0].line > 1
    lines = path.read_text(encoding="utf-8").splitlines()
    assert str(data[section][index][key]) in lines[problems[0].line - 1]
    # the repeat, not the first: the last occurrence of that id in the file
    occurrences = [
        n for n, line in enumerate(lines, 1) if f"{key}: " in line and str(data[section][index][key]) in line
    ]
    assert problems[0].line == occurrences[-1]


def _scenario(tmp_path: Path, edit: Callable[[dict[str, Any]], None]) -> Path:
    data = _yaml(ROOT / "scenarios" / "riverside-flood.yaml")
    data["rules"] = [str(ROOT / "rules" / "flood.yaml")]
    data["organisation"] = str(ORG)
    edit(data)
    return _dump(data, tmp_path / "drill.yaml")


def test_an_inject_after_the_end_and_a_player_off_the_roster_are_reported_at_their_lines(tmp_path: Path) -> None:
    def edit(data: dict[str, Any]) -> None:
        data["injects"][3]["at"] = "9h"
        data["players"]["+8613900000009"] = {"sms": "deliver"}

    path = _scenario(tmp_path, edit)
    problems = _problems(lambda: load_scenario(path))
    lines = path.read_text(encoding="utf-8").splitlines()
    by_message = {p.message.split(" is ")[0]: p.line for p in problems}
    assert lines[by_message["inject 4 at 9:00:00"] - 1].strip() == "- at: 9h"
    assert "+8613900000009" in lines[by_message["player +8613900000009"] - 1]


@pytest.mark.parametrize("threshold", [".nan", ".inf", "-.inf", "1e999", "1e300"])
def test_a_threshold_that_is_not_a_finite_number_is_refused(tmp_path: Path, threshold: str) -> None:
    text = (ROOT / "tests" / "data" / "one-gauge.yaml").read_text(encoding="utf-8").replace("3.5", threshold)
    path = tmp_path / "flood.yaml"
    path.write_text(text, encoding="utf-8")
    (problem,) = _problems(lambda: load_rulebook([path]))
    assert problem.line == _line_of(path, threshold) and "yellow.above" in problem.message


def test_a_rule_test_with_an_infinite_value_is_refused_not_hung(tmp_path: Path) -> None:
    shutil.copy(ROOT / "tests" / "data" / "one-gauge.yaml", tmp_path / "flood.yaml")
    path = tmp_path / "gauge.test.yaml"
    path.write_text(
        "rule_files: [flood.yaml]\ntests:\n  - name: t\n    start: 2026-07-14T20:00:00+08:00\n    series:\n"
        "      - {sensor: G1, kind: water_level, every: 10m, values: [1.0, .inf]}\n    expect: []\n",
        encoding="utf-8",
    )
    (problem,) = _problems(lambda: run_rule_test_file(path))
    assert problem.line == 6 and "values.1" in problem.message


@pytest.mark.parametrize("duration", ["99999999999d", "3661d", "9" * 5000 + "s", "1.5h", "-5m"])
def test_a_duration_out_of_range_or_form_is_refused_with_its_line(tmp_path: Path, duration: str) -> None:
    def edit(data: dict[str, Any]) -> None:
        data["duration"] = duration

    path = _scenario(tmp_path, edit)
    problems = _problems(lambda: load_scenario(path))
    assert [p.line for p in problems] == [_line_of(path, "duration:")], problems
    assert "duration" in problems[0].message


BROKEN_FILES: dict[str, tuple[bytes, int, str]] = {
    "not UTF-8": (b"hazard: flood\n# caf\xe9\nrules: []\n", 2, "not UTF-8 text: byte 0xe9"),
    "binary with NUL": (b"hazard: flood\nrules:\x00\x01\x02\n", 2, "character U+0000 is not allowed"),
    "UTF-16": ("hazard: flood\n".encode("utf-16"), 1, "not UTF-8 text"),
    "deep flow nesting": (b"hazard: " + b"[" * 100_000 + b"]" * 100_000 + b"\n", 1, "nested more than 64"),
    "deep block nesting": (
        "".join("  " * i + f"k{i}:\n" for i in range(200)).encode() + b"  " * 200 + b"x\n",
        65,
        "nested more than 64",
    ),
    "an alias bomb": (
        (
            "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
            + "".join(f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]\n" for i in range(1, 10))
        ).encode(),
        7,
        "expands to more than",
    ),
    "a duplicate key": (b"hazard: flood\nhazard: gas\n", 2, "duplicate key"),
    "not a mapping": (b"- a\n- b\n", 1, "must be a YAML mapping"),
    "empty": (b"", 1, "must be a YAML mapping"),
}

LOADERS: dict[str, Callable[[Path], object]] = {
    "rules": lambda path: load_rulebook([path]),
    "organisation": load_organisation,
    "scenario": load_scenario,
    "rule test": run_rule_test_file,
    "simulator behaviour": lambda path: load_spec(path, SimulatorScript, ConfigFileError),
}


@pytest.mark.parametrize("kind", sorted(LOADERS))
@pytest.mark.parametrize("case", sorted(BROKEN_FILES))
def test_a_broken_file_of_any_kind_is_a_located_error(tmp_path: Path, kind: str, case: str) -> None:
    data, line, words = BROKEN_FILES[case]
    path = tmp_path / "broken.yaml"
    path.write_bytes(data)
    (problem,) = _problems(lambda: LOADERS[kind](path))
    assert (problem.path, problem.line) == (str(path), line) and words in problem.message, problem


def test_the_cli_reports_a_binary_file_and_exits_1_instead_of_a_traceback(tmp_path: Path) -> None:
    path = tmp_path / "org.yaml"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    done = subprocess.run(
        [sys.executable, "-m", "warning.cli", "escalation", "lint", "--organisation", str(path)],
        capture_output=True, text=True, timeout=60, check=False, cwd=ROOT,
    )  # fmt: skip
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.startswith(f"{path}:1: not UTF-8 text")


# --- the examples in the docs load as written ------------------------------------------------


def _yaml_blocks(readme: Path) -> list[tuple[int, Any]]:
    text = readme.read_text(encoding="utf-8")
    blocks = []
    for match in re.finditer(r"```yaml\n(.*?)```", text, re.S):
        line = text.count("\n", 0, match.start()) + 2
        try:
            blocks.append((line, YAML(typ="safe", pure=False).load(match.group(1))))
        except Exception as exc:  # the failure is the finding: report the block's line
            pytest.fail(f"{readme}:{line}: the example is not valid YAML: {exc}")
    return blocks


def test_the_organisation_examples_in_org_readme_load_as_written() -> None:
    (_, top), (_, departments), (_, policies) = _yaml_blocks(ROOT / "org" / "README.md")
    CarrierBudgetSpec.model_validate(top["carrier_budget"])
    TypeAdapter(list[DepartmentSpec]).validate_python(departments)
    PolicySpec.model_validate(policies[0])


def test_the_rule_examples_in_rules_readme_load_as_written(tmp_path: Path) -> None:
    blocks = dict(_yaml_blocks(ROOT / "rules" / "README.md"))
    rule_file, grouping, catalogue, selecting, compound, rule_tests = blocks.values()
    load_rulebook([_dump(rule_file, tmp_path / "flood.yaml")])
    (tmp_path / "grouping").mkdir()
    grouping_file = _dump(grouping, tmp_path / "grouping" / "flood.yaml")
    grouped = {rule.id: rule for rule in load_rulebook([grouping_file]).rules}
    assert grouped["stage"].group_key("HY-370102-01", "370102") == grouped["rise"].group_key("HY-370102-01", "370102")
    assert grouped["tributary"].group_key("HY-370102-09", "370102") == "flood/area=370102/group=xiaoqing-river"
    load_rulebook([_dump(catalogue, tmp_path / "stations.yaml"), _dump(selecting, tmp_path / "flood.yaml")])
    shutil.copy(ROOT / "rules" / "stations.yaml", tmp_path / "stations.yaml")
    for name in ("flood.yaml", "traffic.yaml"):
        shutil.copy(ROOT / "rules" / name, tmp_path / name)
    load_rulebook([tmp_path / "stations.yaml", tmp_path / "flood.yaml", tmp_path / "traffic.yaml",
                   _dump(compound, tmp_path / "compound.yaml")])  # fmt: skip
    RuleTestFileSpec.model_validate(rule_tests)


# --- fuzz: any value anywhere in a bundled file -----------------------------------------------

HOSTILE_VALUES = st.one_of(
    st.sampled_from(
        [
            math.nan,
            math.inf,
            -math.inf,
            1e308,
            -1e308,
            10**40,
            -1,
            0,
            "",
            "99999999999d",
            "0001-01-01T00:00:00+08:00",
            "9999-12-31T23:59:59-12:00",
            None,
            [],
            {},
            [[[[[]]]]],
            True,
            "\x00",
            "370102" * 100,
            "🌊",
        ]
    ),
    st.text(max_size=20),
    st.integers(),
    st.floats(),
)


def _mutated(original: Any, data: st.DataObject) -> Any:
    mutated = copy.deepcopy(original)
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(node_paths(mutated)))
        parent = mutated
        for part in path[:-1]:
            parent = parent[part]
        parent[path[-1]] = copy.deepcopy(data.draw(HOSTILE_VALUES))  # sampled values are shared objects
    return mutated


def _fuzz(tmp_path: Path, data: st.DataObject, original: Path, load: Callable[[Path], object]) -> None:
    mutated = _mutated(_yaml(original), data)
    path = tmp_path / original.name
    try:
        _dump(mutated, path)
    except Exception:  # a value YAML cannot write (a lone surrogate): nothing to load
        return
    try:
        load(path)
    except ConfigFileError as exc:
        for problem in exc.problems:
            whole_file = problem.message.startswith("cannot read file")  # line 0: the file as a whole
            assert problem.message.strip() and (problem.line >= 1 or whole_file) and problem.path, problem


FUZZ = settings(max_examples=100, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@FUZZ
@given(st.data())
def test_fuzz_organisation(tmp_path: Path, data: st.DataObject) -> None:
    _fuzz(tmp_path, data, ORG, load_organisation)


@FUZZ
@given(st.data())
def test_fuzz_rules(tmp_path: Path, data: st.DataObject) -> None:
    _fuzz(tmp_path, data, ROOT / "rules" / "flood.yaml", lambda path: load_rulebook([path]))


@FUZZ
@given(st.data())
def test_fuzz_station_catalogue(tmp_path: Path, data: st.DataObject) -> None:
    shutil.copy(ROOT / "rules" / "flood.yaml", tmp_path / "flood.yaml")
    _fuzz(tmp_path, data, ROOT / "rules" / "stations.yaml", lambda path: load_rulebook([path, tmp_path / "flood.yaml"]))


@FUZZ
@given(st.data())
def test_fuzz_scenario(tmp_path: Path, data: st.DataObject) -> None:
    original = _scenario(tmp_path, lambda _: None)
    shutil.move(original, tmp_path / "original.yaml")

    def load(path: Path) -> object:
        try:
            return load_scenario(path)
        except ScenarioFileError:
            raise
        except ConfigFileError as exc:  # a broken organisation or rule file it names: also located
            raise ScenarioFileError(exc.problems) from exc

    _fuzz(tmp_path, data, tmp_path / "original.yaml", load)


@FUZZ
@given(st.data())
def test_fuzz_rule_tests(tmp_path: Path, data: st.DataObject) -> None:
    tests = ROOT / "rules" / "tests" / "flood.test.yaml"
    original = _yaml(tests)
    original["rule_files"] = [str(ROOT / "rules" / "flood.yaml")]
    source = _dump(original, tmp_path / "source.test.yaml")
    _fuzz(tmp_path, data, source, run_rule_test_file)


@FUZZ
@given(st.data())
def test_fuzz_simulator_behaviour(tmp_path: Path, data: st.DataObject) -> None:
    _fuzz(tmp_path, data, ROOT / "tests" / "data" / "simulator-behaviour.yaml", LOADERS["simulator behaviour"])
