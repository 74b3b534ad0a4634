"""Send claimed notifications: drill guard, then the channel's notifier, then record the outcome.

A notification moves claimed -> sending -> accepted (-> delivered | failed ...). The move to
`sending` is a conditional update committed before the provider is called, so two dispatchers
never send the same row, and a crash mid-send leaves a `sending` row to reconcile instead of a
blind resend that could page someone twice.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from datetime import datetime, timedelta

from sqlalchemy import update

from warning.dispatch.budget import CarrierBudget, earliest_allowed
from warning.dispatch.notifier import Notifier
from warning.domain import Channel, IncidentStatus, Notification, NotificationPurpose
from warning.errors import DeliveryError
from warning.store.models import IncidentRow, NotificationRow
from warning.store.repository import Store, Transaction

# Provider statuses that end a notification's life, and whether they mean it reached the person.
FINAL_STATUSES = {
    "delivered": True,
    "completed": True,
    "undelivered": False,
    "failed": False,
    "no-answer": False,
    "busy": False,
    "canceled": False,
}


def to_notification(row: NotificationRow, incident_code: str) -> Notification:
    return Notification(
        id=row.id,
        idempotency_key=row.idempotency_key,
        incident_id=row.incident_id,
        incident_code=incident_code,
        person_id=row.person_id,
        phone=row.phone,
        channel=Channel(row.channel),
        purpose=NotificationPurpose(row.purpose),
        language=row.language,
        text=row.text,
        exercise=row.exercise,
    )


MAX_ATTEMPTS = 8
STUCK_AFTER = timedelta(minutes=2)  # far longer than any provider request may take (10 s timeout)


def backoff(attempts: int) -> timedelta:
    """1 s, 2 s, 4 s ... at most a minute between attempts."""
    return timedelta(seconds=min(60, 2 ** (attempts - 1)))


def _stale_after_silence(tx: Transaction, row: NotificationRow, incident: IncidentRow) -> str | None:
    """Why a page held by a silence that has ended is no longer worth sending, or None."""
    if row.purpose == NotificationPurpose.page and incident.status != IncidentStatus.open:
        return f"the warning was {incident.status} during the silence"
    if row.purpose in (NotificationPurpose.update, NotificationPurpose.inform) and incident.status == "lifted":
        return "the warning was lifted during the silence"
    if row.purpose == NotificationPurpose.lifted:
        told = any(
            other.provider_sid is not None
            for other in tx.notifications_for(incident.id)
            if other.person_id == row.person_id and other.id != row.id
        )
        return None if told else "they were never told of the warning: the silence covered all of it"
    return None


class Dispatcher:
    def __init__(
        self,
        store: Store,
        notifiers: Mapping[Channel, Notifier],
        now: Callable[[], datetime],
        *,
        drill_roster: Collection[str] | None = None,
        budget: CarrierBudget | None = None,
        stuck_after: timedelta = STUCK_AFTER,
    ) -> None:
        self.store = store
        # On the engine's clock; a rehearsal clock running N times faster needs N times as long.
        self.stuck_after = stuck_after
        self.notifiers = notifiers
        self.now = now
        self.budget = budget or CarrierBudget()
        # None outside drills; in a drill the set of phone numbers that may receive anything.
        self.drill_roster = frozenset(drill_roster) if drill_roster is not None else None

    def _take(self, tx: Transaction, notification_id: int, now: datetime) -> bool:
        """Move one row from claimed or uncertain to sending; False if someone else took it first."""
        result = tx.session.execute(
            update(NotificationRow)
            .where(NotificationRow.id == notification_id, NotificationRow.status.in_(("claimed", "uncertain")))
            .values(status="sending", updated_at=now)
        )
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    def _guard(self, row: NotificationRow) -> str | None:
        """Why the drill guard refuses this notification, or None when it may go."""
        if row.exercise and self.drill_roster is None:
            return "exercise message outside a drill: refused"
        if self.drill_roster is not None and not row.exercise:
            return "a drill engine may send only exercise messages"
        if self.drill_roster is not None and row.phone not in self.drill_roster:
            return f"{row.phone} is not on the drill roster"
        return None

    def send_pending(self) -> int:
        """Send every due notification in claim order; returns how many a provider accepted."""
        now = self.now()
        with self.store.transaction() as tx:
            # A row left `sending` by a crash may or may not have reached the provider: ask first.
            tx.session.execute(
                update(NotificationRow)
                .where(NotificationRow.status == "sending", NotificationRow.updated_at < now - self.stuck_after)
                .values(status="uncertain", retry_at=now)
            )
            due = [(row.id, row.status, row.attempt_started_at) for row in tx.notifications_due(now)]
        sent = 0
        for notification_id, status, previous_attempt in due:
            # Take, guard, budget and the start of the attempt commit together, before the provider
            # is called: one commit fewer per page, and the row is `sending` before any request leaves.
            with self.store.transaction() as tx:
                if not self._take(tx, notification_id, now):
                    continue
                row = tx.notification(notification_id)
                assert row is not None
                incident = tx.incident(row.incident_id)
                assert incident is not None
                notification = to_notification(row, incident.code)
                refusal = self._guard(row)
                if refusal is not None:
                    row.status, row.error = "blocked", refusal
                    tx.record(now, "drill_guard_blocked", f"not sent to {row.person_id} ({row.phone}): {refusal}",
                              row.incident_id, notification=row.idempotency_key)  # fmt: skip
                    continue
                if status == "claimed" and self._silenced(tx, row, incident, now):
                    continue
                hold = self._budget_hold(tx, row, now)
                if hold is not None and status == "claimed":
                    row.status, row.retry_at, row.updated_at = "claimed", hold, now
                    tx.record(now, "budget_held",
                              f"{row.channel} to {row.person_id} ({row.phone}) held until {hold.isoformat()}: "
                              f"the carrier would drop it before then", row.incident_id,
                              notification=row.idempotency_key, until=hold.isoformat())  # fmt: skip
                    continue
                if status == "claimed":
                    row.attempt_started_at, row.attempts = now, row.attempts + 1
            if (
                status == "uncertain"
                and previous_attempt is not None
                and self._reconciled(notification, previous_attempt)
            ):
                sent += 1
                continue
            sent += self._deliver(notification, attempt_recorded=status == "claimed")
        return sent

    def _silenced(self, tx: Transaction, row: NotificationRow, incident: IncidentRow, now: datetime) -> bool:
        """Hold a page while a silence covers its warning; after it, drop what is no longer true."""
        silence = tx.silence_for(incident, now)
        if silence is not None:
            if row.silence_id != silence.id:
                tx.record(now, "notification_silenced", f"{row.channel} {row.purpose} to {row.person_id} held until "
                          f"{silence.ends_at.isoformat()}: {silence.describe()}", row.incident_id,
                          notification=row.idempotency_key, silence=silence.id,
                          until=silence.ends_at.isoformat())  # fmt: skip
            row.status, row.retry_at, row.silence_id, row.updated_at = "claimed", silence.ends_at, silence.id, now
            return True
        if row.silence_id is None:
            return False
        stale = _stale_after_silence(tx, row, incident)
        if stale is None:
            return False
        row.status, row.retry_at, row.updated_at = "suppressed", None, now
        tx.record(now, "notification_suppressed", f"{row.channel} {row.purpose} to {row.person_id} not sent: {stale}",
                  row.incident_id, notification=row.idempotency_key, silence=row.silence_id)  # fmt: skip
        return True

    def _budget_hold(self, tx: Transaction, row: NotificationRow, now: datetime) -> datetime | None:
        """When the carrier budget allows this page, if later than now."""
        earlier = tx.sends_to(row.phone, row.channel, since=now - timedelta(days=1), excluding=row.id)
        if row.channel == "voice":
            allowed = earliest_allowed([sent for sent, _ in earlier], self.budget.voice, now)
        elif row.channel == "sms":
            same = [sent for sent, text in earlier if text == row.text]
            allowed = earliest_allowed(same, [self.budget.identical_sms], now)
        else:
            return None
        return allowed if allowed > now else None

    def _reconciled(self, notification: Notification, since: datetime) -> bool:
        """After an ambiguous attempt: if the provider has the page, adopt it instead of sending again."""
        notifier = self.notifiers.get(notification.channel)
        try:
            reference = notifier.find(notification, since) if notifier is not None else None
        except DeliveryError as exc:
            self._failed(notification, exc, self.now())
            return True  # could not ask: stay uncertain and ask again later, never resend blind
        if reference is None:
            return False
        self._accepted(notification, reference, "notification_reconciled",
                       f"{notification.channel.value} to {notification.person_id}: the provider had it as "
                       f"{reference} after an unclear answer; not sent again")  # fmt: skip
        return True

    def _accepted(self, notification: Notification, reference: str, kind: str, summary: str) -> None:
        with self.store.transaction() as tx:
            row = tx.notification(notification.id)
            assert row is not None
            row.status, row.provider_sid, row.updated_at, row.retry_at = "accepted", reference, self.now(), None
            if row.valid_for_seconds:  # our own SMS validity timer starts when the provider has the page
                row.expires_at = self.now() + timedelta(seconds=row.valid_for_seconds)
            tx.record(self.now(), kind, summary, notification.incident_id, notification=notification.idempotency_key,
                      provider=reference, text=notification.text)  # fmt: skip

    def _deliver(self, notification: Notification, *, attempt_recorded: bool) -> int:
        notifier = self.notifiers.get(notification.channel)
        started = self.now()
        if not attempt_recorded:  # after a reconciliation that found nothing: a new attempt begins
            with self.store.transaction() as tx:
                row = tx.notification(notification.id)
                assert row is not None
                row.attempt_started_at, row.attempts = started, row.attempts + 1
        try:
            if notifier is None:
                raise DeliveryError(f"no notifier configured for channel {notification.channel}", retryable=False)
            reference = notifier.send(notification)
        except DeliveryError as exc:
            self._failed(notification, exc, started)
            return 0
        self._accepted(notification, reference, "notification_sent",
                       f"{notification.channel.value} {notification.purpose.value} to {notification.person_id} "
                       f"({notification.phone}) accepted by the provider as {reference}")  # fmt: skip
        return 1

    def _failed(self, notification: Notification, exc: DeliveryError, now: datetime) -> None:
        with self.store.transaction() as tx:
            row = tx.notification(notification.id)
            assert row is not None
            # Ambiguous: the provider may have it; ask before any resend. Retryable: send again later.
            status = "uncertain" if exc.ambiguous else "claimed" if exc.retryable else "failed"
            if status != "failed" and row.attempts >= MAX_ATTEMPTS:
                status = "failed"
            row.status, row.error, row.updated_at = status, str(exc), now
            row.retry_at = now + backoff(max(row.attempts, 1)) if status != "failed" else None
            outcome = {
                "uncertain": "unclear; will ask the provider before retrying",
                "claimed": "will retry",
                "failed": f"giving up after {row.attempts} attempt(s)",
            }[status]
            tx.record(now, "notification_failed",
                      f"{notification.channel.value} to {notification.person_id} failed ({outcome}): {exc}",
                      notification.incident_id, notification=notification.idempotency_key,
                      retry_at=row.retry_at.isoformat() if row.retry_at else None)  # fmt: skip

    def apply_status(self, tx: Transaction, provider_sid: str, status: str) -> NotificationRow | None:
        """Apply a provider status callback to its delivery record; the row when this callback
        brought a new final status, None otherwise (unknown reference, repeat, late callback)."""
        row = tx.notification_by_sid(provider_sid)
        if row is None or row.status in FINAL_STATUSES or row.status == status:
            return None  # callbacks can arrive twice or late: the first final word stands
        if row.status == "expired" and status not in FINAL_STATUSES:
            return None  # our validity timer already gave up on it; only a final word still counts
        row.status, row.updated_at = status, self.now()
        if status not in FINAL_STATUSES:
            return None
        tx.record(self.now(), "notification_status", f"{row.channel} to {row.person_id} {status}", row.incident_id,
                  notification=row.idempotency_key, status=status)  # fmt: skip
        return row
