"""Provider requests acted on, remembered so that a replay acts on nothing."""

from __future__ import annotations

from datetime import datetime

from warning.store.models import (
    WebhookReceiptRow,
)
from warning.store.repository.part import TransactionPart


class WebhooksTx(TransactionPart):
    def remember_webhook(self, key: str, now: datetime) -> bool:
        """False when this inbound message was received before (a replay)."""
        if self.session.get(WebhookReceiptRow, key) is not None:
            return False
        self.session.add(WebhookReceiptRow(key=key, received_at=now))
        self.session.flush()
        return True
