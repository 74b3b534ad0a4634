"""The faust driver: Kafka workers that feed the same engine as the in-process driver.
The only module that imports faust.

Topics (`<domain>.<stream>.v<N>`):
  feeds.readings.v1        sensor readings as JSON, keyed by the station's area code (GB/T 2260)
  warning.deadletter.v1    payloads that could not be processed, with the reason

Several workers in one consumer group share the readings topic by partition, and so by area:
everything one rule judges together (a station's series, an area's compounds and silence) lives in
one partition. When partitions move (a worker joins, dies or is killed), each worker takes the areas
of its new partitions (`Engine.take_areas`): an area gained is primed from the stored readings before
its next reading is judged, one let go is no longer watched. A reading that arrives on a partition
that is not its area's (a producer keyed it by sensor, or not at all) is sent on, keyed by its area,
to the worker that owns it.

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
from typing import Any

import faust
from aiokafka.partitioner import DefaultPartitioner

from warning.app import Runtime, build_runtime, start_live_timer
from warning.clock import SystemClock
from warning.domain import Reading
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
    """The faust app, the engine runtime its worker built at start-up (None until then), and the
    readings partitions assigned to this worker."""

    app: faust.App
    partitions: int
    runtime: Runtime | None = None
    assigned: frozenset[int] = frozenset()

    def partition_of(self, area: str) -> int:
        """The partition a producer's default partitioner (murmur2 of the key) puts an area's readings in."""
        every = list(range(self.partitions))
        return int(_PARTITIONER(area.encode(), every, every))

    def areas_assigned(self, runtime: Runtime) -> frozenset[str]:
        return frozenset(area for area in runtime.engine.evaluator.areas if self.partition_of(area) in self.assigned)


_PARTITIONER = DefaultPartitioner()


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
        topic_partitions=settings.kafka_partitions,
        # A new consumer group's first join waits for the rebalance window; keep it short so that a
        # restarted worker resumes quickly (tests shorten it further).
        broker_rebalance_timeout=settings.kafka_rebalance_timeout,
        broker_session_timeout=settings.kafka_session_timeout,
        broker_heartbeat_interval=settings.kafka_heartbeat_interval,
    )
    readings = app.topic(READINGS_TOPIC, key_type=bytes, value_type=bytes, value_serializer="raw",
                         partitions=settings.kafka_partitions)  # fmt: skip
    dead_letters = app.topic(DEADLETTER_TOPIC, value_type=bytes, value_serializer="raw")
    driver = StreamDriver(app, settings.kafka_partitions)

    assignment = asyncio.Lock()  # an assignment is applied whole, before or after the engine starts

    async def apply_assignment() -> None:
        async with assignment:
            runtime = driver.runtime
            if runtime is not None:
                areas = driver.areas_assigned(runtime)
                await asyncio.get_running_loop().run_in_executor(None, runtime.engine.take_areas, areas)

    @app.task  # type: ignore[untyped-decorator]  # faust's decorators are not typed
    async def start_engine() -> None:
        runtime = (runtime_factory or (lambda: _live_runtime(settings)))()
        async with assignment:
            # Nothing is ours until the group assigns partitions: no area is watched for silence before.
            areas = driver.areas_assigned(runtime)
            await asyncio.get_running_loop().run_in_executor(None, runtime.engine.take_areas, areas)
            driver.runtime = runtime
        log.info("engine started for topic %s", READINGS_TOPIC)

    @app.on_partitions_assigned.connect
    async def take_areas(_app: Any, /, *args: Any, signal: Any, **_: Any) -> None:
        """Called by faust during a rebalance with the partitions assigned now, before they are consumed."""
        assigned: set[Any] = args[0]
        driver.assigned = frozenset(tp.partition for tp in assigned if tp.topic == READINGS_TOPIC)
        driver.partitions = app.consumer.topic_partitions(READINGS_TOPIC) or driver.partitions  # as the topic is
        await apply_assignment()

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
        # faust-streaming's Stream has take_events; the StreamT protocol it is typed with does not declare it.
        async for events in stream.take_events(BATCH_MOST, within=BATCH_WAIT):  # type: ignore[attr-defined]
            batch, elsewhere = _split_by_key(runtime, [(event.key, event.value) for event in events])
            for area, payload in elsewhere:  # keyed by something else than its area: on to the area's partition
                await readings.send(key=area.encode(), value=payload)
            if not batch:
                continue
            try:
                # While the database is down the batch waits (it could not even be dead-lettered).
                ingest = partial(runtime.engine.ingest_payloads, [(source, payload) for payload in batch])
                verdicts = await loop.run_in_executor(None, until_available, ingest)
                runtime.feeds.observe("kafka", verdicts, runtime.engine.clock.now())
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


def _split_by_key(
    runtime: Runtime, messages: list[tuple[bytes | None, bytes]]
) -> tuple[list[bytes], list[tuple[str, bytes]]]:
    """The payloads judged here, in order, and those keyed by something else than their station's
    area (a sensor id, nothing) with that area: sent on keyed by it, they reach the worker that
    owns it. A payload keyed by its area is judged where Kafka delivered it; one that cannot be read
    is refused here. Only payloads not keyed by an area are decoded to find out."""
    engine = runtime.engine
    areas = engine.evaluator.areas
    unsure = [
        index for index, (key, _) in enumerate(messages) if key is None or key.decode("utf-8", "replace") not in areas
    ]
    if not unsure:
        return [payload for _, payload in messages], []
    verdicts = engine.decoder.decode_many([messages[index][1] for index in unsure], engine.clock.now())
    elsewhere: dict[int, str] = {}
    for index, verdict in zip(unsure, verdicts, strict=True):
        area = engine.evaluator.area_of(verdict.sensor_id) if isinstance(verdict, Reading) else None
        if area is not None and messages[index][0] != area.encode():
            elsewhere[index] = area
    judged_here = [payload for index, (_, payload) in enumerate(messages) if index not in elsewhere]
    return judged_here, [(area, messages[index][1]) for index, area in elsewhere.items()]


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
