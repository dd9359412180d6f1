"""From a campaign spec and an outcome source to a deterministic timeline of call attempts.

``plan`` is a pure function: the same spec, ``now``, outcomes and tzdata
version give the same attempts, to the second. It runs the campaign's
dialer (``scheduler.dialer``) and retry policy (``scheduler.retry``) forward
in time, knowing each call's outcome from the source, and records every
attempt with the constraint that set its start.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from scheduler.dialer import BLOCKED, CLOSED, Dialer
from scheduler.outcomes import OutcomeSource, always
from scheduler.reasons import Expired, ReasonContext
from scheduler.retry import OUTCOME_SET, RetryPolicy, check_outcome
from scheduler.spec import WEEKDAYS, Campaign
from scheduler.tz import TZDATA_VERSION, load_zone
from scheduler.windows import DAY, Calendar, check_now, from_epoch, iso_utc

__all__ = ["Attempt", "Expired", "Summary", "Timeline", "plan"]


class _AttemptRow(NamedTuple):
    phone: str
    number: int
    start_ts: int
    end_ts: int
    outcome: str
    due_ts: int
    why: int
    prev_outcome: str | None
    prev_end_ts: int | None
    context: ReasonContext


class Attempt(_AttemptRow):
    """One call: who (``phone``), which attempt (``number``, from 1), when, how it ended, why then.

    ``start`` and ``end`` are aware UTC datetimes; ``local_start`` is the start
    on the campaign's clock; ``reason`` says why the call starts then.
    """

    __slots__ = ()

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
        return self.context.sentence(
            self.number, self.why, self.start_ts, self.due_ts, self.prev_outcome, self.prev_end_ts
        )

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready row: phone, attempt, UTC and local start and end, outcome, reason."""
        return {
            "phone": self.phone,
            "attempt": self.number,
            "start": iso_utc(self.start),
            "end": iso_utc(self.end),
            "localStart": self.local_start.isoformat(),
            "outcome": self.outcome,
            "reason": self.reason,
        }


@dataclass(frozen=True, slots=True)
class Summary:
    """The first things a person asks of a plan."""

    customers: int
    attempts: int
    calls_per_day: dict[date, int]
    first_call: datetime | None
    last_call: datetime | None
    reached_last_attempt: int
    expired: int
    #: (start of the clock hour with the most call starts, as aware UTC; how many). UTC,
    #: because the two 01:00 hours of a fall-back day are two different hours.
    busiest_hour: tuple[datetime, int] | None
    zone: ZoneInfo
    outcomes: dict[str, int]

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
            "busiestHour": None
            if self.busiest_hour is None
            else {
                "start": self.busiest_hour[0].astimezone(self.zone).isoformat(),
                "calls": self.busiest_hour[1],
            },
            "outcomes": self.outcomes,
        }


def _iso(t: datetime | None) -> str | None:
    return None if t is None else iso_utc(t)


@dataclass(frozen=True, slots=True)
class Timeline:
    """The plan of a campaign: every attempt in start order, what expired, and the warnings."""

    campaign: Campaign
    now: datetime
    attempts: list[Attempt]
    expired: list[Expired]
    warnings: tuple[str, ...]
    tzdata_version: str
    #: Per customer phone, how it ends: "done", "exhausted" or "expired".
    final_states: dict[str, str]

    def summary(self) -> Summary:
        """Customers, attempts, calls per local day, first and last call, and the busiest hour."""
        zone = load_zone(self.campaign.timezone)
        per_day: Counter[date] = Counter()
        per_hour: Counter[int] = Counter()
        calendar = self.campaign.calendar()
        for attempt in self.attempts:
            wall = calendar.wall(attempt.start_ts)
            per_day[date.fromordinal(wall // DAY + _EPOCH_ORDINAL)] += 1
            # The instant the clock hour began: 01:00 EDT and 01:00 EST stay two hours.
            per_hour[attempt.start_ts - wall % 3600] += 1
        busiest = None
        if per_hour:
            hour_start, calls = min(per_hour.items(), key=lambda item: (-item[1], item[0]))
            busiest = (from_epoch(hour_start), calls)
        last_number = 1 + self.campaign.call_retries
        return Summary(
            customers=len(self.final_states),
            attempts=len(self.attempts),
            calls_per_day=dict(sorted(per_day.items())),
            first_call=self.attempts[0].start if self.attempts else None,
            last_call=self.attempts[-1].start if self.attempts else None,
            reached_last_attempt=sum(1 for a in self.attempts if a.number == last_number),
            expired=len(self.expired),
            busiest_hour=busiest,
            zone=zone,
            outcomes=dict(sorted(Counter(a.outcome for a in self.attempts).items())),
        )


_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


def plan(
    campaign: Campaign,
    *,
    now: datetime,
    outcomes: OutcomeSource | None = None,
    progress: Callable[[int], None] | None = None,
) -> Timeline:
    """Every call attempt of ``campaign`` from ``now`` on, given how calls end.

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
    source = outcomes if outcomes is not None else always()
    calendar = campaign.calendar()
    policy = RetryPolicy.of(campaign)
    zone = load_zone(campaign.timezone)
    interval = campaign.call_interval_seconds if campaign.scheduling_mode == "even" else 0
    context = ReasonContext(zone, policy, campaign.max_concurrency, interval, calendar)
    phones = campaign.unique_phones()

    dialer = Dialer(calendar, campaign.max_concurrency, interval, now_ts)
    for customer in range(len(phones)):
        dialer.add_first(now_ts, customer)
    last_outcome: list[str | None] = [None] * len(phones)
    last_end: list[int | None] = [None] * len(phones)
    states: dict[str, str] = {}
    attempts: list[Attempt] = []
    expired: list[Expired] = []
    take, hold, add_retry = dialer.take, dialer.hold, dialer.add_retry
    checked: object = None
    after = policy.after
    new_row = tuple.__new__
    append = attempts.append
    report_at = 10_000 if progress is not None else -1

    while True:
        at, why, due, customer, number = take()
        if customer < 0:
            break
        phone = phones[customer]
        result = source(phone, number)
        # Sources hand out the same few result tuples again and again: check each once.
        if result is not checked:
            outcome, seconds = result
            if outcome not in OUTCOME_SET or type(seconds) is not int or seconds < 1:
                check_outcome(outcome, f"outcome of {phone} attempt {number}")
                raise ValueError(
                    f"call length of {phone} attempt {number}: whole seconds >= 1, got {seconds!r}"
                )
            checked = result
        outcome, seconds = result
        end = at + seconds
        hold(end)
        append(
            new_row(
                Attempt,
                (
                    phone,
                    number,
                    at,
                    end,
                    outcome,
                    due,
                    why,
                    last_outcome[customer],
                    last_end[customer],
                    context,
                ),
            )
        )
        if progress is not None and len(attempts) == report_at:
            progress(report_at)
            report_at += 10_000
        follow = after(calendar, outcome, number, at, end)
        if isinstance(follow, int):
            last_outcome[customer] = outcome
            last_end[customer] = end
            add_retry(follow, customer, number + 1)
            continue
        states[phone] = follow
        if follow == "expired":
            expired.append(
                context.expired(
                    phone, number + 1, end + policy.delay, outcome, end, no_later_day=True
                )
            )

    if at == CLOSED:
        # Nothing queued can start any more: every queued attempt expires, in queue order.
        for due, customer, number in dialer.take_pending():
            phone = phones[customer]
            states[phone] = "expired"
            expired.append(
                context.expired(phone, number, due, last_outcome[customer], last_end[customer])
            )
    assert at != BLOCKED, "plan knows every call's end"
    if progress is not None:
        progress(len(attempts))

    final_states = {phone: states[phone] for phone in phones}
    warnings = list(campaign.warnings)
    warnings.extend(_plan_warnings(campaign, calendar, now_ts, attempts, expired))
    return Timeline(
        campaign=campaign,
        now=now,
        attempts=attempts,
        expired=expired,
        warnings=tuple(warnings),
        tzdata_version=TZDATA_VERSION,
        final_states=final_states,
    )


def _plan_warnings(
    campaign: Campaign,
    calendar: Calendar,
    now_ts: int,
    attempts: list[Attempt],
    expired: list[Expired],
) -> list[str]:
    warnings: list[str] = []
    first_expired = sum(1 for e in expired if e.number == 1)
    if first_expired:
        warnings.append(
            f"the list does not fit: {first_expired} of {len(campaign.unique_phones())} "
            "customers are never called before the campaign ends"
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
            day = date.fromordinal(n + _EPOCH_ORDINAL)
            in_range = (campaign.start_date is None or day >= campaign.start_date) and (
                campaign.end_date is None or day <= campaign.end_date
            )
            if in_range and weekday in campaign.active_days and not calendar.day_windows(n):
                warnings.append(
                    f"{WEEKDAYS[weekday]} {day.isoformat()} is an active day with no window: "
                    "its hours do not exist on the clock that day"
                )
    return warnings
