"""Every warning's lifecycle as CAP messages, written in the transaction of the decision that makes
each one: an Alert when it opens (by a rule, or by hand), an Update when its level moves or a new
cause joins it, a Cancel when it is lifted (or merged into a compound's). A drill's warnings are
`Exercise` messages, a live engine's `Actual`.

A message that fails the schema or the profile would be a bug of ours: it is not kept, and the
decision still commits (the warning must not stop for its publication), with the error logged.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any
from zoneinfo import ZoneInfo

from warning.catalogue import local_name
from warning.decisions.events import PublicReleaseHeld
from warning.domain import Level
from warning.escalation.org import Organisation
from warning.publish.cap import Issued, Publisher, Warned, build, identifier_for, problems, reference
from warning.publish.signing import CapSigner
from warning.rulebook import RuleEvaluator
from warning.store.models import DecisionRow, IncidentRow, PublishedAlertRow
from warning.store.repository import Transaction

log = logging.getLogger(__name__)

MESSAGE_TYPES = {
    "incident_opened": "Alert", "incident_created": "Alert",
    "incident_upgraded": "Update", "incident_downgraded": "Update", "incident_relevelled": "Update",
    "cause_added": "Update",
    "incident_lifted": "Cancel", "incident_closed": "Cancel", "incident_merged": "Cancel",
}  # fmt: skip


def publisher_of(org: Organisation) -> Publisher:
    """The organisation's top area publishes: sender `warning@<its code>`."""
    top = next((area for area in org.spec.areas if area.parent is None), org.spec.areas[0])
    return Publisher(sender=f"warning@{top.code}",
                     name={"zh-CN": f"{top.name_zh or top.name}突发事件预警信息发布系统",
                           "en": f"{top.name} emergency warning service"})  # fmt: skip


class CapIssuer:
    """The store's before-commit hook that publishes (`Store.add_before_commit`). `org` and `rules`
    give the ones in force when the decision is made (both may be reloaded)."""

    def __init__(
        self, org: Callable[[], Organisation], rules: Callable[[], RuleEvaluator], signer: CapSigner | None = None
    ) -> None:
        self.org = org
        self.rules = rules
        self.signer = signer  # XML-DSig, when the deployment has a key

    def __call__(self, tx: Transaction, decisions: Sequence[DecisionRow]) -> None:
        for decision in decisions:
            msg_type = MESSAGE_TYPES.get(decision.kind)
            if msg_type is None or decision.incident_id is None:
                continue
            incident = tx.incident(decision.incident_id)
            if incident is None:
                continue
            self._issue(tx, decision, incident, msg_type)

    def _issue(self, tx: Transaction, decision: DecisionRow, incident: IncidentRow, msg_type: str) -> None:
        org = self.org()
        zone, publisher = ZoneInfo(org.spec.time_zone), publisher_of(org)
        sent = decision.at
        published = tx.published_alerts_of(incident.id)
        earlier = [Issued(row.identifier, row.sent, row.expires) for row in published if row.expires > sent]
        if msg_type == "Cancel" and not earlier:
            return  # nothing of it stands to be cancelled
        if msg_type == "Update" and not earlier:
            msg_type = "Alert"  # all it said has expired (or was never said: an upgraded database): anew
        identifier = identifier_for(incident.area, sent, decision.seq, zone)
        warned = self._warned(incident, decision)
        xml, expires = build(publisher, warned, msg_type, identifier, sent, earlier, zone)
        found = problems(xml, [reference(publisher.sender, issued, zone) for issued in earlier])
        if found:
            log.error("CAP %s for %s not published: %s", msg_type, incident.code, "; ".join(found))
            return
        if self.signer is not None:
            xml = self.signer.sign(xml)
        # Held for a dispatcher from the approval level up, and behind any earlier message still held:
        # the public never reads an Update before its Alert.
        threshold = org.spec.release_approval_from
        held = (threshold is not None and warned.level.rank >= threshold.rank) or any(
            row.released_at is None for row in published
        )
        tx.add_published_alert(PublishedAlertRow(
            identifier=identifier, incident_id=incident.id, decision_seq=decision.seq, msg_type=msg_type,
            status="Exercise" if incident.exercise else "Actual", area=incident.area, sent=sent, expires=expires,
            xml=xml, level=warned.level.value, released_at=None if held else sent,
            released_by=None if held else "automatic",
        ))  # fmt: skip
        if held:
            tx.record(sent, PublicReleaseHeld(incident=incident.code, identifier=identifier, msg_type=msg_type,
                                              level=warned.level), incident.id)  # fmt: skip

    def _warned(self, incident: IncidentRow, decision: DecisionRow) -> Warned:
        content: dict[str, Any] = incident.content or {}
        title = content.get("title") or {"zh-CN": incident.title, "en": incident.title}
        said = content.get("text") or {}
        reason = content.get("reason") or {}
        description = {language: said.get(language) or reason.get(language) or incident.reason
                       for language in ("zh-CN", "en")}  # fmt: skip
        area = self.org().areas.get(incident.area)
        area_name = local_name(area.name, area.name_zh) if area is not None else {"zh-CN": incident.area,
                                                                                  "en": incident.area}  # fmt: skip
        left = decision.data.get("from_level") if decision.kind in ("incident_lifted", "incident_closed") else None
        level = Level(str(left or incident.level))  # a Cancel names the level it leaves
        return Warned(code=incident.code, hazard=incident.hazard, area=incident.area, area_name=area_name,
                      level=level, exercise=incident.exercise, title=title, description=description,
                      cap=content.get("cap") or {}, location=self._location(incident))  # fmt: skip

    def _location(self, incident: IncidentRow) -> tuple[float, float] | None:
        report = incident.report or {}
        if report.get("location"):
            longitude, latitude = report["location"]
            return float(longitude), float(latitude)
        for rule in self.rules().rules.values():
            station = rule.stations.get(incident.station_id)
            if station is not None and station.spec.location is not None:
                return station.spec.location
        return None
