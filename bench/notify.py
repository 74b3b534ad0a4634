"""Paging speed: pages/s through the dispatch stages (drill guard, budget, ledger, send, record) into the
loopback Twilio simulator, and latency from decision (claim committed) to Twilio's acceptance.

Baseline in the same run: the bare twilio client creating messages in a loop, no stages, no database.
Prints one JSON object on its last line. Run: .venv/bin/python bench/notify.py [--pages 2000]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from notifiers.twilio_channels import build_twilio_client  # noqa: E402
from tests.conftest import claim_pages, make_runtime  # noqa: E402
from warning.app import SIMULATOR_ACCOUNT_SID, SIMULATOR_AUTH_TOKEN  # noqa: E402
from warning.clock import VirtualClock  # noqa: E402


def phone(n: int) -> str:
    return f"+86139{n:08d}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--latency-samples", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        clock = VirtualClock(datetime(2026, 7, 14, tzinfo=UTC))
        runtime = make_runtime(f"sqlite:///{workdir}/bench.db", clock)
        assert runtime.simulator is not None
        # Throughput: one decision claims many pages (distinct people), then the dispatcher sends them.
        claim_pages(runtime, [("sms", phone(n), f"page {n}") for n in range(args.pages)])
        started = time.perf_counter()
        sent = runtime.engine.dispatcher.send_pending()
        batch_seconds = time.perf_counter() - started
        assert sent == args.pages, sent
        # Latency: a decision claims one page, the dispatcher sends it; decision -> acceptance.
        latencies = []
        for n in range(args.latency_samples):
            began = time.perf_counter()
            claim_pages(runtime, [("sms", phone(args.pages + n), f"single {n}")])
            runtime.engine.dispatcher.send_pending()
            latencies.append(time.perf_counter() - began)
        # A storm on one person: a new warning for the same city duty officer every 5 s for 10 minutes.
        # Bundling and the carrier budget decide how many messages that becomes, and how late.
        storm_start = clock.now()
        storm: dict[str, dict[str, float]] = {}
        for channel in ("sms", "voice"):
            for n in range(120):
                clock.advance_to(storm_start + timedelta(seconds=5 * n))
                claim_pages(runtime, [(channel, phone(5 * 10**7), f"storm {channel} {n}")], incident_code=f"S{n:04d}")
                runtime.simulator.advance(clock.now())
                runtime.engine.tick()
            for _ in range(1000):  # then until everything held has gone
                due = runtime.engine.next_due_at()
                if due is None:
                    break
                clock.advance_to(max(due, clock.now()))
                runtime.simulator.advance(clock.now())
                runtime.engine.tick()
            events = [e for kind in ("sms", "call") for e in runtime.simulator.events_of(kind)
                      if e["to"] == phone(5 * 10**7) and datetime.fromisoformat(e["at"]) >= storm_start]  # fmt: skip
            last = max(datetime.fromisoformat(event["at"]) for event in events)
            storm[channel] = {
                "sms_messages": sum(1 for event in events if event["type"] == "sms"),
                "calls": sum(1 for event in events if event["type"] == "call"),
                "last_sent_after_first_warning_s": (last - storm_start).total_seconds(),
            }
            storm_start = clock.now() + timedelta(days=1)
            clock.advance_to(storm_start)
        # Baseline: the bare client, no stages and no database.
        client = build_twilio_client(SIMULATOR_ACCOUNT_SID, SIMULATOR_AUTH_TOKEN, runtime.simulator.url)
        started = time.perf_counter()
        for n in range(args.pages):
            client.messages.create(to=phone(10**7 + n), from_="+8653188880000", body=f"raw {n}")
        raw_seconds = time.perf_counter() - started
        runtime.close()
    quantiles = statistics.quantiles(latencies, n=100)
    print(json.dumps({
        "pages": args.pages,
        "pages_per_s": round(args.pages / batch_seconds),
        "baseline_raw_client_per_s": round(args.pages / raw_seconds),
        "vs_baseline": round(raw_seconds / batch_seconds, 2),
        "decision_to_acceptance_p50_ms": round(quantiles[49] * 1000, 2),
        "decision_to_acceptance_p99_ms": round(quantiles[98] * 1000, 2),
        "storm_one_person_120_warnings_in_10_min": {"sms_pages": storm["sms"], "voice_pages": storm["voice"]},
    }))  # fmt: skip


if __name__ == "__main__":
    main()
