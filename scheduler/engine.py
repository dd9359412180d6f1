"""The live engine: the rules of ``plan``, driven by real call results, with saved state.

A host (the dialer of a calling platform) asks ``due(now)`` which attempts
to start, dials them, and reports each result with ``record``. The engine
answers like a call-outcome webhook: whether and when the customer is tried
again. ``next_wakeup()`` says when to ask next, so the host can sleep.

The engine runs the same ``Dialer`` and ``RetryPolicy`` as ``plan``: fed the
outcomes and call lengths of a preview, it starts every call at the
preview's instant. ``snapshot()`` saves its whole state as JSON and
``Engine.restore`` continues from it, nothing lost or repeated.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, Literal, NamedTuple

from scheduler.dialer import BLOCKED, CLOSED, IDLE, Dialer
from scheduler.reasons import Expired, ReasonContext
from scheduler.retry import RetryPolicy, check_outcome
from scheduler.spec import Campaign, check_phone
from scheduler.tz import TZDATA_VERSION, load_zone
from scheduler.windows import check_now, epoch_seconds, from_epoch, iso_utc

__all__ = [
    "SNAPSHOT_VERSION",
    "Decision",
    "DueAttempt",
    "Engine",
    "EngineError",
    "replay",
]

SNAPSHOT_VERSION = 1

CampaignStatus = Literal["scheduled", "active", "paused", "completed", "cancelled"]
# Per customer: what happens to them next, or how they ended.
_PENDING, _IN_PROGRESS, _RETRY, _DONE, _EXHAUSTED, _EXPIRED, _REMOVED, _CANCELLED = (
    "pending",
    "in progress",
    "retry scheduled",
    "done",
    "exhausted",
    "expired",
    "removed",
    "cancelled",
)
_STATES = (_PENDING, _IN_PROGRESS, _RETRY, _DONE, _EXHAUSTED, _EXPIRED, _REMOVED, _CANCELLED)


class EngineError(ValueError):
    """A call the engine refuses; its state is unchanged."""


# What decides when calls start, and the campaign's id: a snapshot restores under a
# spec that agrees on these. The platform's bookkeeping (status, updatedAt, callIds,
# events) changes while a campaign runs and must not block a restore; the customer
# list is part of the snapshot itself (add_customers grows it).
_RULE_FIELDS = frozenset(
    {
        "id",
        "timezone",
        "start_time",
        "end_time",
        "active_days",
        "day_schedules",
        "start_date",
        "end_date",
        "call_retries",
        "retry_delay_seconds",
        "retry_delay_mode",
        "retry_conditions",
        "scheduling_mode",
        "call_interval_seconds",
        "max_concurrency",
    }
)


def fingerprint(campaign: Campaign) -> str:
    """A digest of the campaign's scheduling rules, to refuse a snapshot of another campaign."""
    text = campaign.model_dump_json(include=set(_RULE_FIELDS), round_trip=True)
    return hashlib.sha256(text.encode()).hexdigest()


class DueAttempt:
    """An attempt to start now: ``id`` (stable, unique), who, which attempt, when, and why."""

    __slots__ = ("_context", "_prev", "_why", "due_ts", "id", "number", "phone", "start_ts")

    def __init__(
        self,
        attempt_id: str,
        phone: str,
        number: int,
        start_ts: int,
        due_ts: int,
        why: int,
        prev: tuple[str | None, int | None],
        context: ReasonContext,
    ) -> None:
        self.id = attempt_id
        self.phone = phone
        self.number = number
        self.start_ts = start_ts
        self.due_ts = due_ts
        self._why = why
        self._prev = prev
        self._context = context

    def __repr__(self) -> str:
        return f"DueAttempt(id={self.id!r}, start={iso_utc(self.start)})"

    @property
    def start(self) -> datetime:
        """When the call starts (aware UTC): the instant ``plan`` gives it."""
        return from_epoch(self.start_ts)

    @property
    def due(self) -> datetime:
        """From when the attempt could start, before windows, lines and pacing."""
        return from_epoch(self.due_ts)

    @property
    def reason(self) -> str:
        """Why the call starts now, in one sentence."""
        return self._context.sentence(
            self.number, self._why, self.start_ts, self.due_ts, *self._prev
        )

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready row."""
        return {
            "id": self.id,
            "phone": self.phone,
            "attemptNumber": self.number,
            "start": iso_utc(self.start),
            "due": iso_utc(self.due),
            "reason": self.reason,
        }


_DECISION_ALIASES = {
    "attempt_id": "attemptId",
    "phone": "phone",
    "attempt_number": "attemptNumber",
    "outcome": "outcome",
    "started_at": "startedAt",
    "ended_at": "endedAt",
    "will_retry": "willRetry",
    "retry_scheduled_at": "retryScheduledAt",
    "retries_remaining": "retriesRemaining",
}


class Decision(NamedTuple):
    """What the engine decided about a recorded call, shaped like a call-outcome webhook.

    ``retry_scheduled_at`` is the earliest instant the retry may start (its
    due time moved into a window); lines and pacing may start it later.
    ``retries_remaining`` counts the retries still possible after the one
    scheduled (0 when the customer is finished). ``model_dump(by_alias=True)``
    gives the webhook's camelCase names (``willRetry``, ``retryScheduledAt``).
    """

    attempt_id: str
    phone: str
    attempt_number: int
    outcome: str
    started_ts: int
    ended_ts: int
    will_retry: bool
    retry_ts: int | None
    retries_remaining: int

    @property
    def started_at(self) -> datetime:
        """When the call started (aware UTC)."""
        return from_epoch(self.started_ts)

    @property
    def ended_at(self) -> datetime:
        """When the call ended (aware UTC), rounded up to the whole second."""
        return from_epoch(self.ended_ts)

    @property
    def retry_scheduled_at(self) -> datetime | None:
        """The earliest instant the retry may start, or None without a retry."""
        return None if self.retry_ts is None else from_epoch(self.retry_ts)

    def model_dump(self, *, by_alias: bool = False, mode: str = "python") -> dict[str, Any]:
        """The fields as a dict, camelCase with ``by_alias``; ``mode="json"`` gives ISO strings."""
        out: dict[str, Any] = {}
        for name, alias in _DECISION_ALIASES.items():
            value = getattr(self, name)
            if mode == "json" and isinstance(value, datetime):
                value = iso_utc(value)
            out[alias if by_alias else name] = value
        return out


class Engine:
    """The live form of ``plan``: ``due``, ``record``, ``next_wakeup``, and saved state.

    >>> from datetime import datetime, UTC
    >>> from scheduler import Campaign, Engine
    >>> c = Campaign(name="x", timezone="Europe/Prague", start_time="09:00",
    ...              end_time="17:00", phone_list=("+420601000001",), call_retries=1)
    >>> engine = Engine(c, now=datetime(2026, 3, 27, 8, 0, tzinfo=UTC))
    >>> [a.id for a in engine.due(datetime(2026, 3, 27, 8, 0, tzinfo=UTC))]
    ['+420601000001#1']
    >>> d = engine.record("+420601000001#1", "Busy", datetime(2026, 3, 27, 8, 1, tzinfo=UTC))
    >>> d.will_retry, d.retry_scheduled_at.isoformat(), d.retries_remaining
    (True, '2026-03-27T08:06:00+00:00', 0)
    """

    def __init__(
        self,
        campaign: Campaign,
        *,
        now: datetime,
        journal: list[dict[str, Any]] | None = None,
    ) -> None:
        now_ts = check_now(now)
        self._setup(campaign, now_ts, journal)
        self._add(campaign.unique_phones(), now_ts)
        self._settle()

    def _setup(self, campaign: Campaign, now_ts: int, journal: list[dict[str, Any]] | None) -> None:
        self.campaign = campaign
        self._calendar = campaign.calendar()
        self._policy = RetryPolicy.of(campaign)
        interval = campaign.call_interval_seconds if campaign.scheduling_mode == "even" else 0
        self._context = ReasonContext(
            load_zone(campaign.timezone),
            self._policy,
            campaign.max_concurrency,
            interval,
            self._calendar,
        )
        self._dialer = Dialer(self._calendar, campaign.max_concurrency, interval, now_ts)
        self._clock = now_ts
        self._status: CampaignStatus = "scheduled"
        self._phones: list[str] = []
        self._index: dict[str, int] = {}
        self._state: list[str] = []
        self._number: list[int] = []  # the last attempt number handed out, per customer
        self._last_outcome: list[str | None] = []
        self._last_end: list[int | None] = []
        self._in_flight: dict[str, tuple[int, int, int]] = {}  # id -> customer, number, start
        self._decisions: dict[str, Decision] = {}
        self._expired: list[Expired] = []
        self._journal = journal
        self._dirty = False

    # -- the host's calls ---------------------------------------------------------

    def due(self, now: datetime) -> list[DueAttempt]:
        """The attempts to start at ``now``, in order; each is handed out once only.

        ``now`` may not go back in time. Nothing is due while the campaign is
        paused, cancelled or completed.
        """
        now_ts = self._advance(now)
        started: list[DueAttempt] = []
        if self._status in ("scheduled", "active"):
            dialer = self._dialer
            while True:
                at, why, due, customer, number = dialer.take(now_ts)
                if customer < 0:
                    break
                dialer.hold_unknown()
                phone = self._phones[customer]
                attempt_id = f"{phone}#{number}"
                self._in_flight[attempt_id] = (customer, number, at)
                self._state[customer] = _IN_PROGRESS
                self._number[customer] = number
                prev = (self._last_outcome[customer], self._last_end[customer])
                started.append(
                    DueAttempt(attempt_id, phone, number, at, due, why, prev, self._context)
                )
            if started:
                self._status = "active"
            self._settle()
        if self._journal is not None:
            call = {"op": "due", "now": iso_utc(from_epoch(now_ts))}
            self._log(call, [a.as_dict() for a in started])
        return started

    def record(
        self,
        attempt_id: str,
        outcome: str,
        ended_at: datetime,
        *,
        now: datetime | None = None,
    ) -> Decision:
        """Take the result of a call; say whether and when the customer is tried again.

        Recording the same result twice returns the same decision. A call
        counts as lasting at least one second (its end is rounded up to the
        next whole second), as in ``plan``.
        """
        end_ts = self._check_end(attempt_id, outcome, ended_at, now)
        previous = self._decisions.get(attempt_id)
        if previous is not None:
            return previous
        customer, number, start = self._in_flight.pop(attempt_id)
        self._dialer.ended(end_ts)
        phone = self._phones[customer]
        policy = self._policy
        retry_at: int | None = None
        if self._state[customer] == _REMOVED:
            follow: int | str = _REMOVED
        else:
            follow = policy.after(self._calendar, outcome, number, start, end_ts)
            if self._status == "cancelled" and type(follow) is int:
                follow = _CANCELLED  # nothing more starts, so no retry either
        if type(follow) is int:
            retry_at = self._calendar.next_open_ts(follow)
            self._last_outcome[customer] = outcome
            self._last_end[customer] = end_ts
            if retry_at is None:  # due after the last window: it can never start
                self._expire(customer, number + 1, follow)
            else:
                self._dialer.add_retry(follow, customer, number + 1)
                self._state[customer] = _RETRY
        elif follow == _EXPIRED:
            self._last_outcome[customer] = outcome
            self._last_end[customer] = end_ts
            self._expire(customer, number + 1, end_ts + policy.delay, no_later_day=True)
        else:
            self._state[customer] = str(follow)
        will_retry = retry_at is not None
        decision = Decision(
            attempt_id=attempt_id,
            phone=phone,
            attempt_number=number,
            outcome=outcome,
            started_ts=start,
            ended_ts=end_ts,
            will_retry=will_retry,
            retry_ts=retry_at if will_retry else None,
            retries_remaining=policy.retries - number if will_retry else 0,
        )
        self._decisions[attempt_id] = decision
        self._dirty = True  # settled by the next reader, not on every record
        if self._journal is not None:
            call = {"op": "record", "id": attempt_id, "outcome": outcome,
                    "endedAt": iso_utc(ended_at.astimezone(UTC))}  # fmt: skip
            self._log(call, decision.model_dump(mode="json", by_alias=True))
        return decision

    def next_wakeup(self) -> datetime | None:
        """When ``due`` can next return an attempt, as far as the engine knows now.

        ``None`` when nothing can start until a call in progress is recorded
        (every line busy), while paused, and once the campaign is finished
        (``status()`` tells which). A recorded call can bring it earlier, so
        ask again after each ``record``.
        """
        if self._status not in ("scheduled", "active"):
            return None
        at, _ = self._dialer.next_start()
        return None if at < 0 else from_epoch(at)

    def pause(self, now: datetime) -> None:
        """Stop new starts; calls in progress still record. ``resume`` goes on in the same order."""
        self._advance(now, "pause", ("paused", "completed", "cancelled"))
        self._status = "paused"
        self._log({"op": "pause", "now": iso_utc(now)}, None)

    def resume(self, now: datetime) -> None:
        """Continue a paused campaign: the queue goes on in the order it had."""
        now_ts = self._advance(now, "resume", ("scheduled", "active", "completed", "cancelled"))
        self._status = "active" if any(n > 0 for n in self._number) else "scheduled"
        self._dialer.clock = max(self._dialer.clock, now_ts)
        self._settle()
        self._log({"op": "resume", "now": iso_utc(now)}, None)

    def cancel(self, now: datetime) -> None:
        """End the campaign: nothing more starts; calls in progress record, without retries."""
        self._advance(now, "cancel", ("cancelled",))
        for _, customer, _ in self._dialer.take_pending():
            if self._state[customer] in (_PENDING, _RETRY):
                self._state[customer] = _CANCELLED
        self._status = "cancelled"
        self._log({"op": "cancel", "now": iso_utc(now)}, None)

    def add_customers(self, phones: Iterable[str], *, now: datetime) -> list[str]:
        """Add numbers while the campaign runs; they queue after everyone already queued.

        Numbers already in the campaign are skipped; the numbers added are returned.
        """
        wanted = list(phones)
        for i, phone in enumerate(wanted):
            try:
                check_phone(phone)
            except ValueError as error:
                raise EngineError(f"add_customers[{i}]: {error}") from None
        now_ts = self._advance(now, "add_customers", ("cancelled",))
        added = self._add(wanted, now_ts)
        if added and self._status == "completed":
            self._status = "active"  # a finished list that grows goes on
        self._settle()
        self._log({"op": "add", "phones": wanted, "now": iso_utc(now)}, added)
        return added

    def remove_customer(self, phone: str) -> None:
        """An opt-out: no further attempt for ``phone``, ever. A call in progress still records."""
        customer = self._index.get(phone)
        if customer is None:
            raise EngineError(f"remove_customer: {phone!r} is not a customer of this campaign")
        self._dialer.remove(customer)
        self._state[customer] = _REMOVED
        self._settle()
        self._log({"op": "remove", "phone": phone}, None)

    def status(self) -> dict[str, Any]:
        """Customers by state and the campaign's status."""
        if self._dirty:
            self._settle()
        counts = dict.fromkeys(_STATES, 0)
        for state in self._state:
            counts[state] += 1
        return {"campaign": self._status, "customers": counts}

    @property
    def expired(self) -> list[Expired]:
        """Attempts that could not start before the campaign ended, with reasons."""
        if self._dirty:
            self._settle()
        return list(self._expired)

    # -- saved state ----------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        """The whole state, JSON-ready and versioned; ``Engine.restore`` continues from it."""
        if self._dirty:
            self._settle()
        dialer = self._dialer
        return {
            "version": SNAPSHOT_VERSION,
            "campaign": fingerprint(self.campaign),
            "tzdataVersion": TZDATA_VERSION,
            "clock": self._clock,
            "status": self._status,
            "phones": list(self._phones),
            "state": [_STATES.index(s) for s in self._state],
            "number": list(self._number),
            "lastOutcome": list(self._last_outcome),
            "lastEnd": list(self._last_end),
            "inFlight": {k: list(v) for k, v in self._in_flight.items()},
            "decisions": [
                [
                    d.attempt_id,
                    d.outcome,
                    d.started_ts,
                    d.ended_ts,
                    d.will_retry,
                    d.retry_ts,
                    d.retries_remaining,
                    d.attempt_number,
                ]
                for d in self._decisions.values()
            ],
            "expired": [[e.phone, e.number, epoch_seconds(e.due), e.reason] for e in self._expired],
            "dialer": {
                "clock": dialer.clock,
                "lastStart": dialer.last_start,
                "firsts": [list(f) for f in dialer.firsts],
                "retries": [list(r) for r in dialer.retries],
                "running": list(dialer.running),
                "unknown": dialer.unknown,
                "removed": sorted(dialer.removed),
            },
        }

    @classmethod
    def restore(
        cls,
        campaign: Campaign,
        state: Mapping[str, Any],
        *,
        journal: list[dict[str, Any]] | None = None,
        allow_tzdata_change: bool = False,
    ) -> Engine:
        """An engine that continues exactly where ``snapshot()`` left off.

        The campaign must have the same scheduling rules (and id) as the one the
        snapshot was taken under, and the tzdata version must be the same unless
        ``allow_tzdata_change`` says to go on under the new zone rules.
        """
        if not isinstance(state, Mapping) or state.get("version") != SNAPSHOT_VERSION:
            got = state.get("version") if isinstance(state, Mapping) else type(state).__name__
            raise EngineError(f"restore: snapshot version must be {SNAPSHOT_VERSION}, got {got!r}")
        if state.get("campaign") != fingerprint(campaign):
            raise EngineError(
                "restore: this snapshot was taken under a different campaign spec "
                f"(spec digest {fingerprint(campaign)[:12]}, "
                f"snapshot {str(state.get('campaign'))[:12]})"
            )
        if state.get("tzdataVersion") != TZDATA_VERSION and not allow_tzdata_change:
            raise EngineError(
                f"restore: this snapshot was taken with tzdata {state.get('tzdataVersion')}, "
                f"this engine has {TZDATA_VERSION}: windows may have moved. Pass "
                "allow_tzdata_change=True to continue under the new zone rules"
            )
        try:
            engine = cls._from_state(campaign, state, journal)
        except (KeyError, TypeError, ValueError, IndexError) as error:
            raise EngineError(f"restore: the snapshot is damaged ({error!r})") from None
        return engine

    @classmethod
    def _from_state(
        cls, campaign: Campaign, state: Mapping[str, Any], journal: list[dict[str, Any]] | None
    ) -> Engine:
        engine = cls.__new__(cls)
        clock = int(state["clock"])
        engine._setup(campaign, clock, journal)
        engine._status = state["status"]
        engine._phones = list(state["phones"])
        engine._index = {p: i for i, p in enumerate(engine._phones)}
        engine._state = [_STATES[i] for i in state["state"]]
        engine._number = list(state["number"])
        engine._last_outcome = list(state["lastOutcome"])
        engine._last_end = list(state["lastEnd"])
        engine._in_flight = {k: (v[0], v[1], v[2]) for k, v in state["inFlight"].items()}
        phones = engine._phones
        engine._decisions = {}
        for row in state["decisions"]:
            attempt_id, outcome, start, end, will, retry_at, remaining, number = row
            engine._decisions[attempt_id] = Decision(
                attempt_id=attempt_id,
                phone=attempt_id.rsplit("#", 1)[0],
                attempt_number=number,
                outcome=outcome,
                started_ts=start,
                ended_ts=end,
                will_retry=will,
                retry_ts=retry_at,
                retries_remaining=remaining,
            )
        engine._expired = [Expired(p, n, from_epoch(d), r) for p, n, d, r in state["expired"]]
        d = state["dialer"]
        dialer = engine._dialer
        dialer.clock = int(d["clock"])
        dialer.last_start = d["lastStart"]
        dialer.firsts.clear()
        dialer.firsts.extend((due, c) for due, c in d["firsts"])
        dialer.retries[:] = [(due, c, n) for due, c, n in d["retries"]]
        dialer.running[:] = list(d["running"])
        dialer.unknown = int(d["unknown"])
        dialer.removed = set(d["removed"])
        if len(engine._state) != len(phones) or dialer.unknown != len(engine._in_flight):
            raise ValueError("customer and call counts do not agree")
        engine._clock = clock
        return engine

    # -- inside ---------------------------------------------------------------------

    def _add(self, phones: Iterable[str], due: int) -> list[str]:
        added = []
        for phone in phones:
            if phone in self._index:
                continue
            customer = len(self._phones)
            self._index[phone] = customer
            self._phones.append(phone)
            self._state.append(_PENDING)
            self._number.append(0)
            self._last_outcome.append(None)
            self._last_end.append(None)
            self._dialer.add_first(due, customer)
            added.append(phone)
        return added

    def _advance(self, now: datetime, op: str = "", refuse: tuple[str, ...] = ()) -> int:
        """Move the clock to ``now``, after every check that could refuse the call."""
        if self._dirty:
            self._settle()
        now_ts = self._check_clock(now, "")
        if self._status in refuse:
            raise EngineError(f"{op}: the campaign is {self._status}")
        self._clock = now_ts
        self._dialer.clock = max(self._dialer.clock, now_ts)
        return now_ts

    def _check_clock(self, now: datetime, where: str) -> int:
        """Epoch seconds of ``now``, refused when it is before the engine's clock."""
        now_ts = check_now(now)
        if now_ts < self._clock:
            raise EngineError(
                f"{where}now {iso_utc(now)} is before the engine's clock "
                f"{iso_utc(from_epoch(self._clock))}: time does not go back"
            )
        return now_ts

    def _check_end(
        self, attempt_id: str, outcome: str, ended_at: datetime, now: datetime | None
    ) -> int:
        """Validate a result before anything changes; the rounded end in epoch seconds."""
        try:
            check_outcome(outcome, "record: outcome")
        except ValueError as error:
            raise EngineError(str(error)) from None
        exact = epoch_seconds(ended_at, "ended_at")
        try:
            check_now(ended_at)  # the same range as every now: 1900 to 9000
        except ValueError:
            raise EngineError(
                f"record: ended_at must be between 1900-01-01 and 9000-01-01 UTC, "
                f"got {ended_at.isoformat()}"
            ) from None
        # Round up: a call that ended 0.4 s into a second held its line through it.
        end_ts = exact + (1 if ended_at.microsecond else 0)
        previous = self._decisions.get(attempt_id)
        if previous is not None:
            # The same result again is answered with the same decision; another is refused.
            if previous.outcome != outcome or previous.ended_ts != max(
                end_ts, previous.started_ts + 1
            ):
                raise EngineError(
                    f"record: {attempt_id} is already recorded as {previous.outcome} ended at "
                    f"{iso_utc(previous.ended_at)}; got {outcome} at {iso_utc(ended_at)}"
                )
            return previous.ended_ts
        flight = self._in_flight.get(attempt_id)
        if flight is None:
            raise EngineError(
                f"record: unknown attempt id {attempt_id!r}: it was never handed out by due()"
            )
        start = flight[2]
        if exact < start:  # with a whole-second start, floor(ended_at) < start iff ended_at < start
            raise EngineError(
                f"record: ended_at {iso_utc(ended_at)} is before the attempt started at "
                f"{iso_utc(from_epoch(start))}"
            )
        if now is not None:
            self._check_clock(now, "record: ")
            if ended_at > now:
                raise EngineError(
                    f"record: ended_at {iso_utc(ended_at)} is in the future of now {iso_utc(now)}"
                )
        return max(end_ts, start + 1)

    def _expire(self, customer: int, number: int, due: int, *, no_later_day: bool = False) -> None:
        self._expired.append(
            self._context.expired(
                self._phones[customer],
                number,
                due,
                self._last_outcome[customer],
                self._last_end[customer],
                no_later_day=no_later_day,
            )
        )
        self._state[customer] = _EXPIRED

    def _settle(self) -> None:
        """Expire what can no longer start, and notice when the campaign is finished."""
        self._dirty = False
        if self._status in ("completed", "cancelled"):
            return
        at, _ = self._dialer.next_start()
        if at == CLOSED:
            for due, customer, number in self._dialer.take_pending():
                self._expire(customer, number, due)
            at = IDLE
        # Completed: every customer finished. A campaign with no customer yet waits for them.
        if at == IDLE and not self._in_flight and self._status != "paused" and self._phones:
            self._status = "completed"
        assert at != BLOCKED or self._in_flight

    def _log(self, call: dict[str, Any], result: Any) -> None:
        if self._journal is not None:
            self._journal.append({**call, "result": result})


def replay(campaign: Campaign, now: datetime, journal: Iterable[Mapping[str, Any]]) -> Engine:
    """Run a saved journal again on a new engine; raise where a result differs.

    Each entry is one call (``op`` with its arguments) and the result it
    gave; entries are what an engine built with ``journal=[...]`` appends, one
    JSON object per line when saved.
    """
    engine = Engine(campaign, now=now)
    for line, entry in enumerate(journal, 1):
        op = entry["op"]
        if op == "due":
            got: Any = [a.as_dict() for a in engine.due(datetime.fromisoformat(entry["now"]))]
        elif op == "record":
            got = engine.record(
                entry["id"], entry["outcome"], datetime.fromisoformat(entry["endedAt"])
            ).model_dump(mode="json", by_alias=True)
        elif op == "add":
            got = engine.add_customers(entry["phones"], now=datetime.fromisoformat(entry["now"]))
        elif op in ("pause", "resume", "cancel"):
            getattr(engine, op)(datetime.fromisoformat(entry["now"]))
            got = None
        elif op == "remove":
            engine.remove_customer(entry["phone"])
            got = None
        else:
            raise EngineError(f"replay: line {line}: unknown op {op!r}")
        if got != entry.get("result"):
            raise EngineError(
                f"replay: line {line} ({op}) gave {got!r}, the journal says {entry.get('result')!r}"
            )
    return engine
