"""A drill played live: the scenario's readings fed to a live engine as its clock reaches them, the
clock running `speed` times faster than the wall (minutes of escalation in seconds), the players'
phones in the Twilio simulator, the API and the console up. `warning console --demo` uses it so a
newcomer can watch warnings raised, escalated and acknowledged on the console, then look around.

Like every drill it is an exercise: its incidents are marked so, and only the roster's phones (in the
simulator) are paged.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from warning.access import Role
from warning.app import Runtime, build_accounts, build_runtime, start_live_timer
from warning.clock import ScaledClock
from warning.drills.runner import scenario_events
from warning.drills.scenario import load_scenario
from warning.drills.series import SeriesLine
from warning.settings import Settings


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
    def __init__(self, scenario: Path, database_url: str, *, speed: float, port: int) -> None:
        self.spec, rules, organisation = load_scenario(scenario)
        self.path = scenario
        now = datetime.now(UTC)
        self.clock = ScaledClock(epoch=now, anchor=now, speed=speed)
        settings = Settings(database_url=database_url, rules=tuple(rules), organisation=organisation,
                            provider="simulator", api_port=port)  # fmt: skip
        self.runtime: Runtime = build_runtime(settings, self.clock, exercise=True, drill_roster=self.spec.roster,
                                              organisation_source=self.spec.organisation)  # fmt: skip
        assert self.runtime.simulator is not None  # a drill never reaches the real Twilio
        for phone, behaviour in self.spec.players.items():
            self.runtime.simulator.set_behaviour(phone, behaviour)
        accounts = build_accounts(self.runtime.store, self.runtime.engine)
        existing = {row.name for row in accounts.users()}
        for user in DEMO_USERS:
            if user.name not in existing:
                accounts.add_user(user.name, user.role, user.area, full_name=user.full_name, person=user.person,
                                  password=user.password)  # fmt: skip
        self.stop = threading.Event()
        self.finished = threading.Event()
        self._feed = threading.Thread(target=self._play, name="rehearsal-feed", daemon=True)

    @property
    def url(self) -> str:
        assert self.runtime.api is not None
        return self.runtime.api.url

    def start(self) -> None:
        start_live_timer(self.runtime)
        self._feed.start()

    def _play(self) -> None:
        engine = self.runtime.engine
        for at, event, source in scenario_events(self.spec, self.path):
            moment = self.clock.epoch + (at - self.spec.start)  # the scenario's offsets, from the start
            wait = (self.clock.wall_time(moment) - datetime.now(UTC)).total_seconds()
            if wait > 0 and self.stop.wait(wait):
                return
            if isinstance(event, SeriesLine):
                reading = event.reading
            elif event.silence is not None:
                engine.add_silence(event.silence.by, event.silence.request())  # checked by load_scenario
                continue
            else:
                assert event.reading is not None
                reading = event.reading
            engine.ingest_payloads([(source, {"observed_at": self.clock.now().isoformat(), **reading})])
        self.finished.set()

    def close(self) -> None:
        self.stop.set()
        self._feed.join(timeout=5)
        self.runtime.close()
