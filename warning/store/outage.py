"""Riding out a database outage: the work waits and is tried again, it is never dropped.

A feed driver (a readings file, a Kafka batch) cannot put a reading anywhere safe while the
database is down, since the dead-letter store is the database too. So it waits, with a growing
pause, and tries the same reading again: redelivery is harmless (a reading is judged once).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TypeVar

from warning.errors import DatabaseUnavailable

log = logging.getLogger(__name__)
T = TypeVar("T")


def until_available(
    action: Callable[[], T],
    *,
    stop: threading.Event | None = None,
    first_pause: float = 0.2,
    longest_pause: float = 5.0,
) -> T:
    """`action()`, run again after a pause for as long as it finds the database unavailable.
    Raises DatabaseUnavailable only when `stop` is set meanwhile (the process is shutting down)."""
    pause, waiting = first_pause, threading.Event()
    while True:
        try:
            return action()
        except DatabaseUnavailable as exc:
            log.warning("database unavailable (%s); trying again in %.1f s", exc, pause)
            if (stop or waiting).wait(pause):
                raise
            pause = min(pause * 2, longest_pause)
