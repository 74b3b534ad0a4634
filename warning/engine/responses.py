"""What people and providers answer: acknowledgements (API, SMS reply, keypress), hand-overs,
provider status callbacks, and provider requests recognised when they come again."""

from __future__ import annotations

import re
from dataclasses import dataclass

from warning.catalogue import LANGUAGES, pick, say
from warning.decisions.events import (
    AcknowledgementRefusedEvent,
    HandoverRefused,
    WebhookReplayed,
)
from warning.domain import (
    Acknowledgement,
    AckSource,
)
from warning.engine.clockwork import Clockwork
from warning.errors import AcknowledgementRefused, WriteConflict
from warning.store.models import NotificationRow
from warning.store.repository import Transaction

_ACK_REPLY = re.compile(r"^\s*(?:1|(?:ACK|确认)\s*([A-Za-z]\d{4}))\s*$", re.IGNORECASE)


def _codes_asked(tx: Transaction, row: NotificationRow) -> list[str]:
    """Codes of the warnings a message asked to acknowledge: its own, or every page it bundled."""
    members = tx.bundle_members(row.bundle_id) if row.bundle_id is not None else [row]
    codes = []
    for member in members:
        incident = tx.incident(member.incident_id)
        assert incident is not None
        if member.purpose == "page" and incident.code not in codes:
            codes.append(incident.code)
    return codes


@dataclass(frozen=True, slots=True)
class AckResult:
    accepted: bool
    message: str
    incident_code: str | None = None
    said: dict[str, str] | None = None  # a refusal's reason by language, where it has one


def _together(results: list[AckResult]) -> AckResult:
    """One answer for every warning a (bundled) message asked about: '1' answers the whole message."""
    if len(results) == 1:
        return results[0]
    accepted = [result.incident_code for result in results if result.accepted]
    refused = [result.message for result in results if not result.accepted]
    message = "; ".join(([f"{', '.join(map(str, accepted))} acknowledged"] if accepted else []) + refused)
    return AckResult(bool(accepted), message, accepted[0] if accepted else None)


def _texted_back(results: list[AckResult], language: str) -> AckResult:
    """What an SMS reply is answered with, in the sender's language."""
    together = _together(results)
    accepted = [result.incident_code for result in results if result.accepted and result.incident_code]
    parts = [say(language, "{codes} acknowledged. Thank you.", codes=", ".join(accepted))] if accepted else []
    for result in results:
        if not result.accepted:
            parts.append(say(language, "{code} was not acknowledged: {reason}", code=result.incident_code or "",
                             reason=pick(result.said or result.message, language)))  # fmt: skip
    return AckResult(together.accepted, " ".join(parts), together.incident_code)


class Responses(Clockwork):
    def acknowledge(self, incident_code: str, person_id: str, source: AckSource) -> AckResult:
        ack = Acknowledgement(
            incident_code=incident_code.upper(), person_id=person_id, source=source, at=self.clock.now()
        )
        try:
            with self._lock, self.store.transaction() as tx:
                incident = tx.incident_by_code(ack.incident_code)
                if incident is None:
                    return AckResult(False, f"no incident {ack.incident_code}")
                if person_id not in self.org.people:
                    return AckResult(False, f"unknown person {person_id}")
                self.escalation.acknowledge(tx, incident, self.org.person(person_id), ack)
        except AcknowledgementRefused as exc:
            self._record_refusal(ack, str(exc))
            return AckResult(False, str(exc), ack.incident_code, exc.said)
        self._after_decisions()
        return AckResult(True, f"{ack.incident_code} acknowledged", ack.incident_code)

    def hand_over(self, incident_code: str, person_id: str, colleague_id: str) -> AckResult:
        """`person_id` hands the incident to `colleague_id` of the same department, who is paged."""
        code, now = incident_code.upper(), self.clock.now()
        try:
            with self._lock, self.store.transaction() as tx:
                incident = tx.incident_by_code(code)
                if incident is None:
                    return AckResult(False, f"no incident {code}")
                for someone in (person_id, colleague_id):
                    if someone not in self.org.people:
                        return AckResult(False, f"unknown person {someone}")
                colleague = self.org.person(colleague_id)
                self.escalation.hand_over(tx, incident, self.org.person(person_id), colleague, now)
        except AcknowledgementRefused as exc:
            with self._lock, self.store.transaction() as tx:
                incident = tx.incident_by_code(code)
                refused = HandoverRefused(incident=code, person=person_id, to=colleague_id, reason=str(exc))
                tx.record(now, refused, incident.id if incident else None)
            return AckResult(False, str(exc), code)
        self._after_decisions()
        return AckResult(True, f"{code} handed over to {colleague.name}", code)

    def _record_refusal(self, ack: Acknowledgement, reason: str) -> None:
        with self._lock, self.store.transaction() as tx:
            incident = tx.incident_by_code(ack.incident_code)
            refused = AcknowledgementRefusedEvent(incident=ack.incident_code, person=ack.person_id, source=ack.source,
                                                  reason=reason)  # fmt: skip
            tx.record(ack.at, refused, incident.id if incident else None)

    def accept_webhook(self, key: str, what: str) -> bool:
        """Remember one provider request (its MessageSid, or CallSid and prompt, and status); False,
        with a `webhook_replayed` decision, when it came before. A captured, correctly signed request
        replayed must not act again: a "1" would acknowledge whatever page is newest by then, a "2"
        would run the escalation chain to its end."""
        now = self.clock.now()
        try:
            with self._lock, self.store.transaction() as tx:
                if tx.remember_webhook(key, now):
                    return True
                request, _, reference = key.partition(":")
                replayed = WebhookReplayed(key=key, request=request, reference=reference.partition(":")[0])
                tx.record(now, replayed)
                return False
        except WriteConflict:  # the same request twice at once: the other one took it
            return False

    def acknowledge_by_sms(self, phone: str, body: str) -> AckResult:
        """An inbound SMS reply: '1' acknowledges the latest page to this number; 'ACK F0001' a named one.
        The answer is texted back, in the sender's language."""
        person = self.org.person_by_phone(phone)
        if person is None:  # nobody we know: both languages
            return AckResult(
                False, " ".join(say(language, "This number is not on any roster.") for language in LANGUAGES)
            )
        language = person.language
        match = _ACK_REPLY.match(body)
        if match is None:
            return AckResult(False, say(language, "Reply 1, or ACK and the warning's code, to acknowledge."))
        code = match.group(1)
        if code is not None:
            return _texted_back([self.acknowledge(code.upper(), person.id, AckSource.sms_reply)], language)
        with self.store.transaction() as tx:
            page = tx.latest_page_to(phone)
            codes = _codes_asked(tx, page) if page is not None else []
        if not codes:
            return AckResult(False, say(language, "No open warning is waiting for your acknowledgement."))
        return _texted_back([self.acknowledge(code, person.id, AckSource.sms_reply) for code in codes], language)

    def keypress(self, notification_id: int, digits: str) -> str:
        """A keypress on a voice page: 'acknowledged', 'escalated', 'repeat' or 'invalid'."""
        with self.store.transaction() as tx:
            row = tx.notification(notification_id)
            if row is None:
                return "invalid"
            codes, person_id = _codes_asked(tx, row), row.person_id
        if digits == "1":
            result = (
                _together([self.acknowledge(code, person_id, AckSource.keypress) for code in codes]) if codes else None
            )
            return "acknowledged" if result is not None and result.accepted else "refused"
        if digits == "2":
            now = self.clock.now()
            with self._lock, self.store.transaction() as tx:
                for code in codes:
                    incident = tx.incident_by_code(code)
                    assert incident is not None
                    self.escalation.escalate_now(tx, incident, self.org.person(person_id), now)
            self.tick()
            return "escalated"
        if digits == "9":
            return "repeat"
        return "invalid"

    def notification_text(self, notification_id: int) -> tuple[str, str] | None:
        """(text, language) of a notification, for the voice TwiML."""
        with self.store.transaction() as tx:
            row = tx.notification(notification_id)
            return (row.sent_text or row.text, row.language) if row is not None else None
