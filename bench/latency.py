"""Reading to provider acceptance: how long a threshold-crossing reading takes to become an SMS at
the provider, through a live `warning run --readings -` (batches of the lines at hand, waiting at
most 50 ms for more), while 1,000 quiet readings a second stream through the same engine.

The engine pages a Twilio simulator running in this process (TWILIO_BASE_URL), which notes when
each message arrives. Each crossing is a gauge in a district of its own, whose duty officer is paged
by SMS at once: a person paged again within a minute would wait for company (bundling), which is
policy, not latency. Baseline in the same run: the bare twilio client creating one message at the
same simulator.

Prints one JSON object on its last line. Run: .venv/bin/python bench/latency.py [--crossings 100]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from notifiers.simulator.server import TwilioSimulator  # noqa: E402
from notifiers.twilio_channels import build_twilio_client  # noqa: E402
from warning.app import SIMULATOR_ACCOUNT_SID, SIMULATOR_AUTH_TOKEN  # noqa: E402

QUIET = 1000  # stations reading once a second in the background
BATCH_WAIT_MS = 50  # the readings file's batch wait (sensors/lines.py)


def district(n: int) -> str:
    return f"37{n // 100 + 1:02d}{n % 100:02d}"


def phone(n: int) -> str:
    return f"+86139{n:08d}"


LEVELS = "levels: {yellow: {above: 3.0, clear_below: 2.8}}"


def write_config(directory: Path, crossings: int) -> tuple[Path, Path]:
    org = ["areas:", '  - {code: "370000", name: Province}']
    org += [f'  - {{code: "{district(n)}", name: District {n}, parent: "370000"}}' for n in range(crossings)]
    org += ["departments:"]
    org += [
        f'  - {{id: water-{n}, name: Water {n}, kind: water, area: "{district(n)}", '
        f"roster: {{duty_officer: duty-{n}}}}}"
        for n in range(crossings)
    ]
    org += ["people:"]
    org += [
        f'  - {{id: duty-{n}, name: Duty {n}, phone: "{phone(n)}", department: water-{n}}}' for n in range(crossings)
    ]
    org += ["policies:", "  - id: flood", "    hazard: flood", "    department_kind: water", "    steps:",
            "      - {notify: duty_officer, channels: [sms], wait: 30m}", ""]  # fmt: skip
    gauges = [f'      - {{id: X{n}, name: Gauge {n}, area: "{district(n)}", {LEVELS}}}' for n in range(crossings)]
    gauges += [
        f'      - {{id: Q{n}, name: Quiet {n}, area: "{district(n % crossings)}", {LEVELS}}}' for n in range(QUIET)
    ]
    rules = ["hazard: flood", "rules:", "  - id: stage", "    title: Stage high", "    kind: water_level"]
    rules += ["    stations:", *gauges, ""]
    (directory / "org.yaml").write_text("\n".join(org), encoding="utf-8")
    (directory / "rules.yaml").write_text("\n".join(rules), encoding="utf-8")
    return directory / "org.yaml", directory / "rules.yaml"


def line(sensor: str, value: float) -> bytes:
    at = datetime.now(UTC).isoformat()
    return json.dumps({"sensor_id": sensor, "kind": "water_level", "value": value, "observed_at": at}).encode() + b"\n"


def bare_client(simulator: TwilioSimulator, samples: int = 100) -> list[float]:
    client = build_twilio_client(SIMULATOR_ACCOUNT_SID, SIMULATOR_AUTH_TOKEN, simulator.url)
    took = []
    for n in range(samples):
        began = time.perf_counter()
        client.messages.create(to=phone(90_000 + n), from_="+8653188880000", body=f"bare {n}")
        took.append(time.perf_counter() - began)
    return took


def percentiles(values: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(values, n=100)
    return round(cuts[49] * 1000, 1), round(cuts[98] * 1000, 1)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--crossings", type=int, default=100)
    parser.add_argument("--every", type=float, default=0.2, help="seconds between two crossings")
    args = parser.parse_args()
    simulator = TwilioSimulator(SIMULATOR_ACCOUNT_SID, SIMULATOR_AUTH_TOKEN, live=True).start()
    baseline = bare_client(simulator)
    with tempfile.TemporaryDirectory(prefix="warning-bench-latency-") as work:
        org, rules = write_config(Path(work), args.crossings)
        env = {**os.environ, "WARNING_PROVIDER": "simulator", "TWILIO_BASE_URL": simulator.url,
               "WARNING_DATABASE_URL": f"sqlite:///{work}/latency.db", "WARNING_ORGANISATION": str(org),
               "WARNING_RULES": str(rules)}  # fmt: skip
        engine = subprocess.Popen([sys.executable, "-m", "warning.cli", "run", "--readings", "-"], env=env, cwd=work,
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)  # fmt: skip
        assert engine.stdin is not None and engine.stdout is not None
        assert "engine running" in engine.stdout.readline().decode()
        stop, lock, sent_at = threading.Event(), threading.Lock(), {}

        def background() -> None:  # 1,000 readings a second, in twentieths of a second
            n = 0
            while not stop.is_set():
                chunk = b"".join(line(f"Q{(n + k) % QUIET}", 2.0) for k in range(QUIET // 20))
                n += QUIET // 20
                with lock:
                    engine.stdin.write(chunk)  # type: ignore[union-attr]
                    engine.stdin.flush()  # type: ignore[union-attr]
                time.sleep(0.05)

        quiet = threading.Thread(target=background, daemon=True)
        quiet.start()
        time.sleep(2)  # the background load settles
        for n in range(args.crossings):
            with lock:
                sent_at[phone(n)] = datetime.now(UTC)
                engine.stdin.write(line(f"X{n}", 3.5))
                engine.stdin.flush()
            time.sleep(args.every)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            arrived = {m["to"]: m["_created_at"] for m in simulator.messages.values() if m["to"] in sent_at}
            if len(arrived) == len(sent_at):
                break
            time.sleep(0.1)
        stop.set()
        quiet.join()
        engine.terminate()
        engine.wait(timeout=30)
    simulator.stop()
    latencies = [(arrived[to] - sent_at[to]).total_seconds() for to in sent_at if to in arrived]
    p50, p99 = percentiles(latencies)
    bare50, bare99 = percentiles(baseline)
    print(json.dumps({
        "crossings": args.crossings, "paged": len(latencies), "background_readings_per_s": QUIET,
        "reading_to_acceptance_p50_ms": p50, "reading_to_acceptance_p99_ms": p99,
        "batch_wait_ms": BATCH_WAIT_MS, "p99_above_batch_wait_ms": round(p99 - BATCH_WAIT_MS, 1),
        "baseline_bare_twilio_client_p50_ms": bare50, "baseline_bare_twilio_client_p99_ms": bare99,
    }))  # fmt: skip


if __name__ == "__main__":
    main()
