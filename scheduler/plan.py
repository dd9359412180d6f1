"""From a campaign spec and an outcome source to a deterministic timeline of call attempts.

``plan`` is a pure function: the same spec, ``now``, outcomes and tzdata
version give the same attempts, to the second. It drives the campaign's run
(``scheduler.run``) forward in time, knowing each call's outcome from the
source, and keeps every attempt as a row of plain integers; the ``Attempt``
records, their times and their reasons are built only when read.
"""

from __future__ import annotations

import struct
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, NamedTuple, overload
from zoneinfo import ZoneInfo

from scheduler.callee import Callee
from scheduler.dialer import Wait, Why
from scheduler.outcomes import OutcomeSource, always, constant_result
from scheduler.reasons import Expired, ReasonContext, no_window_cause
from scheduler.retry import check_outcome
from scheduler.run import DATA_VERSIONS, OUTCOME_INDEX, CustomerState, Run
from scheduler.spec import OUTCOMES, WEEKDAYS, Campaign
from scheduler.times import check_now, date_of_day, from_epoch, iso_utc
from scheduler.tz import TZDATA_VERSION, load_zone
from scheduler.windows import Calendar

__all__ = [
    "Attempt",
    "Attempts",
    "Expired",
    "PlannedCall",
    "RuleCount",
    "Summary",
    "Timeline",
    "plan",
]


# One attempt is this many integers in a row of Attempts._rows.
_CUSTOMER, _NUMBER, _START, _END, _DUE, _WHY, _OUTCOME, _PREV, _WIDTH = range(9)


_ROW = struct.Struct(f"{_WIDTH}q")


class Attempt:
    """One call: who (``phone``), which attempt (``number``, from 1), when, how it ended, why then.

    ``start``, ``end`` and ``due`` are aware UTC datetimes (``start_ts`` and
    so on are the same instants in epoch seconds); ``local_start`` is the start
    on the campaign's clock; ``reason`` says why the call starts then. A
    read-only view of one row of its plan, built when read.
    """

    __slots__ = ("_base", "_rows", "_run")
    _base: int
    _rows: array[int]
    _run: Run

    def __init__(self, rows: array[int], run: Run, k: int) -> None:
        object.__setattr__(self, "_rows", rows)
        object.__setattr__(self, "_run", run)
        object.__setattr__(self, "_base", k * _WIDTH)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"an Attempt is read-only: cannot set {name}")

    def _key(self) -> tuple[str, int, int, int, str, int]:
        return (self.phone, self.number, self.start_ts, self.end_ts, self.outcome, self.due_ts)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Attempt):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return (
            f"Attempt(phone={self.phone!r}, number={self.number}, start={iso_utc(self.start)}, "
            f"outcome={self.outcome!r})"
        )

    @property
    def phone(self) -> str:
        """The customer's number."""
        return self._run.phones[self._rows[self._base + _CUSTOMER]]

    @property
    def number(self) -> int:
        """Which attempt of the customer this is, from 1."""
        return self._rows[self._base + _NUMBER]

    @property
    def start_ts(self) -> int:
        """When the call starts, in epoch seconds."""
        return self._rows[self._base + _START]

    @property
    def end_ts(self) -> int:
        """When the call ends, in epoch seconds."""
        return self._rows[self._base + _END]

    @property
    def due_ts(self) -> int:
        """From when the attempt could start, in epoch seconds."""
        return self._rows[self._base + _DUE]

    @property
    def why(self) -> Why:
        """The constraint that set the start."""
        return Why(self._rows[self._base + _WHY])

    @property
    def outcome(self) -> str:
        """How the call ended."""
        return OUTCOMES[self._rows[self._base + _OUTCOME]]

    @property
    def prev_outcome(self) -> str | None:
        """How the customer's call before this one ended (None for a first call)."""
        prev = self._rows[self._base + _PREV]
        return None if prev < 0 else OUTCOMES[self._rows[prev * _WIDTH + _OUTCOME]]

    @property
    def prev_end_ts(self) -> int | None:
        """When the customer's call before this one ended (None for a first call)."""
        prev = self._rows[self._base + _PREV]
        return None if prev < 0 else self._rows[prev * _WIDTH + _END]

    @property
    def callee(self) -> Callee | None:
        """The customer's zones and region, when the campaign calls customers on their own
        clocks or under calling rules; else None."""
        return self._run.callees[self._rows[self._base + _CUSTOMER]]

    @property
    def context(self) -> ReasonContext:
        """What this attempt's reason is built from: its clock, retry rule, lines."""
        return self._run.context(self._rows[self._base + _CUSTOMER])

    @property
    def start(self) -> datetime:
        """When the call starts (aware UTC)."""
        return from_epoch(self.start_ts)

    @property
    def end(self) -> datetime:
        """When the call ends (aware UTC): start plus the call's length."""
        return from_epoch(self.end_ts)

    @property
    def due(self) -> datetime:
        """From when the attempt could start, before windows, lines and pacing."""
        return from_epoch(self.due_ts)

    @property
    def local_start(self) -> datetime:
        """The start on the campaign's clock."""
        return from_epoch(self.start_ts).astimezone(self.context.zone)

    @property
    def reason(self) -> str:
        """Why the call starts then, in one sentence."""
        rows, base, run = self._rows, self._base, self._run
        prev = rows[base + _PREV]
        customer = rows[base + _CUSTOMER]
        return run.contexts[run.group[customer]].sentence(
            rows[base + _NUMBER],
            rows[base + _WHY],
            rows[base + _START],
            rows[base + _DUE],
            None if prev < 0 else OUTCOMES[rows[prev * _WIDTH + _OUTCOME]],
            None if prev < 0 else rows[prev * _WIDTH + _END],
            run.cap_holding(customer, rows[base + _NUMBER]) if run.cap_notes else None,
        )

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready row: phone, attemptNumber, start, end, localStart, due, outcome,
        reason; and the customer's zones and region when the campaign places customers."""
        row = {
            "phone": self.phone,
            "attemptNumber": self.number,
            "start": iso_utc(self.start),
            "end": iso_utc(self.end),
            "localStart": self.local_start.isoformat(),
            "due": iso_utc(self.due),
            "outcome": self.outcome,
            "reason": self.reason,
        }
        callee = self.callee
        if callee is not None:
            row["zones"] = list(callee.zones)
            row["region"] = callee.region
        return row


_new_attempt = object.__new__
_set_rows = Attempt._rows.__set__  # type: ignore[misc, attr-defined]
_set_run = Attempt._run.__set__  # type: ignore[misc, attr-defined]
_set_base = Attempt._base.__set__  # type: ignore[misc, attr-defined]


class PlannedCall(NamedTuple):
    """An attempt as ``plan(..., on_attempt=...)`` hands it out while planning: who, which
    attempt, when (epoch seconds), how it ended, and ``reason``, built when read."""

    phone: str
    number: int
    start_ts: int
    end_ts: int
    due_ts: int
    why: int
    outcome: str
    prev_outcome: str | None
    prev_end_ts: int | None
    context: ReasonContext
    #: The customer's zones and region, when the campaign places customers; else None.
    callee: Callee | None = None
    #: The cap that held the attempt back, ``(rule name, calls, seconds)``, or None.
    cap: tuple[str, int, int] | None = None

    @property
    def reason(self) -> str:
        """Why the call starts then, in one sentence."""
        return self.context.sentence(
            self.number,
            self.why,
            self.start_ts,
            self.due_ts,
            self.prev_outcome,
            self.prev_end_ts,
            self.cap,
        )


class Attempts(Sequence[Attempt]):
    """The attempts of a plan in start order, kept as integers and built into ``Attempt``
    records when read (a million of them cost no objects until looked at)."""

    __slots__ = ("_rows", "_run")

    def __init__(self, rows: array[int], run: Run) -> None:
        self._rows = rows
        self._run = run

    def __len__(self) -> int:
        return len(self._rows) // _WIDTH

    @overload
    def __getitem__(self, i: int) -> Attempt: ...
    @overload
    def __getitem__(self, i: slice) -> list[Attempt]: ...
    def __getitem__(self, i: int | slice) -> Attempt | list[Attempt]:
        if isinstance(i, slice):
            return [self._make(k) for k in range(*i.indices(len(self)))]
        n = len(self)
        if not -n <= i < n:
            raise IndexError(f"attempt index {i} out of range for {n} attempts")
        return self._make(i % n if i < 0 else i)

    def __iter__(self) -> Iterator[Attempt]:
        return map(self._make, range(len(self)))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Attempts):
            return list(self) == list(other)
        if isinstance(other, list):
            return list(self) == other
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<Attempts: {len(self)}>"

    def _make(self, k: int) -> Attempt:
        # Past __init__ and its read-only __setattr__: this runs once per attempt read.
        attempt = _new_attempt(Attempt)
        _set_rows(attempt, self._rows)
        _set_run(attempt, self._run)
        _set_base(attempt, k * _WIDTH)
        return attempt

    def start_instants(self) -> list[int]:
        """The start of every attempt, in epoch seconds, without building records."""
        return list(self._rows[_START::_WIDTH])

    def window_days(self) -> list[int]:
        """The day number (days since 1970-01-01) of the window each attempt started in, on
        its customer's calendar, without building records."""
        run, rows = self._run, self._rows
        days: list[int] = []
        piece = (0, 0, 0)  # (start, end, day) of the last window piece, per calendar
        last_group = -1
        for base in range(0, len(rows), _WIDTH):
            start = rows[base + _START]
            group = run.group[rows[base + _CUSTOMER]]
            if group != last_group or not piece[0] <= start < piece[1]:
                calendar = run.calendars[group]
                day = calendar.window_day_ts(start)
                if day is None:  # not in a window: only for a start the dialer never makes
                    day = calendar.local_day(start)
                    piece = (0, 0, 0)
                else:
                    # Consecutive calls fall in one window piece: remember it.
                    found = [w for w in calendar.day_windows(day) if w[0] <= start < w[1]]
                    piece = (found[0][0], found[0][1], day) if found else (0, 0, 0)
                last_group = group
            else:
                day = piece[2]
            days.append(day)
        return days

    def end_instants(self) -> list[int]:
        """The end of every attempt, in epoch seconds, without building records."""
        return list(self._rows[_END::_WIDTH])

    def numbers(self) -> list[int]:
        """The attempt number of every attempt, without building records."""
        return list(self._rows[_NUMBER::_WIDTH])

    def rule_counts(self, expired: Sequence[Expired]) -> dict[str, RuleCount]:
        """Per calling rule of the campaign: the attempts it moved, and the customers of
        ``expired`` whose reason names it."""
        run, rows = self._run, self._rows
        names = [rule.name for rule in run.campaign.calling_rules]
        moved = dict.fromkeys(names, 0)
        uncallable = dict.fromkeys(names, 0)
        if not names:
            return {}
        for base in range(0, len(rows), _WIDTH):
            customer = rows[base + _CUSTOMER]
            clocks = run.contexts[run.group[customer]].clocks
            if clocks is None:
                continue
            start = rows[base + _START]
            cap = run.cap_holding(customer, rows[base + _NUMBER]) if run.cap_notes else None
            found = cap[0] if cap is not None else None
            if found is None:
                by = clocks.moved_by(rows[base + _DUE], start)
                found = by[0] if by is not None else None
            if found:
                moved[found] += 1
        for item in expired:
            for name in names:
                if f"{name}: " in item.reason:
                    uncallable[name] += 1
                    break
        return {name: RuleCount(moved[name], uncallable[name]) for name in names}

    def outcome_counts(self) -> dict[str, int]:
        """How many attempts ended with each outcome, by outcome name."""
        counts = Counter(self._rows[_OUTCOME::_WIDTH])
        return {OUTCOMES[i]: n for i, n in counts.items()}


@dataclass(frozen=True, slots=True)
class Summary:
    """The first things a person asks of a plan."""

    customers: int
    attempts: int
    calls_per_day: dict[date, int]
    first_call: datetime | None
    last_call: datetime | None
    reached_last_attempt: int
    #: Customers with an attempt that found no instant left (a first call or a retry).
    expired: int
    #: (start of the clock hour with the most call starts, as aware UTC; how many). UTC,
    #: because the two 01:00 hours of a fall-back day are two different hours.
    busiest_hour: tuple[datetime, int] | None
    zone: ZoneInfo
    outcomes: dict[str, int]
    #: Per calling rule: the attempts it moved later and the customers it left uncallable.
    rules: dict[str, RuleCount]
    #: Of the expired customers, those whose first call found no instant: never called.
    never_called: int = 0

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready summary."""
        return {
            "customers": self.customers,
            "attempts": self.attempts,
            "callsPerDay": {day.isoformat(): n for day, n in self.calls_per_day.items()},
            "firstCall": _iso(self.first_call),
            "lastCall": _iso(self.last_call),
            "reachedLastAttempt": self.reached_last_attempt,
            "expired": self.expired,
            "neverCalled": self.never_called,
            "busiestHour": None
            if self.busiest_hour is None
            else {
                "start": self.busiest_hour[0].astimezone(self.zone).isoformat(),
                "calls": self.busiest_hour[1],
            },
            "outcomes": self.outcomes,
            "rules": {
                name: {"moved": count.moved, "uncallable": count.uncallable}
                for name, count in self.rules.items()
            },
        }


@dataclass(frozen=True, slots=True)
class RuleCount:
    """What one calling rule did to a plan."""

    #: Attempts that would have started earlier but for the rule (its hours, a holiday
    #: or its cap).
    moved: int
    #: Customers who expired because the rule (or their clocks together) left no instant.
    uncallable: int


def _iso(t: datetime | None) -> str | None:
    return None if t is None else iso_utc(t)


@dataclass(frozen=True, slots=True)
class Timeline:
    """The plan of a campaign: every attempt in start order, what expired, and the warnings."""

    campaign: Campaign
    now: datetime
    attempts: Attempts
    expired: list[Expired]
    warnings: tuple[str, ...]
    tzdata_version: str
    #: Per customer phone, how it ends: done, exhausted or expired.
    final_states: dict[str, CustomerState]
    #: The versions of the data the plan was made with: tzdata, phonenumbers, holidays.
    versions: dict[str, str]

    def summary(self) -> Summary:
        """Customers, attempts, calls per day (the day each call's window belongs to: an
        overnight window's early hours count for the day it started), first and last call,
        and the busiest hour."""
        zone = load_zone(self.campaign.timezone)
        per_day = Counter(self.attempts.window_days())
        per_hour: Counter[int] = Counter()
        wall = self.campaign.calendar().wall
        starts = self.attempts.start_instants()
        for start in starts:
            # The instant the clock hour began: 01:00 EDT and 01:00 EST stay two hours.
            per_hour[start - wall(start) % 3600] += 1
        busiest = None
        if per_hour:
            hour_start, calls = min(per_hour.items(), key=lambda item: (-item[1], item[0]))
            busiest = (from_epoch(hour_start), calls)
        last_number = 1 + self.campaign.call_retries
        return Summary(
            customers=len(self.final_states),
            attempts=len(starts),
            calls_per_day={date_of_day(n): calls for n, calls in sorted(per_day.items())},
            first_call=from_epoch(starts[0]) if starts else None,
            last_call=from_epoch(starts[-1]) if starts else None,
            reached_last_attempt=self.attempts.numbers().count(last_number),
            expired=len(self.expired),
            busiest_hour=busiest,
            zone=zone,
            outcomes=dict(sorted(self.attempts.outcome_counts().items())),
            rules=self.attempts.rule_counts(self.expired),
            never_called=sum(1 for e in self.expired if e.number == 1),
        )


def plan(
    campaign: Campaign,
    *,
    now: datetime | str,
    outcomes: OutcomeSource | None = None,
    progress: Callable[[int], None] | None = None,
    history: Mapping[str, Iterable[datetime | str]] | None = None,
    on_attempt: Callable[[PlannedCall], None] | None = None,
) -> Timeline:
    """Every call attempt of ``campaign`` from ``now`` on, given how calls end.

    ``now`` is an aware datetime or ISO 8601 text with an offset. ``history``
    gives, per phone, the starts of calls other campaigns made, which count
    towards the caps of calling rules. ``on_attempt``, if given, is called with
    each attempt as it is planned (a ``PlannedCall``), and the timeline then
    keeps no attempts: a million of them stream out in flat memory.
    ``outcomes`` says how each attempt ends (default: every call a 30 s
    ``No Answer``, the most calls the campaign can make). ``progress``, if
    given, is called now and then with the number of attempts planned so far.

    >>> from datetime import datetime, UTC
    >>> from scheduler import Campaign, plan
    >>> c = Campaign(name="x", timezone="Europe/Prague", start_time="09:00",
    ...              end_time="17:00", phone_list=("+420601000001",), call_retries=1)
    >>> t = plan(c, now=datetime(2026, 3, 27, 15, 59, 50, tzinfo=UTC))
    >>> [(a.number, a.start.isoformat()) for a in t.attempts]
    [(1, '2026-03-27T15:59:50+00:00'), (2, '2026-03-28T08:00:00+00:00')]
    """
    now_ts = check_now(now)
    now_dt = from_epoch(now_ts) if isinstance(now, str) else now
    source = outcomes if outcomes is not None else always()
    run = Run(campaign, clock=now_ts, history=history)
    run.add(campaign.unique_phones(), now_ts)
    phones = run.phones
    dialer = run.dialer
    # Each customer's latest row, so a retry's reason can name the call before it.
    latest = [-1] * len(phones)
    # Rows go into a byte buffer as packed 64-bit integers (the cheapest way to append
    # eight ints in Python), read as an array once planning is done.
    buffer = bytearray()
    pack = _ROW.pack
    take, hold, finish = dialer.taker(), dialer.holder(), run.finish
    outcome_index = OUTCOME_INDEX
    run_last, run_group, contexts, new_call = run.last, run.group, run.contexts, tuple.__new__
    run_callees, cap_notes = run.callees, run.cap_notes  # the run keeps these dicts and lists
    # An always() source answers every attempt alike: no call per attempt.
    constant = constant_result(source)
    checked: object = None
    checked_index = 0
    report_at = 10_000 if progress is not None else -1
    count = 0

    while True:
        got = take(None)
        if got.__class__ is Wait:
            # A calendar with no window left: its queue expires, the others go on.
            if dialer.closing:
                run.close()
                continue
            break
        at, why, due, customer, number = got  # type: ignore[misc]
        result = constant or source(phones[customer], number)
        # Sources hand out the same few result tuples again and again: check each once.
        if result is not checked:
            _check_result(result, phones[customer], number)
            checked = result
            checked_index = outcome_index[result[0]]
        outcome, seconds = result
        end = at + seconds
        hold(end)
        if on_attempt is None:
            buffer += pack(customer, number, at, end, due, why, checked_index, latest[customer])
            latest[customer] = count
        else:
            before = run_last[customer]
            on_attempt(
                new_call(
                    PlannedCall,
                    (
                        phones[customer],
                        number,
                        at,
                        end,
                        due,
                        why,
                        outcome,
                        None if before is None else before[1],
                        None if before is None else before[3],
                        contexts[run_group[customer]],
                        run_callees[customer],
                        cap_notes.get((customer, number)) if cap_notes else None,
                    ),
                )
            )
        count += 1
        if count == report_at:
            assert progress is not None
            progress(count)
            report_at += 10_000
        finish(customer, number, at, end, outcome)

    assert got is not Wait.BLOCKED, "plan knows every call's end"
    if progress is not None:
        progress(count)
    rows: array[int] = array("q")
    rows.frombytes(buffer)
    del buffer
    attempts = Attempts(rows, run)
    expired = run.expired()
    warnings = list(campaign.warnings)
    warnings.extend(run.warnings)
    warnings.extend(_plan_warnings(campaign, run.calendars[0], now_ts, attempts, expired))
    return Timeline(
        campaign=campaign,
        now=now_dt,
        attempts=attempts,
        expired=expired,
        warnings=tuple(warnings),
        tzdata_version=TZDATA_VERSION,
        final_states=dict(zip(phones, run.state, strict=True)),
        versions=dict(DATA_VERSIONS),
    )


def _check_result(result: object, phone: str, number: int) -> None:
    where = f"outcome of {phone} attempt {number}"
    if not isinstance(result, tuple) or len(result) != 2:
        raise ValueError(f"{where}: an outcome source returns (outcome, seconds), got {result!r}")
    outcome, seconds = result
    check_outcome(outcome, where)
    if type(seconds) is not int or seconds < 1:
        raise ValueError(
            f"call length of {phone} attempt {number}: whole seconds >= 1, got {seconds!r}"
        )


def _plan_warnings(
    campaign: Campaign,
    calendar: Calendar,
    now_ts: int,
    attempts: Attempts,
    expired: list[Expired],
) -> list[str]:
    warnings: list[str] = []
    first_expired = sum(1 for e in expired if e.number == 1)
    never = no_window_cause(calendar, campaign, now_ts)
    if never is not None:
        warnings.append(f"nothing can be called: {never}")
    elif first_expired:
        reached = Counter(attempts.numbers())
        by_attempt = ", ".join(
            f"attempt {n}: {reached[n]:,}" for n in range(1, 2 + campaign.call_retries)
        )
        warnings.append(
            f"the list does not fit: {first_expired:,} of {len(campaign.unique_phones()):,} "
            f"customers are never called before the campaign ends (customers reached by "
            f"{by_attempt})"
        )
    retry_expired = len(expired) - first_expired
    if retry_expired:
        warnings.append(f"{retry_expired} retries expire: no window is left for them")
    # An active day with no window at all (its window falls wholly in a clock gap,
    # or the day does not exist on the clock) within the planned stretch.
    if attempts:
        first_day = calendar.local_day(min(now_ts, attempts[0].start_ts))
        last_day = calendar.local_day(attempts[-1].start_ts)
        for n in range(first_day, min(last_day, first_day + 3660) + 1):
            weekday = (n + 3) % 7
            day = date_of_day(n)
            in_range = (campaign.start_date is None or day >= campaign.start_date) and (
                campaign.end_date is None or day <= campaign.end_date
            )
            if in_range and weekday in campaign.active_days and not calendar.day_windows(n):
                warnings.append(
                    f"{WEEKDAYS[weekday]} {day.isoformat()} is an active day with no window: "
                    "its hours do not exist on the clock that day"
                )
    return warnings
