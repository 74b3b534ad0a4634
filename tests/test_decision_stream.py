"""The decision stream (Server-Sent Events): every decision within the caller's area, in order, as it
commits; a client that reconnects with its Last-Event-ID misses nothing."""

from __future__ import annotations

import json
import queue
import threading
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest

from tests.conftest import START, make_runtime, reading, step_to
from warning.access import Role
from warning.app import Runtime, build_accounts
from warning.clock import VirtualClock


@pytest.fixture
def streaming(database_url: str, clock: VirtualClock) -> Iterator[tuple[Runtime, dict[str, str]]]:
    runtime = make_runtime(database_url, clock)
    accounts = build_accounts(runtime.store, runtime.engine)
    accounts.add_user("zhang", Role.dispatcher, "370100")
    accounts.add_user("huaiyin-desk", Role.dispatcher, "370104")
    accounts.add_user("province", Role.administrator, "370000")
    tokens = {name: accounts.issue_token(name).secret for name in ("zhang", "huaiyin-desk", "province")}
    try:
        yield runtime, tokens
    finally:
        runtime.close()


class Listener:
    """A client reading the stream in a thread: each event's id and data as it arrives."""

    def __init__(self, runtime: Runtime, token: str, last_event_id: int | None = None, query: str = "") -> None:
        assert runtime.api is not None
        headers = {"Authorization": f"Bearer {token}"}
        if last_event_id is not None:
            headers["Last-Event-ID"] = str(last_event_id)
        self.events: queue.Queue[tuple[int, dict[str, Any]]] = queue.Queue()
        self.ready = threading.Event()
        self._client = httpx.Client(base_url=runtime.api.url, timeout=httpx.Timeout(30, read=60))
        self._thread = threading.Thread(target=self._read, args=(f"/api/stream{query}", headers), daemon=True)
        self._thread.start()
        assert self.ready.wait(10), "the stream did not start"

    def _read(self, path: str, headers: dict[str, str]) -> None:
        event_id: int | None = None
        try:
            with self._client.stream("GET", path, headers=headers) as response:
                assert response.status_code == 200 and response.headers["content-type"].startswith("text/event-stream")
                for line in response.iter_lines():
                    if line.startswith("retry:"):
                        self.ready.set()
                    elif line.startswith("id: "):
                        event_id = int(line[4:])
                    elif line.startswith("data: ") and event_id is not None:
                        self.events.put((event_id, json.loads(line[6:])))
        except (httpx.HTTPError, RuntimeError):
            pass  # closed by the test

    def take(self, count: int) -> list[tuple[int, dict[str, Any]]]:
        return [self.events.get(timeout=10) for _ in range(count)]

    def close(self) -> None:
        self._client.close()


def test_decisions_arrive_in_order_within_the_callers_area_and_resume_without_loss(
    streaming: tuple[Runtime, dict[str, str]], clock: VirtualClock
) -> None:
    runtime, tokens = streaming
    city, elsewhere = Listener(runtime, tokens["zhang"]), Listener(runtime, tokens["huaiyin-desk"])
    province = Listener(runtime, tokens["province"], query="?language=zh-CN")
    try:
        runtime.engine.ingest_payload(reading(3.7, START), "test")  # F0001 opens and pages
        with runtime.store.transaction() as tx:
            logged = [(row.seq, row.kind) for row, _, area in tx.decisions_with_incident_after(0, 1000)
                      if area is not None]  # fmt: skip
        got = city.take(len(logged))
        assert [(seq, data["kind"]) for seq, data in got] == logged
        assert all(data["incident"] == "F0001" and data["area"] == "370102" for _, data in got)
        assert got[0][1]["summary"].startswith("yellow (III) flood warning F0001 opened")
        assert province.take(1)[0][1]["summary"].startswith("黄色（III级）洪水预警F0001发布")
        # Another district's dispatcher hears nothing of Lixia.
        with pytest.raises(queue.Empty):
            elsewhere.events.get(timeout=1)
        # Disconnected after the third event, the city reconnects and misses nothing meanwhile.
        city.close()
        step_to(runtime, clock, START + timedelta(minutes=20))  # the deputy is called in the meantime
        runtime.engine.ingest_payload(reading(4.4, START + timedelta(minutes=20)), "test")  # orange
        with runtime.store.transaction() as tx:
            later = [(row.seq, row.kind) for row, _, area in tx.decisions_with_incident_after(got[2][0], 1000)
                     if area is not None]  # fmt: skip
        again = Listener(runtime, tokens["zhang"], last_event_id=got[2][0])
        try:
            assert [(seq, data["kind"]) for seq, data in again.take(len(later))] == later
            assert "incident_upgraded" in {kind for _, kind in later}
        finally:
            again.close()
    finally:
        city.close()
        elsewhere.close()
        province.close()


def test_the_stream_needs_a_caller(streaming: tuple[Runtime, dict[str, str]]) -> None:
    runtime, _tokens = streaming
    assert runtime.api is not None
    answer = httpx.get(f"{runtime.api.url}/api/stream", timeout=10)
    assert answer.status_code == 401 and "bearer token" in answer.json()["error"]
