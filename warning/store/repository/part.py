"""What every part of a transaction shares: its session, and the decisions recorded in it."""

from __future__ import annotations

from sqlalchemy.orm import Session

from warning.store.models import DecisionRow


class TransactionPart:
    """Repository methods over one open database transaction, for one concern (see __init__.py)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.recorded: list[DecisionRow] = []  # the decisions of this transaction, for the watchers
