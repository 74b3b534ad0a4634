"""The contract every outbound channel implements (Twilio SMS, Twilio voice, console ...)."""

from __future__ import annotations

from typing import Protocol

from warning.domain import Channel, Notification


class Notifier(Protocol):
    channel: Channel

    def send(self, notification: Notification) -> str:
        """Hand the notification to the provider; return the provider's reference for it.

        Raises DeliveryError, marked retryable when trying again may succeed without a duplicate.
        """
        ...
