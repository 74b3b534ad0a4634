"""The engine: one transport-agnostic entry point for readings, wake-ups and acknowledgements.

The in-process driver (drills, the demo, `warning run`) and the faust workers call the same
methods. Decisions are made under one lock per process and committed with their effects; sends
happen after the commit and outside the lock, because a provider may call our webhooks back while
we wait for it.
"""

from __future__ import annotations

from sensors.decode import ReadingDecoder
from warning.clock import Clock
from warning.dispatch.dispatcher import Dispatcher
from warning.engine.board import Board
from warning.engine.intake import Arrival, Payload
from warning.engine.responses import AckResult, Responses
from warning.engine.silencing import Silencing
from warning.escalation.driver import EscalationDriver
from warning.metrics import EngineMetrics
from warning.rulebook import RuleEvaluator
from warning.store.repository import Store

__all__ = ["AckResult", "Arrival", "Engine", "Payload"]


class Engine(Responses, Silencing, Board):
    """Each concern in a module of its own: configuration.py (organisation, rules, priming), intake.py
    (readings to decisions), clockwork.py (wake-ups), deliveries.py (what became of pages),
    responses.py (acknowledgements, hand-overs, provider requests seen before), silencing.py,
    board.py; the parts they share in parts.py."""

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
        super().__init__(store=store, evaluator=evaluator, decoder=decoder, escalation=escalation,
                         dispatcher=dispatcher, clock=clock, exercise=exercise, metrics=metrics)  # fmt: skip
        self._prime(evaluator)
