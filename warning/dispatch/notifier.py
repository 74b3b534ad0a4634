"""The contract every outbound channel implements (Twilio SMS, Twilio voice, console ...)."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from warning.domain import Channel, Notification


class Notifier(Protocol):
    channel: Channel

    def send(self, notification: Notification) -> str:
        """Hand the notification to the provider; return the provider's reference for it.

        Raises DeliveryError, marked retryable when trying again may succeed, and ambiguous when the
        provider may have acted although the call failed.
        """
        ...

    def find(self, notification: Notification, since: datetime) -> str | None:
        """The provider's reference for this notification if it accepted it at or after `since`."""
        ...

    def status(self, reference: str, phone: str, sent_at: datetime | None = None) -> str | None:
        """The provider's current status of what it accepted as `reference` (e.g. delivered), None
        when it cannot say: asked before giving up on a page whose status callback never came."""
        ...
