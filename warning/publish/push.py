"""Released CAP messages handed to their subscribers: a webhook, an MQTT topic. Each subscriber takes
the messages in the order they were released, each until it confirms it (a 2xx, a PUBACK); one that
fails is tried again later from the same message, so it never receives an Update before its Alert
and misses nothing while it is down. What a subscriber took is kept (`cap_pushes`), so a restart
pushes only what is left."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from warning.store.repository import Store

log = logging.getLogger(__name__)
BATCH = 50


@dataclass(frozen=True, slots=True)
class Release:
    """One released message, as a subscriber is given it."""

    identifier: str
    area: str
    msg_type: str
    status: str
    xml: str


class PushFailed(Exception):
    """The subscriber did not confirm it took the message."""


class Subscriber(Protocol):
    name: str

    def push(self, release: Release) -> None:
        """Hand over one message; PushFailed unless the subscriber confirmed it."""
        ...


def backoff(failures: int) -> timedelta:
    """5 s, 10 s, 20 s ... at most 5 minutes between tries of a subscriber that is down."""
    return timedelta(seconds=min(300, 5 * 2 ** (failures - 1)))


class CapPusher:
    def __init__(self, store: Store, subscribers: Sequence[Subscriber], now: Callable[[], datetime]) -> None:
        self.store = store
        self.subscribers = list(subscribers)
        self.now = now
        self._failures: dict[str, int] = {}
        self._retry_at: dict[str, datetime] = {}

    def push_pending(self) -> int:
        """Push what each subscriber has not taken yet (no lock or transaction held while pushing); how
        many messages were taken."""
        taken = 0
        for subscriber in self.subscribers:
            if self._retry_at.get(subscriber.name, datetime.min.replace(tzinfo=self.now().tzinfo)) > self.now():
                continue
            taken += self._push(subscriber)
        return taken

    def _push(self, subscriber: Subscriber) -> int:
        with self.store.transaction() as tx:
            pending = [(row.id, Release(row.identifier, row.area, row.msg_type, row.status, row.xml))
                       for row in tx.unpushed_alerts(subscriber.name, BATCH)]  # fmt: skip
        taken = 0
        for alert_id, release in pending:
            try:
                subscriber.push(release)
            except PushFailed as exc:
                failures = self._failures.get(subscriber.name, 0) + 1
                self._failures[subscriber.name] = failures
                self._retry_at[subscriber.name] = self.now() + backoff(failures)
                log.warning("CAP subscriber %s did not take %s (try %d): %s", subscriber.name, release.identifier,
                            failures, exc)  # fmt: skip
                break
            with self.store.transaction() as tx:
                tx.alert_pushed(subscriber.name, alert_id, self.now())
            self._failures.pop(subscriber.name, None)
            self._retry_at.pop(subscriber.name, None)
            taken += 1
        return taken
