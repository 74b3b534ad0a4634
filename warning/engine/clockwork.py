"""Time-driven decisions: on each wake-up, the escalation steps due, sensors fallen silent, event
warnings lapsed, absence compounds, and SMS pages past their validity; and when to wake next."""

from __future__ import annotations

from datetime import datetime

from warning.engine.configuration import Configuration
from warning.engine.deliveries import Deliveries, ExpiringPage
from warning.engine.intake import Intake

STEP_BATCH = 100  # escalation steps decided between two rounds of sending


class Clockwork(Intake, Configuration, Deliveries):
    def tick(self) -> int:
        """Run every escalation step due now, each in its own transaction, in batches with the
        pages of each batch sent before the next (a backlog pages as it goes, and readings are
        not held up behind it). Steps falling due meanwhile are run too. Returns steps run."""
        self.follow_stored_organisation()
        self.follow_duty_overrides()
        now = self.clock.now()
        ran = 0
        with self._lock, self.store.transaction() as tx:
            detections = self.evaluator.silent(now, tx.current_level) + self.evaluator.lapsed(now, tx.current_level)
            changes = [self._apply(tx, detection, now) for detection in detections]
            changes += self._judge_compounds(tx, now)
            self._react(tx, changes, now)
            expired = [ExpiringPage(row.id, row.channel, row.provider_sid, row.provider, row.phone,
                                    row.attempt_started_at)
                       for row in tx.expired_sms_pages(now)]  # fmt: skip
        self._expire_sms_pages(expired, now)
        while True:
            with self._lock:
                with self.store.transaction() as tx:
                    due = tx.due_escalations(self.clock.now(), limit=STEP_BATCH)
                # Each step is decided, and logged, at the moment it actually runs.
                progressed = 0
                for escalation_id, token in due:
                    with self.store.transaction() as tx:
                        progressed += self.escalation.run_due(tx, escalation_id, token, self.clock.now())
            ran += progressed
            if len(due) < STEP_BATCH or not progressed:
                break
            self.dispatcher.send_pending()
        self._after_decisions()
        return ran

    def next_due_at(self) -> datetime | None:
        """The next moment the engine must wake: an escalation step, or a sensor falling silent."""
        with self.store.transaction() as tx:
            escalation = tx.next_due_at()
            retry = tx.next_retry_at()
            expiry = tx.next_expiry_at()
        silence = self.evaluator.next_silence_due()
        lapse = self.evaluator.next_lapse_due()
        compound = self._next_compound_due()
        moments = (escalation, retry, expiry, silence, lapse, compound)
        return min((moment for moment in moments if moment is not None), default=None)
