"""Settings from the environment: one object, every wrong variable named with what is expected,
an explicit provider, secrets masked, and drills that do not depend on where the checkout is."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import ROOT
from warning.drills.runner import run_drill
from warning.errors import SettingsError
from warning.settings import Settings

VARIABLES = [variable for variable, _ in Settings(provider="simulator").shown()]


def _warning(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in VARIABLES}
    return subprocess.run(
        [sys.executable, "-m", "warning.cli", *args], capture_output=True, text=True, timeout=120, check=False,
        cwd=ROOT, env=clean | (env or {}),
    )  # fmt: skip


@pytest.mark.parametrize(
    ("variable", "value", "words"),
    [
        ("WARNING_API_PORT", "abc", "WARNING_API_PORT: Input should be a valid integer"),
        ("WARNING_API_PORT", "70000", "WARNING_API_PORT: Input should be less than or equal to 65535"),
        ("WARNING_API_PORT", "-1", "WARNING_API_PORT: Input should be greater than or equal to 0"),
        ("WARNING_DATABASE_URL", "postgres//nohost", "WARNING_DATABASE_URL: expected sqlite:///PATH or postgresql"),
        ("WARNING_DATABASE_URL", "mysql://root@localhost/x", "WARNING_DATABASE_URL: expected sqlite:///PATH"),
        ("WARNING_PROVIDER", "aliyun", "WARNING_PROVIDER: Input should be 'simulator' or 'twilio'"),
        ("WARNING_CLOCK", "scaled:soon,now,fast", "WARNING_CLOCK: clock 'scaled:soon,now,fast': EPOCH and ANCHOR"),
        ("WARNING_CLOCK", "scaled:2026-07-14T20:00:00+08:00,2026-07-14T20:00:00+08:00,nan", "WARNING_CLOCK: a scaled"),
        ("WARNING_PUBLIC_URL", "warning.example.gov.cn", "WARNING_PUBLIC_URL: expected an http:// or https:// URL"),
        ("WARNING_API_TOKENS", "just-a-token", "WARNING_API_TOKENS: expected token:person-id pairs"),
        ("TWILIO_FROM_NUMBER", "0531-8888", "TWILIO_FROM_NUMBER: not in the expected form"),
        ("TWILIO_ACCOUNT_SID", "sid", "TWILIO_ACCOUNT_SID: not in the expected form"),
        ("WARNING_KAFKA_SESSION_TIMEOUT", "inf", "WARNING_KAFKA_SESSION_TIMEOUT: Input should be less than"),
    ],
)
def test_a_wrong_variable_is_named_with_what_is_expected(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, words: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as caught:
        Settings.from_env()
    assert any(problem.startswith(words) for problem in caught.value.problems), caught.value.problems


def test_the_cli_reports_every_wrong_variable_and_exits_2_without_a_traceback() -> None:
    done = _warning("run", env={"WARNING_API_PORT": "abc", "WARNING_DATABASE_URL": "nonsense", "WARNING_PROVIDER": "x"})
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert [line.split(":")[0] for line in done.stderr.splitlines()] == [
        "WARNING_DATABASE_URL", "WARNING_PROVIDER", "WARNING_API_PORT",
    ]  # fmt: skip


def test_warning_run_without_a_provider_refuses_and_says_what_to_set(tmp_path: Path) -> None:
    """Real credentials but no provider: before, every page silently went to the loopback simulator."""
    done = _warning("run", env={"TWILIO_ACCOUNT_SID": "AC" + "0123456789abcdef" * 2, "TWILIO_AUTH_TOKEN": "real",
                                "WARNING_DATABASE_URL": f"sqlite:///{tmp_path / 'w.db'}"})  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.startswith("WARNING_PROVIDER: not set") and "WARNING_PROVIDER=twilio" in done.stderr
    assert not (tmp_path / "w.db").exists(), "nothing may start before the provider is chosen"


def test_the_twilio_provider_needs_its_credentials_and_a_public_url() -> None:
    done = _warning("run", env={"WARNING_PROVIDER": "twilio"})
    assert done.returncode == 2
    assert [line.split(":")[0] for line in done.stderr.splitlines()] == [
        "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "WARNING_PUBLIC_URL",
    ]  # fmt: skip


def test_the_stream_worker_refuses_without_a_provider_too() -> None:
    done = _warning("stream", "worker")
    assert done.returncode == 2 and done.stderr.startswith("WARNING_PROVIDER: not set")


def test_config_show_prints_every_setting_with_secrets_masked() -> None:
    secrets = {"TWILIO_AUTH_TOKEN": "s3cr3t-auth-token", "WARNING_API_TOKENS": "tok-abcdefgh:li-na",
               "WARNING_DATABASE_URL": "postgresql+psycopg://warn:pa55word@db/warning"}  # fmt: skip
    done = _warning("config", "show", env={**secrets, "WARNING_PROVIDER": "twilio"})
    assert done.returncode == 0, done.stderr
    shown = dict(line.split(None, 1) for line in done.stdout.splitlines())
    assert set(shown) == set(VARIABLES)
    assert shown["WARNING_PROVIDER"] == "twilio" and shown["TWILIO_AUTH_TOKEN"] == "(set, hidden)"
    assert shown["WARNING_API_TOKENS"] == "(set, hidden)" and shown["WARNING_WEBHOOK_SECRET"] == "(not set)"
    assert shown["WARNING_DATABASE_URL"] == "postgresql+psycopg://warn:***@db/warning"
    for secret in ("s3cr3t", "tok-abcdefgh", "pa55word"):
        assert secret not in done.stdout


def test_settings_in_code_ignore_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """A drill builds its settings in code: an operator's WARNING_PROVIDER=twilio must not reach it."""
    monkeypatch.setenv("WARNING_PROVIDER", "twilio")
    monkeypatch.setenv("WARNING_API_PORT", "abc")
    assert Settings().provider is None and Settings().api_port == 0


@settings(max_examples=150)
@given(st.sampled_from(VARIABLES), st.text(max_size=60))
def test_any_value_of_any_variable_is_taken_or_named(variable: str, value: str) -> None:
    if "\x00" in value:
        return  # an environment cannot hold a NUL
    saved = os.environ.get(variable)
    os.environ[variable] = value
    try:
        Settings.from_env()
    except SettingsError as exc:
        assert exc.problems and all(problem.startswith(f"{variable}: ") for problem in exc.problems), exc.problems
    finally:
        if saved is None:
            del os.environ[variable]
        else:
            os.environ[variable] = saved


def test_health_reports_the_database_and_where_each_channel_pages(tmp_path: Path) -> None:
    from tests.conftest import START, make_runtime
    from warning.clock import VirtualClock

    runtime = make_runtime(f"sqlite:///{tmp_path / 'h.db'}", VirtualClock(START))
    try:
        assert runtime.api is not None and runtime.simulator is not None
        with urllib.request.urlopen(f"{runtime.api.url}/health", timeout=10) as response:
            health = json.loads(response.read())
        assert health["status"] == "ok"
        assert health["channels"]["sms"] == f"the loopback Twilio simulator at {runtime.simulator.url}"
        assert set(health["channels"]) == {"sms", "voice", "console"}
    finally:
        runtime.close()


def test_a_drill_gives_the_same_log_in_any_checkout(tmp_path: Path) -> None:
    logs = []
    for checkout in ("first", "second/deeper"):
        root = tmp_path / checkout
        for folder in ("scenarios", "rules", "org"):
            shutil.copytree(ROOT / folder, root / folder)
        result = run_drill(root / "scenarios" / "riverside-flood.yaml")
        text = "\n".join(json.dumps(entry, sort_keys=True, ensure_ascii=False) for entry in result.decisions)
        assert str(tmp_path) not in text and str(ROOT) not in text
        logs.append(text)
    assert logs[0] == logs[1]
    assert "from ../org/jinan.yaml is in force" in logs[0]


def test_a_database_that_cannot_be_reached_or_made_is_said_plainly() -> None:
    unreachable = "postgresql+psycopg://warn:pa55word@127.0.0.1:1/warning"
    down = _warning("run", env={"WARNING_PROVIDER": "simulator", "WARNING_DATABASE_URL": unreachable})
    assert down.returncode == 1 and "Traceback" not in down.stderr
    assert down.stderr.startswith("cannot reach the database at postgresql+psycopg://warn:***@127.0.0.1:1/warning")
    worker = _warning("stream", "worker", env={"WARNING_PROVIDER": "simulator", "WARNING_DATABASE_URL": unreachable})
    assert worker.returncode == 1 and worker.stderr.startswith("cannot reach the database at")
    nowhere = _warning("run", env={"WARNING_PROVIDER": "simulator", "WARNING_DATABASE_URL": "sqlite:////proc/no/w.db"})
    assert nowhere.returncode == 2
    assert nowhere.stderr.startswith("WARNING_DATABASE_URL: cannot make the folder /proc/no for the SQLite file")
