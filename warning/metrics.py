"""The engine's figures for Prometheus (`GET /metrics`, beside the per-feed ones of sensors/metrics.py):
read from the typed decisions each transaction commits, timed around the database and the providers,
and asked of the database when scraped.

- `warning_decisions_total{kind}`: every decision, by kind;
- `warning_pages_total{channel,outcome}`: what became of pages: accepted by the provider, its final
  status (delivered, undelivered, busy ...), failed (will_retry, uncertain, gave_up), expired, blocked
  by the drill guard, suppressed after a silence;
- `warning_escalation_wakeup_lateness_seconds`: how long after it was due each escalation step ran;
- `warning_escalation_oldest_due_seconds`: how long the oldest step due and not yet run has waited
  (0 when none): a stuck timer shows here first;
- `warning_incidents_open{level}`: open and acknowledged-but-not-lifted incidents, by level;
- `warning_rule_evaluation_seconds`: judging one batch of readings (rules, compounds, incidents);
- `warning_readings_judged_total`: readings judged (redeliveries not counted);
- `warning_provider_request_seconds{channel,outcome}`: one provider request (sent, failed);
- `warning_db_transaction_seconds{outcome}`: one database transaction (committed, rolled_back).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select

from warning.decisions.events import (
    DrillGuardBlocked,
    EscalationStepTaken,
    NotificationExpired,
    NotificationFailed,
    NotificationReconciled,
    NotificationSent,
    NotificationStatusChanged,
    NotificationSuppressed,
    decision_from,
)
from warning.dispatch.notifier import Notifier
from warning.domain import Channel, IncidentStatus, Level, Notification
from warning.errors import DatabaseUnavailable, DeliveryError
from warning.store.models import DecisionRow, EscalationRow, IncidentRow
from warning.store.repository import Store

# Seconds: from a fast SQLite commit (a millisecond) to a provider or a database in trouble.
_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
_OLDEST_DUE = "How long the oldest escalation step due and not yet run has waited"
_LATENESS_BUCKETS = (0.1, 0.5, 1.0, 2.0, 5.0, 15.0, 60.0, 300.0, 900.0, 3600.0)


class EngineMetrics:
    """Watches the store's transactions (`TransactionWatcher`) and counts what they decided."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry
        self._decisions = Counter("warning_decisions", "Decisions recorded, by kind", ["kind"], registry=registry)
        self._pages = Counter("warning_pages", "What became of pages, by channel and outcome", ["channel", "outcome"],
                              registry=registry)  # fmt: skip
        self._lateness = Histogram("warning_escalation_wakeup_lateness_seconds",
                                   "How long after it was due an escalation step ran", buckets=_LATENESS_BUCKETS,
                                   registry=registry)  # fmt: skip
        self._evaluation = Histogram("warning_rule_evaluation_seconds",
                                     "Judging one batch of readings against the rules", buckets=_LATENCY_BUCKETS,
                                     registry=registry)  # fmt: skip
        self._judged = Counter("warning_readings_judged", "Readings judged (redeliveries not counted)",
                               registry=registry)  # fmt: skip
        self._provider = Histogram("warning_provider_request_seconds", "One request to a provider",
                                   ["channel", "outcome"], buckets=_LATENCY_BUCKETS, registry=registry)  # fmt: skip
        self._transactions = Histogram("warning_db_transaction_seconds", "One database transaction", ["outcome"],
                                       buckets=_LATENCY_BUCKETS, registry=registry)  # fmt: skip

    # TransactionWatcher ------------------------------------------------------------------------

    def committed(self, decisions: Sequence[DecisionRow]) -> None:
        for row in decisions:
            self._decisions.labels(row.kind).inc()
            if not row.kind.startswith(("notification_", "drill_guard", "escalation_step")):
                continue
            event = decision_from(row.data)
            match event:
                case NotificationSent() | NotificationReconciled():
                    self._pages.labels(event.channel.value, "accepted").inc()
                case NotificationStatusChanged():
                    self._pages.labels(event.channel.value, event.status).inc()
                case NotificationFailed():
                    self._pages.labels(event.channel.value, f"failed_{event.outcome}").inc()
                case NotificationExpired():
                    self._pages.labels(event.channel.value, "expired").inc()
                case DrillGuardBlocked():
                    self._pages.labels(event.channel.value, "blocked").inc()
                case NotificationSuppressed():
                    self._pages.labels(event.channel.value, "suppressed").inc()
                case EscalationStepTaken():
                    self._lateness.observe(max(0.0, (row.at - event.due_at).total_seconds()))

    def timed(self, seconds: float, committed: bool) -> None:
        self._transactions.labels("committed" if committed else "rolled_back").observe(seconds)

    # the engine and the dispatcher -------------------------------------------------------------

    def evaluated(self, seconds: float, readings: int) -> None:
        self._evaluation.observe(seconds)
        self._judged.inc(readings)

    def provider_request(self, channel: Channel, seconds: float, sent: bool) -> None:
        self._provider.labels(channel.value, "sent" if sent else "failed").observe(seconds)

    def watch_database(self, store: Store, now: Callable[[], datetime]) -> None:
        """Figures asked of the database at each scrape: open incidents by level, the oldest due step."""
        self.registry.register(_DatabaseFigures(store, now))


class _DatabaseFigures(Collector):
    def __init__(self, store: Store, now: Callable[[], datetime]) -> None:
        self.store, self.now = store, now

    def describe(self) -> list[GaugeMetricFamily]:
        return [  # without asking the database, at registration
            GaugeMetricFamily("warning_incidents_open", "Incidents not lifted, by level", labels=["level"]),
            GaugeMetricFamily("warning_escalation_oldest_due_seconds", _OLDEST_DUE),
        ]  # fmt: skip

    def collect(self) -> Iterator[GaugeMetricFamily]:
        now = self.now()
        try:
            with self.store.transaction() as tx:
                by_level = dict(
                    tx.session.execute(
                        select(IncidentRow.level, func.count())
                        .where(IncidentRow.status != IncidentStatus.lifted.value)
                        .group_by(IncidentRow.level)
                    ).all()
                )
                oldest = tx.session.scalar(
                    select(func.min(EscalationRow.due_at)).where(
                        EscalationRow.state == "active", EscalationRow.due_at <= now
                    )
                )
        except DatabaseUnavailable:
            return  # the database is away: /ready says so; the other figures still go out
        incidents = GaugeMetricFamily("warning_incidents_open", "Incidents not lifted, by level", labels=["level"])
        for level in Level:
            incidents.add_metric([level.value], float(by_level.get(level.value, 0)))
        yield incidents
        waited = (now - oldest).total_seconds() if oldest is not None else 0.0
        yield GaugeMetricFamily("warning_escalation_oldest_due_seconds", _OLDEST_DUE, value=waited)


class TimedNotifier:
    """A notifier whose requests are timed into `warning_provider_request_seconds`."""

    def __init__(self, inner: Notifier, metrics: EngineMetrics) -> None:
        self.inner, self.metrics, self.channel = inner, metrics, inner.channel

    def send(self, notification: Notification) -> str:
        started = time.perf_counter()  # elapsed time for the figure only
        try:
            reference = self.inner.send(notification)
        except DeliveryError:
            self.metrics.provider_request(self.channel, time.perf_counter() - started, sent=False)
            raise
        self.metrics.provider_request(self.channel, time.perf_counter() - started, sent=True)
        return reference

    def find(self, notification: Notification, since: datetime) -> str | None:
        return self.inner.find(notification, since)

    def status(self, reference: str, phone: str, sent_at: datetime | None = None) -> str | None:
        return self.inner.status(reference, phone, sent_at)
