"""A store of many campaigns' engines, kept as checkpoints and journals in a database.

Each campaign is a row (its journal position, clock, status and next
wake-up), a checkpoint (the engine's snapshot and the spec it runs) and a
journal of the operations made since the checkpoint (``scheduler.journal``).
An operation locks its campaign's row, brings this worker's cached engine up
to the row's journal position (replaying what other workers wrote since),
makes the call on the engine and commits, in one transaction, the journal
entries, the calls handed out or recorded and the row. A worker that dies
before the commit leaves no trace; one that dies after it has handed out
calls that stay in progress until recorded, for ``in_progress()`` to tell.

One ``record`` writes one journal entry and three rows, whatever the
campaign's size. A checkpoint is written when the journal since the last
one has grown to four times the checkpoint, so its cost, spread over
the operations, does not grow with the campaign either; the journal before
it is then dropped.

The database is reached through a few methods that the SQLite and
PostgreSQL stores define: how a transaction begins, how a campaign's row is
locked, how SQL marks its parameters.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple, ParamSpec, TypeVar

from scheduler.engine import Decision, Engine, EngineError, _decision
from scheduler.journal import JournalError, replay_into
from scheduler.spec import Campaign
from scheduler.times import check_now, from_epoch, iso_utc

__all__ = ["SCHEMA_VERSION", "Store", "StoreError", "StoredAttempt"]

#: The version of the tables a store creates; an older database is migrated on open.
SCHEMA_VERSION = 1

# The statements that bring a database from version i to i + 1 (index i).
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        """CREATE TABLE scheduler_campaigns (
            campaign TEXT PRIMARY KEY,
            seq BIGINT NOT NULL,
            checkpoint_seq BIGINT NOT NULL,
            checkpoint_bytes BIGINT NOT NULL,
            journal_bytes BIGINT NOT NULL,
            clock BIGINT NOT NULL,
            status TEXT NOT NULL,
            wakeup BIGINT
        )""",
        "CREATE INDEX scheduler_campaigns_wakeup ON scheduler_campaigns (wakeup)",
        """CREATE TABLE scheduler_checkpoints (
            campaign TEXT PRIMARY KEY,
            spec TEXT NOT NULL,
            seq BIGINT NOT NULL,
            state TEXT NOT NULL
        )""",
        """CREATE TABLE scheduler_journal (
            campaign TEXT NOT NULL,
            seq BIGINT NOT NULL,
            entry TEXT NOT NULL,
            PRIMARY KEY (campaign, seq)
        ){table_options}""",
        """CREATE TABLE scheduler_calls (
            id TEXT PRIMARY KEY,
            campaign TEXT NOT NULL,
            phone TEXT NOT NULL,
            number INTEGER NOT NULL,
            start_ts BIGINT NOT NULL,
            due_ts BIGINT NOT NULL,
            reason TEXT NOT NULL,
            handed BIGINT NOT NULL,
            position INTEGER NOT NULL,
            outcome TEXT,
            ended TEXT
        )""",
        "CREATE INDEX scheduler_calls_campaign ON scheduler_calls (campaign, start_ts)",
        "CREATE INDEX scheduler_calls_open ON scheduler_calls (start_ts) WHERE outcome IS NULL",
    ),
)

P = ParamSpec("P")
T = TypeVar("T")

# A checkpoint is due once the journal since the last one is this large or
# CHECKPOINT_RATIO times as large as the checkpoint, whichever is more: each
# operation pays a constant share of the next checkpoint, and a new worker
# replays at most that much journal.
MIN_CHECKPOINT_BYTES = 256 * 1024
CHECKPOINT_RATIO = 4


class StoreError(ValueError):
    """A call the store refuses: an unknown campaign or attempt, a damaged or newer database."""


class _Unservable(StoreError):
    """A campaign ``due`` cannot serve; the others go on."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


class StoredAttempt(NamedTuple):
    """A call handed out by a store: ``id`` is unique in the store, ``campaign`` its key."""

    id: str
    campaign: str
    phone: str
    number: int
    start: datetime
    due: datetime
    reason: str

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready row: id, campaign, phone, attemptNumber, start, due, reason."""
        return {
            "id": self.id,
            "campaign": self.campaign,
            "phone": self.phone,
            "attemptNumber": self.number,
            "start": iso_utc(self.start),
            "due": iso_utc(self.due),
            "reason": self.reason,
        }


class _Row(NamedTuple):
    """A campaign's row: where its journal is, and when the campaign next needs ``due``."""

    seq: int
    checkpoint_seq: int
    checkpoint_bytes: int
    journal_bytes: int
    wakeup: int | None

    @classmethod
    def read(cls, values: Sequence[Any]) -> _Row:
        """The row from the columns of ``_ROW`` as the database gives them."""
        seq, checkpoint_seq, checkpoint_bytes, journal_bytes, wakeup = values
        return cls(
            int(seq),
            int(checkpoint_seq),
            int(checkpoint_bytes),
            int(journal_bytes),
            None if wakeup is None else int(wakeup),
        )


_ROW = "seq, checkpoint_seq, checkpoint_bytes, journal_bytes, wakeup"


@dataclass(slots=True)
class _Cached:
    """This worker's engine of one campaign, and the journal position it has reached."""

    engine: Engine
    seq: int
    # The engine appends each call it takes here; the store writes and clears it.
    journal: list[dict[str, Any]]
    # The campaign's row as this worker last read or wrote it in a write transaction, and
    # the database's data version then: still the row while that version is current.
    row: _Row | None = None
    version: int | None = None


_OPEN_CALLS = (
    "SELECT id, campaign, phone, number, start_ts, due_ts, reason FROM scheduler_calls "
    "WHERE outcome IS NULL"
)


# One encoder for every entry and snapshot: json.dumps builds a new one per call when
# given separators.
_compact = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


class Store:
    """Many campaigns' engines in one database, with the host API of ``Engine``.

    Not used directly: ``SQLiteStore`` and ``PostgresStore`` are its two
    kinds. One store object may be shared by the threads of a process (its
    calls take turns); each process opens its own.
    """

    #: Added to the query of a campaign's row to lock it until the commit.
    _lock_row = ""
    #: Added to the query of a due campaign's row: lock it, or pass it by when locked.
    _skip_locked = ""
    #: Added to the journal's CREATE TABLE.
    _table_options = ""

    def __init__(self, *, allow_tzdata_change: bool = False) -> None:
        self._allow_tzdata_change = allow_tzdata_change
        self._cache: dict[str, _Cached] = {}
        self._mutex = threading.RLock()
        self._closed = False
        # The campaigns the current transaction loaded, and the writes it will make.
        self._touched: list[str] = []
        self._pending: list[tuple[str, Sequence[Sequence[Any]]]] = []
        # The database's data version in the current write transaction (None: not known).
        self._version: int | None = None

    # -- what each database defines ------------------------------------------------

    def _begin(self, write: bool) -> None:
        raise NotImplementedError

    def _commit(self, writes: Sequence[tuple[str, Sequence[Sequence[Any]]]]) -> None:
        """Make ``writes`` (each a statement and its rows of parameters), then commit."""
        raise NotImplementedError

    def _rollback(self) -> None:
        raise NotImplementedError

    def _execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """Run ``sql`` (parameters marked ``?``) and return the cursor."""
        raise NotImplementedError

    def _is_duplicate(self, error: Exception) -> bool:
        """Whether ``error`` is a primary key that already exists."""
        raise NotImplementedError

    def _data_version(self) -> int | None:
        """A number that stays the same, from one write transaction of this connection to
        the next, only when no other connection has committed in between; ``None`` when
        the database gives no such number (every row is then read again)."""
        return None

    def _close(self) -> None:
        raise NotImplementedError

    def _read_one(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """The first row of one statement that only reads, run as its own transaction."""
        with self._transaction(write=False):
            return self._execute(sql, params).fetchone()

    def _lock_schema(self) -> None:
        """Keep other processes from creating or migrating the tables at the same time."""

    # -- the tables ------------------------------------------------------------------

    def _open_schema(self) -> None:
        """Create the tables, or migrate them to ``SCHEMA_VERSION``; refuse a newer database."""
        with self._transaction(write=True):
            self._lock_schema()
            self._execute("CREATE TABLE IF NOT EXISTS scheduler_schema (version INTEGER NOT NULL)")
            row = self._execute("SELECT version FROM scheduler_schema").fetchone()
            version = 0 if row is None else int(row[0])
            if version > SCHEMA_VERSION:
                raise StoreError(
                    f"the database's tables are version {version}, made by a newer scheduler; "
                    f"this one knows versions up to {SCHEMA_VERSION}"
                )
            for statements in MIGRATIONS[version:]:
                for statement in statements:
                    self._execute(statement.replace("{table_options}", self._table_options))
            if row is None:
                self._execute(
                    "INSERT INTO scheduler_schema (version) VALUES (?)", (SCHEMA_VERSION,)
                )
            elif version < SCHEMA_VERSION:
                self._execute("UPDATE scheduler_schema SET version = ?", (SCHEMA_VERSION,))

    @property
    def schema_version(self) -> int:
        """The version of the store's tables."""
        with self._transaction(write=False):
            row = self._execute("SELECT version FROM scheduler_schema").fetchone()
        return int(row[0])

    @contextmanager
    def _transaction(self, *, write: bool) -> Iterator[None]:
        with self._mutex:
            if self._closed:
                raise StoreError("the store is closed")
            self._touched = []
            self._pending = []
            self._begin(write)
            try:
                self._version = self._data_version() if write else None
                yield
                self._commit(self._pending)
            except BaseException as error:
                # An engine that took a call whose transaction did not commit is ahead of
                # the database: drop it. A refusal (StoreError) changed nothing.
                if not isinstance(error, StoreError):
                    for key in self._touched:
                        self._cache.pop(key, None)
                self._rollback()
                raise

    # -- the host's calls ------------------------------------------------------------

    def add(
        self,
        campaign: Campaign,
        *,
        now: datetime | str,
        key: str | None = None,
        history: Mapping[str, Iterable[datetime | str]] | None = None,
    ) -> str:
        """Start keeping ``campaign``; its key is returned (``key``, else its id, else its name).

        ``history`` is what ``Engine`` takes: earlier calls that count against caps.
        """
        key = key if key is not None else campaign.id if campaign.id is not None else campaign.name
        if not isinstance(key, str) or not key:
            raise StoreError(f"add: key must be non-empty text, got {key!r}")
        journal: list[dict[str, Any]] = []
        engine = Engine(campaign, now=now, journal=journal, history=history)
        state = _compact(engine.snapshot())
        spec = campaign.model_dump_json(by_alias=True, exclude_unset=True)
        clock, status, wakeup = engine._columns()
        with self._transaction(write=True):
            try:
                self._execute(
                    "INSERT INTO scheduler_campaigns (campaign, seq, checkpoint_seq, "
                    "checkpoint_bytes, journal_bytes, clock, status, wakeup) "
                    "VALUES (?, 0, 0, ?, 0, ?, ?, ?)",
                    (key, len(state), clock, status, wakeup),
                )
            except Exception as error:
                if self._is_duplicate(error):
                    raise StoreError(
                        f"add: a campaign with key {key!r} is already in the store; "
                        "give this one another id or key"
                    ) from None
                raise
            self._execute(
                "INSERT INTO scheduler_checkpoints (campaign, spec, seq, state) "
                "VALUES (?, ?, 0, ?)",
                (key, spec, state),
            )
            version = self._version
        row = _Row(0, 0, len(state), 0, wakeup)
        self._cache[key] = _Cached(engine, 0, journal, row, version)
        return key

    def due(self, now: datetime | str, *, limit: int | None = None) -> list[StoredAttempt]:
        """The calls to start at ``now`` across all campaigns, each handed out once only.

        Campaigns are served by their next wake-up, earliest first; with
        ``limit``, at most that many calls are handed out and the rest stay
        due. A campaign another worker's ``due`` is serving at this moment is
        passed by: that worker hands out its calls. A ``now`` before a
        campaign's clock (another worker's later ``now`` already served it)
        finds nothing new there. A campaign that cannot be served (its journal
        does not replay here, say) is passed by so that the others go on;
        ``StoreError`` names it when nothing else was handed out.
        """
        if limit is not None and (
            isinstance(limit, bool) or not isinstance(limit, int) or limit < 0
        ):
            raise StoreError(f"due: limit must be a whole number >= 0 or None, got {limit!r}")
        now_ts = check_now(now)  # also refuses a bad now before anything is locked
        handed: list[StoredAttempt] = []
        # Campaigns still due after being asked: refused, or nothing more to give at `now`.
        stuck: list[str] = []
        problems: list[str] = []
        while limit is None or len(handed) < limit:
            left = None if limit is None else limit - len(handed)
            try:
                served = self._serve_next(now, now_ts, stuck, left)
            except _Unservable as error:
                stuck.append(error.key)
                problems.append(str(error))
                continue
            except Exception:
                if handed:
                    break  # they are committed: the host must have them; the error comes again
                raise
            if served is None:
                break
            key, stored, still_due = served
            handed += stored
            if still_due and (limit is None or len(handed) < limit):
                stuck.append(key)
        if problems and not handed:
            raise StoreError("due: " + "; ".join(problems))
        return handed

    def _serve_next(
        self, now: datetime | str, now_ts: int, stuck: list[str], limit: int | None
    ) -> tuple[str, list[StoredAttempt], bool] | None:
        """Serve the first due campaign: its key, the calls handed out and whether it is
        still due; ``None`` when no campaign is due."""
        where = "wakeup <= ? AND clock <= ?" + "".join(" AND campaign <> ?" for _ in stuck)
        params = (now_ts, now_ts, *stuck)
        first = "ORDER BY wakeup, campaign LIMIT 1"
        # A look without the lock first: most calls find nothing due.
        probe = self._read_one(
            f"SELECT campaign FROM scheduler_campaigns WHERE {where} {first}", params
        )
        if probe is None:
            return None
        with self._transaction(write=True):
            row = self._execute(
                f"SELECT campaign, {_ROW} FROM scheduler_campaigns WHERE {where} "
                f"{first}{self._skip_locked}",
                params,
            ).fetchone()
            if row is None:
                # Every due campaign is locked by another worker, serving it or recording
                # a call of it: wait for the first, and see whether it is still due.
                row = self._execute(
                    f"SELECT campaign, {_ROW} FROM scheduler_campaigns "
                    f"WHERE campaign = ? AND wakeup <= ? AND clock <= ?{self._lock_row}",
                    (probe[0], now_ts, now_ts),
                ).fetchone()
                if row is None:
                    return probe[0], [], False
            key = row[0]
            position = _Row.read(row[1:])
            try:
                cached = self._load(key, position)
                attempts = self._call(key, cached.engine.due, now, limit=limit)
            except StoreError as error:
                raise _Unservable(key, str(error)) from None
            handed_seq = cached.seq + 1
            # The journal entry of this due holds each call's reason: read, not made again.
            rows = cached.journal[-1]["result"] if attempts else []
            stored = [
                StoredAttempt(
                    f"{key}/{a.id}", key, a.phone, a.number, a.start, a.due, row["reason"]
                )
                for a, row in zip(attempts, rows, strict=True)
            ]
            if stored:
                self._write_many(
                    "INSERT INTO scheduler_calls (id, campaign, phone, number, start_ts, "
                    "due_ts, reason, handed, position) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        (
                            s.id,
                            key,
                            a.phone,
                            a.number,
                            a.start_ts,
                            a.due_ts,
                            s.reason,
                            handed_seq,
                            i,
                        )
                        for i, (s, a) in enumerate(zip(stored, attempts, strict=True))
                    ],
                )
            wakeup = self._save(key, cached, position)
        return key, stored, wakeup is not None and wakeup <= now_ts

    def record(self, attempt_id: str, outcome: str, ended_at: datetime | str) -> Decision:
        """Take the result of a call ``due`` handed out; the decision of ``Engine.record``.

        The decision's ``attempt_id`` is the store's id. Recording the same
        result again returns the same decision, as the engine does.
        """
        return self.record_many([(attempt_id, outcome, ended_at)])[0]

    def record_many(self, results: Iterable[tuple[str, str, datetime | str]]) -> list[Decision]:
        """Take several results at once, each ``(attempt_id, outcome, ended_at)``: the
        decisions of ``record``, in order, kept in one transaction.

        For a host that receives results in bursts: one commit for all of them
        instead of one each. All are kept or none: a result ``record`` would
        refuse refuses the whole call, with ``StoreError`` naming it.
        """
        wanted = [
            (*self._split(attempt_id), attempt_id, outcome, ended)
            for attempt_id, outcome, ended in results
        ]
        if not wanted:
            return []
        decisions: list[Decision] = []
        with self._transaction(write=True):
            loaded: dict[str, tuple[_Row, _Cached]] = {}
            try:
                # Rows are locked in one order, so that two workers' batches never wait
                # for each other in a circle.
                for key in sorted({key for key, *_ in wanted}):
                    row = self._row(key, lock=True)
                    loaded[key] = (row, self._load(key, row))
                for key, engine_id, attempt_id, outcome, ended_at in wanted:
                    row, cached = loaded[key]
                    entries = len(cached.journal)
                    decision = self._call(key, cached.engine.record, engine_id, outcome, ended_at)
                    if len(cached.journal) > entries:  # not the same result again
                        self._write(
                            "UPDATE scheduler_calls SET outcome = ?, ended = ? WHERE id = ?",
                            (outcome, cached.journal[-1]["endedAt"], attempt_id),
                        )
                    decisions.append(_decision({**decision.__dict__, "attempt_id": attempt_id}))
            except StoreError:
                # The results before the refused one moved their engines: drop them.
                for key in self._touched:
                    self._cache.pop(key, None)
                raise
            for key, (row, cached) in loaded.items():
                if cached.journal:
                    self._save(key, cached, row)
        return decisions

    def next_wakeup(self) -> datetime | None:
        """The earliest instant at which ``due`` can hand out a call, across all campaigns.

        ``None`` when no campaign can start a call until one in progress is
        recorded, or a paused one resumes, or more customers are added.
        """
        row = self._read_one("SELECT MIN(wakeup) FROM scheduler_campaigns")
        return None if row is None or row[0] is None else from_epoch(int(row[0]))

    def in_progress(self, key: str | None = None) -> list[StoredAttempt]:
        """The calls handed out and not yet recorded, as ``due`` returned them, by start
        (then campaign, then the order ``due`` gave them in).

        After a crash the host records each with its real result, or
        ``Cancelled`` when it never dialled.
        """
        where, params = ("", ()) if key is None else (" AND campaign = ?", (key,))
        with self._transaction(write=False):
            if key is not None:
                self._row(key, lock=False)
            rows = self._execute(
                f"{_OPEN_CALLS}{where} ORDER BY start_ts, campaign, handed, position", params
            ).fetchall()
        return [
            StoredAttempt(i, c, p, int(n), from_epoch(int(s)), from_epoch(int(d)), r)
            for i, c, p, n, s, d, r in rows
        ]

    def calls(self, key: str) -> list[dict[str, Any]]:
        """The calls of campaign ``key`` recorded so far, in start order: a call log for ``audit``.

        Each is ``{"id", "phone", "attemptNumber", "start", "end", "outcome"}``.
        """
        with self._transaction(write=False):
            self._row(key, lock=False)
            rows = self._execute(
                "SELECT id, phone, number, start_ts, ended, outcome FROM scheduler_calls "
                "WHERE campaign = ? AND outcome IS NOT NULL ORDER BY start_ts, handed, position",
                (key,),
            ).fetchall()
        return [
            {
                "id": i,
                "phone": p,
                "attemptNumber": int(n),
                "start": iso_utc(from_epoch(int(s))),
                "end": e,
                "outcome": o,
            }
            for i, p, n, s, e, o in rows
        ]

    def pause(self, key: str, now: datetime | str) -> None:
        """Stop new starts of campaign ``key``; calls in progress still record."""
        self._mutate(key, "pause", now)

    def resume(self, key: str, now: datetime | str) -> None:
        """Continue a paused campaign in the order it had."""
        self._mutate(key, "resume", now)

    def cancel(self, key: str, now: datetime | str) -> None:
        """End campaign ``key``: nothing more starts; calls in progress record, without retries."""
        self._mutate(key, "cancel", now)

    def add_customers(self, key: str, phones: Iterable[str], *, now: datetime | str) -> list[str]:
        """Add numbers to a running campaign; the numbers added are returned."""
        added: list[str] = self._mutate(key, "add_customers", list(phones), now=now)
        return added

    def remove_customer(self, key: str, phone: str) -> None:
        """An opt-out: no further attempt for ``phone`` in campaign ``key``."""
        self._mutate(key, "remove_customer", phone)

    def status(self, key: str) -> dict[str, Any]:
        """Customers of campaign ``key`` by state, and the campaign's status."""
        with self._transaction(write=False):
            cached = self._load(key, self._row(key, lock=False))
            return self._call(key, cached.engine.status)

    def campaigns(self) -> list[str]:
        """The keys of the campaigns in the store, sorted."""
        with self._transaction(write=False):
            rows = self._execute("SELECT campaign FROM scheduler_campaigns ORDER BY campaign")
            return [str(row[0]) for row in rows.fetchall()]

    def close(self) -> None:
        """Close the connection; the store can no longer be used."""
        with self._mutex:
            if not self._closed:
                self._closed = True
                self._cache.clear()
                self._close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- inside ------------------------------------------------------------------------

    def _write(self, sql: str, params: Sequence[Any]) -> None:
        """A write whose result is not read: sent with the others at the commit."""
        self._pending.append((sql, [params]))

    def _write_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        self._pending.append((sql, rows))

    def _mutate(self, key: str, op: str, *args: Any, **kwargs: Any) -> Any:
        with self._transaction(write=True):
            row = self._row(key, lock=True)
            cached = self._load(key, row)
            method: Callable[..., Any] = getattr(cached.engine, op)
            result = self._call(key, method, *args, **kwargs)
            if cached.journal:
                self._save(key, cached, row)
            return result

    def _call(self, key: str, method: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """An engine call whose refusal names the campaign."""
        try:
            return method(*args, **kwargs)
        except EngineError as error:
            raise StoreError(f"campaign {key!r}: {error}") from None

    def _row(self, key: str, *, lock: bool) -> _Row:
        if lock and self._version is not None:
            cached = self._cache.get(key)
            # Nobody else has committed since this worker last had the row: it is the same.
            if cached is not None and cached.version == self._version and cached.row is not None:
                return cached.row
        row = self._execute(
            f"SELECT {_ROW} FROM scheduler_campaigns WHERE campaign = ?"
            f"{self._lock_row if lock else ''}",
            (key,),
        ).fetchone()
        if row is None:
            raise StoreError(f"no campaign with key {key!r} in the store")
        return _Row.read(row)

    def _load(self, key: str, row: _Row) -> _Cached:
        """This worker's engine of ``key`` brought to the row's journal position."""
        self._touched.append(key)
        cached = self._cache.get(key)
        if cached is None or cached.seq < row.checkpoint_seq or cached.seq > row.seq:
            cached = self._from_checkpoint(key)
        if cached.seq < row.seq:
            rows = self._execute(
                "SELECT seq, entry FROM scheduler_journal "
                "WHERE campaign = ? AND seq > ? AND seq <= ? ORDER BY seq",
                (key, cached.seq, row.seq),
            ).fetchall()
            if [int(seq) for seq, _ in rows] != list(range(cached.seq + 1, row.seq + 1)):
                raise StoreError(
                    f"campaign {key!r}: the journal lacks entries between {cached.seq} and "
                    f"{row.seq}: the database is damaged"
                )
            try:
                replay_into(cached.engine, (json.loads(entry) for _, entry in rows))
            except (JournalError, EngineError) as error:
                self._cache.pop(key, None)
                raise StoreError(
                    f"campaign {key!r}: its journal does not replay here ({error}); was it "
                    "written under other zone rules or another scheduler version?"
                ) from None
            cached.journal.clear()
            cached.seq = row.seq
        cached.row, cached.version = row, self._version
        self._cache[key] = cached
        return cached

    def _from_checkpoint(self, key: str) -> _Cached:
        found = self._execute(
            "SELECT spec, seq, state FROM scheduler_checkpoints WHERE campaign = ?", (key,)
        ).fetchone()
        if found is None:
            raise StoreError(f"campaign {key!r} has no checkpoint: the database is damaged")
        spec, seq, state = found
        journal: list[dict[str, Any]] = []
        try:
            engine = Engine.restore(
                Campaign.model_validate_json(spec),
                json.loads(state),
                journal=journal,
                allow_tzdata_change=self._allow_tzdata_change,
            )
        except EngineError as error:
            raise StoreError(f"campaign {key!r}: {error}") from None
        return _Cached(engine, int(seq), journal)

    def _save(self, key: str, cached: _Cached, row: _Row) -> int | None:
        """Write the engine's new journal entries and its row, and a checkpoint when one is
        due; the campaign's next wake-up."""
        seq = cached.seq
        written = 0
        for entry in cached.journal:
            seq += 1
            text = _compact(entry)
            written += len(text)
            self._write(
                "INSERT INTO scheduler_journal (campaign, seq, entry) VALUES (?, ?, ?)",
                (key, seq, text),
            )
        cached.journal.clear()
        cached.seq = seq
        engine = cached.engine
        journal_bytes = row.journal_bytes + written
        clock, status, wakeup = engine._columns()
        if journal_bytes >= max(MIN_CHECKPOINT_BYTES, CHECKPOINT_RATIO * row.checkpoint_bytes):
            state = _compact(engine.snapshot())
            self._write(
                "UPDATE scheduler_checkpoints SET seq = ?, state = ? WHERE campaign = ?",
                (seq, state, key),
            )
            self._write("DELETE FROM scheduler_journal WHERE campaign = ? AND seq <= ?", (key, seq))
            self._write(
                "UPDATE scheduler_campaigns SET seq = ?, checkpoint_seq = ?, checkpoint_bytes = ?, "
                "journal_bytes = 0, clock = ?, status = ?, wakeup = ? WHERE campaign = ?",
                (seq, seq, len(state), clock, status, wakeup, key),
            )
            cached.row = _Row(seq, seq, len(state), 0, wakeup)
        else:
            # Setting the wake-up rewrites its index entry even when it is the same value.
            moved = wakeup != row.wakeup
            self._write(
                "UPDATE scheduler_campaigns SET seq = ?, journal_bytes = ?, clock = ?, "
                f"status = ?{', wakeup = ?' if moved else ''} WHERE campaign = ?",
                (seq, journal_bytes, clock, status, *((wakeup,) if moved else ()), key),
            )
            cached.row = _Row(seq, row.checkpoint_seq, row.checkpoint_bytes, journal_bytes, wakeup)
        cached.version = self._version
        return wakeup

    @staticmethod
    def _split(attempt_id: str) -> tuple[str, str]:
        key, slash, engine_id = (
            attempt_id.rpartition("/") if isinstance(attempt_id, str) else ("", "", "")
        )
        if not slash or not key or "#" not in engine_id:
            raise StoreError(
                f"record: unknown attempt id {attempt_id!r}: a store's ids are "
                "'<campaign>/<phone>#<attempt number>', as due() hands them out"
            )
        return key, engine_id
