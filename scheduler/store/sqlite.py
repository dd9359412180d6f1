"""The embedded store: one SQLite file, for one process or several on one machine.

The file is in WAL mode, so readers never wait for the writer, and each
operation takes the write lock at its start (``BEGIN IMMEDIATE``): processes
sharing the file take turns, and a campaign's operations are serialised by
that lock. A worker reads ``PRAGMA data_version`` once it holds the lock:
while it is the number it saw at its own last write, no other connection
has committed since, and the campaign rows it wrote then are still the
database's (it does not read them again). ``synchronous=NORMAL`` (the
default) keeps every committed operation through a crash of the process;
``durable=True`` (``FULL``) also through a power cut, at the price of a
disk flush per operation. Several machines sharing one file over a network
file system is not supported: use ``PostgresStore``.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Sequence
from typing import Any

from scheduler.store.base import Store, StoreError

__all__ = ["SQLiteStore"]


class SQLiteStore(Store):
    """Campaign engines kept in the SQLite file at ``path`` (created when missing).

    >>> import tempfile, os
    >>> from scheduler import Campaign
    >>> from scheduler.store import SQLiteStore
    >>> c = Campaign(name="x", id="spring", timezone="Europe/Prague", start_time="09:00",
    ...              end_time="17:00", phone_list=("+420601000001",))
    >>> path = os.path.join(tempfile.mkdtemp(), "calls.db")
    >>> with SQLiteStore(path) as store:
    ...     key = store.add(c, now="2026-03-27T08:00:00Z")
    ...     [a.id for a in store.due("2026-03-27T08:00:00Z")]
    ['spring/+420601000001#1']
    """

    # The journal kept in its key's own tree: one page written per entry, not two.
    _table_options = " WITHOUT ROWID"

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        durable: bool = False,
        timeout: float = 60.0,
        allow_tzdata_change: bool = False,
    ) -> None:
        super().__init__(allow_tzdata_change=allow_tzdata_change)
        self.path = os.fspath(path)
        # Transactions are begun and ended here, explicitly; calls take turns on a lock.
        self._db = sqlite3.connect(
            self.path, timeout=timeout, isolation_level=None, check_same_thread=False
        )
        try:
            mode = self._db.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise OSError(f"SQLite could not put {self.path!r} in WAL mode (it is in {mode})")
            self._db.execute(f"PRAGMA synchronous={'FULL' if durable else 'NORMAL'}")
            self._db.execute(f"PRAGMA busy_timeout={int(timeout * 1000)}")
            # Copy the log into the file every 10,000 pages (40 MB), not 1,000: the pages a
            # campaign's operations keep changing are copied once per checkpoint, not ten times.
            self._db.execute("PRAGMA wal_autocheckpoint=10000")
            self._open_schema()
        except BaseException:
            self._db.close()
            raise

    def __repr__(self) -> str:
        return f"SQLiteStore({self.path!r})"

    def _begin(self, write: bool) -> None:
        self._db.execute("BEGIN IMMEDIATE" if write else "BEGIN")

    def _commit(self, writes: Sequence[tuple[str, Sequence[Sequence[Any]]]]) -> None:
        execute = self._db.execute
        for sql, rows in writes:
            if len(rows) == 1:
                execute(sql, rows[0])
            else:
                self._db.executemany(sql, rows)
        execute("COMMIT")

    def _rollback(self) -> None:
        if self._db.in_transaction:
            self._db.execute("ROLLBACK")

    def _execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return self._db.execute(sql, params)

    def _read_one(self, sql: str, params: Sequence[Any] = ()) -> Any:
        with self._mutex:
            if self._closed:
                raise StoreError("the store is closed")
            return self._db.execute(sql, params).fetchone()  # alone, it is its own transaction

    def _data_version(self) -> int | None:
        # Read after BEGIN IMMEDIATE: with the write lock held, no commit can come between.
        # A SQLite older than 3.8.7 ignores the pragma and gives no row.
        row = self._db.execute("PRAGMA data_version").fetchone()
        return None if row is None else int(row[0])

    def _is_duplicate(self, error: Exception) -> bool:
        return isinstance(error, sqlite3.IntegrityError)

    def _close(self) -> None:
        self._db.close()
