"""The retry rule of the README's Semantics: whether a customer is called again, and from when.

Unless a test says otherwise the calendar is New York, 09:00-17:00 on
weekdays; 2026-01-05 is a Monday on EST (UTC-05:00), so 09:00 local is 14:00Z.
``RetryPolicy.after`` answers with the epoch second the next attempt is due
(the dialer moves it into a window) or with how the customer ends.
"""

from __future__ import annotations

from datetime import date, datetime

import pytest

from scheduler import Campaign
from scheduler.retry import Finish, RetryPolicy, UnknownOutcome, check_outcome
from scheduler.spec import DEFAULT_RETRY_CONDITIONS, OUTCOMES
from scheduler.times import epoch_seconds
from scheduler.windows import Calendar, DayRule

H = 3600
NINE_TO_FIVE: list[DayRule] = [(9 * H, 17 * H)] * 5 + [None, None]
# Monday 20:00 to Tuesday 04:00 (overnight), Tuesday 02:00-10:00 (overlapping it),
# Wednesday 09:00-17:00, nothing else.
OVERNIGHT: list[DayRule] = [(20 * H, 28 * H), (2 * H, 10 * H), (9 * H, 17 * H)] + [None] * 4
ALL_DAY: list[DayRule] = [(0, 24 * H)] * 7
WEEKDAYS_ALL_DAY: list[DayRule] = [(0, 24 * H)] * 5 + [None, None]
NY = "America/New_York"


def ts(text: str) -> int:
    """Epoch seconds of an ISO 8601 instant such as ``2026-01-05T14:00:00Z``."""
    return epoch_seconds(datetime.fromisoformat(text))


def policy(
    *,
    retries: int = 2,
    delay: int = 3600,
    next_day: bool = False,
    conditions: frozenset[str] = frozenset(DEFAULT_RETRY_CONDITIONS),
) -> RetryPolicy:
    return RetryPolicy(retries=retries, delay=delay, next_day=next_day, conditions=conditions)


def both(
    rule: RetryPolicy, calendar: Calendar, outcome: str, number: int, start: int, end: int
) -> int | Finish:
    """``after``'s answer, checked to be the same as the plain function ``rule()`` gives."""
    answer = rule.after(calendar, outcome, number, start, end)
    assert rule.rule()(calendar, outcome, number, start, end) == answer
    return answer


# -- fixed delays ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("delay", "start", "end", "due"),
    [
        (3600, "2026-01-05T14:00:00Z", "2026-01-05T14:10:00Z", "2026-01-05T15:10:00Z"),
        (0, "2026-01-05T14:00:00Z", "2026-01-05T14:00:20Z", "2026-01-05T14:00:20Z"),
        # 16:59 EST + 2 h ends at 19:00:30 EST: due then; the dialer waits for Tuesday.
        (7200, "2026-01-05T21:59:00Z", "2026-01-05T22:00:30Z", "2026-01-06T00:00:30Z"),
        # 2026-11-01 01:30 EDT + 1 h of real time is 01:30 EST, not 02:30 on the clock.
        (3600, "2026-11-01T05:29:00Z", "2026-11-01T05:30:00Z", "2026-11-01T06:30:00Z"),
    ],
    ids=[
        "delay_counts_from_the_call_end",
        "zero_delay_due_when_the_call_ends",
        "due_after_the_window_closes_is_not_moved",
        "ny_fall_back_delay_is_real_time",
    ],
)
def test_fixed_delay_is_due_that_long_after_the_call_ended(
    delay: int, start: str, end: str, due: str
) -> None:
    calendar = Calendar(NY, ALL_DAY)
    answer = both(policy(delay=delay), calendar, "No Answer", 1, ts(start), ts(end))
    assert answer == ts(due)


@pytest.mark.parametrize(
    ("outcome", "number", "conditions"),
    [
        ("success", 1, DEFAULT_RETRY_CONDITIONS),
        ("api_error", 1, DEFAULT_RETRY_CONDITIONS),
        ("Invalid", 1, DEFAULT_RETRY_CONDITIONS),
        ("Busy", 1, ("No Answer",)),
        ("success", 3, DEFAULT_RETRY_CONDITIONS),
        ("success", 1, tuple(OUTCOMES)),
        ("api_error", 1, tuple(OUTCOMES)),
    ],
    ids=[
        "success",
        "api_error",
        "failure_not_in_default_conditions",
        "busy_not_in_campaign_conditions",
        "success_on_the_last_attempt_is_done_not_exhausted",
        "success_never_retried_even_if_listed",
        "api_error_never_retried_even_if_listed",
    ],
)
def test_outcome_not_retried_finishes_done(
    outcome: str, number: int, conditions: tuple[str, ...]
) -> None:
    # A RetryPolicy built by hand may list any string; RetryPolicy.of only takes
    # campaign conditions, which cannot name success or api_error.
    rule = policy(conditions=frozenset(conditions) - {"success", "api_error"})
    start = ts("2026-01-05T14:00:00Z")
    assert both(rule, Calendar(NY, NINE_TO_FIVE), outcome, number, start, start + 30) is Finish.DONE


@pytest.mark.parametrize(
    ("retries", "number", "expected"),
    [
        (2, 1, "2026-01-05T15:00:30Z"),
        (2, 2, "2026-01-05T15:00:30Z"),
        (2, 3, Finish.EXHAUSTED),
        (0, 1, Finish.EXHAUSTED),
    ],
    ids=["first_retry", "last_retry", "every_retry_used", "no_retries_configured"],
)
def test_retries_run_out_after_call_retries(
    retries: int, number: int, expected: str | Finish
) -> None:
    start = ts("2026-01-05T14:00:00Z")
    answer = both(
        policy(retries=retries), Calendar(NY, NINE_TO_FIVE), "No Answer", number, start, start + 30
    )
    assert answer == (expected if isinstance(expected, Finish) else ts(expected))


# -- next_day -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rules", "delay", "start", "end", "due"),
    [
        (NINE_TO_FIVE, 300, "2026-01-05T14:00:00Z", "2026-01-05T14:00:30Z", "2026-01-06T14:00:00Z"),
        (
            NINE_TO_FIVE,
            3600,
            "2026-01-09T21:00:00Z",
            "2026-01-09T21:00:20Z",
            "2026-01-12T14:00:00Z",
        ),
        # Mon 16:00:20 EST + 24 h = Tue 16:00:20 EST, later than Tuesday's 09:00 opening.
        (
            NINE_TO_FIVE,
            86_400,
            "2026-01-05T21:00:00Z",
            "2026-01-05T21:00:20Z",
            "2026-01-06T21:00:20Z",
        ),
        # Mon 23:00 EST lies only in Monday's overnight window: Tuesday 02:00 EST is next.
        (OVERNIGHT, 60, "2026-01-06T04:00:00Z", "2026-01-06T04:00:30Z", "2026-01-06T07:00:00Z"),
        # Tue 03:00 EST lies in Monday's overnight window and in Tuesday's own: it counts
        # as Tuesday's, so the retry waits for Wednesday 09:00 EST.
        (OVERNIGHT, 60, "2026-01-06T08:00:00Z", "2026-01-06T08:00:30Z", "2026-01-07T14:00:00Z"),
        # All day on weekdays: Friday 2026-03-06 to Monday 2026-03-09 00:00 EDT, across the
        # spring-forward Sunday.
        (
            WEEKDAYS_ALL_DAY,
            60,
            "2026-03-06T16:00:00Z",
            "2026-03-06T16:00:30Z",
            "2026-03-09T04:00:00Z",
        ),
    ],
    ids=[
        "monday_call_retried_at_tuesday_opening",
        "friday_call_retried_monday",
        "delay_longer_than_the_wait_wins",
        "overnight_window_call_before_midnight",
        "call_in_two_overlapping_windows_counts_as_the_later_day",
        "friday_to_monday_across_spring_forward",
    ],
)
def test_next_day_is_the_first_window_of_a_later_day_and_at_least_the_delay(
    rules: list[DayRule], delay: int, start: str, end: str, due: str
) -> None:
    rule = policy(delay=delay, next_day=True)
    answer = both(rule, Calendar(NY, rules), "Busy", 1, ts(start), ts(end))
    assert answer == ts(due)


@pytest.mark.parametrize(
    "last_day",
    [date(2026, 1, 9), date(2026, 1, 11)],
    ids=["last_day_is_today", "later_days_left_have_no_window"],
)
def test_next_day_with_no_later_day_finishes(last_day: date) -> None:
    calendar = Calendar(NY, NINE_TO_FIVE, last_day=last_day)
    start = ts("2026-01-09T14:00:00Z")  # Friday 09:00 EST
    rule = policy(next_day=True)
    assert both(rule, calendar, "No Answer", 1, start, start + 20) is Finish.NO_LATER_DAY


def test_fixed_delay_ignores_last_day() -> None:
    # The dialer, not the rule, finds that the attempt can never start.
    calendar = Calendar(NY, NINE_TO_FIVE, last_day=date(2026, 1, 9))
    start = ts("2026-01-09T21:59:00Z")  # Friday 16:59 EST
    assert both(policy(), calendar, "Busy", 1, start, start + 20) == ts("2026-01-09T22:59:20Z")


# -- the policy of a campaign, and outcome names -----------------------------------


def test_policy_of_campaign_reads_the_retry_fields() -> None:
    campaign = Campaign.model_validate(
        {
            "name": "retry",
            "timezone": NY,
            "callRetries": 3,
            "retryDelaySeconds": 900,
            "retryDelayMode": "next_day",
            "retryConditions": ["Busy", "voicemail"],
        }
    )
    rule = RetryPolicy.of(campaign)
    assert rule == RetryPolicy(3, 900, True, frozenset({"Busy", "voicemail"}))
    assert rule.attempts == 4


def test_policy_of_campaign_defaults() -> None:
    rule = RetryPolicy.of(Campaign.model_validate({"name": "retry", "timezone": NY}))
    assert rule == RetryPolicy(0, 300, False, frozenset(DEFAULT_RETRY_CONDITIONS))
    assert rule.attempts == 1


@pytest.mark.parametrize(
    ("outcome", "where", "shown"),
    [
        ("Voicemail", "outcomes[0]", "'Voicemail'"),
        ("no answer", "outcome", "'no answer'"),
        (3, "record.outcome", "3"),
    ],
    ids=["wrong_case_voicemail", "wrong_case_no_answer", "not_a_string"],
)
def test_check_outcome_names_the_field_and_lists_the_allowed(
    outcome: object, where: str, shown: str
) -> None:
    allowed = ", ".join(OUTCOMES)
    # The field and the value first, every allowed outcome last; a hint may sit between.
    head = f"{where}: unknown outcome {shown}"
    with pytest.raises(UnknownOutcome) as raised:
        check_outcome(outcome, where)
    message = str(raised.value)
    assert message.startswith(head)
    assert message.endswith(f"; allowed: {allowed}")
    assert allowed.startswith("success, Rejected, ") and allowed.endswith(", api_error")


@pytest.mark.parametrize("outcome", OUTCOMES)
def test_check_outcome_returns_each_known_outcome(outcome: str) -> None:
    assert check_outcome(outcome) == outcome
