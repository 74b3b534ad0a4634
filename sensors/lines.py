"""Feed lines (a readings file, standard input) in batches: as many lines as are ready, up to a
size, waiting only a moment after the first one, so a batch is one transaction without holding a
reading back for long when lines trickle in."""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Iterator
from typing import BinaryIO

NumberedLine = tuple[int, bytes]  # (line number from 1, the line as read)


def line_batches(
    stream: BinaryIO, *, most: int = 500, wait: float = 0.05, stop: threading.Event | None = None
) -> Iterator[list[NumberedLine]]:
    """Batches of at most `most` lines; a batch is handed on `wait` seconds after its first line at
    the latest. The stream is read on a thread of its own (a read may block for as long as standard
    input stays silent), at most a few batches ahead: a slow consumer holds the reader back."""
    ready: queue.Queue[NumberedLine | None] = queue.Queue(maxsize=4 * most)
    stopping = stop or threading.Event()

    def read() -> None:
        for number, line in enumerate(stream, start=1):
            if stopping.is_set():
                break
            ready.put((number, line))
        ready.put(None)

    threading.Thread(target=read, name="feed-lines", daemon=True).start()
    while True:
        first = ready.get()
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
