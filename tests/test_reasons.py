"""Reason sentences: why an attempt starts when it does, or why it never starts.

The campaign calls New York, 09:00-17:00 on weekdays, unless a test says
otherwise; 2026-01-05 is a Monday on EST (UTC-05:00), so 09:00 local is
14:00Z. Three attempts per customer (two retries), a 1 h fixed delay, calls
30 s apart on 5 lines. Every sentence below was checked by hand against the
instants it names.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from scheduler import reasons as reasons_module
from scheduler.dialer import Why
from scheduler.reasons import ExpiryCause, ReasonContext, duration
from scheduler.retry import RetryPolicy
from scheduler.spec import DEFAULT_RETRY_CONDITIONS
from scheduler.times import epoch_seconds
from scheduler.tz import load_zone
from scheduler.windows import Calendar, DayRule

H = 3600
NY = "America/New_York"
NINE_TO_FIVE: list[DayRule] = [(9 * H, 17 * H)] * 5 + [None, None]
ALL_DAY: list[DayRule] = [(0, 24 * H)] * 7


def ts(text: str) -> int:
    """Epoch seconds of an ISO 8601 instant such as ``2026-01-05T14:00:00Z``."""
    return epoch_seconds(datetime.fromisoformat(text))


def context(
    *,
    zone: str = NY,
    rules: list[DayRule] = NINE_TO_FIVE,
    last_day: date | None = None,
    lines: int = 5,
    interval: int = 30,
    delay: int = 3600,
    next_day: bool = False,
) -> ReasonContext:
    policy = RetryPolicy(2, delay, next_day, frozenset(DEFAULT_RETRY_CONDITIONS))
    calendar = Calendar(zone, rules, last_day=last_day)
    return ReasonContext(load_zone(zone), policy, lines, interval, calendar)


# -- why an attempt starts then -----------------------------------------------------

# (lines, number, why, start, due, previous outcome, previous end, sentence)
SentenceCase = tuple[int, int, Why, str, str, str | None, str | None, str]

FIXED_CASES: list[SentenceCase] = [
    (
        5,
        1,
        Why.DUE,
        "2026-01-05T14:00:00Z",
        "2026-01-05T14:00:00Z",
        None,
        None,
        "attempt 1 of 3: first call, placed as soon as it was queued",
    ),
    (
        5,
        1,
        Why.WINDOW,
        "2026-01-05T14:00:00Z",
        "2026-01-05T12:00:00Z",
        None,
        None,
        "attempt 1 of 3: first call, next in list order; first opening is Mon 09:00 EST",
    ),
    (
        5,
        1,
        Why.PACE,
        "2026-01-05T14:00:30Z",
        "2026-01-05T14:00:00Z",
        None,
        None,
        "attempt 1 of 3: first call, next in list order; "
        "then 30 s after the previous call started (even pacing)",
    ),
    (
        5,
        1,
        Why.PACE,
        "2026-01-05T14:00:30Z",
        "2026-01-05T12:00:00Z",
        None,
        None,
        "attempt 1 of 3: first call, next in list order; first opening is Mon 09:00 EST; "
        "then 30 s after the previous call started (even pacing)",
    ),
    (
        5,
        1,
        Why.LINE,
        "2026-01-05T14:01:40Z",
        "2026-01-05T14:00:00Z",
        None,
        None,
        "attempt 1 of 3: first call, next in list order; then the first free line "
        "(all 5 were busy)",
    ),
    (
        1,
        1,
        Why.LINE,
        "2026-01-05T14:01:40Z",
        "2026-01-05T14:00:00Z",
        None,
        None,
        "attempt 1 of 3: first call, next in list order; then the first free line "
        "(the only line was busy)",
    ),
    (
        5,
        1,
        Why.QUEUE,
        "2026-01-05T14:00:00Z",
        "2026-01-05T12:00:00Z",
        None,
        None,
        "attempt 1 of 3: first call, next in list order; first opening is Mon 09:00 EST; "
        "then a free line, right after the call before it",
    ),
    # Monday's window closed at 17:00 EST with the line still busy: Tuesday's opening.
    (
        1,
        1,
        Why.WINDOW,
        "2026-01-06T14:00:00Z",
        "2026-01-05T21:00:00Z",
        None,
        None,
        "attempt 1 of 3: first call, next in list order; no free line or pacing slot before "
        "that window closed; next opening is Tue 09:00 EST",
    ),
    (
        5,
        2,
        Why.DUE,
        "2026-01-05T15:00:20Z",
        "2026-01-05T15:00:20Z",
        "Busy",
        "2026-01-05T14:00:20Z",
        "retry 1 of 2: Busy at Mon 09:00:20 EST, 1 h delay ends at Mon 10:00:20 EST",
    ),
    (
        5,
        3,
        Why.PACE,
        "2026-01-05T15:00:30Z",
        "2026-01-05T15:00:20Z",
        "No Answer",
        "2026-01-05T14:00:20Z",
        "retry 2 of 2: No Answer at Mon 09:00:20 EST, 1 h delay ended at Mon 10:00:20 EST; "
        "then 30 s after the previous call started (even pacing)",
    ),
    # Ended 16:30:20 EST; the hour runs past the 17:00 close, so Tuesday's opening.
    (
        5,
        2,
        Why.WINDOW,
        "2026-01-06T14:00:00Z",
        "2026-01-05T22:30:20Z",
        "No Answer",
        "2026-01-05T21:30:20Z",
        "retry 1 of 2: No Answer at Mon 16:30:20 EST, 1 h delay ends after the window closes; "
        "first opening is Tue 09:00 EST",
    ),
]


@pytest.mark.parametrize(
    ("lines", "number", "why", "start", "due", "prev_outcome", "prev_end", "expected"),
    FIXED_CASES,
    ids=[
        "first_call_placed_when_queued",
        "first_call_waits_for_the_opening",
        "first_call_paced",
        "first_call_waits_for_the_opening_then_paced",
        "first_call_waits_for_one_of_five_lines",
        "first_call_waits_for_the_only_line",
        "first_call_on_another_line_at_the_same_instant",
        "first_call_pushed_to_the_next_day",
        "fixed_retry_when_the_delay_ends",
        "fixed_retry_paced_after_the_delay",
        "fixed_retry_delay_ends_after_the_window_closes",
    ],
)
def test_sentence_fixed_delay(
    lines: int,
    number: int,
    why: Why,
    start: str,
    due: str,
    prev_outcome: str | None,
    prev_end: str | None,
    expected: str,
) -> None:
    reasons = context(lines=lines)
    end = None if prev_end is None else ts(prev_end)
    assert reasons.sentence(number, why, ts(start), ts(due), prev_outcome, end) == expected


def test_sentence_first_call_started_when_the_engine_was_asked() -> None:
    # Engine(now=Mon 09:00 EST) queues the customer then; the host first asks due() at
    # 10:00 EST, and the call starts then with Why.NOW, an hour after it was queued.
    reasons = context()
    queued, start = ts("2026-01-05T14:00:00Z"), ts("2026-01-05T15:00:00Z")
    sentence = reasons.sentence(1, Why.NOW, start, queued, None, None)
    assert sentence.startswith("attempt 1 of 3: first call")
    assert "placed as soon as it was queued" not in sentence


def test_sentence_next_day_retry() -> None:
    reasons = context(next_day=True)
    end = ts("2026-01-05T14:00:20Z")  # Monday 09:00:20 EST
    due = reasons.policy.after(reasons.calendar, "No Answer", 1, ts("2026-01-05T14:00:00Z"), end)
    assert due == ts("2026-01-06T14:00:00Z")
    assert reasons.sentence(2, Why.DUE, due, due, "No Answer", end) == (
        "retry 1 of 2: No Answer at Mon 09:00:20 EST; next_day: due Tue 09:00 EST, "
        "the first window of a later day and at least 1 h after the call"
    )


# Monday 09:00-17:00, Tuesday 08:00-12:00, Wednesday to Friday 09:00-17:00.
SHORT_TUESDAY: list[DayRule] = [NINE_TO_FIVE[0], (8 * H, 12 * H), *NINE_TO_FIVE[2:]]


def test_sentence_next_day_retry_whose_delay_outlasts_the_later_days_window() -> None:
    # Monday 13:00:20 EST + 24 h = Tuesday 13:00:20 EST: later than Tuesday's 08:00 opening
    # (so the delay sets the due time), after Tuesday's 12:00 close (so Wednesday's opening).
    reasons = context(rules=SHORT_TUESDAY, delay=86_400, next_day=True)
    end = ts("2026-01-05T18:00:20Z")
    due = reasons.policy.after(reasons.calendar, "No Answer", 1, ts("2026-01-05T18:00:00Z"), end)
    assert due == ts("2026-01-06T18:00:20Z")
    start = reasons.calendar.next_open_ts(due)
    assert start == ts("2026-01-07T14:00:00Z")
    sentence = reasons.sentence(2, Why.WINDOW, start, due, "No Answer", end)
    assert sentence.startswith("retry 1 of 2: No Answer at Mon 13:00:20 EST; next_day: ")
    assert sentence.endswith("first opening is Wed 09:00 EST")
    # Tuesday 13:00:20 EST is in no window: it is not "the first window of a later day".
    assert "due Tue 13:00:20 EST, the first window of a later day" not in sentence


def test_sentence_opening_memo_follows_the_due_time() -> None:
    """Sentences of attempts with different due times, asked in turn, each name their own
    opening: the context's memo of the last due time never leaks into another."""
    shared = context()
    asks = [
        (1, Why.WINDOW, ts("2026-01-05T14:00:00Z"), ts("2026-01-05T12:00:00Z")),
        (1, Why.WINDOW, ts("2026-01-06T14:00:00Z"), ts("2026-01-05T23:00:00Z")),
        (1, Why.PACE, ts("2026-01-05T14:00:30Z"), ts("2026-01-05T14:00:00Z")),
        (1, Why.WINDOW, ts("2026-01-05T14:00:00Z"), ts("2026-01-05T12:00:00Z")),
    ]
    got = [shared.sentence(n, why, start, due, None, None) for n, why, start, due in asks]
    assert got == [
        "attempt 1 of 3: first call, next in list order; first opening is Mon 09:00 EST",
        "attempt 1 of 3: first call, next in list order; first opening is Tue 09:00 EST",
        "attempt 1 of 3: first call, next in list order; "
        "then 30 s after the previous call started (even pacing)",
        "attempt 1 of 3: first call, next in list order; first opening is Mon 09:00 EST",
    ]


# -- labels --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "instant", "expected"),
    [
        (NY, "2026-01-05T14:00:00Z", "Mon 09:00 EST"),
        (NY, "2026-01-05T14:00:20Z", "Mon 09:00:20 EST"),
        (NY, "2026-11-01T05:30:00Z", "Sun 01:30 EDT"),
        (NY, "2026-11-01T06:30:00Z", "Sun 01:30 EST"),
        (NY, "2026-03-08T06:59:59Z", "Sun 01:59:59 EST"),
        (NY, "2026-03-08T07:00:00Z", "Sun 03:00 EDT"),
        ("Asia/Kolkata", "2026-01-05T03:30:00Z", "Mon 09:00 IST"),
        ("Asia/Kolkata", "2026-01-05T03:45:07Z", "Mon 09:15:07 IST"),
        ("Asia/Kathmandu", "2026-01-05T03:15:00Z", "Mon 09:00 +0545"),
        ("Australia/Lord_Howe", "2026-04-04T14:45:00Z", "Sun 01:45 +11"),
        ("Australia/Lord_Howe", "2026-04-04T15:15:00Z", "Sun 01:45 +1030"),
        ("Europe/Dublin", "2026-01-05T09:00:00Z", "Mon 09:00 GMT"),
        ("Europe/Dublin", "2026-07-06T08:00:00Z", "Mon 09:00 IST"),
    ],
    ids=[
        "ny_whole_minute",
        "ny_seconds_shown_when_not_zero",
        "ny_fall_back_first_0130_edt",
        "ny_fall_back_second_0130_est",
        "ny_spring_forward_last_second_est",
        "ny_spring_forward_0300_edt",
        "kolkata_half_hour_offset",
        "kolkata_seconds",
        "kathmandu_quarter_hour_offset",
        "lord_howe_fall_back_first_0145",
        "lord_howe_fall_back_second_0145",
        "dublin_winter_gmt",
        "dublin_summer_ist",
    ],
)
def test_label(zone: str, instant: str, expected: str) -> None:
    assert context(zone=zone, rules=ALL_DAY).label(ts(instant)) == expected


def test_label_fall_back_in_either_order() -> None:
    # Labels are memoised per local day and offset: asking the second 01:30 first
    # must not make the first one read EST.
    reasons = context()
    assert reasons.label(ts("2026-11-01T06:30:00Z")) == "Sun 01:30 EST"
    assert reasons.label(ts("2026-11-01T05:30:00Z")) == "Sun 01:30 EDT"


def test_label_abbreviation_change_at_the_same_offset() -> None:
    reasons = context()
    assert reasons.label(ts("1945-08-14T22:00:00Z")) == "Tue 18:00 EWT"
    assert reasons.label(ts("1945-08-14T23:30:00Z")) == "Tue 19:30 EPT"


# Changes of offset or abbreviation, as (zone, the first instant of the new offset).
CHANGES = [
    (NY, "2026-03-08T07:00:00Z"),
    (NY, "2026-11-01T06:00:00Z"),
    (NY, "1945-08-14T23:00:00Z"),
    ("Australia/Lord_Howe", "2026-04-04T15:00:00Z"),
    ("Australia/Lord_Howe", "2026-10-03T15:30:00Z"),
    ("Africa/Monrovia", "1972-01-07T00:44:30Z"),
    ("Europe/Dublin", "1916-05-21T02:25:21Z"),
    ("Europe/Moscow", "1919-05-31T19:28:41Z"),
    ("America/Chicago", "2200-03-09T08:00:00Z"),
]
CHANGE_IDS = [
    "ny_spring_forward",
    "ny_fall_back",
    "ny_war_time_becomes_peace_time_same_offset",
    "lord_howe_half_hour_fall_back",
    "lord_howe_half_hour_spring_forward",
    "monrovia_odd_seconds_offset_ends",
    "dublin_mean_time_to_summer_time",
    "moscow_odd_seconds_offsets_mid_minute",
    "chicago_far_future_spring_forward",
]


def wall_label(zone: str, t: int) -> str:
    """The label as zoneinfo reads the wall clock: ``Sun 01:59:59 EST``."""
    local = datetime.fromtimestamp(t, UTC).astimezone(load_zone(zone))
    clock = local.strftime("%H:%M" if local.second == 0 else "%H:%M:%S")
    return f"{local.strftime('%a')} {clock} {local.tzname()}"


@pytest.mark.parametrize(("zone", "change"), CHANGES, ids=CHANGE_IDS)
def test_label_reads_the_wall_clock_on_every_second_around_a_change(zone: str, change: str) -> None:
    # Labels are remembered by minute: a minute that holds the change, or whose offset has
    # odd seconds, must still read each second on its own.
    around = range(ts(change) - 150, ts(change) + 150)
    forward, backward = context(zone=zone, rules=ALL_DAY), context(zone=zone, rules=ALL_DAY)
    assert [forward.label(t) for t in around] == [wall_label(zone, t) for t in around]
    assert [backward.label(t) for t in reversed(around)] == [
        wall_label(zone, t) for t in reversed(around)
    ]


def test_labels_stay_right_when_the_memo_of_minutes_is_renewed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(reasons_module, "_MINUTES_KEPT", 3)
    reasons = context()
    instants = [ts("2026-11-01T05:58:00Z") + 37 * k for k in range(40)]
    assert [reasons.label(t) for t in instants * 2] == [wall_label(NY, t) for t in instants * 2]


# -- why an attempt never starts ------------------------------------------------------

FRIDAY = date(2026, 1, 9)


@pytest.mark.parametrize(
    ("number", "due", "cause", "next_day", "prev_outcome", "prev_end", "expected"),
    [
        (
            1,
            "2026-01-05T14:00:00Z",
            ExpiryCause.NO_WINDOW_LEFT,
            False,
            None,
            None,
            "attempt 1 of 3: still queued when the last window closed at Fri 17:00 EST "
            "on 2026-01-09 (the list did not fit)",
        ),
        (
            2,
            "2026-01-09T22:59:20Z",
            ExpiryCause.NO_WINDOW_LEFT,
            False,
            "Busy",
            "2026-01-09T21:59:20Z",
            "retry 1 of 2: Busy at Fri 16:59:20 EST, due Fri 17:59:20 EST, "
            "but the last window closed at Fri 17:00 EST on 2026-01-09",
        ),
        (
            2,
            "2026-01-09T22:30:20Z",
            ExpiryCause.NO_LATER_DAY,
            True,
            "Busy",
            "2026-01-09T21:30:20Z",
            "retry 1 of 2: Busy at Fri 16:30:20 EST, due Fri 17:30:20 EST, "
            "but no later day has a window for a next_day retry",
        ),
    ],
    ids=[
        "first_attempt_list_did_not_fit",
        "fixed_retry_after_the_last_window",
        "next_day_retry_with_no_later_day",
    ],
)
def test_expired(
    number: int,
    due: str,
    cause: ExpiryCause,
    next_day: bool,
    prev_outcome: str | None,
    prev_end: str | None,
    expected: str,
) -> None:
    reasons = context(last_day=FRIDAY, next_day=next_day)
    end = None if prev_end is None else ts(prev_end)
    expired = reasons.expired("+14155550001", number, ts(due), cause, prev_outcome, end)
    assert expired.reason == expected
    assert (expired.phone, expired.number, expired.due_ts, expired.cause) == (
        "+14155550001",
        number,
        ts(due),
        cause,
    )
    assert expired.as_dict() == {
        "phone": "+14155550001",
        "attemptNumber": number,
        "due": due,
        "reason": expected,
    }


# -- durations -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [
        (5400, "1 h 30 min"),
        (0, "0 s"),
        (45, "45 s"),
        (3600, "1 h"),
        (90, "1 min 30 s"),
        (3661, "1 h 1 min 1 s"),
        (86_400, "24 h"),
    ],
    ids=[
        "hour_and_a_half",
        "zero",
        "seconds_only",
        "whole_hour",
        "minute_and_a_half",
        "hours_minutes_seconds",
        "a_day_in_hours",
    ],
)
def test_duration(seconds: int, expected: str) -> None:
    assert duration(seconds) == expected
