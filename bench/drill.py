"""Drills at city scale: 500 stations at one-minute cadence for 2 h, 6 h and 24 h (720,000 readings),
with the bundled rules and organisation, through the real drill runner (engine, SQLite, simulator).

Each drill runs in a child process of its own, so its peak memory is its own. The readings come from
a series file the scenario names (bench/province.py: a quiet day with a flood wave and a gas leak,
so warnings open, escalate, are acknowledged and lift). The longest drill runs twice, and the two
decision logs are compared byte for byte.

Baseline, in the same run: the same readings decoded and judged by the rule evaluator alone (no
database, no clock, no escalation), which is what the drill runner costs beyond its parts.

Prints one JSON object on its last line. Run: .venv/bin/python bench/drill.py [--hours 2 6 24] [--stations 500]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import province  # noqa: E402

START = datetime(2026, 7, 14, 0, 0, tzinfo=UTC)
ROSTER = ["+8613800000001", "+8613800000002", "+8613800000011", "+8613800000031", "+8613800000032",
          "+8613800000041", "+8613800000052", "+8613800000071"]  # fmt: skip
PLAYERS = {
    "+8613800000001": "{sms: deliver, reply: '1', reply_after: 4m}",
    "+8613800000002": "{voice: answer, answer_after: 25s, press: '1'}",
    "+8613800000031": "{sms: deliver, reply: '1', reply_after: 2m}",
    "+8613800000071": "{voice: answer, answer_after: 20s, press: '1'}",
}


def injects_and_expectations(stations: int, hours: float, injects: int, expectations: int) -> str:
    """A Master Scenario Events List of `injects` spread over the drill (phone and provider faults,
    lost receipts, silent gauges, scripted players, hotline reports, notes) and `expectations` checks."""
    kinds = ["phone", "provider", "callbacks", "silent", "acknowledge", "report", "note", "escalate"]
    states, modes = ["off", "busy", "unanswered"], ["error", "timeout", "error_after", "drop", "accept_then_drop"]
    span = hours * 60
    lines = ["injects:"]
    for n in range(injects):
        at = f"{int(span * (n + 0.5) / injects)}m"
        kind, ident = kinds[n % len(kinds)], f"X{n:03d}"
        if kind == "phone":
            body = f"fault: {{phone: '{ROSTER[n % len(ROSTER)]}', state: {states[n % 3]}, for: 20m}}"
        elif kind == "provider":
            body = f"fault: {{provider: {'sms' if n % 2 else 'voice'}, mode: {modes[n % len(modes)]}, for: 2m}}"
        elif kind == "callbacks":
            body = "fault: {callbacks_lost: all, for: 15m}"
        elif kind == "silent":
            body = f"fault: {{station: {province.gauge_id(n % province.split(stations)[0])}, for: 30m}}"
        elif kind == "acknowledge":
            body = f"action: {{do: acknowledge, by: wang-wei, via: console, incident: F{n % 20 + 1:04d}}}"
        elif kind == "report":
            body = ("report: {by: tian-lei, hazard: waterlogging, level: yellow, area: '370102', "
                    f"title: Hotline report {n}, description: Water on the road by report {n}}}")  # fmt: skip
        elif kind == "note":
            body = f"action: {{do: note, by: tian-lei, incident: F{n % 20 + 1:04d}, text: 'Patrol sent, note {n}'}}"
        else:
            body = f"action: {{do: escalate, by: tian-lei, incident: F{n % 20 + 1:04d}}}"
        lines.append(f"  - {{id: {ident}, at: {at}, {body}, expect: Inject {n} is handled}}")
    checks = [
        "roster_only: true",
        "pages_at_most: {count: 5, per: 1h, channel: voice}",
        "acknowledged: {department: water-370102, within: 30m}",
        "reached: {department: em-370102, level: orange, within: 10m}",
        "informed: {department: water-370100}",
        "lifted: {within: 1h}",
        "acknowledged: {department: gas-370102, within: 20m, from: paged}",
    ]
    lines.append("expectations:")
    for n in range(expectations):
        lines.append(f"  - {{id: E{n:02d}, objective: Objective {n}, {checks[n % len(checks)]}}}")
    return "\n".join(lines) + "\n"


def write_scenario(
    directory: Path, stations: int, hours: float, injects: int = 0, expectations: int = 0
) -> tuple[Path, int]:
    rules = province.write_rules(directory / "rules", stations)
    series = directory / "readings.jsonl"
    count = province.write_series(series, stations, hours)
    players = "\n".join(f'  "{phone}": {behaviour}' for phone, behaviour in PLAYERS.items())
    scenario = directory / "scenario.yaml"
    scenario.write_text(
        f"name: City day, {stations} stations, {hours:g} h\n"
        f"start: {START.isoformat()}\n"
        f"duration: {int(hours * 60)}m\n"
        f"rules: [{', '.join(str(rule) for rule in rules)}]\n"
        f"organisation: {ROOT / 'org' / 'jinan.yaml'}\n"
        f"roster: [{', '.join(repr(phone) for phone in ROSTER)}]\n"
        f"players:\n{players}\n"
        f"series: [{series.name}]\n"
        + (injects_and_expectations(stations, hours, injects, expectations) if injects or expectations else ""),
        encoding="utf-8",
    )
    return scenario, count


def run_one(scenario: Path, log: Path) -> None:
    """Child: one drill; prints its figures as JSON."""
    from warning.drills.runner import run_drill, write_decision_log
    from warning.heap import settle_long_lived_heap

    settle_long_lived_heap()  # as `warning drill run` does
    started = time.perf_counter()
    result = run_drill(scenario)
    elapsed = time.perf_counter() - started
    write_decision_log(result.decisions, log)
    incidents = {entry["incident"] for entry in result.decisions if entry["incident"]}
    pages = sum(1 for entry in result.decisions if entry["kind"] == "notification_sent")
    figures: dict[str, object] = {
        "seconds": round(elapsed, 2),
        "readings": result.series_readings,
        "readings_per_s": round(result.series_readings / elapsed),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "decisions": len(result.decisions),
        "incidents": len(incidents),
        "messages_sent": pages,
        "injects_refused": sum(1 for outcome in result.injects if not outcome.accepted),
        "expectations_met": sum(1 for score in result.scores if score.verdict.value == "met"),
        "expectations_missed": len(result.missed),
    }
    print(json.dumps(figures))


def baseline(scenario: Path) -> float:
    """Readings/s of decoding and judging the same series with the rule evaluator alone."""
    from sensors.decode import ReadingDecoder
    from warning.drills.scenario import load_scenario, series_files
    from warning.drills.series import read_series
    from warning.rulebook import RuleEvaluator, load_rulebook

    spec, rules, _ = load_scenario(scenario)
    rulebook = load_rulebook(rules)
    evaluator = RuleEvaluator(rulebook.rules, compounds=rulebook.compounds)
    decoder = ReadingDecoder(evaluator.sensors)
    levels: dict[str, object] = {}
    count, started = 0, time.perf_counter()
    for file in series_files(spec, scenario):
        for line in read_series(file):
            at = spec.start + line.at
            reading = decoder.decode({"observed_at": at.isoformat(), **line.reading}, at)
            for detection in evaluator.evaluate(reading, levels.get).detections:  # type: ignore[arg-type]
                levels[detection.key] = detection.level
            count += 1
    return count / (time.perf_counter() - started)


def child(scenario: Path, log: Path) -> dict[str, float]:
    process = subprocess.run([sys.executable, __file__, "--child", str(scenario), str(log)],
                             capture_output=True, text=True, check=True)  # fmt: skip
    figures: dict[str, float] = json.loads(process.stdout.strip().splitlines()[-1])
    return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--hours", type=float, nargs="+", default=[2, 6, 24])
    parser.add_argument("--stations", type=int, default=500)
    parser.add_argument("--injects", type=int, default=200, help="for the longest drill run again with them")
    parser.add_argument("--expectations", type=int, default=20)
    parser.add_argument("--child", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run_one(*args.child)
        return
    result: dict[str, object] = {"stations": args.stations}
    with tempfile.TemporaryDirectory(prefix="warning-bench-drill-") as workdir:
        longest = max(args.hours)
        for hours in sorted(args.hours):
            directory = Path(workdir) / f"{hours:g}h"
            scenario, _ = write_scenario(directory, args.stations, hours)
            figures = child(scenario, directory / "decisions.jsonl")
            if hours == longest:
                result["baseline_evaluator_readings_per_s"] = round(baseline(scenario))
                again = child(scenario, directory / "decisions-again.jsonl")
                first, second = (
                    (directory / "decisions.jsonl").read_bytes(),
                    (directory / "decisions-again.jsonl").read_bytes(),
                )
                figures["log_identical_across_two_runs"] = first == second
                figures["log_sha256"] = hashlib.sha256(first).hexdigest()[:16]
                figures["second_run_seconds"] = again["seconds"]
                # The same day with a Master Scenario Events List and expectations to score.
                busy, _ = write_scenario(directory / "msel", args.stations, hours, args.injects, args.expectations)
                loaded = child(busy, directory / "msel-decisions.jsonl")
                result[f"drill_{hours:g}h_with_{args.injects}_injects_{args.expectations}_expectations"] = loaded
            result[f"drill_{hours:g}h"] = figures
    runs = [result[f"drill_{hours:g}h"] for hours in sorted(args.hours)]
    per_hour = [run["seconds"] / hours for run, hours in zip(runs, sorted(args.hours), strict=True)]  # type: ignore[index]
    result["seconds_per_simulated_hour"] = [round(value, 2) for value in per_hour]
    print(json.dumps(result))


if __name__ == "__main__":
    main()
