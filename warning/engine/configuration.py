"""The organisation and the rules in force: loaded, reloaded (the running ones stay on any error),
and the rule windows primed from stored readings after a restart or when a stream worker takes
over areas."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from warning.decisions.events import (
    OrganisationLoaded,
    OrganisationReloadRefused,
    RulesReloaded,
    RulesReloadRefused,
)
from warning.domain import (
    Reading,
)
from warning.engine.parts import EngineParts
from warning.errors import ConfigFileError
from warning.escalation.org import DutyOverride, Organisation, organisation_from_text
from warning.rulebook import Rulebook, RuleEvaluator
from warning.store.repository import Transaction

log = logging.getLogger(__name__)

PRIMING_LOOKBACK = timedelta(days=1)  # how far back an area taken over looks for its stations' last readings


class Configuration(EngineParts):
    def _run_with(self, org: Organisation) -> None:
        org.duty_overrides = self.escalation.org.duty_overrides if self.escalation.org is not org else ()
        self.escalation.org = org
        self.dispatcher.budget = org.spec.carrier_budget.budget()

    def follow_duty_overrides(self) -> None:
        """Read the duty overrides made at run time (by any engine on this database) into the
        organisation in force: who is on duty is asked of it at every step."""
        with self.store.transaction() as tx:
            rows = tx.duty_overrides_ending_after(self.clock.now())
        org = self.org
        org.duty_overrides = tuple(
            DutyOverride(row.department_id, row.role, row.person_id, row.starts_at, row.ends_at)
            for row in rows
            if row.department_id in org.departments and row.person_id in org.people
        )

    def use_organisation(self, org: Organisation, source: str) -> None:
        """Store `org` as the newest organisation and run with it. Tracks under way keep their
        frozen policies and department chains; who is on duty is read from the new rosters."""
        now = self.clock.now()
        with self._lock, self.store.transaction() as tx:
            if tx.store_organisation(org.version, {"yaml": org.text}, source, now):
                loaded = OrganisationLoaded(version=org.version, source=source, departments=len(org.departments),
                                            people=len(org.people), policies=len(org.policies))  # fmt: skip
                tx.record(now, loaded)
            self._run_with(org)
        self.follow_duty_overrides()

    def reload_organisation(self, load: Callable[[], Organisation], source: str) -> bool:
        """Load the organisation file again; on any error keep the running one and record why."""
        try:
            org = load()
        except Exception as exc:  # whatever is wrong with the new file, the running organisation stays
            self._record_reload_refused(OrganisationReloadRefused, source, exc)
            return False
        self.use_organisation(org, source)
        return True

    def _record_reload_refused(
        self, refused: type[OrganisationReloadRefused | RulesReloadRefused], source: str, exc: Exception
    ) -> None:
        if isinstance(exc, ConfigFileError):
            problems = [str(p) for p in exc.problems]
        else:  # not a problem the loader located: a bug, kept visible rather than fatal
            log.exception("reload from %s failed", source)
            problems = [f"{source}: {type(exc).__name__}: {exc}"]
        with self._lock, self.store.transaction() as tx:
            tx.record(self.clock.now(), refused(source=source, problems=problems))
        for problem in problems:
            log.error("reload refused: %s", problem)

    def follow_stored_organisation(self) -> bool:
        """Adopt a newer organisation another process stored (so every engine on one database
        pages by the same rosters). True when it changed."""
        with self.store.transaction() as tx:
            if tx.latest_organisation_version() in (None, self.org.version):
                return False  # the usual case: one small query per wake-up
            latest = tx.latest_organisation()
            assert latest is not None
            org = organisation_from_text(str(latest.document["yaml"]))
        with self._lock:
            self._run_with(org)
        return True

    def _prime(self, evaluator: RuleEvaluator) -> None:
        """Refill rule windows from stored readings, so a restart does not forget the last hour."""
        evaluator.watch_from(self.clock.now())
        reach = evaluator.window_reach()
        events, lapse = evaluator.event_stations()
        if not reach and not events:
            return
        with self.store.transaction() as tx:
            start = self._window_start(tx, reach)
            if events:  # an event older than every window still decides when its warning lapses
                since = min(start, self.clock.now() - max(lapse, PRIMING_LOOKBACK))
                evaluator.prime(r for r in tx.readings_since(since, events) if r.observed_at <= start)
            if reach:
                evaluator.prime(tx.readings_since(start))

    def _window_start(self, tx: Transaction, reach: float) -> datetime:
        """Where the stored readings that windows need begin: `reach` before now, or before the newest
        stored reading when that is older (a feed catching up on a backlog judges the past)."""
        newest = tx.latest_observed_at()
        now = self.clock.now()
        return (min(now, newest) if newest is not None else now) - timedelta(seconds=reach)

    def take_areas(self, areas: frozenset[str] | None) -> None:
        """Judge only the stations of `areas` from now on (None: all), as one of several stream
        workers sharing a province by area. An area gained is primed from the stored readings
        first, as after a restart; silence is watched only in our own areas."""
        with self._lock:
            gained = self.evaluator.assign(areas)
            reach = self.evaluator.window_reach()
            events, lapse = self.evaluator.event_stations()
            events &= gained
            if events or (gained and reach):
                with self.store.transaction() as tx:
                    if events:  # their last event decides when their warnings lapse, however old it is
                        since = self.clock.now() - max(lapse, PRIMING_LOOKBACK)
                        self.evaluator.prime(tx.readings_since(since, events))
                    if reach and gained - events:
                        self.evaluator.prime(self._recent_readings_of(tx, gained - events, reach))
        log.info("judging %s", "every area" if areas is None else f"areas {', '.join(sorted(areas)) or '(none)'}")

    def _recent_readings_of(self, tx: Transaction, sensors: set[str], reach: float) -> list[Reading]:
        """The stored readings each sensor's windows need: `reach` back from its own latest reading.
        Per sensor, since the workers of a province run at their own pace: one catching up on a
        backlog judges the past while another is at the present."""
        window = timedelta(seconds=reach)
        latest = tx.latest_observed_of(sensors, self.clock.now() - PRIMING_LOOKBACK)
        if not latest:
            return []
        wanted = {sensor: at - window for sensor, at in latest.items()}
        readings = tx.readings_since(min(wanted.values()), wanted)
        return [reading for reading in readings if reading.observed_at > wanted[reading.sensor_id]]

    def reload_rules(self, load: Callable[[], Rulebook], source: str = "the rule files") -> bool:
        """Swap in freshly loaded rules atomically, keeping windows and timers; on any error in the
        files keep the running rules and record why. True when the new rules are in force."""
        try:
            rulebook = load()
        except Exception as exc:  # whatever is wrong with the new files, the running rules stay
            self._record_reload_refused(RulesReloadRefused, source, exc)
            return False
        with self._lock:
            try:
                evaluator = RuleEvaluator(rulebook.rules, compounds=rulebook.compounds, carry_over=self.evaluator)
            except Exception as exc:
                self._record_reload_refused(RulesReloadRefused, source, exc)
                return False
            now = self.clock.now()
            self.evaluator = evaluator
            self.decoder.sensors = self.evaluator.sensors
            versions = {rule.id: rule.version for rule in rulebook.rules}
            versions |= {compound.id: compound.version for compound in rulebook.compounds}
            with self.store.transaction() as tx:
                tx.record(now, RulesReloaded(versions=versions))
        return True
