"""The engine: one transport-agnostic entry point for readings, wake-ups and acknowledgements.

The in-process driver (drills, the demo, `warning run`) and the faust workers call the same
methods. Decisions are made under one lock per process and committed with their effects; sends
happen after the commit and outside the lock, because a provider may call our webhooks back while
we wait for it.
"""

from __future__ import annotations

from warning.engine.board import Board
from warning.engine.hands import Hands
from warning.engine.intake import Arrival, Payload
from warning.engine.responses import AckResult
from warning.engine.silencing import Silencing

__all__ = ["AckResult", "Arrival", "Engine", "Payload"]


class Engine(Hands, Silencing, Board):
    """Each concern in a module of its own: configuration.py (organisation, rules, priming), intake.py
    (readings to decisions), clockwork.py (wake-ups), deliveries.py (what became of pages),
    responses.py (acknowledgements, hand-overs, provider requests seen before), hands.py (what people
    do to incidents by hand, and duty overrides), silencing.py, board.py; the parts they share in parts.py."""
