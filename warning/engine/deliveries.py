"""What became of pages: the provider's status callbacks, and our own validity timer for SMS pages
that are never confirmed delivered (the provider is asked first: a callback can be lost). A page
that could not reach its person does what its policy says (`on_failure`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from warning.decisions.events import NotificationExpired
from warning.domain import Channel, NotificationPurpose
from warning.engine.parts import EngineParts
from warning.statuses import PageStatus, move_page
from warning.statuses import reached as _reached


@dataclass(frozen=True, slots=True)
class ExpiringPage:
    """An SMS page past its validity timer, as the provider is asked about it."""

    id: int
    channel: str
    provider_sid: str | None
    provider: str | None
    phone: str
    sent_at: datetime | None


class Deliveries(EngineParts):
    def record_delivery_status(
        self, provider_sid: str, status: str, provider: str | None = None, our_id: int | None = None
    ) -> None:
        """A provider status callback. A page by SMS that could not be delivered, on a warning still
        awaiting acknowledgement, becomes a voice call to the same person at once (same transaction:
        the provider does not send the callback again)."""
        now = self.clock.now()
        with self._lock, self.store.transaction() as tx:
            if provider is not None and our_id is not None:  # a receipt may settle an unclear send
                self.dispatcher.adopt(tx, our_id, provider, provider_sid)
            changed = self.dispatcher.apply_status(tx, provider_sid, status, provider)  # rows with a new final status
            failed = [row for row in changed if _reached(status) is False and row.purpose == "page"]
            for row in failed:
                incident = tx.incident(row.incident_id)
                assert incident is not None
                self.escalation.page_failed(tx, incident, row, status, now)
        if failed:
            self._after_decisions()  # only a fallback call or a hastened step needs running and arming

    def page_in_flight(self, notification_id: int, provider: str) -> bool:
        """Whether a page is being sent through `provider` right now: a receipt for it waits for the
        request to record its outcome (one left `sending` by a dead process is settled by the receipt)."""
        with self.store.transaction() as tx:
            row = tx.notification(notification_id)
            return row is not None and row.provider == provider and self.dispatcher.in_flight(row, self.clock.now())

    def _expire_sms_pages(self, expired: list[ExpiringPage], now: datetime) -> None:
        """Our own SMS validity timer: a page not confirmed delivered in time has failed. The
        provider is asked first, since a status callback can be lost (our server was down)."""
        for page in expired:
            provider_sid = page.provider_sid
            status = (self.dispatcher.provider_status(page.provider, page.channel, provider_sid, page.phone,
                                                      page.sent_at) if provider_sid else None)  # fmt: skip
            if provider_sid and status is not None and _reached(status) is not None:
                self.record_delivery_status(provider_sid, status, page.provider)  # the callback we missed
                continue
            with self._lock, self.store.transaction() as tx:
                row = tx.notification(page.id, for_update=True)
                if row is None or row.status != PageStatus.accepted or row.valid_for_seconds is None:
                    continue  # a callback came meanwhile
                move_page(row, PageStatus.expired)
                row.updated_at = now
                incident = tx.incident(row.incident_id)
                assert incident is not None
                expiry = NotificationExpired(
                    incident=incident.code, notification=row.idempotency_key, person=row.person_id,
                    channel=Channel(row.channel), purpose=NotificationPurpose(row.purpose),
                    valid_for_seconds=row.valid_for_seconds, provider_status=status,
                )  # fmt: skip
                tx.record(now, expiry, row.incident_id)
                self.escalation.page_failed(tx, incident, row, "expired", now)
