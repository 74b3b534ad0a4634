"""Send claimed notifications: drill guard, then the channel's notifier, then record the outcome.

A notification moves claimed -> sending -> accepted (-> delivered | failed ...). The move to
`sending` is a conditional update committed before the provider is called, so two dispatchers
never send the same row, and a crash mid-send leaves a `sending` row to reconcile instead of a
blind resend that could page someone twice.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from datetime import datetime

from sqlalchemy import update

from warning.dispatch.notifier import Notifier
from warning.domain import Channel, Notification, NotificationPurpose
from warning.errors import DeliveryError
from warning.store.models import NotificationRow
from warning.store.repository import Store

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


class Dispatcher:
    def __init__(
        self,
        store: Store,
        notifiers: Mapping[Channel, Notifier],
        now: Callable[[], datetime],
        *,
        drill_roster: Collection[str] | None = None,
    ) -> None:
        self.store = store
        self.notifiers = notifiers
        self.now = now
        # None outside drills; in a drill the set of phone numbers that may receive anything.
        self.drill_roster = frozenset(drill_roster) if drill_roster is not None else None

    def _take(self, notification_id: int) -> bool:
        """Move one row from claimed to sending; False if someone else took it first."""
        with self.store.transaction() as tx:
            result = tx.session.execute(
                update(NotificationRow)
                .where(NotificationRow.id == notification_id, NotificationRow.status == "claimed")
                .values(status="sending", updated_at=self.now())
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
        """Send every claimed notification in claim order; returns how many were handed to a provider."""
        with self.store.transaction() as tx:
            pending = [
                (row.id, tx.incident(row.incident_id).code)  # type: ignore[union-attr]
                for row in tx.notifications_in_status("claimed")
            ]
        sent = 0
        for notification_id, code in pending:
            if not self._take(notification_id):
                continue
            with self.store.transaction() as tx:
                row = tx.notification(notification_id)
                assert row is not None
                notification = to_notification(row, code)
                refusal = self._guard(row)
                if refusal is not None:
                    row.status, row.error = "blocked", refusal
                    tx.record(
                        self.now(),
                        "drill_guard_blocked",
                        f"not sent to {row.person_id} ({row.phone}): {refusal}",
                        row.incident_id,
                        notification=row.idempotency_key,
                    )
                    continue
            sent += self._deliver(notification)
        return sent

    def _deliver(self, notification: Notification) -> int:
        notifier = self.notifiers.get(notification.channel)
        try:
            if notifier is None:
                raise DeliveryError(f"no notifier configured for channel {notification.channel}", retryable=False)
            reference = notifier.send(notification)
        except DeliveryError as exc:
            with self.store.transaction() as tx:
                row = tx.notification(notification.id)
                assert row is not None
                # Retryable: back to claimed for the next pass. Permanent: failed, and said so.
                row.status, row.error, row.updated_at = ("claimed" if exc.retryable else "failed"), str(exc), self.now()
                tx.record(
                    self.now(),
                    "notification_failed",
                    f"{notification.channel.value} to {notification.person_id} failed "
                    f"({'will retry' if exc.retryable else 'permanent'}): {exc}",
                    notification.incident_id,
                    notification=notification.idempotency_key,
                )
            return 0
        with self.store.transaction() as tx:
            row = tx.notification(notification.id)
            assert row is not None
            row.status, row.provider_sid, row.updated_at = "accepted", reference, self.now()
            tx.record(
                self.now(),
                "notification_sent",
                f"{notification.channel.value} {notification.purpose.value} to {notification.person_id} "
                f"({notification.phone}) accepted by the provider as {reference}",
                notification.incident_id,
                notification=notification.idempotency_key,
                provider=reference,
                text=notification.text,
            )
        return 1

    def record_status(self, provider_sid: str, status: str) -> NotificationRow | None:
        """Apply a provider status callback to its delivery record."""
        with self.store.transaction() as tx:
            row = tx.notification_by_sid(provider_sid)
            if row is None:
                return None
            if row.status in FINAL_STATUSES or row.status == status:
                return row  # callbacks can arrive twice or late: the first final word stands
            row.status, row.updated_at = status, self.now()
            if status in FINAL_STATUSES:
                tx.record(
                    self.now(),
                    "notification_status",
                    f"{row.channel} to {row.person_id} {status}",
                    row.incident_id,
                    notification=row.idempotency_key,
                    status=status,
                )
            return row
