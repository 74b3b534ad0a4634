"""A console notifier: pages written to a stream, for operators running without a phone provider."""

from __future__ import annotations

import itertools
import threading
from datetime import datetime
from typing import TextIO

from warning.domain import Channel, Notification


class ConsoleNotifier:
    channel = Channel.console

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self._numbers = itertools.count(1)
        self._lock = threading.Lock()

    def send(self, notification: Notification) -> str:
        with self._lock:
            reference = f"console-{next(self._numbers)}"
            self.stream.write(f"[page {reference}] to {notification.person_id} ({notification.phone}), "
                              f"{notification.incident_code}: {notification.text}\n")  # fmt: skip
            self.stream.flush()
        return reference

    def find(self, notification: Notification, since: datetime) -> str | None:
        return None  # writing to a stream either happened or raised: never ambiguous

    def status(self, reference: str, phone: str, sent_at: datetime | None = None) -> str | None:
        return None  # nothing comes back from a stream
