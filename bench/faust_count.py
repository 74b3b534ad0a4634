"""A faust worker that only counts the readings it takes (`stream.take_events`, as the engine's
agent does): the ceiling faust's per-event path puts on a worker, for bench/stream.py. It exits
printing `RATE <messages/s>` once it has taken `--count` messages.
Run by bench/stream.py: python bench/faust_count.py worker -l warn (with FAUST_COUNT_BROKER and
FAUST_COUNT_MESSAGES in the environment)."""

from __future__ import annotations

import os
import time
import uuid
from typing import Any

import faust

BROKER = os.environ.get("FAUST_COUNT_BROKER", "127.0.0.1:9092")
app = faust.App(f"count-{uuid.uuid4().hex[:6]}", broker=f"kafka://{BROKER}",
                store="memory://", web_enabled=False, consumer_auto_offset_reset="earliest",
                broker_rebalance_timeout=2, broker_session_timeout=10, broker_heartbeat_interval=1)  # fmt: skip
readings = app.topic("feeds.readings.v1", key_type=bytes, value_type=bytes, value_serializer="raw")
WANTED = int(os.environ.get("FAUST_COUNT_MESSAGES", "100000"))


@app.agent(readings)
async def count(stream: Any) -> None:
    taken, started = 0, None
    async for events in stream.take_events(500, within=0.05):
        started = started or time.perf_counter()
        taken += len(events)
        if taken >= WANTED:
            print(f"RATE {taken / (time.perf_counter() - started):.0f}", flush=True)
            os._exit(0)


if __name__ == "__main__":
    app.main()
