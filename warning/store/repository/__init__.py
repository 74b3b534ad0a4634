"""The transaction-scoped repository: one module per concern (readings, incidents, decisions,
escalations, organisations, pages, silences, webhooks), joined in one `Transaction`; the `Store`
that opens transactions and tells its watchers of each; and the database engine."""

from warning.store.repository.database import SqliteSynchronous, build_database, connect
from warning.store.repository.store import Store, TransactionWatcher
from warning.store.repository.transaction import Transaction

__all__ = ["SqliteSynchronous", "Store", "Transaction", "TransactionWatcher", "build_database", "connect"]
