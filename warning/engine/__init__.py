"""The engine: one transport-agnostic entry point for readings, wake-ups and acknowledgements.

The in-process driver (drills, the demo, `warning run`) and the faust workers call the same
methods. Decisions are made under one lock per process and committed with their effects; sends
happen after the commit and outside the lock, because a provider may call our webhooks back while
we wait for it.
"""

from __future__ import annotations

from warning.engine.board import Board
from warning.engine.intake import Arrival, Payload
from warning.engine.responses import AckResult, Responses
from warning.engine.silencing import Silencing

__all__ = ["AckResult", "Arrival", "Engine", "Payload"]


class Engine(Responses, Silencing, Board):
    """Each concern in a module of its own: configuration.py (organisation, rules, priming), intake.py
    (readings to decisions), clockwork.py (wake-ups), deliveries.py (what became of pages),
    responses.py (acknowledgements, hand-overs, provider requests seen before), silencing.py,
    board.py; the parts they share in parts.py."""
