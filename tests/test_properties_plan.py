"""Invariants of every plan (the README's Semantics), on random campaigns.

Hypothesis draws small campaigns in any zone of the pinned tzdata (often
one with odd rules), windows that may run overnight, both retry modes and
both scheduling modes, a ``now`` from 1900 to 2100 (often in 2026, often
days before a clock change; sometimes with an ``endDate`` days later) and
a script of outcomes per customer. Whatever it draws, the timeline must
keep every rule of the contract; the checks below state each rule once,
from the outside.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from itertools import pairwise
from typing import Any

from cases import DAY_SECONDS, Case, instants, zones
from hypothesis import given, settings
from hypothesis import strategies as st

from scheduler import Attempt, Calendar, Campaign, Expired, Timeline, plan
from scheduler.spec import FAILURE_OUTCOMES, OUTCOMES
from scheduler.times import clock_text
from scheduler.tz import load_zone

DAY = timedelta(days=1)
SECOND = timedelta(seconds=1)

# Phones are drawn from a pool with repeats allowed: a repeat is called once.
POOL = [f"+1415555{n:04d}" for n in range(1, 16)]


@st.composite
def window_times(draw: st.DrawFn) -> tuple[int, int]:
    """A window's start and end in seconds after midnight; end < start is overnight."""
    step = draw(st.sampled_from([3600, 1800, 900, 60, 1]))
    start = draw(st.integers(0, 86_400 // step - 1)) * step
    end = draw(st.integers(1, 86_400 // step).filter(lambda n: n * step != start)) * step
    return start, end


@st.composite
def cases(draw: st.DrawFn) -> Case:
    zone = draw(zones())
    start, end = draw(window_times())
    now = draw(instants(zone, before=3 * DAY_SECONDS, after=DAY_SECONDS))
    listed = draw(st.lists(st.sampled_from(POOL), min_size=1, max_size=12))
    body: dict[str, Any] = {
        "name": "property",
        "timezone": zone,
        "startTime": clock_text(start),
        "endTime": clock_text(end),
        "activeDays": sorted(draw(st.sets(st.integers(0, 6), min_size=1))),
        "callRetries": draw(st.integers(0, 3)),
        "retryDelaySeconds": draw(
            st.one_of(st.sampled_from([0, 1, 60, 3600, 7200, 86_400]), st.integers(0, 86_400))
        ),
        "retryDelayMode": draw(st.sampled_from(["fixed", "next_day"])),
        "schedulingMode": draw(st.sampled_from(["even", "asap"])),
        "callIntervalSeconds": draw(st.integers(0, 120)),
        "maxConcurrency": draw(st.integers(1, 4)),
        "phoneList": listed,
    }
    local_today = now.astimezone(load_zone(zone)).date()
    if draw(st.booleans()):
        body["endDate"] = (local_today + draw(st.integers(0, 4)) * DAY).isoformat()
    if draw(st.integers(0, 3)) == 0:
        first = local_today + draw(st.integers(-2, 2)) * DAY
        if "endDate" not in body or first <= date.fromisoformat(body["endDate"]):
            body["startDate"] = first.isoformat()
    if draw(st.integers(0, 3)) == 0:
        # Some days with their own hours; an overnight one may overlap the next day's.
        schedules: dict[str, dict[str, str]] = {}
        for day in sorted(draw(st.sets(st.integers(0, 6), min_size=1))):
            own_start, own_end = draw(window_times())
            keep = draw(st.sampled_from(["both", "start", "end"]))
            effective = (
                own_start if keep != "end" else start,
                own_end if keep != "start" else end,
            )
            if effective[0] == effective[1]:
                continue  # the fallback would make the day's window empty
            schedule: dict[str, str] = {}
            if keep != "end":
                schedule["startTime"] = clock_text(own_start)
            if keep != "start":
                schedule["endTime"] = clock_text(own_end)
            schedules[str(day)] = schedule
        body["daySchedules"] = schedules
    if draw(st.booleans()):
        body["retryConditions"] = draw(
            st.lists(st.sampled_from(FAILURE_OUTCOMES), unique=True, max_size=6)
        )
    results = st.tuples(st.sampled_from(OUTCOMES), st.integers(1, 600))
    scripts = {
        phone: draw(st.lists(results, max_size=4))
        for phone in dict.fromkeys(listed)
        if draw(st.booleans())
    }
    default = draw(results)
    return Case(body, now, scripts, default)


# -- the independent reading of the rules --------------------------------------


def window_day(calendar: Calendar, t: datetime) -> date:
    """The local day of the window that holds instant ``t``."""
    [window] = calendar.windows(t, t + SECOND)
    assert window.start <= t < window.end
    return window.day


def first_window_after(calendar: Calendar, t: datetime, day: date) -> datetime | None:
    """Start of the first window of a local day later than ``day`` (searched from ``t``)."""
    lo = t - 3 * DAY
    for _ in range(30):
        later = [w.start for w in calendar.windows(lo, lo + 14 * DAY) if w.day > day]
        if later:
            return min(later)
        lo += 14 * DAY
    return None


def earliest_start(
    calendar: Calendar,
    campaign: Campaign,
    now: datetime,
    before: Sequence[Attempt],
    due: datetime,
) -> datetime | None:
    """The first instant a call due at ``due`` may start, after the calls ``before``.

    Not before ``now``, the previous start, the pacing interval (even mode),
    a free line and ``due``; then the first instant inside a window.
    """
    lower = max(now, due)
    if before:
        last = before[-1].start
        lower = max(lower, last)
        if campaign.scheduling_mode == "even":
            lower = max(lower, last + timedelta(seconds=campaign.call_interval_seconds))
        busy = sorted(a.end for a in before if a.end > lower)
        if len(busy) >= campaign.max_concurrency:
            lower = busy[len(busy) - campaign.max_concurrency]
    return calendar.next_open(lower)


def rank(number: int, due: datetime, customer: int) -> tuple[bool, datetime, int]:
    """Due retries first, then the earlier due time, then list order."""
    return (number == 1, due, customer)


def check_timeline(case: Case, campaign: Campaign, timeline: Timeline) -> None:
    calendar = campaign.calendar()
    now = case.now
    source = case.source()
    conditions = set(campaign.retry_conditions)
    retries = campaign.call_retries
    delay = timedelta(seconds=campaign.retry_delay_seconds)
    phones = campaign.unique_phones()
    customer = {phone: i for i, phone in enumerate(phones)}
    attempts = timeline.attempts
    index = {(a.phone, a.number): i for i, a in enumerate(attempts)}
    assert len(index) == len(attempts), "an attempt is planned twice"

    # Every attempt: inside a window, not before now, ended as the source says.
    for a in attempts:
        assert a.start.utcoffset() == timedelta(0)
        assert calendar.contains(a.start), f"{a.phone} #{a.number} starts outside a window"
        assert a.start >= now
        outcome, seconds = source(a.phone, a.number)
        assert (a.outcome, a.end - a.start) == (outcome, timedelta(seconds=seconds))
        assert a.phone in customer
        if a.number == 1:
            assert a.reason.startswith(f"attempt 1 of {1 + retries}: first call")

    # Start order; pacing in even mode; never more calls than lines.
    for prev, nxt in pairwise(attempts):
        assert prev.start <= nxt.start
        if campaign.scheduling_mode == "even":
            gap = (nxt.start - prev.start).total_seconds()
            assert gap >= campaign.call_interval_seconds
    for a in attempts:
        running = sum(1 for b in attempts if b.start <= a.start < b.end)
        assert running <= campaign.max_concurrency

    # Per customer: numbered 1..k, each later than the last, each earned and delayed.
    by_phone: dict[str, list[Attempt]] = {phone: [] for phone in phones}
    for a in attempts:
        by_phone[a.phone].append(a)
    for phone, own in by_phone.items():
        assert [a.number for a in own] == list(range(1, len(own) + 1))
        assert len(own) <= 1 + retries
        if own:
            assert own[0].due == now
        for prev, retry in pairwise(own):
            assert prev.outcome in conditions, f"{phone} retried after {prev.outcome}"
            assert retry.start > prev.start
            assert retry.start >= prev.end + delay
            expected_due = prev.end + delay
            if campaign.retry_delay_mode == "next_day" and not campaign.day_schedules:
                # With one rule for every day, windows of different days never overlap,
                # so "the window of a later day" is read off the merged windows.
                opening = first_window_after(calendar, prev.start, window_day(calendar, prev.start))
                assert opening is not None
                expected_due = max(expected_due, opening)
                assert window_day(calendar, retry.start) > window_day(calendar, prev.start)
            if campaign.retry_delay_mode == "fixed":
                assert retry.due == expected_due
            else:
                assert retry.due >= expected_due
                if not campaign.day_schedules:
                    assert retry.due == expected_due
            assert retry.start >= retry.due
            assert retry.reason.startswith(f"retry {prev.number} of {retries}: {prev.outcome} at ")

    # Each call starts at the first instant the rules allow, and it is the best
    # attempt waiting then: nothing due with a better rank was passed over.
    expired_by_phone: dict[str, Expired] = {}
    for e in timeline.expired:
        assert e.phone not in expired_by_phone, f"{e.phone} expires twice"
        expired_by_phone[e.phone] = e
    queued_expired = []
    for e in timeline.expired:
        own = by_phone[e.phone]
        assert e.number == len(own) + 1
        if e.number > 1 and campaign.retry_delay_mode == "next_day":
            prev = own[-1]
            later = first_window_after(calendar, prev.start, window_day(calendar, prev.start))
            if later is None:
                continue  # never queued: no later day has a window at all
        queued_expired.append(e)
    for i, a in enumerate(attempts):
        assert a.start == earliest_start(calendar, campaign, now, attempts[:i], a.due)
        mine = rank(a.number, a.due, customer[a.phone])
        waiting: list[tuple[int, datetime, str]] = [
            (b.number, b.due, b.phone) for b in attempts[i + 1 :]
        ]
        waiting += [(e.number, e.due, e.phone) for e in queued_expired]
        for number, due, phone in waiting:
            queued = number == 1 or index[(phone, number - 1)] < i
            if queued and due <= a.start:
                assert mine < rank(number, due, customer[phone]), (
                    f"{phone} #{number} (due {due}) was passed over for {a.phone} #{a.number}"
                )

    # What expired could not start before the campaign closed.
    for e in queued_expired:
        assert earliest_start(calendar, campaign, now, attempts, max(e.due, now)) is None
        assert e.reason

    # Every customer ends in exactly one state, consistent with its last attempt.
    assert list(timeline.final_states) == phones
    for phone in phones:
        own = by_phone[phone]
        state = timeline.final_states[phone]
        entry = expired_by_phone.get(phone)
        if state == "expired":
            assert entry is not None
            assert entry.number == len(own) + 1
            if own:
                assert own[-1].outcome in conditions
                assert own[-1].number <= retries
        else:
            assert entry is None
            assert own, f"{phone} is {state} without a call"
            last = own[-1]
            if state == "done":
                assert last.outcome not in conditions
            else:
                assert state == "exhausted"
                assert last.outcome in conditions
                assert last.number == 1 + retries

    summary = timeline.summary()
    assert summary.customers == len(phones)
    assert summary.attempts == len(attempts)
    assert sum(summary.calls_per_day.values()) == len(attempts)
    assert summary.expired == len(timeline.expired)
    assert sum(summary.outcomes.values()) == len(attempts)


def dump(timeline: Timeline) -> dict[str, Any]:
    return {
        "attempts": [a.as_dict() for a in timeline.attempts],
        "expired": [e.as_dict() for e in timeline.expired],
        "warnings": timeline.warnings,
        "final": timeline.final_states,
        "tzdata": timeline.tzdata_version,
    }


@settings(deadline=None)
@given(case=cases())
def test_every_plan_keeps_the_rules(case: Case) -> None:
    campaign = Campaign.model_validate(case.body)
    timeline = plan(campaign, now=case.now, outcomes=case.source())
    check_timeline(case, campaign, timeline)


@settings(deadline=None, max_examples=50)
@given(case=cases())
def test_same_inputs_give_the_same_plan(case: Case) -> None:
    campaign = Campaign.model_validate(case.body)
    first = dump(plan(campaign, now=case.now, outcomes=case.source()))
    # Again with the same campaign (its calendar already warm), and with a new one.
    assert dump(plan(campaign, now=case.now, outcomes=case.source())) == first
    fresh = Campaign.model_validate(case.body)
    assert dump(plan(fresh, now=case.now, outcomes=case.source())) == first
