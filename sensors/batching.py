"""Items that arrive one at a time (feed lines, MQTT messages) taken in batches: as many as are
ready, up to a size, waiting only a moment after the first, so that a batch is one transaction
without holding an item back for long when they trickle in."""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Iterator
from typing import TypeVar

T = TypeVar("T")


def queue_batches(
    ready: queue.Queue[T | None], *, most: int = 500, wait: float = 0.05, stop: threading.Event | None = None
) -> Iterator[list[T]]:
    """Batches of at most `most` items from `ready`, each handed on `wait` seconds after its first
    item at the latest; ends at a None in the queue (the source is done), or soon after `stop` is set."""
    while stop is None or not stop.is_set():
        try:
            first = ready.get(timeout=0.2)
        except queue.Empty:
            continue
        if first is None:
            return
        batch, deadline = [first], time.monotonic() + wait
        while len(batch) < most:
            try:
                item = ready.get(timeout=max(deadline - time.monotonic(), 0.0))
            except queue.Empty:
                break
            if item is None:
                yield batch
                return
            batch.append(item)
        yield batch
