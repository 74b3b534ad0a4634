"""Feed lines (a readings file, standard input) in batches (`batching.queue_batches`), read on a
thread of their own."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from typing import BinaryIO

from sensors.batching import queue_batches

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
    yield from queue_batches(ready, most=most, wait=wait)
