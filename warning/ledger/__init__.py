"""The effects ledger, below both escalation and dispatch: page and track statuses with their allowed
moves (`statuses.py`), and pages claimed once by a key whose parts are columns (`pages.py`)."""
