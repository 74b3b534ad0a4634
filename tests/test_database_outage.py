"""PostgreSQL restarted under a running engine: readings sent while it is down wait and are judged
once it is back, pages go out, and the engine never stops. On a private PostgreSQL instance this
test starts with the server binaries on the machine, so the shared server stays up."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import start_live_engine
from warning.store import Store

PG_BINARIES = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))


@dataclass
class PrivatePostgres:
    directory: Path
    port: int

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _ctl(self, *args: str) -> None:
        _as_postgres([str(PG_BINARIES[-1]), "-D", str(self.directory / "data"), *args])

    def start(self) -> None:
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._ctl("-o", options, "-l", str(self.directory / "log"), "-w", "start")

    def stop(self) -> None:
        self._ctl("-m", "fast", "-w", "stop")


def _as_postgres(command: list[str]) -> None:
    """PostgreSQL's tools refuse to run as root: as root (CI), run them as the postgres user."""
    prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    subprocess.run([*prefix, *command], check=True, capture_output=True, timeout=120)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def private_postgres() -> Iterator[PrivatePostgres]:
    if not PG_BINARIES:
        pytest.fail("the PostgreSQL server binaries (/usr/lib/postgresql/*/bin) are needed for this test")
    directory = Path(tempfile.mkdtemp(prefix="warning-pg-"))
    if os.geteuid() == 0:
        shutil.chown(directory, "postgres")
    initdb = PG_BINARIES[-1].parent / "initdb"
    _as_postgres(
        [str(initdb), "-D", str(directory / "data"), "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"]
    )
    server = PrivatePostgres(directory, _free_port())
    server.start()
    try:
        yield server
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
            server.stop()
        shutil.rmtree(directory, ignore_errors=True)


def _reading(sensor: str, value: float) -> bytes:
    now = datetime.now(UTC).isoformat()
    return json.dumps({"sensor_id": sensor, "kind": "water_level", "value": value, "observed_at": now}).encode() + b"\n"


def _ready(api: str) -> int:
    try:
        with urllib.request.urlopen(f"{api}/ready", timeout=5) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code


def test_postgres_restarted_under_a_running_engine_loses_nothing(private_postgres: PrivatePostgres) -> None:
    process, api = start_live_engine({"WARNING_DATABASE_URL": private_postgres.url})
    assert process.stdin is not None
    try:
        assert _ready(api) == 200
        process.stdin.write(_reading("HY-370102-01", 3.9))  # the river: a warning, paged
        process.stdin.flush()
        _wait_for(private_postgres.url, lambda store: any(n.status == "delivered" for n in store.notifications()))

        private_postgres.stop()
        # While it is down: the river passes its guaranteed stage and the East Lock gauge its warning
        # stage; the engine must hold both readings, not drop them.
        process.stdin.write(_reading("HY-370102-01", 4.3) + _reading("HY-370102-02", 3.0))
        process.stdin.flush()
        time.sleep(3)
        assert process.poll() is None, "the engine must ride out the outage"
        assert _ready(api) == 503
        private_postgres.start()

        def all_judged(store: Store) -> bool:
            levels = {row.station_id: row.level for row in store.incidents()}
            paged = {n.incident_id for n in store.notifications()} == {row.id for row in store.incidents()}
            return levels == {"HY-370102-01": "orange", "HY-370102-02": "yellow"} and paged

        store = _wait_for(private_postgres.url, all_judged, timeout=timedelta(seconds=60))
        assert store.dead_letters() == []
        assert not [n for n in store.notifications() if n.status in ("failed", "undelivered", "expired")]
        assert _ready(api) == 200 and process.poll() is None
    finally:
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=60)
    assert process.returncode == 0, err.decode(errors="replace")[-3000:]


def _wait_for(url: str, ready: object, timeout: timedelta = timedelta(seconds=30)) -> Store:
    deadline = time.monotonic() + timeout.total_seconds()
    while True:
        store = Store(url)
        try:
            if ready(store):  # type: ignore[operator]
                return store
        finally:
            store.dispose()
        if time.monotonic() > deadline:
            store = Store(url)
            seen = (
                [(row.station_id, row.level) for row in store.incidents()],
                [(n.person_id, n.channel, n.status) for n in store.notifications()],
            )
            store.dispose()
            raise AssertionError(f"not reached within {timeout}: incidents and pages {seen}")
        time.sleep(0.3)
