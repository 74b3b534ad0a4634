"""Per-feed figures for Prometheus (`GET /metrics`): readings taken and refused, and the time of the
last message, by feed. Rates are Prometheus' own (`rate(warning_feed_readings_total[5m])`); a feed's
dead-letter rate is the rate of its refused readings.

A feed is what an operator recognises: `readings-file`, `kafka`, `mqtt`, or the name an HTTP feed's
token is given (`hydrology-bureau`). Each engine process has a registry of its own, so two runtimes
in one process (tests) do not share counters.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from prometheus_client import CollectorRegistry, Counter, Gauge, generate_latest

from warning.domain import Reading
from warning.errors import ReadingRejected

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class FeedMetrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry if registry is not None else CollectorRegistry(auto_describe=True)
        self._readings = Counter(
            "warning_feed_readings",
            "Feed payloads received, by feed and outcome (accepted: a valid reading; refused: dead-lettered)",
            ["feed", "outcome"],
            registry=self.registry,
        )
        self._last = Gauge(
            "warning_feed_last_message_timestamp_seconds",
            "When the feed's last payload arrived (engine clock, Unix seconds)",
            ["feed"],
            registry=self.registry,
        )

    def observe(self, feed: str, verdicts: Sequence[Reading | ReadingRejected], at: datetime) -> None:
        """Count a batch of verdicts from `feed`, received at `at`."""
        if not verdicts:
            return
        refused = sum(1 for verdict in verdicts if isinstance(verdict, ReadingRejected))
        if refused:
            self._readings.labels(feed, "refused").inc(refused)
        if refused < len(verdicts):
            self._readings.labels(feed, "accepted").inc(len(verdicts) - refused)
        self._last.labels(feed).set(at.timestamp())

    def exposition(self) -> bytes:
        """The Prometheus text format of every figure."""
        return generate_latest(self.registry)
