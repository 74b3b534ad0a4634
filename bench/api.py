"""The dispatcher's API under a command centre's load, on PostgreSQL: 2,000 open incidents and
200,000 decisions; the incident list and timelines asked at 100 requests a second (p50, p99); and
the delay from a decision to its arrival on 50 subscribed decision streams (p99; target 200 ms).

The engine runs as `warning run` in a process of its own (the API, its decision hub, the database);
this process seeds the database beforehand, then drives the load and listens on the streams. A
decision for the streams is a note added through the API (`POST /api/incidents/CODE/notes`), timed
from the moment the request is sent: an upper bound on commit-to-arrival. Baseline in the same run:
`GET /health` (the same HTTP stack, no database) at the same rate.

Prints one JSON object on its last line. Run: .venv/bin/python bench/api.py [--seconds 20]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import psycopg
from sqlalchemy import insert

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from warning.access import Role  # noqa: E402
from warning.accounts import Accounts, Person  # noqa: E402
from warning.decisions.events import Evidence, IncidentOpened, NoteAdded  # noqa: E402
from warning.decisions.render import summary  # noqa: E402
from warning.domain import Level  # noqa: E402
from warning.store import Store  # noqa: E402
from warning.store.models import CauseRow, DecisionRow, IncidentRow  # noqa: E402

PG_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
INCIDENTS = 2_000
DECISIONS_PER_INCIDENT = 100  # 200,000 in all
STREAMS = 50
RATE = 100  # requests a second, list and timelines alternately
NOTES = 200  # decisions timed on the streams, 20 a second


def seed(url: str) -> str:
    """The incidents, their causes and decisions, and a provincial dispatcher; the dispatcher's token."""
    store = Store(url)
    opened = datetime(2026, 7, 14, 12, tzinfo=UTC)
    evidence = Evidence(rule="river-stage", rule_version="v", station="HY-370102-01", reading=None,
                        certainty="Observed", reason="stage 3.7 m, at or above the yellow threshold 3.5 m")  # fmt: skip
    with store.transaction() as tx:
        incidents, causes = [], []
        for n in range(1, INCIDENTS + 1):
            key = f"flood/station=S{n}"
            incidents.append({
                "id": n, "code": f"F{n:04d}", "key": key, "open_key": key, "rule_id": "river-stage",
                "rule_version": "v", "hazard": "flood", "area": "370102", "station_id": f"S{n}",
                "title": "River stage above warning stage",
                "reason": evidence.reason, "content": {}, "level": "yellow", "status": "open", "exercise": False,
                "opened_at": opened, "updated_at": opened,
            })  # fmt: skip
            causes.append({
                "incident_id": n, "key": f"river-stage:S{n}", "open_key": f"river-stage:S{n}", "rule_id": "river-stage",
                "rule_version": "v", "station_id": f"S{n}", "area": "370102", "title": "River stage", "reason": "r",
                "content": {}, "level": "yellow", "opened_at": opened, "updated_at": opened,
            })  # fmt: skip
        tx.session.execute(insert(IncidentRow), incidents)
        tx.session.execute(insert(CauseRow), causes)
    for first in range(1, INCIDENTS + 1, 200):
        with store.transaction() as tx:
            rows = []
            for n in range(first, min(first + 200, INCIDENTS + 1)):
                events = [IncidentOpened(incident=f"F{n:04d}", level=Level.yellow, hazard="flood", area="370102",
                                         evidence=evidence)]  # fmt: skip
                events += [NoteAdded(incident=f"F{n:04d}", by="seed", by_name="Seed", text=f"note {k}")
                           for k in range(DECISIONS_PER_INCIDENT - 1)]  # fmt: skip
                rows += [{"at": opened + timedelta(seconds=k), "kind": e.kind, "incident_id": n, "summary": summary(e),
                          "data": e.model_dump(mode="json")} for k, e in enumerate(events)]  # fmt: skip
            tx.session.execute(insert(DecisionRow), rows)
    with store.engine.begin() as connection:  # the ids were given: move the sequences past them
        connection.exec_driver_sql(f"SELECT setval('incidents_id_seq', {INCIDENTS})")
        connection.exec_driver_sql("SELECT setval('incident_causes_id_seq', (SELECT max(id) FROM incident_causes))")
    accounts = Accounts(store, lambda: datetime.now(UTC), lambda _person: Person("x", "d", "370102"))
    accounts.add_user("centre", Role.dispatcher, "370000", full_name="Provincial centre")
    token = accounts.issue_token("centre", "bench").secret
    store.dispose()
    return token


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else float("nan")


def at_rate(api: str, token: str, paths: list[str], seconds: float) -> tuple[list[float], int]:
    """Ask `paths` in turn at RATE a second, open loop (each on time, whatever the last took):
    latencies in ms, and the answers that were not 200."""
    latencies: list[float] = []
    failures = 0
    lock = threading.Lock()
    clients = [httpx.Client(base_url=api, headers={"Authorization": f"Bearer {token}"}, timeout=30)
               for _ in range(8)]  # fmt: skip

    def ask(index: int, path: str) -> None:
        nonlocal failures
        started = time.perf_counter()
        answer = clients[index % len(clients)].get(path)
        took = (time.perf_counter() - started) * 1000
        with lock:
            latencies.append(took)
            failures += answer.status_code != 200

    threads = []
    start = time.perf_counter()
    for index in range(int(seconds * RATE)):
        due = start + index / RATE
        time.sleep(max(0.0, due - time.perf_counter()))
        thread = threading.Thread(target=ask, args=(index, paths[index % len(paths)]))
        thread.start()
        threads.append(thread)
    for thread in threads:
        thread.join()
    for client in clients:
        client.close()
    return latencies, failures


def streams(api: str, token: str, sent: dict[int, float], arrivals: list[float], ready: threading.Barrier,
            stop: threading.Event) -> list[threading.Thread]:  # fmt: skip
    """STREAMS listeners: each note's arrival, in ms after its request was sent."""
    lock = threading.Lock()

    def listen() -> None:
        with (
            contextlib.suppress(httpx.HTTPError),  # the engine stops at the end
            httpx.Client(base_url=api, timeout=httpx.Timeout(30, read=None)) as client,
            client.stream("GET", "/api/stream", headers={"Authorization": f"Bearer {token}"}) as response,
        ):
            for line in response.iter_lines():
                if line.startswith("retry:"):
                    ready.wait()
                if stop.is_set():
                    return
                if line.startswith("data: ") and '"note_added"' in line:
                    arrived = time.perf_counter()
                    text = json.loads(line[6:])["event"]["text"]
                    if text.startswith("timed "):
                        with lock:
                            arrivals.append((arrived - sent[int(text[6:])]) * 1000)

    threads = [threading.Thread(target=listen, daemon=True) for _ in range(STREAMS)]
    for thread in threads:
        thread.start()
    return threads


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()
    name = f"warning_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    engine = None
    try:
        seeded = time.perf_counter()
        token = seed(url)
        seed_seconds = time.perf_counter() - seeded
        port = free_port()
        work = Path(tempfile.mkdtemp(prefix="bench-api-"))
        env = {**os.environ, "WARNING_PROVIDER": "simulator", "WARNING_DATABASE_URL": url,
               "WARNING_API_PORT": str(port)}  # fmt: skip
        engine = subprocess.Popen([sys.executable, "-m", "warning.cli", "run"], env=env, cwd=work,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        api = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{api}/ready", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit("the engine did not become ready")
            time.sleep(0.2)
        rng = random.Random(7)
        timelines = [f"/api/incidents/F{rng.randint(1, INCIDENTS):04d}/timeline" for _ in range(200)]
        paths = [p for pair in zip(["/api/incidents?status=open&limit=50"] * 200, timelines, strict=True) for p in pair]
        at_rate(api, token, paths[:100], 2)  # warm up
        serial: dict[str, list[float]] = {"list": [], "timeline": [], "health": []}
        with httpx.Client(base_url=api, headers={"Authorization": f"Bearer {token}"}, timeout=30) as client:
            for n in range(60):  # one at a time: what each costs the server, without queueing
                for name, path in (("list", paths[0]), ("timeline", timelines[n]), ("health", "/health")):
                    started = time.perf_counter()
                    client.get(path)
                    serial[name].append((time.perf_counter() - started) * 1000)
        baseline, _ = at_rate(api, token, ["/health"], args.seconds / 2)
        mixed, failures = at_rate(api, token, paths, args.seconds)
        lists = mixed[0::2]
        details = mixed[1::2]

        sent: dict[int, float] = {}
        arrivals: list[float] = []
        ready, stop = threading.Barrier(STREAMS + 1), threading.Event()
        listeners = streams(api, token, sent, arrivals, ready, stop)
        ready.wait(timeout=60)
        time.sleep(1)
        with httpx.Client(base_url=api, headers={"Authorization": f"Bearer {token}"}, timeout=30) as client:
            for n in range(NOTES):
                sent[n] = time.perf_counter()
                client.post(f"/api/incidents/F{n % INCIDENTS + 1:04d}/notes", json={"text": f"timed {n}"})
                time.sleep(max(0.0, sent[n] + 0.05 - time.perf_counter()))
        deadline = time.monotonic() + 30
        while len(arrivals) < NOTES * STREAMS and time.monotonic() < deadline:
            time.sleep(0.1)
        stop.set()
        del listeners
        figures: dict[str, Any] = {
            "benchmark": "api",
            "database": "postgresql",
            "incidents_open": INCIDENTS,
            "decisions": INCIDENTS * DECISIONS_PER_INCIDENT,
            "seed_seconds": round(seed_seconds, 1),
            "rate_per_second": RATE,
            "list_p50_ms": round(statistics.median(lists), 1),
            "list_p99_ms": round(percentile(lists, 0.99), 1),
            "timeline_p50_ms": round(statistics.median(details), 1),
            "timeline_p99_ms": round(percentile(details, 0.99), 1),
            "answers_not_200": failures,
            "list_alone_p50_ms": round(statistics.median(serial["list"]), 1),
            "timeline_alone_p50_ms": round(statistics.median(serial["timeline"]), 1),
            "health_alone_p50_ms": round(statistics.median(serial["health"]), 1),
            "baseline_health_p50_ms": round(statistics.median(baseline), 1),
            "baseline_health_p99_ms": round(percentile(baseline, 0.99), 1),
            "streams": STREAMS,
            "stream_events_expected": NOTES * STREAMS,
            "stream_events_arrived": len(arrivals),
            "stream_p50_ms": round(statistics.median(arrivals), 1) if arrivals else None,
            "stream_p99_ms": round(percentile(arrivals, 0.99), 1) if arrivals else None,
            "stream_p99_target_ms": 200,
        }
        print(json.dumps(figures))
    finally:
        if engine is not None:
            engine.terminate()
            engine.wait(timeout=30)
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
