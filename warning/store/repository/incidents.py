"""Incidents and their causes: the open cause of a detection key (its level is what readings are
judged against), the open incident of a group key, by id or code, and every one for the board."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, or_, select

from warning.domain import Level
from warning.store.models import (
    CauseRow,
    IncidentRow,
)
from warning.store.repository.part import TransactionPart


@dataclass(frozen=True, slots=True)
class IncidentFilter:
    """What a dispatcher narrows the incident list to; every field optional."""

    statuses: tuple[str, ...] = ()
    levels: tuple[str, ...] = ()
    hazards: tuple[str, ...] = ()
    area_prefix: str | None = None  # the area subtree: a code prefix (warning/areas.py)
    since: datetime | None = None  # opened at or after
    text: str | None = None  # in the code, title or reason, any case
    codes: tuple[str, ...] = ()  # these incidents only (a console refreshing the rows a decision touched)
    board_order: bool = False  # most severe first, then the oldest (the board's order); else newest first


class IncidentsTx(TransactionPart):
    def rule_firings(self, since: datetime, area_prefix: str) -> dict[str, tuple[int, datetime | None, int]]:
        """Per rule, within an area subtree: causes opened since `since`, the last one's opening, and
        how many stand now."""
        in_area = CauseRow.area.startswith(area_prefix, autoescape=True)
        recent = select(CauseRow.rule_id, func.count(), func.max(CauseRow.opened_at)).where(
            in_area, CauseRow.opened_at >= since
        )
        standing = select(CauseRow.rule_id, func.count()).where(in_area, CauseRow.open_key.is_not(None))
        last = select(CauseRow.rule_id, func.max(CauseRow.opened_at)).where(in_area)
        found: dict[str, tuple[int, datetime | None, int]] = {}
        for rule, opened_at in self.session.execute(last.group_by(CauseRow.rule_id)):
            found[rule] = (0, opened_at, 0)
        for rule, count, _ in self.session.execute(recent.group_by(CauseRow.rule_id)):
            found[rule] = (count, found[rule][1], 0)
        for rule, count in self.session.execute(standing.group_by(CauseRow.rule_id)):
            found[rule] = (found[rule][0], found[rule][1], count)
        return found

    def open_levels(self) -> dict[str, Level]:
        """The level of every open cause, by detection key: what a batch of readings is judged against."""
        query = select(CauseRow.open_key, CauseRow.level).where(CauseRow.open_key.is_not(None))
        return {str(key): Level(level) for key, level in self.session.execute(query)}

    def open_incident(self, group_key: str, *, for_update: bool = False) -> IncidentRow | None:
        query = select(IncidentRow).where(IncidentRow.open_key == group_key)
        if for_update:
            query = query.with_for_update()
        return self.session.scalars(query).first()

    def open_cause(self, key: str, *, for_update: bool = False) -> CauseRow | None:
        query = select(CauseRow).where(CauseRow.open_key == key)
        if for_update:
            query = query.with_for_update()
        return self.session.scalars(query).first()

    def current_level(self, key: str) -> Level | None:
        """The level of the open cause of a detection key, if any."""
        row = self.open_cause(key)
        return Level(row.level) if row is not None else None

    def standing_causes_of_many(self, incident_ids: list[int]) -> dict[int, list[CauseRow]]:
        """The standing causes of several incidents at once, by incident, in the order they joined."""
        found: dict[int, list[CauseRow]] = {}
        if incident_ids:
            query = select(CauseRow).where(CauseRow.incident_id.in_(incident_ids), CauseRow.open_key.is_not(None))
            for row in self.session.scalars(query.order_by(CauseRow.id)):
                found.setdefault(row.incident_id, []).append(row)
        return found

    def causes_of(self, incident_id: int, *, open_only: bool = False, for_update: bool = False) -> list[CauseRow]:
        """An incident's causes, in the order they joined."""
        query = select(CauseRow).where(CauseRow.incident_id == incident_id).order_by(CauseRow.id)
        if open_only:
            query = query.where(CauseRow.open_key.is_not(None))
        if for_update:
            query = query.with_for_update()
        return list(self.session.scalars(query))

    def add_cause(self, row: CauseRow) -> CauseRow:
        self.session.add(row)
        self.session.flush()
        return row

    def open_causes_of(self, rule_ids: Collection[str]) -> list[tuple[CauseRow, IncidentRow]]:
        """Open causes of these rules (or compounds), each with its incident, oldest first."""
        query = (
            select(CauseRow, IncidentRow)
            .join(IncidentRow, IncidentRow.id == CauseRow.incident_id)
            .where(CauseRow.rule_id.in_(list(rule_ids)), CauseRow.open_key.is_not(None))
            .order_by(CauseRow.id)
        )
        return [(cause, incident) for cause, incident in self.session.execute(query).all()]

    def incident(self, incident_id: int, *, for_update: bool = False) -> IncidentRow | None:
        return self.session.get(IncidentRow, incident_id, with_for_update=for_update)

    def incident_by_code(self, code: str, *, for_update: bool = False) -> IncidentRow | None:
        query = select(IncidentRow).where(IncidentRow.code == code.upper())
        if for_update:
            query = query.with_for_update()
        return self.session.scalars(query).first()

    def add_incident(self, row: IncidentRow) -> IncidentRow:
        self.session.add(row)
        self.session.flush()
        return row

    def all_incidents(self) -> list[IncidentRow]:
        return list(self.session.scalars(select(IncidentRow).order_by(IncidentRow.id)))

    def incidents_page(self, where: IncidentFilter, limit: int, offset: int) -> tuple[list[IncidentRow], int]:
        """One page of the incidents matching `where` in its order, and how many match in all."""
        query = select(IncidentRow)
        if where.statuses:
            query = query.where(IncidentRow.status.in_(where.statuses))
        if where.levels:
            query = query.where(IncidentRow.level.in_(where.levels))
        if where.hazards:
            query = query.where(IncidentRow.hazard.in_(where.hazards))
        if where.area_prefix:
            query = query.where(IncidentRow.area.startswith(where.area_prefix, autoescape=True))
        if where.since is not None:
            query = query.where(IncidentRow.opened_at >= where.since)
        if where.codes:
            query = query.where(IncidentRow.code.in_([code.upper() for code in where.codes]))
        if where.text:
            needle = where.text.lower()
            query = query.where(or_(
                func.lower(IncidentRow.code).contains(needle, autoescape=True),
                func.lower(IncidentRow.title).contains(needle, autoescape=True),
                func.lower(IncidentRow.reason).contains(needle, autoescape=True),
            ))  # fmt: skip
        total = self.session.scalar(select(func.count()).select_from(query.subquery())) or 0
        if where.board_order:
            severity = case({level.value: level.rank for level in Level}, value=IncidentRow.level, else_=0)
            query = query.order_by(severity.desc(), IncidentRow.opened_at, IncidentRow.id)
        else:
            query = query.order_by(IncidentRow.id.desc())
        rows = self.session.scalars(query.limit(limit).offset(offset))
        return list(rows), int(total)

    def open_levels_by_station(self, stations: Collection[str]) -> dict[str, Level]:
        """The highest level of the standing causes at each of these stations."""
        query = select(CauseRow.station_id, CauseRow.level).where(
            CauseRow.open_key.is_not(None), CauseRow.station_id.in_(list(stations))
        )
        highest: dict[str, Level] = {}
        for station, level in self.session.execute(query):
            if station not in highest or Level(level).rank > highest[station].rank:
                highest[str(station)] = Level(level)
        return highest
