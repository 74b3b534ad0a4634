"""Rule evaluation at city scale: N readings from 10,000 sensors through validation and evaluation
of 1,000 rules (10 stations each: 700 stage rules with quality gates, 200 rate-of-rise rules, 100
hourly-sum rules), against a baseline in the same run: one plain durable-rules post() per reading.

Prints one JSON object on its last line: readings/s overall, for the first and the last 100,000
readings (flatness), peak memory, and the baseline's readings/s. The baseline runs in slices after
every 10,000 readings (outside their timing), so that a machine slowing down or speeding up during
the run affects both alike; its rate beside the first and the last 100,000 readings shows how much
the machine itself drifted.

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
CHUNK = 100_000  # flatness compares the first and the last this many readings
TICK = 10_000  # the baseline runs a slice after every this many readings


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


class Baseline:
    """One plain durable-rules post() per reading: one simple rule that judges every reading and
    runs its action, every fired action counted (as measured in pitfalls.md).

    Run in slices between the measured chunks, so that both see the machine as it is at that
    moment: on a shared machine speed drifts by tens of percent within a minute.
    """

    def __init__(self, readings: list[bytes]) -> None:
        self.fired = 0
        self.host = _QuietHost()
        condition = {"m": {"$and": [{"kind": "level"}, {"$gte": {"value": -1e9}}]}}
        self.host.set_rulesets({"baseline": {"r": {"all": [condition], "run": self._action}}})
        self.events = [json.loads(payload) for payload in readings]
        self.posted = 0

    def _action(self, _c: object) -> None:
        self.fired += 1

    def run_slice(self, count: int) -> tuple[int, float]:
        """Post the next `count` readings; (readings posted, seconds)."""
        events = self.events[self.posted : self.posted + count] or self.events[:count]  # wrap around
        host = self.host
        started = time.perf_counter()
        for event in events:
            try:  # noqa: SIM105  # the cheapest form; the baseline should not pay for suppress()
                host.post("baseline", event)
            except MessageNotHandledException:
                pass
        elapsed = time.perf_counter() - started
        self.posted += len(events)
        return len(events), elapsed


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
    decoder = ReadingDecoder(evaluator.sensors)
    data = payloads(args.readings)
    now = START + timedelta(days=30)
    levels: dict[str, Level | None] = {}
    detections = 0
    ticks = math.ceil(len(data) / TICK)
    base = Baseline(data[: args.baseline_readings])
    per_tick = args.baseline_readings // ticks
    ours: list[tuple[int, float]] = []  # (readings, seconds) per tick of TICK readings
    theirs: list[tuple[int, float]] = []  # the baseline's slice after each tick
    current_level = levels.get  # the database's role: the level each incident key is at now
    settle_long_lived_heap()  # as `warning run` and the stream worker do once the rules are compiled
    started, counted = time.perf_counter(), 0
    for start in range(0, len(data), args.batch):
        batch = decoder.decode_many(data[start : start + args.batch], now)
        for reading in batch:
            assert not isinstance(reading, Exception), reading
            for detection in evaluator.evaluate(reading, current_level).detections:
                levels[detection.key] = detection.level
                detections += 1
        counted += len(batch)
        if counted >= TICK or start + args.batch >= len(data):
            ours.append((counted, time.perf_counter() - started))
            if per_tick:
                theirs.append(base.run_slice(per_tick))  # outside our timing
            started, counted = time.perf_counter(), 0

    def per_s(records: list[tuple[int, float]]) -> float:
        return sum(count for count, _ in records) / sum(seconds for _, seconds in records)

    span = CHUNK // TICK  # ticks per 100,000 readings
    rate, first, last = per_s(ours), per_s(ours[:span]), per_s(ours[-span:])
    figures: dict[str, Any] = {
        "readings": args.readings, "sensors": SENSORS, "rules": RULES, "batch": args.batch,
        "readings_per_s": round(rate), "first_100k_per_s": round(first), "last_100k_per_s": round(last),
        "flatness_last_vs_first": round(last / first, 3), "detections": detections,
    }  # fmt: skip
    if per_tick:
        base_rate, base_first, base_last = per_s(theirs), per_s(theirs[:span]), per_s(theirs[-span:])
        figures |= {
            "baseline_durable_rules_post_per_s": round(base_rate), "vs_baseline": round(rate / base_rate, 2),
            # The machine's own drift over the run, seen by the baseline slices beside those readings.
            "baseline_first_100k_per_s": round(base_first), "baseline_last_100k_per_s": round(base_last),
            "flatness_against_machine_drift": round((last / first) / (base_last / base_first), 3),
        }  # fmt: skip
    print(json.dumps(figures | {
        "compile_seconds": round(compile_seconds, 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }))  # fmt: skip


if __name__ == "__main__":
    main()
