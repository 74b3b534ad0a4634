"""Rule evaluation at city scale: N readings from 10,000 sensors through validation and evaluation
of 1,000 rules (10 stations each: 700 stage rules with quality gates, 200 rate-of-rise rules, 100
hourly-sum rules), against a baseline in the same run: one plain durable-rules post() per reading.

Prints one JSON object on its last line: readings/s overall, for the first and the last 100,000
readings (flatness), peak memory, and the baseline's readings/s.

Run: .venv/bin/python bench/rules.py [--readings 1000000] [--baseline-readings 100000]
"""

from __future__ import annotations

import argparse
import json
import math
import random
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from durable.engine import Host, MessageNotHandledException
from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sensors.decode import ReadingDecoder  # noqa: E402
from warning.domain import Level  # noqa: E402
from warning.heap import settle_long_lived_heap  # noqa: E402
from warning.rulebook import RuleEvaluator, load_rule_files  # noqa: E402

START = datetime(2026, 7, 14, tzinfo=UTC)
SENSORS = 10_000
RULES = 1_000
PER_RULE = SENSORS // RULES


def sensor_id(index: int) -> str:
    return f"S{index:05d}"


def write_rules(directory: Path) -> Path:
    rules: list[dict[str, Any]] = []
    for r in range(RULES):
        stations = []
        for k in range(PER_RULE):
            index = r * PER_RULE + k
            base = 3.0 + (index % 7) * 0.1  # each station its own threshold set
            if r < 700:
                levels = {"yellow": {"above": base, "clear_below": base - 0.2},
                          "orange": {"above": base + 0.7, "clear_below": base + 0.5}}  # fmt: skip
            elif r < 900:
                levels = {"yellow": {"above": 0.5, "clear_below": 0.2}, "orange": {"above": 1.0, "clear_below": 0.7}}
            else:
                levels = {
                    "yellow": {"above": 30.0 + k, "clear_below": 20.0},
                    "orange": {"above": 60.0, "clear_below": 45.0},
                }
            stations.append({"id": sensor_id(index), "name": f"Station {index}", "area": "370102", "levels": levels})
        rule: dict[str, Any] = {"id": f"rule-{r:04d}", "title": f"Rule {r}", "kind": "level", "unit": "m",
                                "quality": {"range": [-10, 100], "spike": 5.0}, "stations": stations}  # fmt: skip
        if 700 <= r < 900:
            rule["signal"] = {"of": "rate", "over": "1h", "min_span": "30m"}
        elif r >= 900:
            rule["signal"] = {"of": "sum", "over": "1h"}
        rules.append(rule)
    path = directory / "bench.yaml"
    with path.open("w", encoding="utf-8") as handle:
        YAML().dump({"hazard": "flood", "rules": rules}, handle)
    return path


def payloads(count: int) -> list[bytes]:
    """Readings round-robin over the sensors, one a minute each, moving as sensors do: river stages
    in slow 8-hour waves with 1 cm noise, crossing the thresholds a few times a day; rain in
    bursts of up to 1.2 mm a minute."""
    rng = random.Random(7)
    phase = [rng.random() * math.tau for _ in range(SENSORS)]
    out = []
    for i in range(count):
        index = i % SENSORS
        step = i // SENSORS
        at = START + timedelta(minutes=step)
        if index < 900 * PER_RULE:
            value = 3.2 + 0.9 * math.sin(phase[index] + step * math.tau / 480) + rng.gauss(0, 0.01)
        else:
            value = max(0.0, 1.2 * math.sin(phase[index] + step * math.tau / 240))
        out.append(json.dumps({"sensor_id": sensor_id(index), "kind": "level", "value": round(value, 3),
                               "observed_at": at.isoformat()}).encode())  # fmt: skip
    return out


class _QuietHost(Host):  # type: ignore[misc]
    def _run(self) -> None:
        return None


def baseline(readings: list[bytes]) -> float:
    """One plain durable-rules post() per reading: one simple rule that judges every reading and
    runs its action, every fired action counted (as measured in pitfalls.md)."""
    fired = [0]

    def action(_c: object) -> None:
        fired[0] += 1

    host = _QuietHost()
    host.set_rulesets({"baseline": {"r": {"all": [{"m": {"$and": [{"kind": "level"}, {"$gte": {"value": -1e9}}]}}],
                                          "run": action}}})  # fmt: skip
    events = [json.loads(payload) for payload in readings]
    started = time.perf_counter()
    for event in events:
        try:  # noqa: SIM105  # the cheapest form; the baseline should not pay for suppress()
            host.post("baseline", event)
        except MessageNotHandledException:
            pass
    return len(events) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--readings", type=int, default=1_000_000)
    parser.add_argument("--baseline-readings", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=500, help="payloads per decode batch (1: one at a time)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        compile_started = time.perf_counter()
        evaluator = RuleEvaluator(load_rule_files([write_rules(Path(workdir))]))
        compile_seconds = time.perf_counter() - compile_started
    decoder = ReadingDecoder(evaluator.knows_sensor)
    data = payloads(args.readings)
    now = START + timedelta(days=30)
    levels: dict[str, Level | None] = {}
    detections = 0
    chunk = min(100_000, args.readings)
    settle_long_lived_heap()  # as `warning run` and the stream worker do once the rules are compiled
    marks = [time.perf_counter()]
    done = 0
    for start in range(0, len(data), args.batch):
        for reading in decoder.decode_many(data[start : start + args.batch], now):
            assert not isinstance(reading, Exception), reading
            for detection in evaluator.evaluate(reading, levels.get).detections:
                levels[detection.key] = detection.level
                detections += 1
            done += 1
            if done % chunk == 0:
                marks.append(time.perf_counter())
    total = marks[-1] - marks[0]
    first = chunk / (marks[1] - marks[0])
    last = chunk / (marks[-1] - marks[-2])
    base = baseline(data[: args.baseline_readings])
    rate = args.readings / total
    print(json.dumps({
        "readings": args.readings, "sensors": SENSORS, "rules": RULES, "batch": args.batch,
        "readings_per_s": round(rate), "first_100k_per_s": round(first), "last_100k_per_s": round(last),
        "flatness_last_vs_first": round(last / first, 3), "detections": detections,
        "baseline_durable_rules_post_per_s": round(base), "vs_baseline": round(rate / base, 2),
        "compile_seconds": round(compile_seconds, 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }))  # fmt: skip


if __name__ == "__main__":
    main()
