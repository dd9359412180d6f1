"""Engines kept in a database: many campaigns, many workers, nothing lost or handed out twice.

``SQLiteStore(path)`` is the embedded default; ``PostgresStore(dsn)`` serves
many workers on many machines. Both hold many campaigns' engines, keyed by
campaign, with the host API of ``Engine``: ``add``, ``due(now, limit=...)``
across all campaigns, ``record``, ``next_wakeup``, ``in_progress``,
``pause``/``resume``/``cancel``, ``add_customers``/``remove_customer``,
``status`` and ``close``.
"""

from scheduler.store.base import SCHEMA_VERSION, Store, StoredAttempt, StoreError
from scheduler.store.postgres import PostgresStore
from scheduler.store.sqlite import SQLiteStore

__all__ = [
    "SCHEMA_VERSION",
    "PostgresStore",
    "SQLiteStore",
    "Store",
    "StoreError",
    "StoredAttempt",
]
