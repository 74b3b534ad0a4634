"""Command line: what a planner and a newcomer see."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT


def _warning(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "warning.cli", *args], capture_output=True, text=True, timeout=120, check=False, cwd=ROOT
    )


def test_rules_check_accepts_the_bundled_rules() -> None:
    done = _warning("rules", "check", "rules")
    assert done.returncode == 0, done.stderr
    assert "rule river-stage (version " in done.stdout


def test_rules_check_reports_file_line_and_fix_and_exits_1(tmp_path: Path) -> None:
    bad = tmp_path / "flood.yaml"
    bad.write_text(
        "hazard: flood\nrules:\n  - id: r1\n    title: T\n    kind: water_level\n    stations:\n"
        '      - id: S1\n        name: Gauge\n        area: "3701"\n        levels:\n'
        "          yellow: {above: 3.5, clear_below: 3.3, colour: amber}\n",
        encoding="utf-8",
    )
    done = _warning("rules", "check", str(bad))
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert f"{bad}:9: stations.0.area: area code '3701' must be a six-digit GB/T 2260 code (370102)" in " ".join(lines)
    assert f"{bad}:11: unknown key 'colour': remove it or check its spelling" in lines


def test_demo_explains_what_happened_in_plain_words() -> None:
    done = _warning("demo")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "What happened and why" in out
    assert "opened because Xiaoqing River, Riverside Bridge gauge (HY-370102-01) rate over 1h was 0.56 m/h" in out
    assert "another cause joined (yellow): Xiaoqing River, Riverside Bridge gauge (HY-370102-01) read 3.62 m" in out
    assert "at or above the yellow threshold 3.5 m" in out
    assert "sms Wang Wei, duty officer of Lixia District Water Bureau" in out
    assert "voice Li Na, deputy of Lixia District Water Bureau" in out
    assert "Li Na acknowledged F0001 by keypress" in out
    assert "F0002" not in out  # one gauge, one warning
    assert "lifted" in out


def test_live_run_ingests_readings_pages_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    import json
    import os
    import signal
    import time
    from datetime import UTC, datetime

    from warning.store import Store

    readings = tmp_path / "readings.jsonl"
    now = datetime.now(UTC).isoformat()
    # The valid reading comes after a line that is not JSON and one that is not even UTF-8.
    valid = json.dumps({"sensor_id": "HY-370102-01", "kind": "water_level", "value": 3.9, "observed_at": now})
    readings.write_bytes(b'not json\n\xff\xfe{"sensor_id": 1}\r\n' + valid.encode() + b"\n")
    url = f"sqlite:///{tmp_path / 'live.db'}"
    env = {**os.environ, "WARNING_DATABASE_URL": url, "WARNING_PROVIDER": "simulator"}
    process = subprocess.Popen(
        [sys.executable, "-m", "warning.cli", "run", "--readings", str(readings)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        deadline = time.monotonic() + 30
        sent: list[str] = []
        accepted = ("accepted", "sent", "delivered")
        while time.monotonic() < deadline and not (sent and sent[0] in accepted):
            time.sleep(0.2)
            try:
                store = Store(url)
                sent = [n.status for n in store.notifications()]
                letters = [d.reason for d in store.dead_letters()]
                store.dispose()
            except Exception:  # the schema may not exist yet
                sent = []
        assert sent and sent[0] in accepted
        assert len(letters) == 2 and all(letter.startswith("not JSON") for letter in letters), letters
    finally:
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert "engine running" in out


def test_rules_explain_says_what_a_rule_watches_and_who_it_would_page() -> None:
    done = _warning("rules", "explain", "river-rise")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "judges the rate of change per hour against the reading 1h back (from 30m of data)" in out
    assert "a higher level must hold 10m before it is raised" in out
    assert (
        "orange (II)  fires at or above the orange threshold 1 m/h; lifted below the orange clear level 0.7 m/h" in out
    )
    assert "step 2: voice Li Na (deputy) of Lixia District Water Bureau; then wait 15m" in out
    unknown = _warning("rules", "explain", "no-such-rule")
    assert unknown.returncode == 1 and "known rules:" in unknown.stderr


def test_escalation_explain_walks_the_policy_with_times_and_sends_nothing() -> None:
    done = _warning("escalation", "explain", "--hazard", "flood", "--level", "orange", "--area", "370102",
                    "--at", "2026-07-14T03:00:00+08:00")  # fmt: skip
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("an orange flood warning in Lixia District (370102) opened at 2026-07-14T03:00:00+08:00")
    assert "  03:15  voice Li Na (+8613800000002): step 2 of 3 of policy flood-water" in done.stdout
    assert "  04:40  policy flood-water is exhausted: the dispatcher is told nobody acknowledged" in done.stdout
    assert lines[-1] == "Nothing was sent."
    naive = _warning("escalation", "explain", "--hazard", "flood", "--area", "370102", "--at", "2026-07-14T03:00")
    assert naive.returncode == 2 and "needs a time zone" in naive.stderr


def test_twilio_sim_refuses_a_bad_behaviour_file_with_its_line(tmp_path: Path) -> None:
    script = tmp_path / "sim.yaml"
    script.write_text(
        "faults: {error_after: 0.1}\nnumbers:\n  '+8613800000001':\n    script: [429, teapot]\n", encoding="utf-8"
    )
    done = _warning("twilio-sim", "--port", "0", "--behaviour", str(script))
    assert done.returncode == 1
    assert f"{script}:4: numbers.+8613800000001.script.1:" in done.stderr and "script.0" not in done.stderr


def test_cli_arguments_out_of_range_or_form_are_refused_without_a_traceback() -> None:
    at = "9999-12-31T23:59:59-12:00"
    far = _warning("escalation", "explain", "--hazard", "flood", "--area", "370102", "--at", at)
    assert far.returncode == 2 and "outside the span the engine handles" in far.stderr
    not_url = _warning("incident", "ack", "F0001", "--api", "notaurl", "--token", "t")
    assert not_url.returncode == 2 and "no usable answer from the engine at 'notaurl'" in not_url.stderr
    for done in (far, not_url):
        assert "Traceback" not in done.stderr


def test_an_error_page_that_is_not_the_engine_is_reported_as_it_came() -> None:
    """A proxy in front of the engine answers 502 with HTML: say so, not a JSON traceback."""
    import http.server
    import threading

    class Proxy(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.send_response(502)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(b"<html>Bad Gateway</html>")

        def log_message(self, *_: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Proxy)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        api = f"http://127.0.0.1:{server.server_port}"
        done = _warning("incident", "ack", "F0001", "--api", api, "--token", "t")
    finally:
        server.shutdown()
    assert done.returncode == 1 and done.stderr.strip() == f"HTTP 502 from {api}: <html>Bad Gateway</html>"
