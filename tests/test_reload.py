"""Reloads (`kill -HUP`): whatever is wrong with the new files, the running rules and organisation
stay in force, the refusal is in the decision log with every problem's line, and warnings go on
opening."""

from __future__ import annotations

import json
import signal
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import ROOT, START, make_runtime, reading, start_live_engine
from tests.test_config_files import BROKEN_FILES
from warning.app import Runtime
from warning.clock import VirtualClock
from warning.escalation.org import load_organisation
from warning.rulebook import load_rulebook
from warning.store import Store

# What must be refused on top of files that are not YAML at all: content that loads but must not run.
ORG_TEXT = (ROOT / "org" / "jinan.yaml").read_text(encoding="utf-8")
RULES_TEXT = (ROOT / "rules" / "flood.yaml").read_text(encoding="utf-8")
BAD_ORGANISATIONS = {name: data for name, (data, _, _) in BROKEN_FILES.items()} | {
    "a loop in the area tree": ORG_TEXT.replace(
        '{code: "370000", name: Shandong Province, name_zh: 山东省}',
        '{code: "370000", name: Shandong Province, name_zh: 山东省, parent: "370102"}',
    ).encode(),
}
assert ".inf" not in RULES_TEXT
BAD_RULES = {name: data for name, (data, _, _) in BROKEN_FILES.items()} | {
    "an infinite threshold": RULES_TEXT.replace(
        "{above: 0.50, clear_below: 0.20}", "{above: .inf, clear_below: 0.20}"
    ).encode(),
    "a NaN threshold": RULES_TEXT.replace(
        "{above: 0.50, clear_below: 0.20}", "{above: 0.5, clear_below: .nan}"
    ).encode(),
}


@pytest.fixture
def live(tmp_path: Path, sqlite_url: str) -> Iterator[tuple[Runtime, VirtualClock, Path, Path]]:
    clock = VirtualClock(START)
    rules, org = tmp_path / "flood.yaml", tmp_path / "org.yaml"
    rules.write_text(RULES_TEXT, encoding="utf-8")
    (tmp_path / "stations.yaml").write_text((ROOT / "rules" / "stations.yaml").read_text(encoding="utf-8"))
    org.write_text(ORG_TEXT, encoding="utf-8")
    runtime = make_runtime(sqlite_url, clock, rules=(rules,), organisation=org)
    try:
        yield runtime, clock, rules, org
    finally:
        runtime.close()


def _warning_opens(runtime: Runtime, clock: VirtualClock) -> None:
    clock.advance_to(START + timedelta(minutes=1))
    runtime.engine.ingest_payload(reading(3.7, START + timedelta(minutes=1)), "test")
    assert [(row.rule_id, row.status) for row in runtime.store.incidents()] == [("river-stage", "open")]


@pytest.mark.parametrize("case", sorted(BAD_ORGANISATIONS))
def test_a_bad_organisation_reload_is_refused_and_the_running_one_stays(
    live: tuple[Runtime, VirtualClock, Path, Path], case: str
) -> None:
    runtime, clock, _, org = live
    version = runtime.engine.org.version
    org.write_bytes(BAD_ORGANISATIONS[case])
    assert not runtime.engine.reload_organisation(lambda: load_organisation(org), "org.yaml")
    assert runtime.engine.org.version == version
    (refused,) = [row for row in runtime.store.decisions() if row.kind == "organisation_reload_refused"]
    assert all(problem.startswith(f"{org}:") for problem in refused.data["problems"]), refused.data
    _warning_opens(runtime, clock)


@pytest.mark.parametrize("case", sorted(BAD_RULES))
def test_a_bad_rules_reload_is_refused_and_the_running_rules_stay(
    live: tuple[Runtime, VirtualClock, Path, Path], case: str
) -> None:
    runtime, clock, rules, _ = live
    rules.write_bytes(BAD_RULES[case])
    assert not runtime.engine.reload_rules(lambda: load_rulebook([rules]))
    (refused,) = [row for row in runtime.store.decisions() if row.kind == "rules_reload_refused"]
    assert all(problem.startswith(f"{rules}:") for problem in refused.data["problems"]), refused.data
    _warning_opens(runtime, clock)


def test_kill_hup_with_broken_files_keeps_the_live_engine_running(tmp_path: Path) -> None:
    """The live process, signalled while it ingests: each broken reload is refused, and a reading
    sent afterwards still opens a warning and pages."""
    rules, org = tmp_path / "flood.yaml", tmp_path / "org.yaml"
    rules.write_text(RULES_TEXT, encoding="utf-8")
    (tmp_path / "stations.yaml").write_text((ROOT / "rules" / "stations.yaml").read_text(encoding="utf-8"))
    org.write_text(ORG_TEXT, encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'live.db'}"
    process, _ = start_live_engine({"WARNING_DATABASE_URL": url, "WARNING_RULES": str(rules),
                                    "WARNING_ORGANISATION": str(org)})  # fmt: skip
    assert process.stdin is not None
    try:
        for org_bytes, rule_bytes in [
            (BAD_ORGANISATIONS["not UTF-8"], BAD_RULES["deep flow nesting"]),
            (BAD_ORGANISATIONS["deep block nesting"], BAD_RULES["binary with NUL"]),
            (BAD_ORGANISATIONS["a loop in the area tree"], BAD_RULES["an infinite threshold"]),
        ]:
            org.write_bytes(org_bytes)
            rules.write_bytes(rule_bytes)
            process.send_signal(signal.SIGHUP)
            time.sleep(0.5)
            assert process.poll() is None, process.stderr.read() if process.stderr else ""
        now = datetime.now(UTC).isoformat()
        line = {"sensor_id": "HY-370102-01", "kind": "water_level", "value": 3.9, "observed_at": now}
        process.stdin.write(json.dumps(line).encode() + b"\n")
        process.stdin.flush()
        deadline, kinds = time.monotonic() + 30, []
        while time.monotonic() < deadline and "notification_sent" not in kinds:
            time.sleep(0.2)
            store = Store(url)
            kinds = [row.kind for row in store.decisions()]
            store.dispose()
        assert kinds.count("rules_reload_refused") == 3 and kinds.count("organisation_reload_refused") == 3
        assert "incident_opened" in kinds and process.poll() is None
    finally:
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=30)
    assert process.returncode == 0, err.decode(errors="replace")
