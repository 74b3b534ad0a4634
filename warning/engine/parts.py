"""The parts every concern of the engine shares: the store, the clock, the rules in force, the
escalation driver, the dispatcher and the one lock per process; and what follows every decision
(send what it claimed, re-arm the wake-up)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime

from sensors.decode import ReadingDecoder
from warning.clock import Clock
from warning.dispatch.dispatcher import Dispatcher
from warning.escalation.driver import EscalationDriver
from warning.escalation.org import Organisation
from warning.metrics import EngineMetrics
from warning.rulebook import RuleEvaluator
from warning.store.repository import Store


class EngineParts:
    def __init__(
        self,
        *,
        store: Store,
        evaluator: RuleEvaluator,
        decoder: ReadingDecoder,
        escalation: EscalationDriver,
        dispatcher: Dispatcher,
        clock: Clock,
        exercise: bool = False,
        metrics: EngineMetrics | None = None,
    ) -> None:
        """Built by the composition root (warning/app.py), which alone knows the concrete parts."""
        self.store = store
        self.metrics = metrics
        self.evaluator = evaluator
        self.decoder = decoder
        self.escalation = escalation
        self.dispatcher = dispatcher
        self.clock = clock
        self.exercise = exercise
        self._lock = threading.RLock()
        # Called with the next due time after every decision, so a live timer can re-arm itself.
        self.on_schedule_changed: Callable[[datetime | None], None] | None = None
        # Hands released CAP messages to their subscribers (warning/publish/push.py), when there are any.
        self.push_published: Callable[[], object] | None = None
        self._prime(evaluator)  # windows refilled from stored readings before the first reading is judged

    @property
    def org(self) -> Organisation:
        return self.escalation.org

    def _after_decisions(self) -> None:
        self.dispatcher.send_pending()
        if self.push_published is not None:
            self.push_published()
        if self.on_schedule_changed is not None:
            self.on_schedule_changed(self.next_due_at())

    def next_due_at(self) -> datetime | None:
        """The next moment the engine must wake (warning/engine/clockwork.py)."""
        raise NotImplementedError

    def _prime(self, evaluator: RuleEvaluator) -> None:
        """Refill rule windows from stored readings (warning/engine/configuration.py)."""
        raise NotImplementedError
