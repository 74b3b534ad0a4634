"""`warning console --demo`, as `make demo` runs it after the drill: it prints where the console is and
who to sign in as, plays the scenario live (the river's warning opens within its first scenario
hour), keeps serving, and stops cleanly on Ctrl-C."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.conftest import ROOT


def test_the_demo_console_serves_the_scenario_live_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "warning.cli", "console", "--demo", "--port", "0", "--speed", "300",
               "--database", str(tmp_path / "demo.db")]  # fmt: skip
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    demo = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert demo.stdout is not None
        printed = []
        while not any("Ctrl-C" in line for line in printed):
            line = demo.stdout.readline()
            assert line, "".join(printed)  # the demo ended before it was up
            printed.append(line)
        found = re.search(r"Console: (http://127\.0\.0\.1:\d+)/console", "".join(printed))
        assert found, printed
        url = found.group(1)
        assert any("dispatcher-demo" in line for line in printed)  # who to sign in as
        with httpx.Client(base_url=url, timeout=10) as client:
            assert client.get("/console").status_code == 200
            assert client.post("/api/session", json={"user": "dispatcher", "password": "dispatcher-demo"}).is_success
            deadline = time.monotonic() + 60
            codes: list[str] = []
            while not codes and time.monotonic() < deadline:  # 300 times faster: the first hour in 12 s
                page = client.get("/api/incidents?status=open&status=acknowledged").json()
                codes = [incident["code"] for incident in page["items"]]
                time.sleep(0.5)
            assert codes == ["F0001"]
            assert page["items"][0]["exercise"] is True  # a drill's incident, paging the drill roster only
    finally:
        demo.send_signal(signal.SIGINT)
        try:
            assert demo.wait(timeout=30) == 0
        finally:
            demo.kill()
