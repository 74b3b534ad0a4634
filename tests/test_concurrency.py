"""Two engines on one database, racing on the same incident key: one incident, one page."""

from __future__ import annotations

import threading
from datetime import timedelta

from tests.conftest import START, make_runtime, reading
from warning.clock import VirtualClock


def test_two_engines_racing_on_one_key_open_one_incident_and_page_once(database_url: str) -> None:
    clock = VirtualClock(START + timedelta(hours=1))
    engines = [make_runtime(database_url, clock), make_runtime(database_url, clock)]
    try:
        for round_number in range(5):
            barrier = threading.Barrier(2)
            errors: list[BaseException] = []

            def ingest(
                index: int,
                value: float,
                round_number: int = round_number,
                barrier: threading.Barrier = barrier,
                errors: list[BaseException] = errors,
            ) -> None:
                at = START + timedelta(minutes=round_number * 10, seconds=index)
                barrier.wait()
                try:
                    engines[index].engine.ingest_payload(reading(value, at), f"engine-{index}")
                except BaseException as exc:  # collected and re-raised in the test thread
                    errors.append(exc)

            # Both cross into yellow at once (round 0), then both push to orange, then both clear ...
            value = [3.7, 4.4, 4.5, 3.0, 3.8][round_number]
            threads = [threading.Thread(target=ingest, args=(i, value + i * 0.01)) for i in range(2)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=30)
            assert errors == []
        incidents = engines[0].store.incidents()
        # Codes may skip a number on PostgreSQL: the losing insert consumed a sequence value.
        assert [(i.status, i.level) for i in incidents] == [("lifted", "orange"), ("open", "yellow")]
        keys = [n.idempotency_key for n in engines[0].store.notifications()]
        assert len(keys) == len(set(keys))
        first_pages = [k for k in keys if ":flood-water:position:0:" in k]
        assert first_pages == [f"incident:{i.id}:flood-water:position:0:wang-wei:sms" for i in incidents]
        assert engines[0].store.dead_letters() == []
    finally:
        for runtime in engines:
            runtime.close()
