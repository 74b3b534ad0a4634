"""A drill played live: the scenario's injects carried out as a live engine's clock reaches them (readings
fed, faults set and ended, scripted players acting), with real players acknowledging on the simulator's
phones or in the console. The clock is an exercise clock, which the controller pauses, resumes, speeds
up and slows down (`/api/drill`, `warning drill control`); nothing is due and no phone rings while it is
paused. `warning drill live` scores it and writes the same report as a replay; `warning console --demo`
plays the built-in scenario this way for a newcomer to watch.

Like every drill it is an exercise: its incidents are marked so, and only the roster's phones (in the
simulator) are paged.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from warning.access import Role
from warning.api.drill import DrillState
from warning.app import Runtime, build_accounts, build_runtime, start_live_timer
from warning.clock import ExerciseClock
from warning.drills.faults import FaultBoard
from warning.drills.players import InjectOutcome, labels, play
from warning.drills.runner import DrillResult, drill_result, scenario_events
from warning.drills.scenario import load_scenario
from warning.drills.series import SeriesLine
from warning.settings import Settings

TICK = 0.2  # seconds of wall time between looks at the clock while waiting for the next inject


@dataclass(frozen=True, slots=True)
class DemoUser:
    name: str
    password: str
    role: Role
    area: str
    person: str | None
    full_name: str


# Who a newcomer can sign in as (printed at start; the demo engine listens on the loopback only).
DEMO_USERS = (
    DemoUser("dispatcher", "dispatcher-demo", Role.dispatcher, "370100", None, "Jinan dispatcher"),
    DemoUser("wang-wei", "officer-demo", Role.duty_officer, "370102", "wang-wei", "Wang Wei"),
    DemoUser("planner", "planner-demo", Role.planner, "370100", None, "Jinan planner"),
)


class Rehearsal:
    def __init__(
        self, scenario: Path, database_url: str, *, speed: float, port: int, epoch: datetime | None = None,
        paused: bool = False,
    ) -> None:  # fmt: skip
        """`epoch`: what the exercise clock reads at the start (default: the scenario's own start)."""
        self.spec, rules, organisation = load_scenario(scenario)
        self.path = scenario
        self.epoch = (epoch or self.spec.start).astimezone(UTC)
        self.clock = ExerciseClock(self.epoch, speed, paused=paused)
        settings = Settings(database_url=database_url, rules=tuple(rules), organisation=organisation,
                            provider="simulator", domestic_provider=self.spec.domestic_provider,
                            api_port=port)  # fmt: skip
        self.runtime: Runtime = build_runtime(settings, self.clock, exercise=True, drill_roster=self.spec.roster,
                                              organisation_source=self.spec.organisation, drill=self)  # fmt: skip
        assert self.runtime.simulator is not None  # a drill never reaches the real Twilio
        for phone, behaviour in self.spec.players.items():
            for simulator in self.runtime.simulators().values():
                simulator.set_behaviour(phone, behaviour)
        self.faults = FaultBoard(self.runtime.simulators(), dict(self.spec.players),
                                 self.runtime.engine.evaluator.area_of)  # fmt: skip
        self.outcomes: list[InjectOutcome] = []
        self.series_readings = 0
        self.injects_done = 0
        accounts = build_accounts(self.runtime.store, self.runtime.engine)
        existing = {row.name for row in accounts.users()}
        for user in DEMO_USERS:
            if user.name not in existing:
                accounts.add_user(user.name, user.role, user.area, full_name=user.full_name, person=user.person,
                                  password=user.password)  # fmt: skip
        self.stop = threading.Event()
        self.finished = threading.Event()
        self._woken = threading.Event()
        self.clock.on_change.append(self._clock_changed)
        self._feed = threading.Thread(target=self._play, name="rehearsal-feed", daemon=True)

    @property
    def url(self) -> str:
        assert self.runtime.api is not None
        return self.runtime.api.url

    @property
    def end(self) -> datetime:
        return self.epoch + self.spec.duration

    def start(self) -> None:
        start_live_timer(self.runtime)
        self._feed.start()

    # the controller's ------------------------------------------------------------------------

    def state(self) -> DrillState:
        now = self.clock.now()
        state: Literal["running", "paused", "finished"] = (
            "finished" if self.finished.is_set() else "paused" if self.clock.paused else "running"
        )
        return DrillState(scenario=self.spec.name, state=state, speed=self.clock.speed, now=now, start=self.epoch,
                          end=self.end, injects_done=self.injects_done, injects=len(self.spec.injects))  # fmt: skip

    def pause(self) -> None:
        self.clock.pause()

    def resume(self) -> None:
        self.clock.resume()

    def set_speed(self, speed: float) -> None:
        self.clock.set_speed(speed)

    def _clock_changed(self) -> None:
        """Timers were armed on the old wall times: arm them again, and let the feed look again."""
        timer = self.runtime.timer
        if timer is not None:
            timer.arm(self.runtime.engine.next_due_at())
        self._woken.set()

    # the feed --------------------------------------------------------------------------------

    def _wait_until(self, moment: datetime) -> bool:
        """Wait for the exercise clock to reach `moment`, ending faults as their time comes; False if stopped."""
        while True:
            now = self.clock.now()
            # Faults end by the scenario's time of the next event: a feed running behind the clock
            # still silences the readings that were due while the fault lasted.
            self.faults.end_due(min(now, moment))
            if now >= moment:
                return True
            wall = TICK if self.clock.paused else min(TICK, (moment - now).total_seconds() / self.clock.speed)
            self._woken.clear()
            if self.stop.is_set() or (self._woken.wait(max(wall, 0.001)) and self.stop.is_set()):
                return False

    def _play(self) -> None:
        engine, simulators = self.runtime.engine, self.runtime.simulators()
        names_of = labels(self.spec.injects)
        for at, event, source in scenario_events(self.spec, self.path):
            moment = self.epoch + (at - self.spec.start)  # the scenario's offsets, from the start
            if not self._wait_until(moment):
                return
            stamp = self.clock.now().isoformat()
            if isinstance(event, SeriesLine):
                self.series_readings += 1
                if not self.faults.silent(event.reading):
                    engine.ingest_payloads([(source, {"observed_at": stamp, **event.reading})])
                continue
            self.injects_done += 1
            if event.reading is not None:
                if not self.faults.silent(event.reading):
                    engine.ingest_payloads([(source, {"observed_at": stamp, **event.reading})])
            else:
                # At the scenario's time, as a replay plays it: a feed running behind the clock
                # (a busy machine) starts a fault no later, and so ends it no later.
                self.outcomes.append(play(engine, simulators, self.faults, event, names_of[id(event)], moment))
        if self._wait_until(self.end):
            self.finished.set()

    # the end ---------------------------------------------------------------------------------

    def result(self) -> DrillResult:
        """The drill so far, scored as a replay is: the decision log, the injects' outcomes, the expectations."""
        zone = self.spec.start.tzinfo
        spec = self.spec.model_copy(update={"start": self.epoch.astimezone(zone)})  # the exercise clock's start
        end = min(self.end, self.clock.now()).astimezone(zone)
        return drill_result(spec, self.path, self.runtime.store, self.runtime.engine, end, list(self.outcomes),
                            self.faults, self.series_readings, [])  # fmt: skip

    def close(self) -> None:
        self.stop.set()
        self._woken.set()
        self._feed.join(timeout=5)
        self.runtime.close()
