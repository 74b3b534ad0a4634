"""Live wake-ups through APScheduler. The only module that imports apscheduler.

Due times live in the database; APScheduler holds one in-memory job that wakes the engine at the
earliest of them. If that job is lost (a crash, a missed arm) nothing is lost with it: the wake-up
is re-derived from the database at start-up and by a slow safety sweep.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.background import BackgroundScheduler

log = logging.getLogger(__name__)

WAKE_JOB = "escalation-wake"
SWEEP_JOB = "escalation-sweep"


class LiveTimer:
    def __init__(
        self,
        wake: Callable[[], object],
        *,
        sweep_every: timedelta = timedelta(seconds=30),
        to_wall: Callable[[datetime], datetime] = lambda moment: moment,
    ) -> None:
        self._wake = wake
        # Due times are engine-clock times; APScheduler runs on the wall clock.
        self._to_wall = to_wall
        # misfire_grace_time=None: a wake-up that fires late still runs (the default 1 s would skip it
        # silently); coalesce: several missed runs of the one wake job collapse into one.
        # max_instances=2: a wake-up re-arms the job for work already due while it still runs; with
        # one instance APScheduler would skip that run ("maximum number of running instances
        # reached") and the work would wait for the sweep. The second run queues on our lock.
        self._scheduler = BackgroundScheduler(
            timezone="UTC", job_defaults={"misfire_grace_time": None, "coalesce": True, "max_instances": 2}
        )
        self._sweep_every = sweep_every
        self._closing = False
        self._running = threading.Lock()  # held while a wake-up runs
        self._state = threading.Lock()
        self._waiting = 0  # wake-ups queued behind the running one

    def start(self, first_due_at: datetime | None) -> None:
        self._scheduler.start()
        self._scheduler.add_job(self._sweep, "interval", seconds=self._sweep_every.total_seconds(), id=SWEEP_JOB)
        self.arm(first_due_at)

    def _sweep(self) -> None:
        """The safety net: wake unless a wake-up is running or queued (it re-arms when done).
        Without this check a long wake-up (a backlog) piles up sweeps that APScheduler skips, noisily."""
        with self._state:
            if self._waiting or self._running.locked():
                return
        self._run()

    def _run(self) -> None:
        with self._state:
            self._waiting += 1
        with self._running:
            with self._state:
                self._waiting -= 1
            if self._closing:
                return
            try:
                self._wake()
            except Exception:  # a failed wake-up must not kill the timer thread; the next sweep retries
                log.exception("escalation wake-up failed")

    def arm(self, due_at: datetime | None) -> None:
        """Wake the engine at `due_at` (replacing the previous wake-up), or not at all for None."""
        if self._closing:
            return
        if due_at is None:
            # A one-off job is removed by APScheduler's own thread once it has run: it may go between
            # asking for it and removing it, which is what was wanted anyway.
            with contextlib.suppress(JobLookupError):
                self._scheduler.remove_job(WAKE_JOB)
            return
        run_date = self._to_wall(due_at)
        with self._state:
            if self._waiting and run_date <= datetime.now(UTC):
                return  # a wake-up already queued to run will find this work due
        self._scheduler.add_job(self._run, "date", run_date=run_date, id=WAKE_JOB, replace_existing=True)

    def shutdown(self) -> None:
        # APScheduler's shutdown(wait=True) holds its lock while waiting for a running job, and a
        # wake-up re-arms the timer through that lock: a deadlock. Stop arming, stop the scheduler
        # without waiting, then wait for the wake-up in flight with our own lock. (Its shutdown also
        # empties the job store under its own loop thread, which may then end with JobLookupError:
        # harmless, the scheduler is stopping; pytest reports it as a thread-exception warning.)
        self._closing = True
        self._scheduler.shutdown(wait=False)
        with self._running:
            pass
