"""Persistence: SQLAlchemy tables (columns only) and the transaction-scoped repository."""

from warning.store.repository import Store, Transaction

__all__ = ["Store", "Transaction"]
