"""Throughput and latency of the embedded pipeline: decode -> evaluate (durable-rules) -> store.

Compares, in the same run:
  baseline   one plain durable-rules post() per reading against one threshold rule (pitfalls.md)
  evaluate   our RuleEvaluator (band rules + hysteresis) on validated readings, no database
  engine     Engine.ingest_payload on JSON bytes: decode, dedup ledger, evaluate, commit (SQLite file):
             one gauge swinging through its thresholds (a storm: a warning changes every 200 readings,
             and pages go out), one reading per transaction, then batched
  city       Engine.ingest_payloads of a city's feed in batches of 500 JSON lines, as `warning run
             --readings` takes them: 2,000 generated stations (bench/province.py), mostly quiet, a flood
             wave lifting a few gauges, on SQLite with every commit on disk (the live default)

Prints one JSON object on its last line. Run: .venv/bin/python bench/pipeline.py [--readings N]
"""

from __future__ import annotations

import argparse
import itertools
import json
import resource
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from durable.engine import Host, MessageNotHandledException

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import province  # noqa: E402

from warning.app import Settings, build_runtime  # noqa: E402
from warning.clock import VirtualClock  # noqa: E402
from warning.domain import Reading  # noqa: E402
from warning.rulebook import RuleEvaluator, load_rule_files  # noqa: E402

START = datetime(2026, 7, 14, tzinfo=UTC)


def values(n: int) -> list[float]:
    # A river oscillating through the thresholds, so every band and level change is exercised.
    return [2.5 + 2.2 * abs(((i % 400) - 200) / 200) for i in range(n)]


class _QuietHost(Host):  # type: ignore[misc]
    def _run(self) -> None:
        return None


def bench_baseline(n: int) -> float:
    fired = [0]

    def action(_c: object) -> None:
        fired[0] += 1

    host = _QuietHost()
    host.set_rulesets(
        {"baseline": {"r": {"all": [{"m": {"$and": [{"station": "S"}, {"$gte": {"value": 3.5}}]}}], "run": action}}}
    )
    started = time.perf_counter()
    for value in values(n):
        try:  # noqa: SIM105  # plain try is the cheapest way, and the baseline should not pay for suppress()
            host.post("baseline", {"station": "S", "value": value})
        except MessageNotHandledException:
            pass
    return n / (time.perf_counter() - started)


def bench_evaluate(n: int) -> float:
    evaluator = RuleEvaluator(load_rule_files([ROOT / "rules" / "flood.yaml"]))
    readings = [
        Reading(reading_id=str(i), sensor_id="HY-370102-01", kind="water_level", value=v, observed_at=START)
        for i, v in enumerate(values(n))
    ]
    levels: dict[str, object] = {}
    started = time.perf_counter()
    for item in readings:
        for detection in evaluator.evaluate(item, levels.get).detections:  # type: ignore[arg-type]
            levels[detection.key] = detection.level
    return n / (time.perf_counter() - started)


def bench_engine(n: int, batch: int = 1) -> tuple[float, float, float]:
    """Readings/s through Engine.ingest_payloads, `batch` payloads per call (1: one at a time),
    and the p50 / p99 time of one call in ms."""
    with tempfile.TemporaryDirectory() as workdir:
        clock = VirtualClock(START + timedelta(days=1))
        settings = Settings(
            provider="simulator",
            database_url=f"sqlite:///{workdir}/bench.db",
            rules=(ROOT / "rules" / "flood.yaml",),
            organisation=ROOT / "org" / "jinan.yaml",
        )
        runtime = build_runtime(settings, clock)
        payloads = [
            json.dumps(
                {
                    "sensor_id": "HY-370102-02",
                    "kind": "water_level",
                    "value": v - 0.9,
                    "observed_at": (START + timedelta(seconds=i)).isoformat(),
                }
            ).encode()
            for i, v in enumerate(values(n))
        ]
        latencies = []
        started = time.perf_counter()
        for first in range(0, n, batch):
            t0 = time.perf_counter()
            runtime.engine.ingest_payloads([("bench", payload) for payload in payloads[first : first + batch]])
            latencies.append(time.perf_counter() - t0)
        elapsed = time.perf_counter() - started
        runtime.close()
    quantiles = statistics.quantiles(latencies, n=100)
    return n / elapsed, quantiles[49] * 1000, quantiles[98] * 1000


def bench_city(n: int, stations: int = 2000, batch: int = 500) -> float:
    """Readings/s of a city's mostly quiet feed through Engine.ingest_payloads, `batch` lines a call."""
    with tempfile.TemporaryDirectory() as workdir:
        rules = province.write_rules(Path(workdir) / "rules", stations, areas=8)
        hours = n / stations / 60 + 1 / 60
        clock = VirtualClock(START + timedelta(hours=hours))
        settings = Settings(provider="simulator", database_url=f"sqlite:///{workdir}/city.db", rules=tuple(rules),
                            organisation=ROOT / "org" / "jinan.yaml")  # fmt: skip
        runtime = build_runtime(settings, clock)
        lines = [
            json.dumps({**reading, "observed_at": (START + at).isoformat()}).encode()
            for at, reading in itertools.islice(province.readings(stations, hours), n)
        ]
        started = time.perf_counter()
        for first in range(0, len(lines), batch):
            runtime.engine.ingest_payloads([("city", line) for line in lines[first : first + batch]])
        elapsed = time.perf_counter() - started
        runtime.close()
    return len(lines) / elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--readings", type=int, default=20_000)
    parser.add_argument("--engine-readings", type=int, default=3_000)
    parser.add_argument("--batch", type=int, default=500, help="payloads per transaction for the batched figure")
    parser.add_argument("--city-readings", type=int, default=100_000)
    args = parser.parse_args()
    baseline = bench_baseline(args.readings)
    evaluate = bench_evaluate(args.readings)
    engine, p50, p99 = bench_engine(args.engine_readings)
    batched, batch_p50, batch_p99 = bench_engine(args.readings, args.batch)
    city = bench_city(args.city_readings)
    result = {
        "baseline_durable_rules_post_per_s": round(baseline),
        "evaluator_readings_per_s": round(evaluate),
        "evaluator_vs_baseline": round(evaluate / baseline, 2),
        "engine_ingest_per_s_sqlite": round(engine),
        "engine_ingest_p50_ms": round(p50, 3),
        "engine_ingest_p99_ms": round(p99, 3),
        "engine_ingest_batched_per_s_sqlite": round(batched),
        "engine_batch_p50_ms": round(batch_p50, 3),
        "engine_batch_p99_ms": round(batch_p99, 3),
        "batch": args.batch,
        "engine_ingest_city_per_s_sqlite": round(city),
        "city_readings": args.city_readings,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "readings": args.readings,
        "engine_readings": args.engine_readings,
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
