"""Silences and maintenance windows, set and ended by a person within their department's area."""

from __future__ import annotations

from warning.areas import within
from warning.decisions.events import (
    SilenceAdded,
    SilenceExpired,
)
from warning.engine.parts import EngineParts
from warning.silences import Silence, SilenceRequest, scoped_area
from warning.store.models import SilenceRow


class Silencing(EngineParts):
    def add_silence(self, person_id: str, request: SilenceRequest, *, scope: str | None = None) -> Silence:
        """Record a silence asked for by `person_id` (a person, or a user's name), within `scope` (an
        area; default: the person's department's); ValueError says what is wrong with it."""
        now = self.clock.now()
        area = scoped_area(request, scope or self._area_of(person_id))
        starts_at, ends_at = request.window(now)
        with self._lock, self.store.transaction() as tx:
            row = tx.add_silence(SilenceRow(area=area, station_id=request.station, rule_id=request.rule,
                                            up_to=request.up_to.value if request.up_to else None, starts_at=starts_at,
                                            ends_at=ends_at, reason=request.reason, created_by=person_id,
                                            created_at=now))  # fmt: skip
            silence = Silence.model_validate(row)
            added = SilenceAdded(silence=silence.id, person=person_id, area=area, station=request.station,
                                 rule=request.rule, up_to=request.up_to, starts_at=starts_at, ends_at=ends_at,
                                 reason=request.reason)  # fmt: skip
            tx.record(now, added)
        return silence

    def _area_of(self, person_id: str) -> str:
        """The area of the person's department: what they may silence."""
        if person_id not in self.org.people:
            raise ValueError(f"unknown person {person_id}")
        return self.org.department(self.org.person(person_id).department).area

    def silences(self) -> list[Silence]:
        """Silences active now or still to come."""
        with self.store.transaction() as tx:
            return [Silence.model_validate(row) for row in tx.silences_ending_after(self.clock.now())]

    def expire_silence(self, person_id: str, silence_id: int, *, scope: str | None = None) -> Silence:
        """End a silence now: whatever it held pages at once. ValueError if it cannot be ended by them."""
        now = self.clock.now()
        own_area = scope or self._area_of(person_id)
        with self._lock, self.store.transaction() as tx:
            row = tx.silence(silence_id)
            if row is None or row.ends_at <= now:
                raise ValueError(f"no silence {silence_id} is active or to come")
            if not within(row.area or "", own_area):
                raise ValueError(f"silence {silence_id} covers area {row.area}, outside your department's area")
            row.ends_at, row.expired_by = max(now, row.starts_at), person_id
            tx.resume_after_silence(silence_id, now)
            silence = Silence.model_validate(row)
            tx.record(now, SilenceExpired(silence=silence_id, person=person_id))
        self._after_decisions()
        return silence
