"""Backtest throughput: the bundled flood rules over 1,000,000 recorded readings (the project's recorded
summer, repeated year after year until there are that many), with a worker per core (up to four) and
in one process, and the after-action report's time for bench/drill.py's 24 h drill. The baseline in
the same run reads and splits the same CSV file without judging it, so the figure beside it shows
what the rules cost over reading the file.

Prints one JSON object on its last line.

Run: .venv/bin/python bench/backtest.py [--readings 1000000]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from warning.backtest import load_observed, run_backtest  # noqa: E402
from warning.heap import settle_long_lived_heap  # noqa: E402

SUMMER = ROOT / "recorded" / "xiaoqing-summer-2026.csv"
OBSERVED = ROOT / "recorded" / "xiaoqing-summer-2026.observed.yaml"


def write_years(path: Path, readings: int) -> int:
    """The recorded summer again and again, each copy a year later, up to `readings` lines."""
    rows = list(csv.reader(SUMMER.open(encoding="utf-8")))
    header, body = rows[0], rows[1:]
    written = 0
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        year = 0
        while written < readings:
            shift = timedelta(days=365 * year)
            for row in body:
                if written == readings:
                    break
                writer.writerow([(datetime.fromisoformat(row[0]) + shift).isoformat(), *row[1:]])
                written += 1
            year += 1
    return written


def baseline(path: Path) -> float:
    started = time.perf_counter()
    count = 0
    with path.open(encoding="utf-8") as raw:
        for row in csv.reader(raw):
            count += len(row) > 0
    return count / (time.perf_counter() - started)


def report_seconds(workdir: Path) -> tuple[float, int]:
    """Seconds to write the report of bench/drill.py's 24 h drill (500 stations), and its decisions."""
    from drill import write_scenario  # bench/drill.py

    from warning.drills.aar import build_report
    from warning.drills.runner import run_drill

    scenario, _ = write_scenario(workdir / "day", 500, 24)
    result = run_drill(scenario)
    started = time.perf_counter()
    build_report(result, "zh-CN")
    return time.perf_counter() - started, len(result.decisions)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--readings", type=int, default=1_000_000)
    args = parser.parse_args()
    settle_long_lived_heap()
    figures: dict[str, object] = {}
    with tempfile.TemporaryDirectory(prefix="warning-bench-backtest-") as workdir:
        path = Path(workdir) / "years.csv"
        figures["readings"] = write_years(path, args.readings)
        figures["baseline_csv_rows_per_s"] = round(baseline(path))
        events = load_observed(OBSERVED).events
        started = time.perf_counter()
        result = run_backtest([ROOT / "rules" / "flood.yaml"], [path], events)
        elapsed = time.perf_counter() - started
        figures["backtest_seconds"] = round(elapsed, 2)
        figures["backtest_readings_per_s"] = round(result.readings / elapsed)
        figures["warnings"] = len(result.periods)
        figures["set_aside"] = result.set_aside_count
        figures["workers"] = min(os.cpu_count() or 1, 4)
        started = time.perf_counter()
        run_backtest([ROOT / "rules" / "flood.yaml"], [path], events, workers=1)
        figures["one_process_readings_per_s"] = round(figures["readings"] / (time.perf_counter() - started))  # type: ignore[operator]
        figures["baseline_again_csv_rows_per_s"] = round(baseline(path))  # the machine drifts: measure it twice
        seconds, decisions = report_seconds(Path(workdir))
        figures["report_seconds_24h_drill"] = round(seconds, 2)
        figures["report_decisions"] = decisions
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
