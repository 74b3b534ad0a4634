"""Send claimed notifications: drill guard, then the channel's notifier, then record the outcome.

A notification moves claimed -> sending -> accepted (-> delivered | failed ...). The move to
`sending` is a conditional update committed before the provider is called, so two dispatchers
never send the same row, and a crash mid-send leaves a `sending` row to reconcile instead of a
blind resend that could page someone twice.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import Enum
from typing import Any

from sqlalchemy import update

from warning.decisions.events import (
    BudgetHeld,
    DrillGuardBlocked,
    FailureOutcome,
    NotificationFailed,
    NotificationHeldForBundle,
    NotificationReconciled,
    NotificationSent,
    NotificationSilenced,
    NotificationStatusChanged,
    NotificationSuppressed,
    PageReplanned,
    SuppressedBecause,
)
from warning.dispatch.budget import CarrierBudget, earliest_allowed, replan
from warning.dispatch.carriers import Carriers
from warning.dispatch.messages import BundleItem, Composed, compose_bundle, compose_message
from warning.dispatch.notifier import Notifier
from warning.domain import Channel, IncidentStatus, Level, Notification, NotificationPurpose
from warning.errors import DeliveryError
from warning.ledger import DEFAULT_SMS_VALIDITY, PageContent, PageKey, claim_page
from warning.silences import Silence, covering
from warning.statuses import TAKEABLE, PageStatus, move_page, page_moves, provider_final
from warning.store.models import IncidentRow, NotificationRow
from warning.store.repository import Store, Transaction


@dataclass(frozen=True)
class _Send:
    """One provider request: the lead notification, carrying the text actually sent, and every row
    the request carries (several when bundled)."""

    notification: Notification
    member_ids: list[int]


class Stage(Enum):
    """What a stage of sending decides for a message: it goes on to the next stage, or it is held (it
    may go later, or never; the stage recorded why)."""

    passed = "passed"
    held = "held"


@dataclass
class _Outgoing:
    """A message being made ready in one transaction: its lead page, the lead's warning, and what the
    stages find on the way (the carrier's recent sends to the number, the pages that join, the text)."""

    tx: Transaction
    lead: NotificationRow
    incident: IncidentRow
    now: datetime
    silences: list[Silence]
    earlier: list[tuple[datetime, str, str | None]] = field(default_factory=list)
    members: list[NotificationRow] = field(default_factory=list)
    message: Composed | None = None

    @property
    def text(self) -> str:
        return self.message.text if self.message is not None else ""


BUNDLED_CHANNELS = ("sms", "voice")
PURPOSE_RANK = {"update": 0, "inform": 1, "page": 2, "lifted": 3}


def to_notification(
    row: NotificationRow, incident_code: str, text: str | None = None, parts: dict[str, Any] | None = None
) -> Notification:
    return Notification(
        id=row.id,
        idempotency_key=row.idempotency_key,
        incident_id=row.incident_id,
        incident_code=incident_code,
        person_id=row.person_id,
        phone=row.phone,
        channel=Channel(row.channel),
        purpose=NotificationPurpose(row.purpose),
        language=row.language,
        text=text or row.text,
        exercise=row.exercise,
        parts=parts or row.parts,
        provider=row.provider,
    )


MAX_ATTEMPTS = 8
STUCK_AFTER = timedelta(minutes=2)  # far longer than any provider request may take (10 s timeout)


def backoff(attempts: int) -> timedelta:
    """1 s, 2 s, 4 s ... at most a minute between attempts."""
    return timedelta(seconds=min(60, 2 ** (attempts - 1)))


def _silence_for(tx: Transaction, silences: list[Silence], incident: IncidentRow, now: datetime) -> Silence | None:
    return covering(silences, tx.silence_subjects(incident), Level(incident.level), now)


def _stale_after_silence(tx: Transaction, row: NotificationRow, incident: IncidentRow) -> SuppressedBecause | None:
    """Why a page held by a silence that has ended is no longer worth sending, or None."""
    if row.purpose == NotificationPurpose.page and incident.status != IncidentStatus.open:
        return "incident_moved_on"
    if row.purpose in (NotificationPurpose.update, NotificationPurpose.inform) and incident.status == "lifted":
        return "incident_lifted"
    if row.purpose == NotificationPurpose.lifted:
        told = any(
            other.provider_sid is not None
            for other in tx.notifications_for(incident.id)
            if other.person_id == row.person_id and other.id != row.id
        )
        return None if told else "never_told"
    return None


_OUTCOME: dict[str, FailureOutcome] = {"uncertain": "uncertain", "claimed": "will_retry", "failed": "gave_up"}


def _page(row: NotificationRow, incident_code: str) -> dict[str, Any]:
    """The fields every notification decision names."""
    return {"incident": incident_code, "notification": row.idempotency_key, "person": row.person_id,
            "channel": Channel(row.channel), "purpose": NotificationPurpose(row.purpose)}  # fmt: skip


def _through(earlier: list[tuple[datetime, str, str | None]], provider: str | None) -> list[tuple[datetime, str]]:
    """(time, text) of the sends that count against `provider`'s budget: its own, and those from
    before providers were recorded."""
    return [(at, text) for at, text, by in earlier if provider is None or by in (provider, None)]


def _code(tx: Transaction, row: NotificationRow) -> str:
    incident = tx.incident(row.incident_id)
    assert incident is not None  # foreign key
    return incident.code


class Dispatcher:
    def __init__(
        self,
        store: Store,
        notifiers: Mapping[Channel, Notifier] | Carriers,
        now: Callable[[], datetime],
        *,
        drill_roster: Collection[str] | None = None,
        budget: CarrierBudget | None = None,
        stuck_after: timedelta = STUCK_AFTER,
        hand_on: Callable[[Transaction, NotificationRow, datetime, datetime], bool] | None = None,
    ) -> None:
        # A page no channel can carry for a long while may go to whoever comes next, if the policy
        # says so: (tx, page, held until, now) -> whether the escalation took it on.
        self.hand_on = hand_on
        self.store = store
        # On the engine's clock; a rehearsal clock running N times faster needs N times as long.
        self.stuck_after = stuck_after
        # The providers, and which of them a page goes through (one provider: all pages go through it).
        self.carriers = notifiers if isinstance(notifiers, Carriers) else Carriers.single(notifiers)
        self.now = now
        self.budget = budget or CarrierBudget()
        # None outside drills; in a drill the set of phone numbers that may receive anything.
        self.drill_roster = frozenset(drill_roster) if drill_roster is not None else None

    def _take(self, tx: Transaction, notification_id: int, now: datetime, *, due_only: bool = True) -> bool:
        """Move one row from claimed or uncertain to sending; False if someone else took it first."""
        conditions = [NotificationRow.id == notification_id, NotificationRow.status.in_(TAKEABLE)]
        if due_only:  # a row another row's message just put back on hold waits for that; a companion
            # joining a message that goes now need not be due itself
            conditions.append(NotificationRow.retry_at.is_(None) | (NotificationRow.retry_at <= now))
        result = tx.session.execute(
            update(NotificationRow).where(*conditions).values(status=PageStatus.sending.value, updated_at=now)
        )
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    def _guard(self, row: NotificationRow) -> str | None:
        """Why the drill guard refuses this notification, or None when it may go."""
        if row.exercise and self.drill_roster is None:
            return "exercise message outside a drill: refused"
        if self.drill_roster is not None and not row.exercise:
            return "a drill engine may send only exercise messages"
        if self.drill_roster is not None and row.phone not in self.drill_roster:
            return f"{row.phone} is not on the drill roster"
        return None

    def send_pending(self) -> int:
        """Send every due notification in claim order; returns how many provider requests succeeded."""
        now = self.now()
        with self.store.transaction() as tx:
            # A row left `sending` by a crash may or may not have reached the provider: ask first.
            tx.session.execute(
                update(NotificationRow)
                .where(
                    NotificationRow.status == PageStatus.sending, NotificationRow.updated_at < now - self.stuck_after
                )
                .values(status=PageStatus.uncertain.value, retry_at=now)
            )
            due = [(row.id, row.status, row.attempt_started_at) for row in tx.notifications_due(now)]
            # Read once per pass: a page per send would otherwise query the silences again.
            silences = [Silence.model_validate(row) for row in tx.silences_ending_after(now)]
        sent = 0
        for notification_id, status, previous_attempt in due:
            # Take, guard, silence, bundle, budget and the start of the attempt commit together, before
            # the provider is called: the rows are `sending` before any request leaves.
            with self.store.transaction() as tx:
                send = self._prepare(tx, notification_id, status, now, silences)
            if send is None:
                continue
            if status == "uncertain" and previous_attempt is not None and self._reconciled(send, previous_attempt):
                sent += 1
                continue
            sent += self._deliver(send, attempt_recorded=status == "claimed")
        return sent

    def _prepare(
        self, tx: Transaction, notification_id: int, status: str, now: datetime, silences: list[Silence]
    ) -> _Send | None:
        """The provider request this due row leads, with whatever goes along; None if nothing goes now.
        The row is taken (`sending`), then passes each stage in turn, as Alertmanager's notify stages:
        drill guard, silence, bundle window, companions and text, carrier budget."""
        if not self._take(tx, notification_id, now):
            return None
        row = tx.notification(notification_id)
        assert row is not None
        incident = tx.incident(row.incident_id)
        assert incident is not None
        out = _Outgoing(tx, row, incident, now, silences)
        if status == PageStatus.uncertain:  # the same request again, with every row it carried (once guarded)
            if self._drill_guard(out) is Stage.held:
                return None
            members = [row] + [
                other for other in (tx.bundle_members(row.bundle_id) if row.bundle_id is not None else [])
                if other.id != row.id and self._take(tx, other.id, now)
            ]  # fmt: skip
            return _Send(to_notification(row, incident.code, row.sent_text, row.sent_parts),
                         [member.id for member in members])  # fmt: skip
        stages = (self._drill_guard, self._route, self._silence, self._bundle_window, self._gather,
                  self._carrier_budget)  # fmt: skip
        if any(stage(out) is Stage.held for stage in stages):  # in order; the first that holds ends it
            return None
        assert out.message is not None  # written by _gather
        for member in out.members:
            member.attempt_started_at, member.attempts = now, member.attempts + 1
            member.provider = row.provider
            if len(out.members) > 1:
                member.bundle_id, member.sent_text, member.sent_parts = row.id, out.text, out.message.parts()
        return _Send(to_notification(row, incident.code, out.text, out.message.parts()),
                     [member.id for member in out.members])  # fmt: skip

    # the stages ------------------------------------------------------------------------------

    def _drill_guard(self, out: _Outgoing) -> Stage:
        """A drill reaches only its roster, and a live engine never sends a drill's page."""
        refusal = self._guard(out.lead)
        if refusal is None:
            return Stage.passed
        move_page(out.lead, PageStatus.blocked)
        out.lead.error = refusal
        blocked = DrillGuardBlocked(**_page(out.lead, out.incident.code), phone=out.lead.phone, reason=refusal)
        out.tx.record(out.now, blocked, out.lead.incident_id)
        return Stage.held

    def _route(self, out: _Outgoing) -> Stage:
        """The provider this attempt goes through: the page's first choice, unless an earlier attempt
        failed over to another."""
        row = out.lead
        route = self.carriers.route(Channel(row.channel), row.phone, row.language, row.person_id)
        if row.provider not in route:
            row.provider = route[0] if route else None
        return Stage.passed

    def _silence(self, out: _Outgoing) -> Stage:
        return Stage.held if self._silenced(out.tx, out.lead, out.incident, out.now, out.silences) else Stage.passed

    def _bundle_window(self, out: _Outgoing) -> Stage:
        """An SMS right after another to the same number waits for company, unless its message is full."""
        row, now = out.lead, out.now
        # What the carrier already has from us for this number and channel (a day: the longest window).
        out.earlier = out.tx.sends_to(row.phone, row.channel, since=now - timedelta(days=1), excluding=row.id)
        out.members = (
            out.tx.bundle_companions(row, limit=self.budget.max_bundle - 1) if row.channel in BUNDLED_CHANNELS else []
        )
        # A full message need not wait for more: a backlog drains as fast as it can be read.
        if len(out.members) < self.budget.max_bundle - 1 and self._waits_for_bundle(out.tx, row, out.earlier, now):
            return Stage.held
        return Stage.passed

    def _gather(self, out: _Outgoing) -> Stage:
        """The companions that may go with the lead join it, and the message's text is written."""
        out.members = [out.lead, *self._companions(out.tx, out.members, out.now, out.silences)]
        out.message = self._message_for(out.tx, out.members)
        return Stage.passed

    def _carrier_budget(self, out: _Outgoing) -> Stage:
        """Over the carriers' limits for the number: wait a short hold out, or re-plan a long one."""
        hold = self._budget_hold(out.lead, _through(out.earlier, out.lead.provider), out.text, out.now)
        if hold is None:
            return Stage.passed
        self._replan(out.tx, out.members, hold, out.now)
        return Stage.held

    def _waits_for_bundle(
        self, tx: Transaction, row: NotificationRow, earlier: list[tuple[datetime, str, str | None]], now: datetime
    ) -> bool:
        """An SMS right after another to the same number waits out the bundle window, so what else
        falls due for that person meanwhile goes with it as one message."""
        window = self.budget.bundle_window
        if row.channel != Channel.sms.value or not window:
            return False
        recent = [sent for sent, _, _ in earlier if sent > now - window]
        if not recent:
            return False
        until = max(recent) + window
        if until <= now:
            return False
        move_page(row, PageStatus.claimed)
        row.retry_at, row.updated_at = until, now
        tx.record(now, NotificationHeldForBundle(**_page(row, _code(tx, row)), until=until), row.incident_id)
        return True

    def _companions(
        self, tx: Transaction, candidates: list[NotificationRow], now: datetime, silences: list[Silence]
    ) -> list[NotificationRow]:
        """The notifications for the same person and channel that go in the lead's message."""
        taken = []
        for other in candidates:
            incident = tx.incident(other.incident_id)
            assert incident is not None
            if (
                self._guard(other) is None
                and _silence_for(tx, silences, incident, now) is None
                and self._take(tx, other.id, now, due_only=False)
            ):
                taken.append(other)
        return taken

    def _message_for(self, tx: Transaction, members: list[NotificationRow]) -> Composed:
        """The message: the row's own for one warning, a bundle for several."""
        incidents = {member.incident_id: tx.incident(member.incident_id) for member in members}
        chosen: dict[int, NotificationRow] = {}
        for member in members:  # one line per warning: a lift over a page over an inform over an update
            current = chosen.get(member.incident_id)
            if current is None or PURPOSE_RANK[member.purpose] >= PURPOSE_RANK[current.purpose]:
                chosen[member.incident_id] = member
        if len(chosen) == 1:
            only = next(iter(chosen.values()))
            parts = only.parts or {}
            return Composed(only.text, parts.get("kind", f"{only.channel}.{only.purpose}"), parts.get("values", {}))
        items = []
        for incident_id, member in chosen.items():
            incident = incidents[incident_id]
            assert incident is not None
            title = (incident.content or {}).get("title") or incident.title  # in each language, where the rule gave it
            items.append(BundleItem(NotificationPurpose(member.purpose), incident.code, incident.hazard,
                                    Level(incident.level), title))  # fmt: skip
        lead = members[0]
        return compose_bundle(channel=Channel(lead.channel), language=lead.language, exercise=lead.exercise,
                              items=items)  # fmt: skip

    def _replan(self, tx: Transaction, members: list[NotificationRow], hold: datetime, now: datetime) -> None:
        """Over budget: wait a short hold out; move pages facing a long one to the other channel."""
        lead = members[0]
        pages = [member for member in members if member.purpose == NotificationPurpose.page.value]
        other = "sms" if lead.channel == "voice" else "voice"
        other_allowed = self._allowed_at(tx, lead, other, now) if pages and lead.channel in BUNDLED_CHANNELS else None
        plan = replan(lead.channel, hold, now, other_allowed, self.budget)
        long_hold = hold - now > self.budget.max_delay
        for member in members:
            if plan.channel is not None and member in pages:
                move_page(member, PageStatus.replanned)
                member.retry_at, member.updated_at = None, now
                self._claim_moved(tx, member, Channel(plan.channel), now)
                moved = PageReplanned(**_page(member, _code(tx, member)), phone=member.phone,
                                      to=Channel(plan.channel), held_until=hold)  # fmt: skip
                tx.record(now, moved, member.incident_id)
                continue
            if long_hold and member in pages and self.hand_on is not None and self.hand_on(tx, member, hold, now):
                move_page(member, PageStatus.replanned)
                member.retry_at, member.updated_at = None, now
                handed_on = PageReplanned(**_page(member, _code(tx, member)), phone=member.phone, to="next_step",
                                          held_until=hold)  # fmt: skip
                tx.record(now, handed_on, member.incident_id)
                continue
            move_page(member, PageStatus.claimed)
            member.retry_at, member.updated_at = hold, now
            held = BudgetHeld(**_page(member, _code(tx, member)), phone=member.phone, until=hold)
            tx.record(now, held, member.incident_id)

    def _claim_moved(self, tx: Transaction, page: NotificationRow, channel: Channel, now: datetime) -> None:
        """The page on the other channel, claimed in the ledger to go now."""
        incident = tx.incident(page.incident_id)
        assert incident is not None
        message = compose_message(purpose=NotificationPurpose.page, channel=channel, language=page.language,
                                  exercise=page.exercise, code=incident.code, hazard=incident.hazard,
                                  level=Level(incident.level), title=incident.title, reason=incident.reason,
                                  content=incident.content)  # fmt: skip
        content = PageContent(department_id=page.department_id, phone=page.phone, language=page.language,
                              text=message.text, parts=message.parts(), exercise=page.exercise,
                              why=f"{page.why}; moved from {page.channel} over the carrier budget")  # fmt: skip
        seconds = page.valid_for_seconds or (DEFAULT_SMS_VALIDITY if channel is Channel.sms else None)
        valid_for = timedelta(seconds=seconds) if seconds else None
        key = PageKey.of(page).moved(channel)
        claim_page(tx, key, content, NotificationPurpose(page.purpose), now, valid_for=valid_for, due_at=now)

    def _allowed_at(self, tx: Transaction, row: NotificationRow, channel: str, now: datetime) -> datetime:
        """When the carrier would take one more message to this number on `channel` (through the
        provider the other channel would choose first)."""
        route = self.carriers.route(Channel(channel), row.phone, row.language, row.person_id)
        provider = route[0] if route else None
        earlier = _through(tx.sends_to(row.phone, channel, since=now - timedelta(days=1), excluding=row.id), provider)
        if channel == "voice":
            return earliest_allowed([sent for sent, _ in earlier], self.budget.voice, now)
        limits = self.carriers.sms_limits(provider)
        return earliest_allowed([sent for sent, _ in earlier], limits, now)  # a moved page has its own text

    def _silenced(
        self, tx: Transaction, row: NotificationRow, incident: IncidentRow, now: datetime, silences: list[Silence]
    ) -> bool:
        """Hold a page while a silence covers its warning; after it, drop what is no longer true."""
        silence = _silence_for(tx, silences, incident, now)
        if silence is not None:
            if row.silence_id != silence.id:
                silenced = NotificationSilenced(**_page(row, incident.code), silence=silence.id, until=silence.ends_at)
                tx.record(now, silenced, row.incident_id)
            move_page(row, PageStatus.claimed)
            row.retry_at, row.silence_id, row.updated_at = silence.ends_at, silence.id, now
            return True
        if row.silence_id is None:
            return False
        stale = _stale_after_silence(tx, row, incident)
        if stale is None:
            return False
        move_page(row, PageStatus.suppressed)
        row.retry_at, row.updated_at = None, now
        suppressed = NotificationSuppressed(**_page(row, incident.code), silence=row.silence_id, cause=stale,
                                            status=incident.status)  # fmt: skip
        tx.record(now, suppressed, row.incident_id)
        return True

    def _budget_hold(
        self, row: NotificationRow, earlier: list[tuple[datetime, str]], text: str, now: datetime
    ) -> datetime | None:
        """When the carrier budget allows this message through its provider, if later than now: what
        the same provider sent the number counts, with the provider's own limits on top."""
        if row.channel not in BUNDLED_CHANNELS:
            return None
        if row.channel == "voice":
            allowed = earliest_allowed([sent for sent, _ in earlier], self.budget.voice, now)
        else:
            same = [sent for sent, sent_text in earlier if sent_text == text]
            allowed = max(earliest_allowed(same, [self.budget.identical_sms], now),
                          earliest_allowed([sent for sent, _ in earlier],
                                           self.carriers.sms_limits(row.provider), now))  # fmt: skip
        return allowed if allowed > now else None

    def _reconciled(self, send: _Send, since: datetime) -> bool:
        """After an ambiguous attempt: if the provider has the message, adopt it instead of sending again.
        Only the provider the attempt went through is asked, and a page it cannot answer for stays
        unclear: it is neither resent nor sent through another provider."""
        notification = send.notification
        notifier = self.carriers.notifier(notification.provider, notification.channel)
        try:
            reference = notifier.find(notification, since) if notifier is not None else None
        except DeliveryError as exc:
            unclear = DeliveryError(f"could not ask whether it was sent: {exc}", retryable=True, ambiguous=True)
            # Asked again less often the longer it stays unclear (a quarter of its age, 1 s to 5 min).
            wait = min(max((self.now() - since) / 4, timedelta(seconds=1)), timedelta(minutes=5))
            self._failed(send, unclear, self.now(), wait=wait)
            return True  # could not ask: stay uncertain and ask again later, never resend blind
        if reference is None:
            return False
        self._accepted(send, reference, reconciled=True)
        return True

    def _accepted(self, send: _Send, reference: str, *, reconciled: bool) -> None:
        now = self.now()
        with self.store.transaction() as tx:
            for member_id in send.member_ids:
                row = tx.notification(member_id)
                assert row is not None
                move_page(row, PageStatus.accepted)
                row.provider_sid, row.updated_at, row.retry_at = reference, now, None
                if row.valid_for_seconds:  # our own SMS validity timer starts when the provider has the page
                    row.expires_at = now + timedelta(seconds=row.valid_for_seconds)
                fields = _page(row, _code(tx, row)) | {"provider": row.provider}
                bundled, text = len(send.member_ids), send.notification.text
                accepted: NotificationSent | NotificationReconciled = (
                    NotificationReconciled(**fields, provider_sid=reference, text=text, bundled=bundled)
                    if reconciled
                    else NotificationSent(**fields, phone=row.phone, provider_sid=reference, text=text, bundled=bundled)
                )
                tx.record(now, accepted, row.incident_id)

    def _deliver(self, send: _Send, *, attempt_recorded: bool) -> int:
        notification = send.notification
        notifier = self.carriers.notifier(notification.provider, notification.channel)
        started = self.now()
        if not attempt_recorded:  # after a reconciliation that found nothing: a new attempt begins
            with self.store.transaction() as tx:
                for member_id in send.member_ids:
                    row = tx.notification(member_id)
                    assert row is not None
                    row.attempt_started_at, row.attempts = started, row.attempts + 1
        try:
            if notifier is None:
                raise DeliveryError(f"no notifier configured for channel {notification.channel}", retryable=False)
            reference = notifier.send(notification)
        except DeliveryError as exc:
            self._failed(send, exc, started)
            return 0
        self._accepted(send, reference, reconciled=False)
        return 1

    def _failed(self, send: _Send, exc: DeliveryError, now: datetime, wait: timedelta | None = None) -> None:
        with self.store.transaction() as tx:
            for member_id in send.member_ids:
                row = tx.notification(member_id)
                assert row is not None
                # Ambiguous: the provider may have it; ask before any resend. Retryable: send again later.
                status = "uncertain" if exc.ambiguous else "claimed" if exc.retryable else "failed"
                tried, over_to = row.provider, self._failover(row, exc)
                if over_to is not None:  # provably not sent: the next attempt goes through the other provider
                    status, row.provider = "claimed", over_to
                if status != "failed" and row.attempts >= MAX_ATTEMPTS:
                    status, over_to = "failed", None
                move_page(row, PageStatus(status))
                row.error, row.updated_at = str(exc), now
                row.retry_at = now + (wait or backoff(max(row.attempts, 1))) if status != "failed" else None
                if status == "claimed":  # not processed: it may go in another bundle next time
                    row.bundle_id, row.sent_text, row.sent_parts = None, None, None
                outcome = "failed_over" if over_to is not None else _OUTCOME[status]
                failed = NotificationFailed(**_page(row, _code(tx, row)), outcome=outcome, attempts=row.attempts,
                                            error=str(exc), retry_at=row.retry_at, provider=tried,
                                            next_provider=over_to)  # fmt: skip
                tx.record(now, failed, row.incident_id)

    def _failover(self, row: NotificationRow, exc: DeliveryError) -> str | None:
        """The provider the next attempt goes through instead, when this one provably did not send:
        round the route while the failure may pass, on to the next only when it is refused outright
        (the last provider's refusal stands)."""
        if exc.ambiguous or row.provider is None:
            return None
        address = (Channel(row.channel), row.phone, row.language, row.person_id)
        if not exc.retryable and self.carriers.is_last(row.provider, *address):
            return None
        return self.carriers.after(row.provider, *address)

    def provider_status(
        self, provider: str | None, channel: str, reference: str, phone: str, sent_at: datetime | None = None
    ) -> str | None:
        """Ask the provider what became of a message (no lock or transaction held: a network call)."""
        notifier = self.carriers.notifier(provider, Channel(channel))
        return notifier.status(reference, phone, sent_at) if notifier is not None else None

    def adopt(self, tx: Transaction, lead_id: int, provider: str, reference: str) -> None:
        """A receipt that names our own id (its OutId) for a message whose send answered unclearly:
        the provider had it after all. For a provider that cannot be asked (calls through Alibaba
        Cloud), this is how an unclear page is settled without placing it again."""
        now = self.now()
        lead = tx.notification(lead_id)
        if lead is None or lead.provider != provider or not self._unsettled(lead, now):
            return
        bundled = tx.bundle_members(lead.bundle_id) if lead.bundle_id is not None else []
        rows = [lead, *(row for row in bundled if row.id != lead.id and self._unsettled(row, now))]
        for row in rows:
            if row.status == PageStatus.uncertain:
                move_page(row, PageStatus.sending)
            move_page(row, PageStatus.accepted)
            row.provider_sid, row.updated_at, row.retry_at = reference, now, None
            if row.valid_for_seconds:
                row.expires_at = now + timedelta(seconds=row.valid_for_seconds)
            reconciled = NotificationReconciled(**_page(row, _code(tx, row)), provider=provider, provider_sid=reference,
                                                text=row.sent_text or row.text, bundled=len(rows))  # fmt: skip
            tx.record(now, reconciled, row.incident_id)

    def _unsettled(self, row: NotificationRow, now: datetime) -> bool:
        """Unclear, or left `sending` by a process that died mid-send (no live request holds it)."""
        stale = row.status == PageStatus.sending and row.updated_at < now - self.stuck_after
        return row.status == PageStatus.uncertain or stale

    def in_flight(self, row: NotificationRow, now: datetime) -> bool:
        """Being sent right now by a live request (its outcome is for that request to record)."""
        return row.status == PageStatus.sending and row.updated_at >= now - self.stuck_after

    def apply_status(
        self, tx: Transaction, provider_sid: str, status: str, provider: str | None = None
    ) -> list[NotificationRow]:
        """Apply a provider status callback to the delivery record of every notification the message
        or call carried; the rows this callback brought a new final status (none for an unknown
        reference, a repeat, or a late callback). A provider's callback moves only its own pages."""
        changed = []
        final = provider_final(status)
        for row in tx.notifications_by_sid(provider_sid):
            if provider is not None and row.provider not in (provider, None):
                continue
            if final is None:  # on the way (queued, sent, ringing ...): noted beside the ledger's status
                if row.status == PageStatus.accepted:
                    row.provider_status, row.updated_at = status[:20], self.now()
                continue
            if not page_moves(PageStatus(row.status), final):
                continue  # callbacks can arrive twice or late: the first final word stands
            move_page(row, final)
            row.provider_status, row.updated_at = status, self.now()
            changed_event = NotificationStatusChanged(**_page(row, _code(tx, row)), status=status)
            tx.record(self.now(), changed_event, row.incident_id)
            changed.append(row)
        return changed
