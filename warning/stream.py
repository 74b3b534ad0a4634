"""The faust driver: Kafka workers that feed the same engine as the in-process driver.
The only module that imports faust.

Topics (`<domain>.<stream>.v<N>`):
  feeds.readings.v1        sensor readings as JSON, keyed by sensor id
  warning.deadletter.v1    payloads that could not be processed, with the reason

Delivery is at least once: faust redelivers after crashes and rebalances, and acknowledges a
message whose agent raised. So the agent never raises: bad payloads and unexpected failures are
dead-lettered (database and topic) and the stream goes on; a redelivered reading is recognised
by its reading id in the database and does nothing.
"""

from __future__ import annotations

import asyncio
import json
import logging
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import faust

from warning.app import Runtime, build_runtime, start_live_timer
from warning.clock import SystemClock
from warning.errors import ReadingRejected
from warning.heap import settle_long_lived_heap
from warning.settings import Settings
from warning.store.outage import until_available

log = logging.getLogger(__name__)

READINGS_TOPIC = "feeds.readings.v1"
DEADLETTER_TOPIC = "warning.deadletter.v1"
BATCH_MOST = 500  # readings per transaction
BATCH_WAIT = 0.05  # seconds a batch waits for more after its first reading


@dataclass
class StreamDriver:
    """The faust app and the engine runtime its worker built at start-up (None until then)."""

    app: faust.App
    runtime: Runtime | None = None


def build_stream_driver(settings: Settings, runtime_factory: Callable[[], Runtime] | None = None) -> StreamDriver:
    """A faust app consuming readings into the engine built by `runtime_factory` at worker start."""
    app = faust.App(
        settings.stream_app_id,
        broker=f"kafka://{settings.kafka_broker}",
        store="memory://",
        web_enabled=False,
        datadir=str(settings.stream_datadir or tempfile.mkdtemp(prefix="warning-faust-")),
        consumer_auto_offset_reset="earliest",
        topic_replication_factor=1,
        topic_partitions=1,
        # A new consumer group's first join waits for the rebalance window; keep it short so that a
        # restarted worker resumes quickly (tests shorten it further).
        broker_rebalance_timeout=settings.kafka_rebalance_timeout,
        broker_session_timeout=settings.kafka_session_timeout,
        broker_heartbeat_interval=settings.kafka_heartbeat_interval,
    )
    readings = app.topic(READINGS_TOPIC, key_type=bytes, value_type=bytes, value_serializer="raw")
    dead_letters = app.topic(DEADLETTER_TOPIC, value_type=bytes, value_serializer="raw")
    driver = StreamDriver(app)

    @app.task  # type: ignore[untyped-decorator]  # faust's decorators are not typed
    async def start_engine() -> None:
        driver.runtime = (runtime_factory or (lambda: _live_runtime(settings)))()
        log.info("engine started for topic %s", READINGS_TOPIC)

    async def engine_runtime() -> Runtime:
        while driver.runtime is None:  # the first message can race the start-up task
            await asyncio.sleep(0.05)
        return driver.runtime

    @app.agent(readings)
    async def evaluate(stream: faust.StreamT[bytes]) -> None:
        runtime = await engine_runtime()
        loop = asyncio.get_running_loop()
        source = f"kafka:{READINGS_TOPIC}"
        # A batch of what the fetch delivered (up to BATCH_MOST, waiting at most BATCH_WAIT seconds
        # for more) is one transaction; faust acknowledges the messages once the batch is handled.
        async for batch in stream.take(BATCH_MOST, within=BATCH_WAIT):
            try:
                # While the database is down the batch waits (it could not even be dead-lettered).
                ingest = partial(runtime.engine.ingest_payloads, [(source, payload) for payload in batch])
                verdicts = await loop.run_in_executor(None, until_available, ingest)
                refused = [
                    (p, v.reason) for p, v in zip(batch, verdicts, strict=True) if isinstance(v, ReadingRejected)
                ]
            except Exception as exc:  # raising would make faust drop the messages: keep them instead
                log.exception("a batch of readings could not be processed; dead-lettered")
                reason = f"processing failed: {type(exc).__name__}: {exc}"
                for payload in batch:
                    await loop.run_in_executor(None, runtime.engine.dead_letter, source, payload, reason)
                refused = [(payload, reason) for payload in batch]
            for payload, reason in refused:
                await dead_letters.send(value=_dead_letter_message(payload, reason))

    return driver


def _dead_letter_message(payload: bytes, reason: str) -> bytes:
    """What the dead-letter topic carries: the payload as it came (as text) and why it was refused."""
    return json.dumps({"payload": payload.decode("utf-8", "replace"), "reason": reason}, ensure_ascii=False).encode()


def _live_runtime(settings: Settings) -> Runtime:
    runtime = build_runtime(settings, SystemClock())
    settle_long_lived_heap()
    start_live_timer(runtime)
    return runtime


def run_worker(settings: Settings, loglevel: str = "warn") -> None:
    """Run a worker until stopped. The settings were checked, and the provider chosen, by the caller."""
    logging.getLogger("twilio.http_client").setLevel(logging.WARNING)  # it logs every request at INFO
    driver = build_stream_driver(settings)
    worker = faust.Worker(driver.app, loglevel=loglevel)
    try:
        worker.execute_from_commandline()
    finally:
        if driver.runtime is not None:
            driver.runtime.close()
