"""What dispatchers, officers and planners read: the board and the incident list (filtered, paged,
within the caller's area), one incident in full, its timeline in their language, the readings
around it, the stations, who is on duty, and the dead letters."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from warning.access import ACTIONS, Principal, may_read
from warning.areas import area_prefix, level_of, narrowed, structural_parent, within
from warning.clock import ScaledClock
from warning.decisions.events import IncidentAcknowledged, QuorumProgressed, decision_from
from warning.decisions.render import summary
from warning.domain import Channel, Incident, IncidentStatus, Level
from warning.engine.parts import EngineParts
from warning.errors import NotAllowed, NotFound
from warning.incidents.views import (
    AreaView,
    CauseView,
    DeadLetterView,
    DepartmentView,
    Directory,
    DutyHolder,
    DutyView,
    IncidentDetail,
    IncidentPage,
    IncidentReadings,
    PageView,
    PersonView,
    RuleView,
    StationSeries,
    StationView,
    TimelineEntry,
    TrackView,
)
from warning.rulebook.spec import StationSpec
from warning.silences import Silence, covering
from warning.store.models import IncidentRow, NotificationRow
from warning.store.repository import Transaction
from warning.store.repository.incidents import IncidentFilter

READINGS_BEFORE = timedelta(hours=3)  # around an incident: from before it opened ...
READINGS_AFTER = timedelta(hours=1)  # ... to after it was lifted (or now)
LONGEST_SPAN = timedelta(hours=48)
FIRINGS_OVER = timedelta(hours=24)  # a rule's recent firings, for planners


class Board(EngineParts):
    def _view(self, tx: Transaction, row: IncidentRow, now: datetime) -> Incident:
        return self._views(tx, [row], now)[0]

    def _views(self, tx: Transaction, rows: list[IncidentRow], now: datetime) -> list[Incident]:
        """The incidents as the board shows them: each with its tracks and any silence holding it,
        read for all of them at once (a page of the list is a handful of queries, not three per row)."""
        ids = [row.id for row in rows]
        tracks = tx.escalations_of_many(ids)
        last_pages = tx.latest_pages_of_many(ids)
        causes = tx.standing_causes_of_many(ids)
        silences = [Silence.model_validate(s) for s in tx.silences_ending_after(now)]
        active = [silence for silence in silences if silence.active(now)]
        subjects = tx.silence_subjects_of_many(rows) if active else {}
        views = []
        for row in rows:
            shown = [{"policy": t.policy_id, "department_kind": t.policy["department_kind"], "state": t.state,
                      "department": t.department_id, "acknowledged_by": t.acknowledged_by or "",
                      **self._last_page(last_pages.get((row.id, t.policy_id)))}
                     for t in tracks.get(row.id, [])]  # fmt: skip
            silence = None
            if active and row.status != IncidentStatus.lifted:
                silence = covering(active, subjects[row.id], Level(row.level), now)
            views.append(Incident.model_validate(row).model_copy(
                update={"escalations": shown, "silenced": silence.describe() if silence else None,
                        "causes": [{"rule": c.rule_id, "station": c.station_id, "level": c.level, "title": c.title}
                                   for c in causes.get(row.id, [])]}
            ))  # fmt: skip
        return views

    def _last_page(self, page: NotificationRow | None) -> dict[str, str]:
        """Who a track paged last, by what, and how it went: what the board shows beside its department."""
        if page is None:
            return {}
        person = self.org.people.get(page.person_id)
        return {"paged": page.person_id, "paged_name": person.name if person else page.person_id,
                "paged_name_zh": (person.name_zh or person.name) if person else page.person_id,
                "paged_by": page.channel, "page_status": page.provider_status or page.status}  # fmt: skip

    def board(self) -> list[Incident]:
        """Every incident, newest last, as the dispatcher's board shows it."""
        now = self.clock.now()
        with self.store.transaction() as tx:
            return self._views(tx, tx.all_incidents(), now)

    def incidents(
        self, principal: Principal, where: IncidentFilter, *, area: str | None, limit: int, offset: int
    ) -> IncidentPage:
        """One page of the incidents the caller may read, newest first."""
        prefix = narrowed(area, principal.area)
        if prefix is None:
            return IncidentPage(items=[], total=0, limit=limit, offset=offset)
        now = self.clock.now()
        with self.store.transaction() as tx:
            rows, total = tx.incidents_page(replace(where, area_prefix=prefix), limit, offset)
            items = self._views(tx, rows, now)
        return IncidentPage(items=items, total=total, limit=limit, offset=offset)

    def _readable(self, tx: Transaction, principal: Principal, code: str) -> IncidentRow:
        row = tx.incident_by_code(code)
        if row is None:
            raise NotFound(f"no incident {code.upper()}")
        if not may_read(principal, row.area):
            raise NotAllowed(f"incident {row.code} is in area {row.area}, outside {principal.name}'s area")
        return row

    def incident_detail(self, principal: Principal, code: str, language: str = "en") -> IncidentDetail:
        now, names = self.clock.now(), self.org.display_names(language)
        with self.store.transaction() as tx:
            row = self._readable(tx, principal, code)
            causes = [CauseView(key=c.key, rule=c.rule_id, rule_version=c.rule_version, station=c.station_id,
                                area=c.area, title=c.title, reason=c.reason, said=_said(c.content),
                                level=Level(c.level), standing=c.open_key is not None, opened_at=c.opened_at,
                                updated_at=c.updated_at, cleared_at=c.cleared_at)
                      for c in tx.causes_of(row.id)]  # fmt: skip
            tracks = [TrackView(policy=t.policy_id, department_kind=str(t.policy["department_kind"]),
                                department=t.department_id, departments=list(t.policy["departments"]), state=t.state,
                                position=t.step_index, due_at=t.due_at, acknowledged_by=t.acknowledged_by,
                                acknowledged_at=t.acknowledged_at, stop_reason=t.stop_reason)
                      for t in tx.escalations_of(row.id)]  # fmt: skip
            pages = [PageView(id=n.id, person=n.person_id, person_name=names.person(n.person_id),
                              department=n.department_id, channel=Channel(n.channel), purpose=n.purpose,
                              origin=n.origin, status=n.status, provider_status=n.provider_status,
                              claimed_at=n.claimed_at, updated_at=n.updated_at, error=n.error)
                     for n in tx.notifications_for(row.id)]  # fmt: skip
            acknowledgements = [entry for entry in self._timeline(tx, row, language)
                                if isinstance(entry.event, IncidentAcknowledged | QuorumProgressed)]  # fmt: skip
            return IncidentDetail(incident=self._view(tx, row, now), causes=causes, tracks=tracks, pages=pages,
                                  acknowledgements=acknowledgements)  # fmt: skip

    def timeline(self, principal: Principal, code: str, language: str = "en") -> list[TimelineEntry]:
        with self.store.transaction() as tx:
            return self._timeline(tx, self._readable(tx, principal, code), language)

    def _timeline(self, tx: Transaction, row: IncidentRow, language: str) -> list[TimelineEntry]:
        names = self.org.display_names(language)
        entries = []
        for decision in tx.decisions_of(row.id):
            event = decision_from(decision.data)
            # The event was validated as it was read: the entry around it needs no second pass.
            said = summary(event, language, names)
            entries.append(
                TimelineEntry.model_construct(seq=decision.seq, at=decision.at, kind=decision.kind, summary=said,
                                              event=event)
            )  # fmt: skip
        return entries

    def incident_readings(self, principal: Principal, code: str) -> IncidentReadings:
        """Each station of the incident's causes: its readings from before the incident opened to
        after it was lifted (or now), and the thresholds its rules judge it by."""
        now = self.clock.now()
        with self.store.transaction() as tx:
            row = self._readable(tx, principal, code)
            causes = tx.causes_of(row.id)
            start = row.opened_at - READINGS_BEFORE
            end = min((row.lifted_at or now) + READINGS_AFTER, now, start + LONGEST_SPAN)
            stations: dict[str, list[str]] = {}
            for cause in causes:
                if cause.rule_id in self.evaluator.rules:
                    stations.setdefault(cause.station_id, []).append(cause.rule_id)
            if row.station_id and row.station_id not in stations and self._rules_of(row.station_id):
                stations[row.station_id] = self._rules_of(row.station_id)
            readings = tx.readings_between(list(stations), start, max(start, end)) if stations else []
        series = []
        for station_id, rules in stations.items():
            compiled = [self.evaluator.rules[rule].stations[station_id] for rule in rules
                        if station_id in self.evaluator.rules[rule].stations]  # fmt: skip
            name = compiled[0].spec.name if compiled else station_id
            name_zh = compiled[0].spec.name_zh if compiled else None
            thresholds = [threshold for station in compiled for threshold in station.thresholds]
            own = [r for r in readings if r.sensor_id == station_id]
            series.append(StationSeries(station=station_id, name=name, name_zh=name_zh, rules=rules,
                                        thresholds=thresholds, readings=own))  # fmt: skip
        return IncidentReadings(start=start, end=max(start, end), stations=series)

    def _rules_of(self, station_id: str) -> list[str]:
        return [rule.id for rule in self.evaluator.rules.values() if station_id in rule.stations]

    def stations(self, principal: Principal) -> list[StationView]:
        """Every station of the rules in force within the caller's area: where it stands, its last
        reading and the highest level its standing causes have."""
        catalogue: dict[str, tuple[StationSpec, set[str], list[str]]] = {}
        for rule in self.evaluator.rules.values():
            for station_id, station in rule.stations.items():
                if not within(station.spec.area, principal.area):
                    continue
                entry = catalogue.setdefault(station_id, (station.spec, set(), []))
                entry[1].add(rule.spec.kind)
                entry[2].append(rule.id)
        now = self.clock.now()
        with self.store.transaction() as tx:
            last = tx.last_readings_of(list(catalogue), now - timedelta(days=2))
            levels = tx.open_levels_by_station(list(catalogue))
        return [
            StationView(id=station_id, name=spec.name, name_zh=spec.name_zh, area=spec.area, location=spec.location,
                        kinds=sorted(kinds), rules=rules, last_reading=last.get(station_id),
                        open_level=levels.get(station_id))
            for station_id, (spec, kinds, rules) in sorted(catalogue.items())
        ]  # fmt: skip

    def directory(self, principal: Principal, outlines: Mapping[str, tuple[str, str | None]]) -> Directory:
        """The areas (the organisation's and those the map outlines, with the tree their codes imply),
        departments, people and hazards within the caller's area, and the command centre's time zone.
        `outlines`: the map's areas, code -> (name, Chinese name)."""
        named: dict[str, tuple[str, str | None]] = dict(outlines)
        for area in self.org.spec.areas:
            named[area.code] = (area.name, outlines.get(area.code, (area.name, None))[1])
        codes = set(named)
        for code in list(codes):  # the parents a code implies, so the tree has no gaps
            parent = structural_parent(code)
            while parent is not None and parent not in codes:
                codes.add(parent)
                parent = structural_parent(parent)
        listed_parents = {area.code: area.parent for area in self.org.spec.areas}
        areas = [
            AreaView(code=code, name=named.get(code, (code, None))[0], name_zh=named.get(code, (code, None))[1],
                     parent=listed_parents.get(code) or structural_parent(code), level=level_of(code),
                     outline=code in outlines)
            for code in sorted(codes, key=lambda c: (len(c.rstrip("0")), c))
            if within(code, principal.area) or within(principal.area, code)
        ]  # fmt: skip
        # Every department, for its name on a track that went up the tree; pickers offer those in the area.
        departments = [
            DepartmentView(id=d.id, name=d.name, name_zh=d.name_zh, kind=d.kind, area=d.area,
                           in_area=may_read(principal, d.area))
            for d in self.org.spec.departments
        ]  # fmt: skip
        readable = {d.id for d in departments if d.in_area}
        people = [PersonView(id=p.id, name=p.name, name_zh=p.name_zh, department=p.department)
                  for p in self.org.spec.people if p.department in readable]  # fmt: skip
        hazards = {rule.hazard for rule in self.evaluator.rules.values()} | {p.hazard for p in self.org.spec.policies}
        speed = self.clock.speed if isinstance(self.clock, ScaledClock) else 1.0
        return Directory(time_zone=self.org.spec.time_zone, now=self.clock.now(), clock_speed=speed, areas=areas,
                         departments=departments, people=people, hazards=sorted(hazards),
                         actions=sorted(a for a, roles in ACTIONS.items() if principal.role in roles))  # fmt: skip

    def rules_in_force(self, principal: Principal) -> list[RuleView]:
        """The rules and compounds in force with their stations in the caller's area, and how often they
        fired there lately."""
        now = self.clock.now()
        with self.store.transaction() as tx:
            firings = tx.rule_firings(now - FIRINGS_OVER, area_prefix(principal.area))
        views = []
        for rule in self.evaluator.rules.values():
            stations = sorted(s for s, st in rule.stations.items() if within(st.spec.area, principal.area))
            count, last, standing = firings.get(rule.id, (0, None, 0))
            views.append(RuleView(id=rule.id, version=rule.version, hazard=rule.hazard, title=rule.spec.title,
                                  title_zh=rule.spec.title_zh, compound=False, stations=stations, firings=count,
                                  last_fired_at=last, standing=standing))  # fmt: skip
        for compound in self.evaluator.compounds.values():
            count, last, standing = firings.get(compound.id, (0, None, 0))
            views.append(RuleView(id=compound.id, version=compound.version, hazard=compound.hazard,
                                  title=compound.spec.title, title_zh=compound.spec.title_zh, compound=True,
                                  stations=[], firings=count, last_fired_at=last, standing=standing))  # fmt: skip
        return sorted(views, key=lambda v: (v.hazard, v.id))

    def duty(self, principal: Principal, department_id: str, at: datetime | None = None) -> DutyView:
        """Who holds each role of a department now (or at `at`), and why them."""
        department = self.org.departments.get(department_id)
        if department is None:
            raise NotFound(f"no department {department_id}")
        if not may_read(principal, department.area):
            raise NotAllowed(f"department {department_id} is outside {principal.name}'s area")
        moment = at or self.clock.now()
        holders = []
        for role in sorted(department.roles()):
            person = self.org.on_duty(department_id, role, moment)
            holders.append(DutyHolder(role=role, person=person.id if person else None,
                                      name=person.name if person else None, phone=person.phone if person else None,
                                      source=self.org.duty_source(department_id, role, moment)))  # fmt: skip
        return DutyView(department=department_id, name=department.name, at=moment, holders=holders)

    def dead_letters(self, limit: int, before: int | None = None) -> list[DeadLetterView]:
        with self.store.transaction() as tx:
            rows = tx.dead_letters_page(limit, before)
            return [DeadLetterView(id=row.id, source=row.source, reason=row.reason, payload=row.payload,
                                   received_at=row.received_at) for row in rows]  # fmt: skip


def _said(content: dict[str, Any] | None) -> dict[str, str]:
    """A cause's reason in each language, where the rule gave it (a hand report's is its reporter's words)."""
    said = (content or {}).get("reason")
    return {str(k): str(v) for k, v in said.items()} if isinstance(said, dict) else {}
