"""A call log held against the campaign's rules: what any dialer did, checked call by call.

``audit(campaign, calls)`` reads calls that really happened (``phone``,
``start``, ``end``, ``outcome``; mappings or objects; aware datetimes or ISO
8601 text with an offset) and returns every violation of the campaign's
rules, in start order. A customer's attempt numbers are the order of its
calls by start. The windows, rules, retry rule and caps are the ones
``plan`` and ``Engine`` use (the same run places each customer on the same
calendar), so a log produced by either has no violation.

Codes:

==================== ===================================================================
``unknown-customer`` the call is to a phone that is not in the campaign
``outside-window``   it starts outside the campaign's window for that customer
``rule-hours``       it starts outside a rule's hours on one of the customer's clocks
``holiday``          it starts on a rule's holiday on one of the customer's clocks
``cap``              it breaks a rule's cap
``too-many-attempts`` it is attempt number ``callRetries + 2`` or later
``not-retryable``    it follows a call whose outcome is not retried
``retry-too-early``  it starts before its retry was due (``fixed`` or ``next_day``)
``overlap``          it starts before the same customer's previous call ended
``concurrency``      it starts while ``maxConcurrency`` calls are in progress
``pacing``           it starts less than ``callIntervalSeconds`` after the previous start
==================== ===================================================================
"""

from __future__ import annotations

import bisect
import heapq
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from scheduler.reasons import Clocks, duration, holiday_on
from scheduler.retry import OUTCOME_SET, Finish, check_outcome
from scheduler.run import Run
from scheduler.spec import Campaign
from scheduler.times import (
    DAY,
    clock_text,
    date_of_day,
    epoch_seconds,
    from_epoch,
    iso_utc,
    parse_instant,
)
from scheduler.tz import load_zone

__all__ = ["CODES", "AuditError", "Violation", "audit"]

#: Every violation code, in the order of the contract's table.
CODES = (
    "unknown-customer",
    "outside-window",
    "rule-hours",
    "holiday",
    "cap",
    "too-many-attempts",
    "not-retryable",
    "retry-too-early",
    "overlap",
    "concurrency",
    "pacing",
)


class AuditError(ValueError):
    """A row of the log that cannot be read; the message names the row."""


@dataclass(frozen=True, slots=True)
class Violation:
    """One broken rule: its ``code``, the call (``phone``, attempt ``number``, ``start``),
    the calling ``rule`` by name where one is broken, and a sentence for a person."""

    code: str
    phone: str
    number: int
    start: datetime
    rule: str | None
    message: str

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready row."""
        return {
            "code": self.code,
            "phone": self.phone,
            "attemptNumber": self.number,
            "start": iso_utc(self.start),
            "rule": self.rule,
            "message": self.message,
        }


class _Call(NamedTuple):
    # The exact instants, in microseconds, for every comparison of times; a log sorts
    # as plain tuples, by start and then by row.
    start_us: int
    row: int
    start: int  # whole epoch seconds, rounded down: windows are whole seconds
    phone: str
    end_us: int
    outcome: str


_US = 1_000_000


def _microseconds(t: datetime) -> int:
    """Exact epoch microseconds of aware ``t``."""
    return epoch_seconds(t) * _US + t.microsecond


def _field(row: Any, name: str, index: int) -> Any:
    if isinstance(row, Mapping):
        if name not in row:
            raise AuditError(f"call {index}: no {name!r} (a call has phone, start, end, outcome)")
        return row[name]
    if not hasattr(row, name):
        raise AuditError(f"call {index}: no {name!r} (a call has phone, start, end, outcome)")
    return getattr(row, name)


def _read(calls: Iterable[Any]) -> list[_Call]:
    read: list[_Call] = []
    append = read.append
    outcomes = OUTCOME_SET
    for index, row in enumerate(calls, 1):
        # The usual row, a dict of aware datetimes and a known outcome, read directly;
        # anything else (and every error) goes the long way, which names the problem.
        if type(row) is dict:
            phone = row.get("phone")
            start = row.get("start")
            end = row.get("end")
            outcome = row.get("outcome")
            if (
                type(phone) is str
                and phone
                and type(start) is datetime
                and type(end) is datetime
                and type(outcome) is str
                and outcome in outcomes
            ):
                try:
                    start_us = _microseconds(start)
                    end_us = _microseconds(end)
                except ValueError:  # a naive datetime: the long way names it
                    pass
                else:
                    if end_us >= start_us:
                        append(_Call(start_us, index, start_us // _US, phone, end_us, outcome))
                        continue
        append(_read_row(row, index))
    return read


def _read_row(row: Any, index: int) -> _Call:
    """Call number ``index`` of the log, every field checked."""
    phone = _field(row, "phone", index)
    if not isinstance(phone, str) or not phone:
        raise AuditError(
            f"call {index}: phone must be a text such as '+14155550001', got {phone!r}"
        )
    try:
        start = parse_instant(_field(row, "start", index), "start")
        end = parse_instant(_field(row, "end", index), "end")
        outcome = check_outcome(_field(row, "outcome", index))
    except (TypeError, ValueError) as error:
        if isinstance(error, AuditError):
            raise
        raise AuditError(f"call {index} ({phone}): {error}") from None
    start_us = _microseconds(start)
    end_us = _microseconds(end)
    if end_us < start_us:
        raise AuditError(
            f"call {index} ({phone}): end {iso_utc(end)} is before start {iso_utc(start)}"
        )
    return _Call(start_us, index, start_us // _US, phone, end_us, outcome)


def audit(
    campaign: Campaign,
    calls: Iterable[Any],
    *,
    history: Mapping[str, Iterable[datetime | str]] | None = None,
) -> list[Violation]:
    """Every violation of ``campaign``'s rules in ``calls``, in start order.

    ``calls`` are mappings or objects with ``phone``, ``start``, ``end`` and
    ``outcome``; ``history`` gives, per phone, the starts of calls other
    campaigns made (they count towards caps). A row that cannot be read
    raises ``AuditError`` naming the row (counted from 1). Times are compared
    exactly, to the microsecond.

    >>> from scheduler import Campaign
    >>> c = Campaign(name="x", timezone="America/New_York", start_time="09:00",
    ...              end_time="17:00", phone_list=("+14155550001",))
    >>> [v.code for v in audit(c, [{"phone": "+14155550001", "outcome": "success",
    ...     "start": "2026-03-09T22:15:00Z", "end": "2026-03-09T22:16:00Z"}])]
    ['outside-window']
    """
    log = _read(calls)
    log.sort()  # by start, then by row
    first = log[0].start if log else 0
    run = Run(campaign, clock=first, history=history)
    run.add(campaign.unique_phones(), first)
    policy = run.policy
    zone = load_zone(campaign.timezone)
    found: list[tuple[int, int, Violation]] = []

    def report(call: _Call, number: int, code: str, rule: str | None, message: str) -> None:
        start = from_epoch(call.start_us // _US) + timedelta(microseconds=call.start_us % _US)
        violation = Violation(code, call.phone, number, start, rule, message)
        found.append((call.start_us, call.row, violation))

    def at(us: int, tz: Any = zone) -> str:
        """``2026-03-09 09:00:20 in America/New_York`` (with the fraction when there is one)."""
        local = (from_epoch(us // _US) + timedelta(microseconds=us % _US)).astimezone(tz)
        text = f"{local:%Y-%m-%d %H:%M:%S}" + (f".{local:%f}".rstrip("0") if us % _US else "")
        return f"{text} in {tz.key}"

    index, group_of, caps_of = run.index, run.group, run.caps
    calendars, contexts = run.calendars, run.contexts
    after, attempts = policy.rule(), policy.attempts
    max_concurrency = campaign.max_concurrency
    heappush, heappop, bisect_right = heapq.heappush, heapq.heappop, bisect.bisect_right
    # Per calendar, the window piece that held its last call: every instant of a piece is
    # inside the calendar, which is every window and rule of its customers at once, so a
    # call in it breaks none of them, and the next calls of a day mostly fall in it too.
    pieces = [(0, 0)] * len(calendars)
    previous: list[_Call | None] = [None] * len(run.phones)  # per customer, its last call
    numbers = [0] * len(run.phones)  # per customer, its last attempt number
    strangers: dict[str, int] = {}  # the same, per phone that is not a customer's
    starts = {c: [t * _US for t in s] for c, s in run.starts.items()}
    running: list[int] = []  # ends of calls in progress, a heap
    last_start: int | None = None
    interval = campaign.call_interval_seconds * _US if campaign.scheduling_mode == "even" else 0
    for call in log:
        start_us = call.start_us
        customer = index.get(call.phone)
        if customer is None:
            number = strangers.get(call.phone, 0) + 1
            strangers[call.phone] = number
        else:
            number = numbers[customer] + 1
            numbers[customer] = number
        while running and running[0] <= start_us:
            heappop(running)
        if len(running) >= max_concurrency:
            busy = "1 call was" if len(running) == 1 else f"{len(running)} calls were"
            report(
                call, number, "concurrency", None,
                f"started at {at(call.start_us)} while {busy} in progress; "
                f"maxConcurrency is {campaign.max_concurrency}",
            )  # fmt: skip
        if interval and last_start is not None and start_us - last_start < interval:
            gap = start_us - last_start
            report(
                call, number, "pacing", None,
                f"started {gap / _US:g} s after the previous call; callIntervalSeconds is "
                f"{interval // _US} (even pacing)",
            )  # fmt: skip
        heappush(running, call.end_us)
        last_start = start_us
        if customer is None:
            report(
                call, number, "unknown-customer", None,
                f"{call.phone} is not a customer of this campaign",
            )  # fmt: skip
            continue
        group = group_of[customer]
        piece = pieces[group]
        if not piece[0] <= call.start < piece[1]:
            held = calendars[group].piece_ts(call.start)
            if held is None:
                _check_place(call, number, run, contexts[group].clocks, report, at)
            else:
                pieces[group] = held
        before = previous[customer]
        previous[customer] = call
        if number > attempts:
            report(
                call, number, "too-many-attempts", None,
                f"attempt {number}, but callRetries {policy.retries} allows "
                f"{policy.attempts} attempts",
            )  # fmt: skip
        if before is not None:
            if start_us < before.end_us:
                report(
                    call, number, "overlap", None,
                    f"started at {at(call.start_us)}, before the previous call ended at "
                    f"{at(before.end_us)}",
                )  # fmt: skip
            # The retry rule on whole seconds (an end rounded up); the delay on the exact end.
            end_ceil = -(-before.end_us // _US)
            follow = after(
                calendars[group], before.outcome, number - 1, before.start,
                max(end_ceil, before.start + 1),
            )  # fmt: skip
            if follow is Finish.DONE:
                report(
                    call, number, "not-retryable", None,
                    f"follows a call that ended {before.outcome!r}, which is not retried "
                    f"(retryConditions: {', '.join(campaign.retry_conditions) or 'none'})",
                )  # fmt: skip
            elif follow is Finish.NO_LATER_DAY:
                report(
                    call, number, "retry-too-early", None,
                    "a next_day retry, but no later day has a window after the previous call",
                )  # fmt: skip
            elif isinstance(follow, int):
                due_us = before.end_us + policy.delay * _US
                if policy.next_day and follow > end_ceil + policy.delay:
                    due_us = follow * _US  # the first window of a later day set it
                if start_us < due_us:
                    mode = "next_day" if policy.next_day else "fixed"
                    report(
                        call, number, "retry-too-early", None,
                        f"started at {at(call.start_us)}; the retry was due from {at(due_us)} "
                        f"({mode}, retryDelaySeconds {policy.delay} after the previous call "
                        f"ended at {at(before.end_us)})",
                    )  # fmt: skip
        caps = caps_of[customer]
        if caps:
            history_starts = starts.setdefault(customer, [])
            for name, calls_allowed, seconds in caps:
                lo = bisect_right(history_starts, start_us - seconds * _US)
                hi = bisect_right(history_starts, start_us)
                if hi - lo >= calls_allowed:
                    report(
                        call, number, "cap", name,
                        f"{name} allows {calls_allowed} calls in {duration(seconds)}; this is "
                        f"call {hi - lo + 1} since {at(start_us - seconds * _US)}",
                    )  # fmt: skip
            bisect.insort(history_starts, start_us)
    found.sort(key=lambda item: (item[0], item[1]))
    return [violation for _, _, violation in found]


def _check_place(
    call: _Call,
    number: int,
    run: Run,
    clocks: Clocks | None,
    report: Any,
    at: Any,
) -> None:
    """The window, the rules' hours and their holidays, at the call's start."""
    campaign = run.campaign
    windows = [campaign.calendar()] if clocks is None else [clocks.window, *clocks.other_windows]
    for window in windows:
        if not window.contains_ts(call.start):
            zone = load_zone(window.zone_key)
            report(
                call, number, "outside-window", None,
                f"called at {at(call.start_us, zone)}, outside the campaign's window "
                f"({_window_text(campaign, window.local_day(call.start))})",
            )  # fmt: skip
            break
    if clocks is None:
        return
    for rule, zone_key, calendar in clocks.filters:
        if calendar.contains_ts(call.start):
            continue
        zone = load_zone(zone_key)
        day = calendar.local_day(call.start)
        holidays = holiday_on(calendar, day)
        if holidays is not None:
            report(
                call, number, "holiday", rule.name,
                f"called on {from_epoch(call.start).astimezone(zone):%Y-%m-%d} in {zone_key}, "
                f"{holidays.name(day)}; {rule.name} keeps {holidays.describe()} public holidays "
                "free",
            )  # fmt: skip
        else:
            weekday = (day + 3) % 7
            report(
                call, number, "rule-hours", rule.name,
                f"called at {from_epoch(call.start).astimezone(zone):%H:%M} in {zone_key}; "
                f"{rule.name} allows {rule.hours_text(weekday)} that day",
            )  # fmt: skip


def _window_text(campaign: Campaign, day: int) -> str:
    """What the campaign's window is on local day number ``day``, or why it has none."""
    when = date_of_day(day)
    if campaign.start_date is not None and when < campaign.start_date:
        return f"{when.isoformat()} is before startDate {campaign.start_date.isoformat()}"
    if campaign.end_date is not None and when > campaign.end_date:
        return f"{when.isoformat()} is after endDate {campaign.end_date.isoformat()}"
    if day in campaign.calendar().removed_days:
        return f"{when.isoformat()} is a blackout date"
    weekday = (day + 3) % 7
    rule = campaign.day_rule(weekday)
    if rule is None:
        return f"no window on {when:%A}s"
    start, end = rule
    return f"{clock_text(start)}-{clock_text(end % DAY if end > DAY else end)}"
