"""The shared store: PostgreSQL, for many workers on many machines.

Each operation is a transaction that locks its campaign's row
(``SELECT ... FOR UPDATE``), so one campaign's operations happen one after
another whichever worker makes them, while workers serve different
campaigns at once. ``due`` passes by the campaigns another worker is serving
(``FOR UPDATE SKIP LOCKED``): that worker hands out their calls, and no call
is handed out twice. A worker that dies mid-transaction loses its connection,
and with it the transaction and its locks. Needs ``psycopg`` 3:
``pip install 'scheduler[postgres]'``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from scheduler.store.base import Store

__all__ = ["PostgresStore"]

# Taken while the tables are created or migrated, so that workers starting together
# do it once: an arbitrary number, the same in every scheduler.
_SCHEMA_LOCK = 7_301_185_226


class PostgresStore(Store):
    """Campaign engines kept in the PostgreSQL database at ``dsn`` (a libpq connection string).

    The tables (``scheduler_*``) are created on first use and migrated when
    a newer scheduler opens an older database.
    """

    _lock_row = " FOR UPDATE"
    _skip_locked = " FOR UPDATE SKIP LOCKED"

    def __init__(self, dsn: str, *, allow_tzdata_change: bool = False) -> None:
        try:
            import psycopg
        except ImportError:
            raise ImportError(
                "PostgresStore needs psycopg 3: pip install 'scheduler[postgres]'"
            ) from None
        super().__init__(allow_tzdata_change=allow_tzdata_change)
        self._errors = psycopg.errors
        self._levels = psycopg.IsolationLevel
        self._db = psycopg.connect(dsn, autocommit=False)
        self._dsn_shown = self._db.info.dbname
        try:
            self._open_schema()
        except BaseException:
            self._db.close()
            raise

    def __repr__(self) -> str:
        return f"PostgresStore(dbname={self._dsn_shown!r})"

    def _begin(self, write: bool) -> None:
        # A reader sees one snapshot throughout; a writer locks rows and then sees
        # what was committed before it got them.
        # psycopg sends them with its BEGIN, whatever the database's defaults say.
        if write:
            self._db.isolation_level = self._levels.READ_COMMITTED
            self._db.read_only = False
        else:
            self._db.isolation_level = self._levels.REPEATABLE_READ
            self._db.read_only = True

    def _commit(self, writes: Sequence[tuple[str, Sequence[Sequence[Any]]]]) -> None:
        # One round trip for all the writes and the commit, not one each.
        with self._db.pipeline(), self._db.cursor() as cursor:
            for sql, rows in writes:
                for params in rows:
                    cursor.execute(sql.replace("?", "%s"), params)
            self._db.commit()

    def _rollback(self) -> None:
        if not self._db.closed:
            self._db.rollback()

    def _execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return self._db.execute(sql.replace("?", "%s"), params)

    def _is_duplicate(self, error: Exception) -> bool:
        return isinstance(error, self._errors.UniqueViolation)

    def _lock_schema(self) -> None:
        self._execute("SELECT pg_advisory_xact_lock(?)", (_SCHEMA_LOCK,))

    def _close(self) -> None:
        self._db.close()
