"""The live engine: a campaign's run driven by real call results, with saved state.

A host (the dialer of a calling platform) asks ``due(now)`` which attempts
to start, dials them, and reports each result with ``record``. The engine
answers like a call-outcome webhook: whether and when the customer is tried
again. ``next_wakeup()`` says when to ask next, so the host can sleep.

The customer lifecycle is the run's (``scheduler.run``), the same one
``plan`` drives: fed the outcomes and call lengths of a preview, the engine
starts every call at the preview's instant. The engine adds only the host's
API, the checks on the host's clock, and an idempotent ``record``.
``snapshot()`` is the run's state plus the engine's few fields; ``Engine.restore``
continues from it, nothing lost or repeated.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from datetime import datetime
from enum import StrEnum
from typing import Any, NamedTuple

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

from scheduler import journal as journal_ops
from scheduler.dialer import WHYS, Wait, Why
from scheduler.reasons import Expired, ReasonContext
from scheduler.retry import OUTCOME_SET, check_outcome
from scheduler.run import CustomerState, Run
from scheduler.spec import Campaign, check_phone
from scheduler.times import (
    FIRST_SECOND,
    LAST_SECOND,
    check_now,
    epoch_seconds,
    from_epoch,
    iso_utc,
    parse_instant,
)
from scheduler.tz import TZDATA_VERSION

__all__ = [
    "SNAPSHOT_VERSION",
    "CampaignStatus",
    "Decision",
    "DueAttempt",
    "Engine",
    "EngineError",
    "replay",
]

SNAPSHOT_VERSION = 2


class CampaignStatus(StrEnum):
    """Where the campaign is, as a whole."""

    SCHEDULED = "scheduled"  #: no call started yet
    ACTIVE = "active"  #: calls are being made
    PAUSED = "paused"  #: no new call starts until ``resume``
    COMPLETED = "completed"  #: every customer finished (``add_customers`` reopens it)
    CANCELLED = "cancelled"  #: final


class EngineError(ValueError):
    """A call the engine refuses; its state is unchanged."""


# What decides when calls start, and the campaign's id: a snapshot restores under a
# spec that agrees on these. The platform's bookkeeping (status, updatedAt, callIds,
# events) changes while a campaign runs and must not block a restore; the customer
# list is part of the snapshot itself (add_customers grows it).
_RULE_FIELDS = (
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
    "recipient_local_time",
    "blackout_dates",
    "calling_rules",
)


def scheduling_rules(campaign: Campaign) -> dict[str, Any]:
    """The fields of ``campaign`` that decide when calls start, as camelCase JSON.

    The customers' own zones and regions count too; they are kept as a digest,
    so a snapshot stays small.
    """
    rules = campaign.model_dump(mode="json", include=set(_RULE_FIELDS), by_alias=True)
    places = [
        (c.phone_number, c.timezone, c.region)
        for c in campaign.customers
        if c.timezone is not None or c.region is not None
    ]
    if places:
        text = json.dumps(places, separators=(",", ":"))
        rules["customerPlaces"] = hashlib.sha256(text.encode()).hexdigest()[:16]
    return rules


class DueAttempt(NamedTuple):
    """An attempt to start now: ``id`` (stable, unique), who, which attempt, when, and why.

    Frozen and slotted (a named tuple: an engine hands out one per call).
    """

    id: str
    phone: str
    number: int
    start_ts: int
    due_ts: int
    why: Why
    prev_outcome: str | None
    prev_end_ts: int | None
    context: ReasonContext
    cap: tuple[str, int, int] | None = None

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
        return self.context.sentence(
            self.number,
            self.why,
            self.start_ts,
            self.due_ts,
            self.prev_outcome,
            self.prev_end_ts,
            self.cap,
        )

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready row: id, phone, attemptNumber, start, due, reason."""
        return {
            "id": self.id,
            "phone": self.phone,
            "attemptNumber": self.number,
            "start": iso_utc(self.start),
            "due": iso_utc(self.due),
            "reason": self.reason,
        }


class Decision(BaseModel):
    """What the engine decided about a recorded call, shaped like a call-outcome webhook.

    ``retry_scheduled_at`` is the earliest instant the retry may start (its
    due time moved into a window); lines and pacing may start it later.
    ``retries_remaining`` counts the retries still possible after the one
    scheduled (0 when the customer is finished). ``model_dump(by_alias=True)``
    gives the webhook's camelCase names (``willRetry``, ``retryScheduledAt``).
    """

    model_config = ConfigDict(frozen=True, alias_generator=to_camel, populate_by_name=True)

    attempt_id: str
    phone: str
    attempt_number: int
    outcome: str
    started_at: datetime
    ended_at: datetime
    will_retry: bool
    retry_scheduled_at: datetime | None
    retries_remaining: int

    def as_json(self) -> dict[str, Any]:
        """``model_dump(mode="json", by_alias=True)``, without pydantic's machinery: an
        engine that keeps a journal writes one per recorded call."""
        retry_at = self.retry_scheduled_at
        return {
            "attemptId": self.attempt_id,
            "phone": self.phone,
            "attemptNumber": self.attempt_number,
            "outcome": self.outcome,
            "startedAt": iso_utc(self.started_at),
            "endedAt": iso_utc(self.ended_at),
            "willRetry": self.will_retry,
            "retryScheduledAt": None if retry_at is None else iso_utc(retry_at),
            "retriesRemaining": self.retries_remaining,
        }


_DECISION_FIELDS = set(Decision.model_fields)
_new_decision = object.__new__
_set = object.__setattr__


def _decision(values: dict[str, Any]) -> Decision:
    """A ``Decision`` of values the engine computed itself, so already valid: what
    ``model_construct`` does with every field given, without its per-call bookkeeping (an
    engine answers a record per call)."""
    decision = _new_decision(Decision)
    _set(decision, "__dict__", values)
    _set(decision, "__pydantic_fields_set__", _DECISION_FIELDS.copy())
    _set(decision, "__pydantic_extra__", None)
    _set(decision, "__pydantic_private__", None)
    return decision


class Engine:
    """The live form of ``plan``: ``due``, ``record``, ``next_wakeup``, and saved state.

    Every instant argument (``now``, ``ended_at``) is an aware datetime or
    ISO 8601 text with an offset.

    >>> from datetime import datetime, UTC
    >>> from scheduler import Campaign, Engine
    >>> c = Campaign(name="x", timezone="Europe/Prague", start_time="09:00",
    ...              end_time="17:00", phone_list=("+420601000001",), call_retries=1)
    >>> engine = Engine(c, now=datetime(2026, 3, 27, 8, 0, tzinfo=UTC))
    >>> [a.id for a in engine.due("2026-03-27T08:00:00Z")]
    ['+420601000001#1']
    >>> d = engine.record("+420601000001#1", "Busy", "2026-03-27T08:01:00Z")
    >>> d.will_retry, d.retry_scheduled_at.isoformat(), d.retries_remaining
    (True, '2026-03-27T08:06:00+00:00', 0)
    """

    __slots__ = ("_clock", "_dirty", "_in_flight", "_journal", "_run", "_status", "campaign")

    def __init__(
        self,
        campaign: Campaign,
        *,
        now: datetime | str,
        journal: list[dict[str, Any]] | None = None,
        history: Mapping[str, Iterable[datetime | str]] | None = None,
    ) -> None:
        now_ts = check_now(now)
        self._setup(campaign, Run(campaign, clock=now_ts, history=history), now_ts, journal)
        self._run.add(campaign.unique_phones(), now_ts)
        self._settle()

    def _setup(
        self, campaign: Campaign, run: Run, clock: int, journal: list[dict[str, Any]] | None
    ) -> None:
        self.campaign = campaign
        self._run = run
        self._clock = clock
        self._status = CampaignStatus.SCHEDULED
        # id -> (customer, number, start) of every call handed out and not yet recorded
        self._in_flight: dict[str, tuple[int, int, int]] = {}
        self._journal = journal
        self._dirty = False

    # -- the host's calls ---------------------------------------------------------

    def due(self, now: datetime | str, *, limit: int | None = None) -> list[DueAttempt]:
        """The attempts to start at ``now``, in order; each is handed out once only.

        ``now`` may not go back in time. Nothing is due while the campaign is
        paused, cancelled or completed. With ``limit``, at most that many are
        handed out; the rest stay due, for the next call, at the instants they had.
        """
        if limit is not None and (
            isinstance(limit, bool) or not isinstance(limit, int) or limit < 0
        ):
            raise EngineError(f"due: limit must be a whole number >= 0 or None, got {limit!r}")
        now_ts = self._advance(now, dialer_too=False)
        started: list[DueAttempt] = []
        if self._status in (CampaignStatus.SCHEDULED, CampaignStatus.ACTIVE):
            run = self._run
            dialer = run.dialer
            # Calls start at `now`, never before: the host's clock moves the dialer's. What
            # set the instant (a window, a free line, pacing) is read before it moves, so
            # that a host waking at next_wakeup() hears the plan's reason, not "now".
            ahead = dialer.next_start()
            explained = ahead[1] if not isinstance(ahead, Wait) and ahead[0] == now_ts else None
            dialer.clock = max(dialer.clock, now_ts)
            new_due = tuple.__new__
            while limit is None or len(started) < limit:
                got = dialer.take(now_ts)
                if isinstance(got, Wait):
                    break
                at, why, due, customer, number = got
                if explained is not None:
                    if why == Why.NOW:
                        why = explained
                    explained = None
                dialer.hold_unknown()
                phone = run.phones[customer]
                attempt_id = f"{phone}#{number}"
                self._in_flight[attempt_id] = (customer, number, at)
                run.started(customer, number)
                last = run.last[customer]
                started.append(
                    new_due(
                        DueAttempt,
                        (
                            attempt_id,
                            phone,
                            number,
                            at,
                            due,
                            WHYS[why],
                            None if last is None else last[1],
                            None if last is None else last[3],
                            run.context(customer),
                            run.cap_holding(customer, number) if run.cap_notes else None,
                        ),
                    )
                )
            if started:
                self._status = CampaignStatus.ACTIVE
            self._settle()
        if self._journal is not None:
            args: dict[str, Any] = {"now": iso_utc(from_epoch(now_ts))}
            if limit is not None:
                args["limit"] = limit
            self._log("due", args, started)
        return started

    def record(
        self,
        attempt_id: str,
        outcome: str,
        ended_at: datetime | str,
        *,
        now: datetime | str | None = None,
    ) -> Decision:
        """Take the result of a call; say whether and when the customer is tried again.

        Recording the same result again returns the same decision, as long as
        it is the customer's latest call. A call counts as lasting at least
        one second (its end is rounded up to the next whole second), as in
        ``plan``.
        """
        ended = parse_instant(ended_at, "ended_at")
        end_ts = self._check_end(attempt_id, outcome, ended, now)
        flight = self._in_flight.pop(attempt_id, None)
        run = self._run
        if flight is None:  # the same result again (checked above): the same answer
            customer = run.index[attempt_id.rsplit("#", 1)[0]]
            return self._decision(customer)
        customer, number, start = flight
        run.dialer.ended(end_ts)
        run.finish(customer, number, start, end_ts, outcome)
        self._dirty = True  # settled by the next reader, not on every record
        decision = self._decision(customer)
        if self._journal is not None:
            self._log(
                "record",
                {"id": attempt_id, "outcome": outcome, "endedAt": iso_utc(ended)},
                decision,
            )
        return decision

    def next_wakeup(self) -> datetime | None:
        """When ``due`` can next return an attempt, as far as the engine knows now.

        ``None`` when nothing can start until a call in progress is recorded
        (every line busy), while paused, and once the campaign is finished
        (``status()`` tells which). A recorded call can bring it earlier, so
        ask again after each ``record``.
        """
        wakeup = self._wakeup_ts()
        return None if wakeup is None else from_epoch(wakeup)

    def pause(self, now: datetime | str) -> None:
        """Stop new starts; calls in progress still record. ``resume`` goes on in the same order."""
        now_ts = self._advance(
            now,
            "pause",
            (CampaignStatus.PAUSED, CampaignStatus.COMPLETED, CampaignStatus.CANCELLED),
        )
        self._status = CampaignStatus.PAUSED
        self._log("pause", {"now": iso_utc(from_epoch(now_ts))}, None)

    def resume(self, now: datetime | str) -> None:
        """Continue a paused campaign: the queue goes on in the order it had."""
        now_ts = self._advance(
            now,
            "resume",
            (
                CampaignStatus.SCHEDULED,
                CampaignStatus.ACTIVE,
                CampaignStatus.COMPLETED,
                CampaignStatus.CANCELLED,
            ),
        )
        started = any(n > 0 for n in self._run.number)
        self._status = CampaignStatus.ACTIVE if started else CampaignStatus.SCHEDULED
        self._settle()
        self._log("resume", {"now": iso_utc(from_epoch(now_ts))}, None)

    def cancel(self, now: datetime | str) -> None:
        """End the campaign: nothing more starts; calls in progress record, without retries."""
        now_ts = self._advance(now, "cancel", (CampaignStatus.CANCELLED,))
        self._run.cancel()
        self._status = CampaignStatus.CANCELLED
        self._log("cancel", {"now": iso_utc(from_epoch(now_ts))}, None)

    def add_customers(self, phones: Iterable[str], *, now: datetime | str) -> list[str]:
        """Add numbers while the campaign runs; they queue after everyone already queued.

        Numbers already in the campaign are skipped; the numbers added are returned.
        """
        wanted = list(phones)
        for i, phone in enumerate(wanted):
            try:
                check_phone(phone)
            except (TypeError, ValueError) as error:
                raise EngineError(f"add_customers[{i}]: {error}") from None
        now_ts = self._advance(now, "add_customers", (CampaignStatus.CANCELLED,))
        added = self._run.add(wanted, now_ts)
        if added and self._status is CampaignStatus.COMPLETED:
            self._status = CampaignStatus.ACTIVE  # a finished list that grows goes on
        self._settle()
        self._log("add", {"phones": wanted, "now": iso_utc(from_epoch(now_ts))}, added)
        return added

    def remove_customer(self, phone: str) -> None:
        """An opt-out: no further attempt for ``phone``, ever. A call in progress still records."""
        customer = self._run.index.get(phone)
        if customer is None:
            raise EngineError(f"remove_customer: {phone!r} is not a customer of this campaign")
        self._run.remove(customer)
        self._settle()
        self._log("remove", {"phone": phone}, None)

    def status(self) -> dict[str, Any]:
        """Customers by state and the campaign's status."""
        if self._dirty:
            self._settle()
        counts = {state.value: 0 for state in CustomerState}
        for state in self._run.state:
            counts[state.value] += 1
        return {"campaign": self._status.value, "customers": counts}

    @property
    def campaign_status(self) -> CampaignStatus:
        """The campaign's status alone (``status()`` also counts the customers)."""
        if self._dirty:
            self._settle()
        return self._status

    @property
    def clock(self) -> datetime:
        """The latest ``now`` the engine was given: no call may give an earlier one."""
        return from_epoch(self._clock)

    @property
    def expired(self) -> list[Expired]:
        """Attempts that can never start, with reasons."""
        if self._dirty:
            self._settle()
        return self._run.expired()

    # -- saved state ----------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        """The whole state, JSON-ready and versioned; ``Engine.restore`` continues from it.

        It grows with the customers, not with the calls made: per customer it
        keeps where they are and their latest result.
        """
        if self._dirty:
            self._settle()
        return {
            "version": SNAPSHOT_VERSION,
            "rules": scheduling_rules(self.campaign),
            "tzdataVersion": TZDATA_VERSION,
            "clock": self._clock,
            "status": self._status.value,
            "inFlight": {k: list(v) for k, v in self._in_flight.items()},
            "run": self._run.state_json(),
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
        saved_rules = state.get("rules")
        rules = scheduling_rules(campaign)
        if saved_rules != rules:
            if not isinstance(saved_rules, Mapping):
                raise EngineError("restore: the snapshot is damaged (it has no scheduling rules)")
            changed = [
                f"{key} is {rules.get(key)!r} in the campaign but {saved_rules.get(key)!r} "
                "in the snapshot"
                for key in sorted(set(rules) | set(saved_rules))
                if rules.get(key) != saved_rules.get(key)
            ]
            raise EngineError(
                "restore: this snapshot was taken under a different campaign spec: "
                + "; ".join(changed)
            )
        if state.get("tzdataVersion") != TZDATA_VERSION and not allow_tzdata_change:
            raise EngineError(
                f"restore: this snapshot was taken with tzdata {state.get('tzdataVersion')}, "
                f"this engine has {TZDATA_VERSION}: windows may have moved. Pass "
                "allow_tzdata_change=True to continue under the new zone rules"
            )
        try:
            run = Run.from_state(campaign, state["run"])
            engine = cls.__new__(cls)
            engine._setup(campaign, run, int(state["clock"]), journal)
            # The saved starts already hold the history the engine was given.
            engine._status = CampaignStatus(state["status"])
            engine._in_flight = {
                str(k): (int(v[0]), int(v[1]), int(v[2])) for k, v in state["inFlight"].items()
            }
            if run.dialer.unknown != len(engine._in_flight):
                raise ValueError("the calls in progress do not agree with the lines held")
        except (KeyError, TypeError, ValueError, IndexError) as error:
            raise EngineError(f"restore: the snapshot is damaged ({error!r})") from None
        return engine

    # -- inside ---------------------------------------------------------------------

    def _wakeup_ts(self) -> int | None:
        """``next_wakeup()`` in epoch seconds."""
        found = self._settle() if self._dirty else None
        if self._status not in (CampaignStatus.SCHEDULED, CampaignStatus.ACTIVE):
            return None
        if found is None:
            found = self._run.dialer.next_start()
        return None if isinstance(found, Wait) else found[0]

    def _columns(self) -> tuple[int, str, int | None]:
        """The clock, status and next wake-up (epoch seconds): what a store keeps of the
        engine beside its snapshot, for choosing which campaign to serve next."""
        wakeup = self._wakeup_ts()  # settles first: the status may change
        return self._clock, self._status.value, wakeup

    def _decision(self, customer: int) -> Decision:
        """The decision about ``customer``'s latest recorded call."""
        run = self._run
        last = run.last[customer]
        assert last is not None
        number, outcome, start, end, retry_at = last
        will_retry = retry_at is not None
        return _decision(
            {
                "attempt_id": f"{run.phones[customer]}#{number}",
                "phone": run.phones[customer],
                "attempt_number": number,
                "outcome": outcome,
                "started_at": from_epoch(start),
                "ended_at": from_epoch(end),
                "will_retry": will_retry,
                "retry_scheduled_at": None if retry_at is None else from_epoch(retry_at),
                "retries_remaining": run.policy.retries - number if will_retry else 0,
            }
        )

    def _advance(
        self,
        now: datetime | str,
        op: str = "",
        refuse: tuple[CampaignStatus, ...] = (),
        *,
        dialer_too: bool = True,
    ) -> int:
        """Move the clock to ``now``, after every check that could refuse the call; and the
        dialer's, unless the caller (``due``) moves it itself."""
        if self._dirty:
            self._settle()
        now_ts = self._check_clock(now, f"{op}: " if op else "")
        if self._status in refuse:
            raise EngineError(f"{op}: the campaign is {self._status.value}")
        self._clock = now_ts
        if dialer_too:
            dialer = self._run.dialer
            dialer.clock = max(dialer.clock, now_ts)
        return now_ts

    def _check_clock(self, now: datetime | str, where: str) -> int:
        """Epoch seconds of ``now``, refused when it is before the engine's clock."""
        now_ts = check_now(now)
        if now_ts < self._clock:
            raise EngineError(
                f"{where}now {iso_utc(parse_instant(now, 'now'))} is before the engine's clock "
                f"{iso_utc(from_epoch(self._clock))}: time does not go back"
            )
        return now_ts

    def _check_end(
        self, attempt_id: str, outcome: str, ended_at: datetime, now: datetime | str | None
    ) -> int:
        """Validate a result before anything changes; the rounded end in epoch seconds."""
        if outcome not in OUTCOME_SET:
            try:
                check_outcome(outcome, "outcome")
            except ValueError as error:
                raise EngineError(f"record: {error}") from None
        exact = epoch_seconds(ended_at, "ended_at")
        if not FIRST_SECOND <= exact < LAST_SECOND:
            try:
                check_now(ended_at, "ended_at")  # the same range as every now, and its words
            except ValueError as error:
                raise EngineError(f"record: {error}") from None
        end_ts = exact + (1 if ended_at.microsecond else 0)  # it held its line that second
        flight = self._in_flight.get(attempt_id)
        if flight is None:
            self._check_repeat(attempt_id, outcome, ended_at, end_ts)
            return end_ts
        start = flight[2]
        if exact < start:  # with a whole-second start: ended_at < start
            raise EngineError(
                f"record: ended_at {iso_utc(ended_at)} is before the attempt started at "
                f"{iso_utc(from_epoch(start))}"
            )
        if now is not None:
            self._check_clock(now, "record: ")
            if ended_at > parse_instant(now, "now"):
                raise EngineError(
                    f"record: ended_at {iso_utc(ended_at)} is in the future of now "
                    f"{iso_utc(parse_instant(now, 'now'))}"
                )
        return max(end_ts, start + 1)

    def _check_repeat(self, attempt_id: str, outcome: str, ended_at: datetime, end_ts: int) -> None:
        """A result for an attempt not in progress: the same result again, or refused."""
        run = self._run
        phone, _, number_text = attempt_id.rpartition("#")
        customer = run.index.get(phone)
        last = None if customer is None else run.last[customer]
        if last is None or str(last[0]) != number_text:
            if (
                customer is not None
                and number_text.isdigit()
                and 0 < int(number_text) < (last[0] if last is not None else 0)
            ):
                raise EngineError(
                    f"record: {attempt_id} was recorded before, and {phone}'s attempt "
                    f"{last[0] if last else 0} since: only a customer's latest call can be "
                    "recorded again"
                )
            raise EngineError(
                f"record: unknown attempt id {attempt_id!r}: it was never handed out by due()"
            )
        _, saved_outcome, start, saved_end, _ = last
        # The same result again is answered with the same decision; another is refused.
        if saved_outcome != outcome or saved_end != max(end_ts, start + 1):
            raise EngineError(
                f"record: {attempt_id} is already recorded as {saved_outcome} ended at "
                f"{iso_utc(from_epoch(saved_end))}; got {outcome} at {iso_utc(ended_at)}"
            )

    def _settle(self) -> tuple[int, Why] | Wait | None:
        """Expire what can no longer start, and notice when the campaign is finished; the
        dialer's next start, when it was asked (``None`` once the campaign is over)."""
        self._dirty = False
        if self._status in (CampaignStatus.COMPLETED, CampaignStatus.CANCELLED):
            return None
        run = self._run
        found = run.dialer.next_start()
        while run.dialer.closing:
            run.close()
            found = run.dialer.next_start()
        # Completed: every customer finished. A campaign with no customer yet waits for them.
        if (
            found is Wait.IDLE
            and not self._in_flight
            and self._status is not CampaignStatus.PAUSED
            and run.phones
        ):
            self._status = CampaignStatus.COMPLETED
        assert found is not Wait.BLOCKED or self._in_flight
        return found

    def _log(self, op: str, args: dict[str, Any], result: Any) -> None:
        if self._journal is not None:
            self._journal.append(journal_ops.entry(op, args, result))


def replay(campaign: Campaign, now: datetime | str, journal: Iterable[Mapping[str, Any]]) -> Engine:
    """Run a saved journal again on a new engine; raise ``EngineError`` where a result differs.

    Each entry is one call (``op`` with its arguments) and the result it
    gave; entries are what an engine built with ``journal=[...]`` appends, one
    JSON object per line when saved.
    """
    engine = Engine(campaign, now=now)
    try:
        journal_ops.replay_into(engine, journal)
    except journal_ops.JournalError as error:
        raise EngineError(str(error)) from None
    return engine
