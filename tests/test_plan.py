"""The preview: which customer is called when, to the second, and why then.

Scenarios of the README's Semantics (attempts and retries), 4 (pacing and
concurrency) and 5 (outcomes, expiry), each pinned to exact instants. Unless
a test says otherwise the campaign calls New York, 09:00-17:00 on weekdays;
2026-01-05 is a Monday, on EST (UTC-05:00), so 09:00 local is 14:00Z.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from scheduler import Campaign, Timeline, outcomes, plan

NEW_YORK = ZoneInfo("America/New_York")

BASE: dict[str, Any] = {
    "name": "t",
    "timezone": "America/New_York",
    "startTime": "09:00",
    "endTime": "17:00",
    "activeDays": [0, 1, 2, 3, 4],
    "callRetries": 2,
    "retryDelaySeconds": 7200,
    "retryDelayMode": "fixed",
    "schedulingMode": "even",
    "callIntervalSeconds": 30,
    "maxConcurrency": 5,
}


def phones(n: int) -> list[str]:
    """``n`` distinct numbers, in list order."""
    return [f"+1415555{i:04d}" for i in range(1, n + 1)]


A, B, C, D, E = phones(5)


def campaign(**overrides: Any) -> Campaign:
    """The base New York campaign with some fields of the body replaced."""
    body = {**BASE, "phoneList": [A], **overrides}
    return Campaign.model_validate(body)


def utc(text: str) -> datetime:
    """``"2026-01-05T14:00:00Z"`` as an aware UTC datetime."""
    return datetime.fromisoformat(text).astimezone(UTC)


def starts(timeline: Timeline) -> list[tuple[str, int, str]]:
    """``(phone, attempt, start)`` of every attempt, starts as ``...Z`` strings."""
    return [
        (a.phone, a.number, a.start.isoformat().replace("+00:00", "Z")) for a in timeline.attempts
    ]


# -- retries and windows --------------------------------------------------------


def test_retry_due_after_the_window_closes_waits_for_the_next_opening() -> None:
    # Monday 16:59 EST: a 30 s No Answer; 2 h later it is 18:59:30, after closing.
    timeline = plan(campaign(), now=utc("2026-01-05T21:59:00Z"))
    first, retry, last = timeline.attempts
    assert (first.number, first.start) == (1, utc("2026-01-05T21:59:00Z"))
    assert first.local_start == datetime(2026, 1, 5, 16, 59, tzinfo=NEW_YORK)
    assert first.end == utc("2026-01-05T21:59:30Z")
    # Not at 19:00 (00:00Z), but at Tuesday's opening.
    assert retry.number == 2
    assert retry.due == utc("2026-01-05T23:59:30Z")
    assert retry.start == utc("2026-01-06T14:00:00Z")
    assert retry.local_start == datetime(2026, 1, 6, 9, 0, tzinfo=NEW_YORK)
    # It fell due outside every window, so it waited for the first opening.
    assert retry.reason == (
        "retry 1 of 2: No Answer at Mon 16:59:30 EST, 2 h delay ends after the window "
        "closes; first opening is Tue 09:00 EST"
    )
    # The last retry counts 2 h from the end of Tuesday's 09:00 call: inside the window.
    assert last.number == 3
    assert last.start == utc("2026-01-06T16:00:30Z")
    assert last.reason == (
        "retry 2 of 2: No Answer at Tue 09:00:30 EST, 2 h delay ends at Tue 11:00:30 EST"
    )
    assert timeline.final_states == {A: "exhausted"}
    assert timeline.expired == []


@pytest.mark.parametrize(
    ("now", "delay", "expected_retry"),
    [
        ("2026-01-09T15:00:00Z", 0, "2026-01-12T14:00:00Z"),
        ("2026-01-05T15:00:00Z", 0, "2026-01-06T14:00:00Z"),
        ("2026-01-05T21:00:00Z", 3600, "2026-01-06T14:00:00Z"),
        ("2026-01-05T21:00:00Z", 86_400, "2026-01-06T21:00:30Z"),
        ("2026-01-09T21:00:00Z", 86_400, "2026-01-12T14:00:00Z"),
    ],
    ids=[
        "friday_to_monday_opening",
        "morning_call_waits_for_tomorrow",
        "short_delay_next_opening",
        "delay_beyond_opening_wins",
        "weekend_skipped_delay_long_past",
    ],
)
def test_next_day_retry(now: str, delay: int, expected_retry: str) -> None:
    c = campaign(retryDelayMode="next_day", retryDelaySeconds=delay, callRetries=1)
    timeline = plan(c, now=utc(now))
    first, retry = timeline.attempts
    assert first.start == utc(now)
    assert retry.start == utc(expected_retry)
    assert retry.due == retry.start
    assert retry.start - first.end >= timedelta(seconds=delay)
    assert "next_day" in retry.reason


def test_next_day_retry_of_an_overnight_window_waits_for_the_next_days_window() -> None:
    # Window 22:00-02:00 every day; a call at 01:00 Tuesday belongs to Monday's window,
    # so the retry goes to Tuesday's window (22:00 Tuesday), not to 01:00:30.
    c = campaign(
        startTime="22:00",
        endTime="02:00",
        activeDays=[0, 1, 2, 3, 4, 5, 6],
        retryDelayMode="next_day",
        retryDelaySeconds=0,
        callRetries=1,
    )
    timeline = plan(c, now=utc("2026-01-06T06:00:00Z"))  # Tuesday 01:00 EST
    first, retry = timeline.attempts
    assert first.start == utc("2026-01-06T06:00:00Z")
    assert retry.start == utc("2026-01-07T03:00:00Z")  # Tuesday 22:00 EST


# Monday's window runs overnight, 20:00-04:00, into Tuesday's, 02:00-10:00: from
# Tuesday 02:00 to 04:00 EST (07:00Z-09:00Z) both hold. Wednesday's is 08:00-12:00.
OVERLAPPING: dict[str, Any] = {
    "activeDays": [0, 1, 2],
    "daySchedules": {
        "0": {"startTime": "20:00", "endTime": "04:00"},
        "1": {"startTime": "02:00", "endTime": "10:00"},
        "2": {"startTime": "08:00", "endTime": "12:00"},
    },
    "retryDelayMode": "next_day",
    "retryDelaySeconds": 0,
    "callRetries": 1,
}


@pytest.mark.parametrize(
    "now",
    ["2026-01-06T07:00:00Z", "2026-01-06T08:00:00Z", "2026-01-06T08:59:00Z"],
    ids=["tuesday_02_00", "tuesday_03_00", "tuesday_03_59"],
)
def test_next_day_retry_of_a_call_where_two_days_windows_overlap_goes_to_the_later_days_next(
    now: str,
) -> None:
    # The failed call's day is the later of the two, Tuesday: so not Tuesday's window
    # (which holds the call) but Wednesday's.
    timeline = plan(campaign(**OVERLAPPING), now=utc(now))
    first, retry = timeline.attempts
    assert first.start == utc(now)
    assert retry.start == retry.due == utc("2026-01-07T13:00:00Z")
    local_end = first.end.astimezone(NEW_YORK).strftime("%H:%M:%S")
    assert retry.reason == (
        f"retry 1 of 1: No Answer at Tue {local_end} EST; next_day: due Wed 08:00 EST, the "
        "first window of a later day and at least 0 s after the call"
    )


@pytest.mark.parametrize(
    "now",
    ["2026-01-06T04:00:00Z", "2026-01-06T06:59:00Z"],
    ids=["monday_23_00", "tuesday_01_59"],
)
def test_next_day_retry_of_a_call_held_by_mondays_window_alone_goes_to_tuesdays_opening(
    now: str,
) -> None:
    # Before Tuesday's 02:00 EST opening only Monday's window holds the call, so the
    # retry goes to the first window of a later day: Tuesday's, though it overlaps Monday's.
    timeline = plan(campaign(**OVERLAPPING), now=utc(now))
    first, retry = timeline.attempts
    assert first.start == utc(now)
    assert retry.start == utc("2026-01-06T07:00:00Z")


@pytest.mark.parametrize(
    ("now", "delay", "expected_retry"),
    [
        ("2026-03-08T06:00:00Z", 3600, "2026-03-08T07:00:30Z"),
        ("2026-03-08T06:00:00Z", 7200, "2026-03-08T08:00:30Z"),
        ("2026-11-01T05:00:00Z", 3600, "2026-11-01T06:00:30Z"),
        ("2026-11-01T05:30:00Z", 5400, "2026-11-01T07:00:30Z"),
    ],
    ids=[
        "spring_forward_1h",
        "spring_forward_2h_not_wall_clock_03_00",
        "fall_back_1h_lands_in_repeated_hour",
        "fall_back_90min",
    ],
)
def test_fixed_retry_across_dst_is_delayed_by_real_seconds(
    now: str, delay: int, expected_retry: str
) -> None:
    c = campaign(
        startTime="00:00",
        endTime="24:00",
        activeDays=[0, 1, 2, 3, 4, 5, 6],
        retryDelaySeconds=delay,
        callRetries=1,
    )
    timeline = plan(c, now=utc(now))
    first, retry = timeline.attempts
    assert first.start == utc(now)
    assert retry.start == utc(expected_retry)
    assert (retry.start - first.end).total_seconds() == delay
    assert retry.start_ts - first.end_ts == delay


def test_fixed_retry_counts_from_the_end_of_the_call_not_its_start() -> None:
    c = campaign(retryDelaySeconds=600, callRetries=1)
    timeline = plan(c, now=utc("2026-01-05T15:00:00Z"), outcomes=outcomes.always("Busy", 250))
    first, retry = timeline.attempts
    assert first.end == utc("2026-01-05T15:04:10Z")
    assert retry.start == utc("2026-01-05T15:14:10Z")
    assert "Busy" in retry.reason
    assert "10 min delay" in retry.reason


def test_retry_delay_zero_retries_as_soon_as_the_call_ends() -> None:
    c = campaign(retryDelaySeconds=0, callRetries=2, callIntervalSeconds=0)
    timeline = plan(c, now=utc("2026-01-05T15:00:00Z"), outcomes=outcomes.always("Busy", 1))
    assert starts(timeline) == [
        (A, 1, "2026-01-05T15:00:00Z"),
        (A, 2, "2026-01-05T15:00:01Z"),
        (A, 3, "2026-01-05T15:00:02Z"),
    ]


# -- pacing and concurrency -----------------------------------------------------


def test_even_mode_spaces_starts_by_the_interval_from_the_opening() -> None:
    c = campaign(phoneList=phones(10), callRetries=0)
    timeline = plan(c, now=utc("2026-01-05T12:00:00Z"))  # 07:00 EST, before opening
    opening = utc("2026-01-05T14:00:00Z")
    assert [a.start for a in timeline.attempts] == [
        opening + timedelta(seconds=30 * k) for k in range(10)
    ]
    assert [a.phone for a in timeline.attempts] == phones(10)
    assert timeline.attempts[0].reason == (
        "attempt 1 of 1: first call, next in list order; first opening is Mon 09:00 EST"
    )
    # Every later one fell due (at now) outside the window too, then waited for pacing.
    assert {a.reason for a in timeline.attempts[1:]} == {
        "attempt 1 of 1: first call, next in list order; first opening is Mon 09:00 EST; "
        "then 30 s after the previous call started (even pacing)"
    }


def test_even_mode_waits_for_a_free_line_when_calls_outlast_the_interval() -> None:
    # 10 min calls, 5 lines, 30 s pacing: five starts 30 s apart, then each
    # further call waits for the line of the call five before it.
    c = campaign(phoneList=phones(8), callRetries=0)
    timeline = plan(c, now=utc("2026-01-05T14:00:00Z"), outcomes=outcomes.always("No Answer", 600))
    offsets = [
        int((a.start - utc("2026-01-05T14:00:00Z")).total_seconds()) for a in timeline.attempts
    ]
    assert offsets == [0, 30, 60, 90, 120, 600, 630, 660]
    assert "all 5 were busy" in timeline.attempts[5].reason


def test_asap_mode_fills_every_line_at_once() -> None:
    c = campaign(phoneList=phones(7), callRetries=0, schedulingMode="asap", maxConcurrency=3)
    timeline = plan(c, now=utc("2026-01-05T12:00:00Z"), outcomes=outcomes.always("No Answer", 60))
    opening = utc("2026-01-05T14:00:00Z")
    assert [a.start for a in timeline.attempts] == [
        opening,
        opening,
        opening,
        opening + timedelta(seconds=60),
        opening + timedelta(seconds=60),
        opening + timedelta(seconds=60),
        opening + timedelta(seconds=120),
    ]
    assert [a.phone for a in timeline.attempts] == phones(7)


def test_asap_mode_ignores_the_interval() -> None:
    c = campaign(phoneList=phones(4), callRetries=0, schedulingMode="asap", callIntervalSeconds=120)
    timeline = plan(c, now=utc("2026-01-05T15:00:00Z"))
    assert {a.start for a in timeline.attempts} == {utc("2026-01-05T15:00:00Z")}


def test_a_call_may_run_past_the_windows_end() -> None:
    c = campaign(phoneList=phones(2), callRetries=0)
    timeline = plan(c, now=utc("2026-01-05T21:59:40Z"), outcomes=outcomes.always("success", 600))
    assert starts(timeline) == [
        (A, 1, "2026-01-05T21:59:40Z"),
        (B, 1, "2026-01-06T14:00:00Z"),  # 22:00:10Z would be after closing
    ]
    assert timeline.attempts[0].end == utc("2026-01-05T22:09:40Z")


def test_due_retries_outrank_first_attempts_still_queued() -> None:
    # One line, 60 s calls, retries due 90 s after a call ends: A's retry is due
    # at +150 s while C and D still wait for their first call.
    c = campaign(
        phoneList=phones(4),
        callRetries=1,
        retryDelaySeconds=90,
        schedulingMode="asap",
        maxConcurrency=1,
    )
    timeline = plan(c, now=utc("2026-01-05T15:00:00Z"), outcomes=outcomes.always("No Answer", 60))
    assert starts(timeline) == [
        (A, 1, "2026-01-05T15:00:00Z"),
        (B, 1, "2026-01-05T15:01:00Z"),
        (C, 1, "2026-01-05T15:02:00Z"),
        (A, 2, "2026-01-05T15:03:00Z"),  # due 15:02:30, before D's first call
        (B, 2, "2026-01-05T15:04:00Z"),  # due 15:03:30
        (C, 2, "2026-01-05T15:05:00Z"),  # due 15:04:30
        (D, 1, "2026-01-05T15:06:00Z"),
        (D, 2, "2026-01-05T15:08:30Z"),
    ]


def test_retries_due_together_go_in_customer_order() -> None:
    # B's call is shorter, so its retry is due first; A's and C's are due at the same
    # instant and go in list order.
    c = campaign(
        phoneList=[A, B, C],
        callRetries=1,
        retryDelaySeconds=0,
        schedulingMode="asap",
        maxConcurrency=3,
    )
    source = outcomes.scripted(
        {A: [("Busy", 100)], B: [("Busy", 50)], C: [("Busy", 100)]},
        default=outcomes.always("success", 10),
    )
    timeline = plan(c, now=utc("2026-01-05T15:00:00Z"), outcomes=source)
    assert starts(timeline) == [
        (A, 1, "2026-01-05T15:00:00Z"),
        (B, 1, "2026-01-05T15:00:00Z"),
        (C, 1, "2026-01-05T15:00:00Z"),
        (B, 2, "2026-01-05T15:00:50Z"),
        (A, 2, "2026-01-05T15:01:40Z"),
        (C, 2, "2026-01-05T15:01:40Z"),
    ]


# -- how customers end ----------------------------------------------------------


def test_success_ends_a_customer() -> None:
    c = campaign(phoneList=[A, B], callRetries=3, retryDelaySeconds=60)
    source = outcomes.scripted({A: [("No Answer", 20), ("success", 120)]})
    timeline = plan(c, now=utc("2026-01-05T15:00:00Z"), outcomes=source)
    a_attempts = [a for a in timeline.attempts if a.phone == A]
    b_attempts = [a for a in timeline.attempts if a.phone == B]
    assert [(a.number, a.outcome) for a in a_attempts] == [(1, "No Answer"), (2, "success")]
    assert [a.number for a in b_attempts] == [1, 2, 3, 4]
    assert timeline.final_states == {A: "done", B: "exhausted"}
    assert timeline.expired == []


@pytest.mark.parametrize(
    ("outcome", "conditions"),
    [
        ("Rejected", None),
        ("Invalid", None),
        ("api_error", None),
        ("exceeded-max-duration", None),
        ("No Answer", ["Busy"]),
        ("api_error", ["No Answer", "Busy"]),
    ],
    ids=[
        "rejected_default_conditions",
        "invalid_default_conditions",
        "api_error_never_retried",
        "max_duration_default_conditions",
        "no_answer_not_in_custom_conditions",
        "api_error_custom_conditions",
    ],
)
def test_outcome_not_in_retry_conditions_ends_the_customer(
    outcome: str, conditions: list[str] | None
) -> None:
    overrides: dict[str, Any] = {"callRetries": 3}
    if conditions is not None:
        overrides["retryConditions"] = conditions
    timeline = plan(
        campaign(**overrides),
        now=utc("2026-01-05T15:00:00Z"),
        outcomes=outcomes.always(outcome, 15),
    )
    assert [(a.number, a.outcome) for a in timeline.attempts] == [(1, outcome)]
    assert timeline.final_states == {A: "done"}
    assert timeline.expired == []


@pytest.mark.parametrize(
    "outcome", ["Busy", "voicemail", "Timeout", "Unreachable", "Service Unavailable"]
)
def test_default_retry_conditions_retry_until_exhausted(outcome: str) -> None:
    timeline = plan(
        campaign(callRetries=2, retryDelaySeconds=60),
        now=utc("2026-01-05T15:00:00Z"),
        outcomes=outcomes.always(outcome, 10),
    )
    assert [a.number for a in timeline.attempts] == [1, 2, 3]
    assert timeline.final_states == {A: "exhausted"}


def test_call_retries_zero_calls_once() -> None:
    timeline = plan(campaign(callRetries=0), now=utc("2026-01-05T15:00:00Z"))
    assert [a.number for a in timeline.attempts] == [1]
    assert timeline.final_states == {A: "exhausted"}


def test_duplicate_numbers_are_called_once_with_a_warning() -> None:
    c = campaign(
        customers=[{"phoneNumber": C, "properties": {"name": "Carol"}}, {"phoneNumber": A}],
        phoneList=[A, B, A, C],
        callRetries=0,
    )
    timeline = plan(c, now=utc("2026-01-05T15:00:00Z"))
    # customers first, then phoneList; each number once, in the order first listed.
    assert [a.phone for a in timeline.attempts] == [C, A, B]
    assert list(timeline.final_states) == [C, A, B]
    assert any(A in w and "3 times" in w and "called once" in w for w in timeline.warnings)
    assert any(C in w and "2 times" in w for w in timeline.warnings)
    assert not any(B in w for w in timeline.warnings)
    assert timeline.summary().customers == 3


# -- when the campaign starts ---------------------------------------------------


def test_now_inside_a_window_calls_at_now_exactly() -> None:
    timeline = plan(campaign(), now=utc("2026-01-05T15:17:23Z"))
    first = timeline.attempts[0]
    assert first.start == utc("2026-01-05T15:17:23Z")
    assert first.local_start == datetime(2026, 1, 5, 10, 17, 23, tzinfo=NEW_YORK)
    assert first.local_start.utcoffset() == timedelta(hours=-5)


def test_now_given_in_another_zone_is_the_same_instant() -> None:
    prague = datetime(2026, 1, 5, 16, 17, 23, tzinfo=ZoneInfo("Europe/Prague"))
    timeline = plan(campaign(), now=prague)
    assert timeline.attempts[0].start == utc("2026-01-05T15:17:23Z")
    assert timeline.attempts[0].start.tzinfo == UTC


def test_now_after_closing_calls_at_the_next_opening() -> None:
    timeline = plan(campaign(callRetries=0), now=utc("2026-01-09T22:00:00Z"))  # Friday 17:00
    assert starts(timeline) == [(A, 1, "2026-01-12T14:00:00Z")]  # Monday 09:00


@pytest.mark.parametrize(
    ("microsecond", "expected"),
    [(500_000, "2026-01-05T15:00:01Z"), (1, "2026-01-05T15:00:01Z"), (0, "2026-01-05T15:00:00Z")],
    ids=["half_a_second", "one_microsecond", "whole_second"],
)
def test_a_fractional_now_rounds_up_to_the_next_whole_second(
    microsecond: int, expected: str
) -> None:
    now = datetime(2026, 1, 5, 15, 0, 0, microsecond, tzinfo=UTC)
    timeline = plan(campaign(), now=now)
    assert starts(timeline) == [
        (A, 1, expected),
        (A, 2, (utc(expected) + timedelta(seconds=7230)).isoformat().replace("+00:00", "Z")),
        (A, 3, (utc(expected) + timedelta(seconds=14_460)).isoformat().replace("+00:00", "Z")),
    ]
    first = timeline.attempts[0]
    assert first.start >= now
    assert first.due == utc(expected)
    assert first.reason == "attempt 1 of 3: first call, placed as soon as it was queued"
    # The timeline keeps the now it was given.
    assert timeline.now == now


def test_a_fractional_now_just_before_closing_rounds_up_to_the_close() -> None:
    # 16:59:59.5 EST rounds up to 17:00:00, when the window has closed: Tuesday's opening.
    now = datetime(2026, 1, 5, 21, 59, 59, 500_000, tzinfo=UTC)
    timeline = plan(campaign(callRetries=0), now=now)
    assert starts(timeline) == [(A, 1, "2026-01-06T14:00:00Z")]
    first = timeline.attempts[0]
    assert first.due == utc("2026-01-05T22:00:00Z")
    assert first.reason == (
        "attempt 1 of 1: first call, next in list order; first opening is Tue 09:00 EST"
    )


@pytest.mark.parametrize(
    ("start_date", "expected_first"),
    [
        ("2026-01-07", "2026-01-07T14:00:00Z"),
        ("2026-01-10", "2026-01-12T14:00:00Z"),
        ("2026-03-09", "2026-03-09T13:00:00Z"),
        ("2026-01-01", "2026-01-05T15:00:00Z"),
    ],
    ids=["wednesday_opening", "saturday_start_waits_for_monday", "edt_opening", "past_start_date"],
)
def test_start_date_sets_the_first_call(start_date: str, expected_first: str) -> None:
    timeline = plan(campaign(startDate=start_date, callRetries=0), now=utc("2026-01-05T15:00:00Z"))
    assert starts(timeline) == [(A, 1, expected_first)]


def test_active_days_empty_expires_everything() -> None:
    c = campaign(activeDays=[], phoneList=phones(3))
    timeline = plan(c, now=utc("2026-01-05T15:00:00Z"))
    assert timeline.attempts == []
    assert [(e.phone, e.number) for e in timeline.expired] == [(p, 1) for p in phones(3)]
    for entry in timeline.expired:
        # The true cause, not a list that did not fit.
        assert entry.reason == (
            "attempt 1 of 3: never called: activeDays is empty, so the campaign has no "
            "calling window at all"
        )
        assert entry.due == utc("2026-01-05T15:00:00Z")
    assert timeline.final_states == dict.fromkeys(phones(3), "expired")
    assert timeline.warnings == (
        "activeDays is empty: the campaign has no calling window at all",
        "nothing can be called: activeDays is empty, so the campaign has no calling window at all",
    )
    summary = timeline.summary()
    assert (summary.attempts, summary.expired, summary.first_call) == (0, 3, None)


# -- when the campaign ends -----------------------------------------------------


def test_end_date_too_close_expires_the_rest_with_reasons() -> None:
    # Monday 16:00 EST, the campaign's last day: 10-minute pacing fits six first
    # calls before 17:00; the other four never get one and no retry gets a window.
    c = campaign(phoneList=phones(10), endDate="2026-01-05", callIntervalSeconds=600, callRetries=1)
    timeline = plan(c, now=utc("2026-01-05T21:00:00Z"))
    assert [a.start for a in timeline.attempts] == [
        utc("2026-01-05T21:00:00Z") + timedelta(minutes=10 * k) for k in range(6)
    ]
    retries = [e for e in timeline.expired if e.number == 2]
    firsts = [e for e in timeline.expired if e.number == 1]
    assert [e.phone for e in retries] == phones(6)
    assert [e.phone for e in firsts] == phones(10)[6:]
    for entry in firsts:
        assert "the list did not fit" in entry.reason
        assert "Mon 17:00 EST" in entry.reason
        assert entry.due == utc("2026-01-05T21:00:00Z")
    for entry, attempt in zip(retries, timeline.attempts, strict=True):
        assert entry.due == attempt.end + timedelta(hours=2)
        assert "retry 1 of 1" in entry.reason
        assert "the last window closed at Mon 17:00 EST on 2026-01-05" in entry.reason
    assert timeline.final_states == dict.fromkeys(phones(10), "expired")
    assert (
        "the list does not fit: 4 of 10 customers are never called before the campaign ends "
        "(customers reached by attempt 1: 6, attempt 2: 0)"
    ) in timeline.warnings
    assert "6 retries expire: no window is left for them" in timeline.warnings
    assert timeline.summary().expired == 10


def test_end_date_expires_a_next_day_retry_with_no_later_window() -> None:
    c = campaign(
        phoneList=[A, B],
        endDate="2026-01-05",
        retryDelayMode="next_day",
        retryDelaySeconds=0,
        callRetries=1,
    )
    source = outcomes.scripted({B: [("success", 30)]})
    timeline = plan(c, now=utc("2026-01-05T15:00:00Z"), outcomes=source)
    assert starts(timeline) == [
        (A, 1, "2026-01-05T15:00:00Z"),
        (B, 1, "2026-01-05T15:00:30Z"),
    ]
    [entry] = timeline.expired
    assert (entry.phone, entry.number) == (A, 2)
    assert "no later day has a window" in entry.reason
    assert timeline.final_states == {A: "expired", B: "done"}


def test_end_date_in_the_past_expires_every_first_attempt() -> None:
    c = campaign(phoneList=[A, B], startDate="2025-12-01", endDate="2025-12-31")
    timeline = plan(c, now=utc("2026-01-05T15:00:00Z"))
    assert timeline.attempts == []
    assert [(e.phone, e.number) for e in timeline.expired] == [(A, 1), (B, 1)]
    assert timeline.final_states == {A: "expired", B: "expired"}


def test_retries_on_the_last_day_still_run_until_it_closes() -> None:
    c = campaign(endDate="2026-01-06", retryDelaySeconds=3600, callRetries=3)
    timeline = plan(c, now=utc("2026-01-06T20:00:00Z"))  # Tuesday 15:00 EST
    assert starts(timeline) == [
        (A, 1, "2026-01-06T20:00:00Z"),
        (A, 2, "2026-01-06T21:00:30Z"),
    ]
    [entry] = timeline.expired
    assert entry.number == 3
    assert entry.due == utc("2026-01-06T22:01:00Z")  # Tuesday 17:01, just after closing
    assert timeline.final_states == {A: "expired"}


# -- the summary ----------------------------------------------------------------


def test_summary_of_a_small_campaign() -> None:
    # Monday 16:00 EST; 30 s pacing; B answers the first time. The 2 h retries of A
    # and C fall after closing and go to Tuesday's opening, 30 s apart.
    c = campaign(phoneList=[A, B, C], callRetries=1)
    source = outcomes.scripted({B: [("success", 90)]})
    timeline = plan(c, now=utc("2026-01-05T21:00:00Z"), outcomes=source)
    assert starts(timeline) == [
        (A, 1, "2026-01-05T21:00:00Z"),
        (B, 1, "2026-01-05T21:00:30Z"),
        (C, 1, "2026-01-05T21:01:00Z"),
        (A, 2, "2026-01-06T14:00:00Z"),
        (C, 2, "2026-01-06T14:00:30Z"),
    ]
    summary = timeline.summary()
    assert summary.customers == 3
    assert summary.attempts == 5
    assert summary.calls_per_day == {date(2026, 1, 5): 3, date(2026, 1, 6): 2}
    assert summary.first_call == utc("2026-01-05T21:00:00Z")
    assert summary.last_call == utc("2026-01-06T14:00:30Z")
    assert summary.reached_last_attempt == 2
    assert summary.expired == 0
    # The start of the clock hour 16:00 EST, as aware UTC.
    assert summary.busiest_hour == (utc("2026-01-05T21:00:00Z"), 3)
    assert summary.busiest_hour[0].tzinfo is UTC
    assert summary.outcomes == {"No Answer": 4, "success": 1}
    assert summary.as_dict() == {
        "customers": 3,
        "attempts": 5,
        "callsPerDay": {"2026-01-05": 3, "2026-01-06": 2},
        "firstCall": "2026-01-05T21:00:00Z",
        "lastCall": "2026-01-06T14:00:30Z",
        "reachedLastAttempt": 2,
        "expired": 0,
        "neverCalled": 0,
        "busiestHour": {"start": "2026-01-05T16:00:00-05:00", "calls": 3},
        "outcomes": {"No Answer": 4, "success": 1},
        "rules": {},
    }
    assert timeline.final_states == {A: "exhausted", B: "done", C: "exhausted"}


def test_summary_counts_calls_per_local_day_not_utc_day() -> None:
    # 19:00-23:00 EST is 00:00-04:00Z the next UTC day: the local date counts.
    c = campaign(startTime="19:00", endTime="23:00", phoneList=phones(2), callRetries=0)
    timeline = plan(c, now=utc("2026-01-06T01:00:00Z"))  # Monday 20:00 EST
    assert timeline.summary().calls_per_day == {date(2026, 1, 5): 2}


def test_summary_of_an_empty_plan() -> None:
    timeline = plan(campaign(activeDays=[]), now=utc("2026-01-05T15:00:00Z"))
    summary = timeline.summary()
    assert summary.calls_per_day == {}
    assert (summary.first_call, summary.last_call, summary.busiest_hour) == (None, None, None)
    assert summary.outcomes == {}


# -- the timeline's shape -------------------------------------------------------


def test_attempt_rows_are_json_ready() -> None:
    timeline = plan(campaign(callRetries=0), now=utc("2026-01-05T15:00:00Z"))
    assert timeline.attempts[0].as_dict() == {
        "phone": A,
        "attemptNumber": 1,
        "start": "2026-01-05T15:00:00Z",
        "end": "2026-01-05T15:00:30Z",
        "localStart": "2026-01-05T10:00:00-05:00",
        "due": "2026-01-05T15:00:00Z",
        "outcome": "No Answer",
        "reason": timeline.attempts[0].reason,
    }
    assert timeline.tzdata_version
    assert timeline.attempts[0].start.tzinfo == UTC
    assert timeline.attempts[0].end.tzinfo == UTC


def test_plan_rejects_a_naive_now() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        plan(campaign(), now=datetime(2026, 1, 5, 15, 0))


def test_same_inputs_give_identical_output() -> None:
    body: dict[str, Any] = {
        **BASE,
        "timezone": "Europe/Prague",
        "phoneList": phones(9),
        "callRetries": 3,
        "retryDelaySeconds": 1800,
        "maxConcurrency": 2,
        "endDate": "2026-03-31",
    }
    now = utc("2026-03-27T14:00:00Z")  # Friday; DST starts in Prague on Sunday 29th

    def run(c: Campaign) -> dict[str, Any]:
        timeline = plan(c, now=now, outcomes=outcomes.random(17, answer_rate=0.2))
        return {
            "attempts": [a.as_dict() for a in timeline.attempts],
            "expired": [e.as_dict() for e in timeline.expired],
            "warnings": timeline.warnings,
            "final": timeline.final_states,
            "summary": timeline.summary().as_dict(),
        }

    shared = Campaign.model_validate(body)
    first = run(shared)
    assert first == run(shared)  # the campaign's calendar is reused
    assert first == run(Campaign.model_validate(body))  # and built afresh
    assert len(first["attempts"]) > 9


# -- clock changes --------------------------------------------------------------


def test_window_starting_in_the_spring_gap_opens_at_the_first_later_clock_reading() -> None:
    # 02:30-05:00 on 2026-03-08: the clock jumps 02:00 EST -> 03:00 EDT (07:00Z).
    c = campaign(
        startTime="02:30", endTime="05:00", activeDays=[6], phoneList=[A, B], callRetries=0
    )
    timeline = plan(c, now=utc("2026-03-08T05:00:00Z"))
    assert starts(timeline) == [
        (A, 1, "2026-03-08T07:00:00Z"),
        (B, 1, "2026-03-08T07:00:30Z"),
    ]
    assert timeline.attempts[0].reason == (
        "attempt 1 of 1: first call, next in list order; first opening is Sun 03:00 EDT"
    )


def test_window_wholly_in_the_spring_gap_skips_the_day_with_a_warning() -> None:
    c = campaign(startTime="02:05", endTime="02:45", activeDays=[6], callRetries=0)
    timeline = plan(c, now=utc("2026-03-07T12:00:00Z"))
    assert starts(timeline) == [(A, 1, "2026-03-15T06:05:00Z")]  # a week later, 02:05 EDT
    assert (
        "Sunday 2026-03-08 is an active day with no window: its hours do not exist on the "
        "clock that day"
    ) in timeline.warnings


def test_retry_in_the_fall_back_fold_waits_for_the_repeated_window_piece() -> None:
    # 01:30-05:00 on 2026-11-01 is 05:30Z-06:00Z and 06:30Z-10:00Z: from 06:00Z to
    # 06:30Z the clock reads 01:00-01:29 EST again, outside the window.
    c = campaign(
        startTime="01:30", endTime="05:00", activeDays=[6], callRetries=1, retryDelaySeconds=0
    )
    timeline = plan(c, now=utc("2026-11-01T05:59:00Z"), outcomes=outcomes.always("Busy", 60))
    assert starts(timeline) == [
        (A, 1, "2026-11-01T05:59:00Z"),
        (A, 2, "2026-11-01T06:30:00Z"),
    ]
    assert timeline.attempts[1].local_start.isoformat() == "2026-11-01T01:30:00-05:00"


def test_reason_of_a_retry_held_back_by_busy_lines_says_why_it_starts_then() -> None:
    # One line. A's retry is due at 15:01:30, inside the window, but B's two-hour
    # call holds the only line until 17:00:30, after closing.
    c = campaign(
        phoneList=[A, B],
        callRetries=1,
        retryDelaySeconds=60,
        schedulingMode="asap",
        maxConcurrency=1,
    )
    source = outcomes.scripted({B: [("success", 7200)]})
    timeline = plan(c, now=utc("2026-01-05T20:00:00Z"), outcomes=source)
    retry = timeline.attempts[2]
    assert (retry.phone, retry.number) == (A, 2)
    assert retry.due == utc("2026-01-05T20:01:30Z")
    assert retry.start == utc("2026-01-06T14:00:00Z")
    # The delay ended inside the window: the wait is the line's, then the night's.
    assert retry.reason == (
        "retry 1 of 1: No Answer at Mon 15:00:30 EST, 1 min delay ended at Mon 15:01:30 EST; "
        "no free line or pacing slot before that window closed; next opening is Tue 09:00 EST"
    )


@pytest.mark.parametrize(
    ("overrides", "script"),
    [
        ({"schedulingMode": "asap", "maxConcurrency": 1}, {A: [("success", 7200)]}),
        ({"callIntervalSeconds": 3600}, {}),
    ],
    ids=["busy_line", "pacing"],
)
def test_reason_of_a_first_call_pushed_past_the_close_names_the_next_opening(
    overrides: dict[str, Any], script: dict[str, list[tuple[str, int]]]
) -> None:
    # Monday 16:00 EST: B is due at once, but the only line (or the pacing) holds it
    # past 17:00.
    c = campaign(phoneList=[A, B], callRetries=0, **overrides)
    timeline = plan(c, now=utc("2026-01-05T21:00:00Z"), outcomes=outcomes.scripted(script))
    assert starts(timeline) == [(A, 1, "2026-01-05T21:00:00Z"), (B, 1, "2026-01-06T14:00:00Z")]
    second = timeline.attempts[1]
    assert second.due == utc("2026-01-05T21:00:00Z")
    assert second.reason == (
        "attempt 1 of 1: first call, next in list order; no free line or pacing slot before "
        "that window closed; next opening is Tue 09:00 EST"
    )


def test_reason_names_both_the_first_opening_and_the_next_one() -> None:
    # Due at 07:00 EST, before the 09:00-10:00 window; A's two-hour call holds the only
    # line through that whole window, so B waits for Tuesday's.
    c = campaign(
        phoneList=[A, B],
        callRetries=0,
        startTime="09:00",
        endTime="10:00",
        schedulingMode="asap",
        maxConcurrency=1,
    )
    source = outcomes.scripted({A: [("success", 7200)]})
    timeline = plan(c, now=utc("2026-01-05T12:00:00Z"), outcomes=source)
    assert starts(timeline) == [(A, 1, "2026-01-05T14:00:00Z"), (B, 1, "2026-01-06T14:00:00Z")]
    assert [a.reason for a in timeline.attempts] == [
        "attempt 1 of 1: first call, next in list order; first opening is Mon 09:00 EST",
        "attempt 1 of 1: first call, next in list order; first opening is Mon 09:00 EST; "
        "no free line or pacing slot before that window closed; next opening is Tue 09:00 EST",
    ]


def test_busiest_hour_does_not_merge_the_two_hours_of_a_fall_back_fold() -> None:
    # Every 20 min from 01:00 EDT (05:00Z): three calls in each real hour,
    # 01:00-02:00 EDT, 01:00-02:00 EST and 02:00-03:00 EST.
    c = campaign(
        startTime="00:00",
        endTime="24:00",
        activeDays=[6],
        phoneList=phones(9),
        callRetries=0,
        callIntervalSeconds=1200,
    )
    timeline = plan(c, now=utc("2026-11-01T05:00:00Z"))
    assert [a.start for a in timeline.attempts] == [
        utc("2026-11-01T05:00:00Z") + timedelta(minutes=20 * k) for k in range(9)
    ]
    summary = timeline.summary()
    # Three hours of three calls each: the earliest, 01:00 EDT, wins the tie.
    assert summary.busiest_hour == (utc("2026-11-01T05:00:00Z"), 3)
    assert summary.busiest_hour[0].tzinfo is UTC
    assert summary.as_dict()["busiestHour"] == {"start": "2026-11-01T01:00:00-04:00", "calls": 3}
    assert summary.calls_per_day == {date(2026, 11, 1): 9}


def test_busiest_hour_can_be_the_repeated_01_00_hour_of_a_fall_back_day() -> None:
    # Every 15 min from 01:30 EDT (05:30Z): two calls in 01:00-02:00 EDT, four in the
    # repeated 01:00-02:00 EST (06:00Z-07:00Z), two in 02:00-03:00 EST.
    c = campaign(
        startTime="00:00",
        endTime="24:00",
        activeDays=[6],
        phoneList=phones(8),
        callRetries=0,
        callIntervalSeconds=900,
    )
    timeline = plan(c, now=utc("2026-11-01T05:30:00Z"))
    assert [a.start for a in timeline.attempts] == [
        utc("2026-11-01T05:30:00Z") + timedelta(minutes=15 * k) for k in range(8)
    ]
    summary = timeline.summary()
    assert summary.busiest_hour == (utc("2026-11-01T06:00:00Z"), 4)
    assert summary.as_dict()["busiestHour"] == {"start": "2026-11-01T01:00:00-05:00", "calls": 4}
