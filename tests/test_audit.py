"""Auditing a call log (the README's Semantics): one scenario per code, bad rows, the CLI.

The campaign calls from New York, 09:00-17:00 on weekdays, with two retries
five minutes apart. 2026-01-05 is a Monday on EST (UTC-05:00): its window
runs from 14:00Z to 22:00Z. Each test changes what its scenario needs.
"""

from __future__ import annotations

import io
import json
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from scheduler import Campaign, audit
from scheduler.audit import CODES, AuditError, Violation
from scheduler.cli import main

NEW_YORK = "+12125550102"
SAN_FRANCISCO = "+14155550101"
FLORIDA = "+18505550123"  # area code 850: the Florida panhandle, Central and Eastern time
UTAH = "+18015550105"
EST = timezone(timedelta(hours=-5))


def campaign(**fields: Any) -> Campaign:
    body: dict[str, Any] = {
        "name": "audit",
        "timezone": "America/New_York",
        "startTime": "09:00",
        "endTime": "17:00",
        "activeDays": [0, 1, 2, 3, 4],
        "callRetries": 2,
        "retryDelaySeconds": 300,
        "customers": [{"phoneNumber": NEW_YORK}],
    }
    body.update(fields)
    return Campaign.model_validate(body)


def call(phone: str, start: str, end: str, outcome: str = "No Answer") -> dict[str, str]:
    return {"phone": phone, "start": start, "end": end, "outcome": outcome}


def codes(violations: list[Violation]) -> list[str]:
    return [v.code for v in violations]


def only(violations: list[Violation], code: str) -> Violation:
    """The one violation of ``code``; fails when there are none or several."""
    found = [v for v in violations if v.code == code]
    assert len(found) == 1, f"{code}: {violations}"
    return found[0]


# -- a clean log ---------------------------------------------------------------------


def test_a_log_that_keeps_every_rule_has_no_violation() -> None:
    log = [
        call(NEW_YORK, "2026-01-05T14:00:00Z", "2026-01-05T14:01:00Z"),
        call(NEW_YORK, "2026-01-05T14:06:00Z", "2026-01-05T14:07:00Z", "Busy"),
        call(NEW_YORK, "2026-01-05T21:59:59Z", "2026-01-05T22:10:00Z", "success"),
    ]
    assert audit(campaign(), log) == []


def test_an_empty_log_has_no_violation() -> None:
    assert audit(campaign(), []) == []


# -- one scenario per code -------------------------------------------------------------


def test_a_call_after_the_window_closed_is_outside_the_window() -> None:
    violations = audit(campaign(), [call(NEW_YORK, "2026-01-05T22:15:00Z", "2026-01-05T22:16:00Z")])
    assert violations == [
        Violation(
            code="outside-window",
            phone=NEW_YORK,
            number=1,
            start=datetime(2026, 1, 5, 22, 15, tzinfo=UTC),
            rule=None,
            message="called at 2026-01-05 17:15:00 in America/New_York, outside the "
            "campaign's window (09:00-17:00)",
        )
    ]


@pytest.mark.parametrize(
    ("start", "inside"),
    [
        ("2026-01-05T13:59:59Z", False),
        ("2026-01-05T14:00:00Z", True),
        ("2026-01-05T21:59:59Z", True),
        ("2026-01-05T22:00:00Z", False),
    ],
    ids=["08:59:59", "09:00:00_opens", "16:59:59", "17:00:00_closed"],
)
def test_the_window_is_half_open(start: str, inside: bool) -> None:
    end = (datetime.fromisoformat(start) + timedelta(minutes=1)).isoformat()
    violations = audit(campaign(), [call(NEW_YORK, start, end)])
    assert codes(violations) == ([] if inside else ["outside-window"])


def test_a_call_on_an_inactive_day_says_that_weekday_has_no_window() -> None:
    saturday = audit(campaign(), [call(NEW_YORK, "2026-01-10T15:00:00Z", "2026-01-10T15:01:00Z")])
    assert only(saturday, "outside-window").message == (
        "called at 2026-01-10 10:00:00 in America/New_York, outside the campaign's window "
        "(no window on Saturdays)"
    )


def test_an_overnight_window_holds_the_next_mornings_calls() -> None:
    overnight = campaign(startTime="22:00", endTime="06:00")
    # Friday 22:00 to Saturday 06:00 belongs to Friday; Saturday 07:00 is outside.
    assert audit(overnight, [call(NEW_YORK, "2026-01-10T08:00:00Z", "2026-01-10T08:01:00Z")]) == []
    late = audit(overnight, [call(NEW_YORK, "2026-01-06T12:00:00Z", "2026-01-06T12:01:00Z")])
    message = only(late, "outside-window").message
    assert "called at 2026-01-06 07:00:00 in America/New_York" in message
    assert "(22:00-06:00)" in message


@pytest.mark.parametrize(
    ("fields", "start"),
    [
        ({"blackoutDates": ["2026-01-05"]}, "2026-01-05T15:00:00Z"),
        ({"startDate": "2026-01-06"}, "2026-01-05T15:00:00Z"),
        ({"endDate": "2026-01-05"}, "2026-01-06T15:00:00Z"),
    ],
    ids=["blackout_date", "before_startDate", "after_endDate"],
)
def test_a_call_on_a_day_without_a_window_says_which_date_rule_removed_it(
    fields: dict[str, Any], start: str
) -> None:
    end = (datetime.fromisoformat(start) + timedelta(minutes=1)).isoformat()
    violation = only(audit(campaign(**fields), [call(NEW_YORK, start, end)]), "outside-window")
    assert "10:00:00 in America/New_York" in violation.message
    assert "(09:00-17:00)" not in violation.message


def test_a_florida_call_at_20_15_breaks_the_hours_of_us_fl() -> None:
    florida = campaign(customers=[{"phoneNumber": FLORIDA}], callingRules=["US-FL"])
    violations = audit(florida, [call(FLORIDA, "2026-01-06T01:15:00Z", "2026-01-06T01:16:00Z")])
    assert sorted(codes(violations)) == ["outside-window", "rule-hours"]
    hours = only(violations, "rule-hours")
    assert hours.rule == "US-FL"
    assert hours.number == 1
    assert hours.start == datetime(2026, 1, 6, 1, 15, tzinfo=UTC)
    assert "called at 20:15 in America/New_York; US-FL allows 08:00-20:00" in hours.message
    assert only(violations, "outside-window").rule is None


def test_a_florida_call_at_19_59_keeps_the_hours_of_us_fl() -> None:
    florida = campaign(
        customers=[{"phoneNumber": FLORIDA}], callingRules=["US-FL"], startTime="00:00",
        endTime="24:00",
    )  # fmt: skip
    log = [call(FLORIDA, "2026-01-06T00:59:59Z", "2026-01-06T01:05:00Z")]
    assert audit(florida, log) == []


def test_a_utah_call_on_pioneer_day_is_a_holiday_of_us_ut() -> None:
    utah = campaign(customers=[{"phoneNumber": UTAH}], callingRules=["US-UT"])
    # Friday 2026-07-24, 11:00 EDT in New York, 09:00 MDT in Salt Lake City.
    violations = audit(utah, [call(UTAH, "2026-07-24T15:00:00Z", "2026-07-24T15:01:00Z")])
    holiday = only(violations, "holiday")
    assert codes(violations) == ["holiday"]
    assert holiday.rule == "US-UT"
    assert "called on 2026-07-24 in America/Denver" in holiday.message
    assert "Pioneer Day" in holiday.message


def test_a_utah_call_the_day_after_pioneer_day_is_fine() -> None:
    utah = campaign(customers=[{"phoneNumber": UTAH}], callingRules=["US-UT"])
    assert audit(utah, [call(UTAH, "2026-07-27T15:00:00Z", "2026-07-27T15:01:00Z")]) == []


def florida_calls(*starts: str) -> list[dict[str, str]]:
    return [
        call(FLORIDA, start, (datetime.fromisoformat(start) + timedelta(minutes=1)).isoformat())
        for start in starts
    ]


FLORIDA_CAP = {
    "customers": [{"phoneNumber": FLORIDA}],
    "callingRules": ["US-FL"],
    "callRetries": 5,
    "retryDelaySeconds": 0,
}


def test_a_fourth_florida_call_within_24_hours_breaks_the_cap() -> None:
    log = florida_calls(
        "2026-01-05T14:00:00Z", "2026-01-05T15:00:00Z", "2026-01-05T16:00:00Z",
        "2026-01-05T17:00:00Z",
    )  # fmt: skip
    violations = audit(campaign(**FLORIDA_CAP), log)
    cap = only(violations, "cap")
    assert codes(violations) == ["cap"]
    assert cap.rule == "US-FL"
    assert cap.number == 4
    assert cap.start == datetime(2026, 1, 5, 17, 0, tzinfo=UTC)
    assert cap.message.startswith("US-FL allows 3 calls in 24 h; this is call 4 since")


@pytest.mark.parametrize(
    ("fourth", "broken"),
    [("2026-01-06T14:59:59Z", True), ("2026-01-06T15:00:00Z", False)],
    ids=["1s_before_24h", "exactly_24h_later"],
)
def test_the_cap_counts_the_24_hours_before_the_call(fourth: str, broken: bool) -> None:
    log = florida_calls(
        "2026-01-05T15:00:00Z", "2026-01-05T16:00:00Z", "2026-01-05T17:00:00Z", fourth
    )
    assert codes(audit(campaign(**FLORIDA_CAP), log)) == (["cap"] if broken else [])


def test_history_from_other_campaigns_counts_towards_the_cap() -> None:
    log = florida_calls("2026-01-05T14:00:00Z")
    history: dict[str, list[datetime | str]] = {
        FLORIDA: [
            "2026-01-04T15:00:00Z",
            datetime(2026, 1, 4, 15, 0, tzinfo=EST),  # 20:00Z
            "2026-01-05T02:00:00+00:00",
        ]
    }
    cap = only(audit(campaign(**FLORIDA_CAP), log, history=history), "cap")
    assert (cap.rule, cap.number) == ("US-FL", 1)
    assert "this is call 4 since" in cap.message
    # A call of the other campaign 24 h or more before it does not count.
    older = {FLORIDA: ["2026-01-04T14:00:00Z", "2026-01-04T20:00:00Z", "2026-01-05T02:00:00Z"]}
    assert audit(campaign(**FLORIDA_CAP), log, history=older) == []


def test_history_with_a_naive_time_is_an_error_naming_it() -> None:
    with pytest.raises(ValueError, match=r"history\['\+18505550123'\]\[0\]"):
        audit(campaign(**FLORIDA_CAP), [], history={FLORIDA: ["2026-01-05T02:00:00"]})


def test_attempt_call_retries_plus_two_is_too_many() -> None:
    one_retry = campaign(callRetries=1, retryDelaySeconds=0)
    log = [
        call(NEW_YORK, "2026-01-05T14:00:00Z", "2026-01-05T14:01:00Z"),
        call(NEW_YORK, "2026-01-05T15:00:00Z", "2026-01-05T15:01:00Z"),
        call(NEW_YORK, "2026-01-05T16:00:00Z", "2026-01-05T16:01:00Z"),
    ]
    violation = only(audit(one_retry, log), "too-many-attempts")
    assert codes(audit(one_retry, log)) == ["too-many-attempts"]
    assert violation.number == 3
    assert violation.start == datetime(2026, 1, 5, 16, 0, tzinfo=UTC)
    assert violation.message == "attempt 3, but callRetries 1 allows 2 attempts"


@pytest.mark.parametrize(
    ("fields", "first", "fragment"),
    [
        ({}, "success", "follows a call that ended 'success', which is not retried"),
        ({}, "api_error", "follows a call that ended 'api_error', which is not retried"),
        (
            {"retryConditions": ["Busy"]},
            "No Answer",
            "follows a call that ended 'No Answer', which is not retried (retryConditions: Busy)",
        ),
    ],
    ids=["after_success", "after_api_error", "outcome_not_in_retryConditions"],
)
def test_a_call_after_an_outcome_that_is_not_retried(
    fields: dict[str, Any], first: str, fragment: str
) -> None:
    log = [
        call(NEW_YORK, "2026-01-05T14:00:00Z", "2026-01-05T14:01:00Z", first),
        call(NEW_YORK, "2026-01-05T15:00:00Z", "2026-01-05T15:01:00Z"),
    ]
    violations = audit(campaign(**fields), log)
    assert codes(violations) == ["not-retryable"]
    assert violations[0].number == 2
    assert fragment in violations[0].message


@pytest.mark.parametrize(
    ("start", "early"),
    [("2026-01-05T14:05:50Z", True), ("2026-01-05T14:06:00Z", False)],
    ids=["10s_before_the_delay_ends", "when_the_delay_ends"],
)
def test_a_fixed_retry_is_due_its_delay_after_the_call_ended(start: str, early: bool) -> None:
    log = [
        call(NEW_YORK, "2026-01-05T14:00:00Z", "2026-01-05T14:01:00Z"),
        call(NEW_YORK, start, "2026-01-05T14:07:00Z"),
    ]
    violations = audit(campaign(), log)
    assert codes(violations) == (["retry-too-early"] if early else [])
    if early:
        assert violations[0].number == 2
        assert violations[0].message == (
            "started at 2026-01-05 09:05:50 in America/New_York; the retry was due from "
            "2026-01-05 09:06:00 in America/New_York (fixed, retryDelaySeconds 300 after the "
            "previous call ended at 2026-01-05 09:01:00 in America/New_York)"
        )


@pytest.mark.parametrize(
    ("start", "early"),
    [
        ("2026-01-05T20:00:00Z", True),
        ("2026-01-06T13:59:59Z", True),
        ("2026-01-06T14:00:00Z", False),
    ],
    ids=["same_day", "before_the_next_days_opening", "at_the_next_days_opening"],
)
def test_a_next_day_retry_is_due_at_the_next_days_window(start: str, early: bool) -> None:
    next_day = campaign(retryDelayMode="next_day")
    end = (datetime.fromisoformat(start) + timedelta(minutes=1)).isoformat()
    log = [
        call(NEW_YORK, "2026-01-05T14:00:00Z", "2026-01-05T14:01:00Z"),
        call(NEW_YORK, start, end),
    ]
    violation = [v for v in audit(next_day, log) if v.code == "retry-too-early"]
    assert len(violation) == (1 if early else 0)
    if early:
        assert "the retry was due from 2026-01-06 09:00:00 in America/New_York (next_day" in (
            violation[0].message
        )


def test_a_next_day_retry_after_friday_is_due_on_monday() -> None:
    next_day = campaign(retryDelayMode="next_day")
    friday = call(NEW_YORK, "2026-01-09T14:00:00Z", "2026-01-09T14:01:00Z")
    monday = call(NEW_YORK, "2026-01-12T14:00:00Z", "2026-01-12T14:01:00Z")
    assert audit(next_day, [friday, monday]) == []


def test_a_call_before_the_same_customers_previous_call_ended_overlaps() -> None:
    log = [
        call(NEW_YORK, "2026-01-05T14:00:00Z", "2026-01-05T14:10:00Z"),
        call(NEW_YORK, "2026-01-05T14:05:00Z", "2026-01-05T14:06:00Z"),
    ]
    violations = audit(campaign(retryDelaySeconds=0), log)
    overlap = only(violations, "overlap")
    # Its retry was not due before the first call ended either.
    assert sorted(codes(violations)) == ["overlap", "retry-too-early"]
    assert overlap.number == 2
    assert overlap.message == (
        "started at 2026-01-05 09:05:00 in America/New_York, before the previous call ended "
        "at 2026-01-05 09:10:00 in America/New_York"
    )


TWO_CUSTOMERS = [{"phoneNumber": NEW_YORK}, {"phoneNumber": SAN_FRANCISCO}]


def test_two_calls_at_once_with_one_line_break_the_concurrency() -> None:
    one_line = campaign(maxConcurrency=1, schedulingMode="asap", customers=TWO_CUSTOMERS)
    log = [
        call(NEW_YORK, "2026-01-05T14:00:00Z", "2026-01-05T14:10:00Z"),
        call(SAN_FRANCISCO, "2026-01-05T14:00:00Z", "2026-01-05T14:06:00Z"),
    ]
    violations = audit(one_line, log)
    violation = only(violations, "concurrency")
    assert codes(violations) == ["concurrency"]
    assert (violation.phone, violation.number) == (SAN_FRANCISCO, 1)
    assert "maxConcurrency is 1" in violation.message
    assert violation.message.startswith("started at 2026-01-05 09:00:00 in America/New_York")


def test_a_line_is_free_again_the_second_its_call_ends() -> None:
    one_line = campaign(maxConcurrency=1, schedulingMode="asap", customers=TWO_CUSTOMERS)
    log = [
        call(NEW_YORK, "2026-01-05T14:00:00Z", "2026-01-05T14:10:00Z"),
        call(SAN_FRANCISCO, "2026-01-05T14:10:00Z", "2026-01-05T14:16:00Z"),
    ]
    assert audit(one_line, log) == []


def test_two_starts_10s_apart_break_even_pacing() -> None:
    even = campaign(callIntervalSeconds=30, customers=TWO_CUSTOMERS)
    log = [
        call(NEW_YORK, "2026-01-05T14:00:00Z", "2026-01-05T14:01:00Z"),
        call(SAN_FRANCISCO, "2026-01-05T14:00:10Z", "2026-01-05T14:06:00Z"),
    ]
    violations = audit(even, log)
    assert codes(violations) == ["pacing"]
    assert (violations[0].phone, violations[0].number) == (SAN_FRANCISCO, 1)
    assert violations[0].message == (
        "started 10 s after the previous call; callIntervalSeconds is 30 (even pacing)"
    )


@pytest.mark.parametrize(
    ("mode", "second", "broken"),
    [("even", "2026-01-05T14:00:30Z", False), ("asap", "2026-01-05T14:00:10Z", False)],
    ids=["even_30s_apart", "asap_10s_apart"],
)
def test_pacing_holds_for_starts_an_interval_apart_and_in_asap_mode(
    mode: str, second: str, broken: bool
) -> None:
    paced = campaign(callIntervalSeconds=30, schedulingMode=mode, customers=TWO_CUSTOMERS)
    log = [
        call(NEW_YORK, "2026-01-05T14:00:00Z", "2026-01-05T14:01:00Z"),
        call(SAN_FRANCISCO, second, "2026-01-05T14:06:00Z"),
    ]
    assert codes(audit(paced, log)) == (["pacing"] if broken else [])


@pytest.mark.parametrize(
    ("fields", "log", "expected"),
    [
        (
            {"maxConcurrency": 1, "schedulingMode": "asap", "customers": TWO_CUSTOMERS},
            [
                call(NEW_YORK, "2026-01-05T14:00:00Z", "2026-01-05T14:10:00.500Z"),
                call(SAN_FRANCISCO, "2026-01-05T14:10:00.700Z", "2026-01-05T14:16:00Z"),
            ],
            [],
        ),
        (
            {"retryDelaySeconds": 0},
            [
                call(NEW_YORK, "2026-01-05T14:00:00Z", "2026-01-05T14:10:00.500Z"),
                call(NEW_YORK, "2026-01-05T14:10:00.700Z", "2026-01-05T14:16:00Z"),
            ],
            [],
        ),
        (
            {"callIntervalSeconds": 30, "customers": TWO_CUSTOMERS},
            [
                call(NEW_YORK, "2026-01-05T14:00:00.900Z", "2026-01-05T14:01:00Z"),
                call(SAN_FRANCISCO, "2026-01-05T14:00:30.100Z", "2026-01-05T14:06:00Z"),
            ],
            ["pacing"],
        ),
        (
            FLORIDA_CAP,
            florida_calls(
                "2026-01-05T15:00:00.600+00:00", "2026-01-05T16:00:00+00:00",
                "2026-01-05T17:00:00+00:00", "2026-01-06T15:00:00.100+00:00",
            ),
            ["cap"],
        ),
    ],
    ids=["line_free_200ms_before_the_next_start", "retry_200ms_after_the_call_ended",
         "starts_29.2s_apart", "4th_call_86399.5s_after_the_1st"],
)  # fmt: skip
def test_sub_second_times_are_held_to_the_rules_exactly(
    fields: dict[str, Any], log: list[dict[str, str]], expected: list[str]
) -> None:
    assert codes(audit(campaign(**fields), log)) == expected


def test_a_customer_clock_is_read_with_recipient_local_time() -> None:
    """The window is read on the customer's own clock: 09:00-17:00 in Los Angeles."""
    local = campaign(
        recipientLocalTime=True,
        customers=[{"phoneNumber": NEW_YORK, "timezone": "America/Los_Angeles"}],
    )
    # 09:30 in New York is 06:30 in Los Angeles; 12:30 in New York is 09:30 there.
    early = audit(local, [call(NEW_YORK, "2026-01-05T14:30:00Z", "2026-01-05T14:31:00Z")])
    assert "called at 2026-01-05 06:30:00 in America/Los_Angeles" in (
        only(early, "outside-window").message
    )
    assert audit(local, [call(NEW_YORK, "2026-01-05T17:30:00Z", "2026-01-05T17:31:00Z")]) == []


@pytest.mark.parametrize(
    ("start", "inside"),
    [
        ("2026-03-06T13:30:00Z", False),  # Friday, EST: 08:30
        ("2026-03-09T13:30:00Z", True),  # Monday, EDT: 09:30
        ("2026-03-09T21:30:00Z", False),  # Monday, EDT: 17:30
    ],
    ids=["friday_est_08:30", "monday_edt_09:30", "monday_edt_17:30"],
)
def test_the_window_follows_new_yorks_clock_across_the_spring_change(
    start: str, inside: bool
) -> None:
    end = (datetime.fromisoformat(start) + timedelta(minutes=1)).isoformat()
    assert codes(audit(campaign(), [call(NEW_YORK, start, end)])) == (
        [] if inside else ["outside-window"]
    )


def test_a_call_to_a_number_not_in_the_campaign_is_an_unknown_customer() -> None:
    violations = audit(
        campaign(), [call("+19995550100", "2026-01-05T14:00:00Z", "2026-01-05T14:01:00Z")]
    )
    assert violations == [
        Violation(
            code="unknown-customer",
            phone="+19995550100",
            number=1,
            start=datetime(2026, 1, 5, 14, 0, tzinfo=UTC),
            rule=None,
            message="+19995550100 is not a customer of this campaign",
        )
    ]


def test_every_code_of_the_contract_is_known() -> None:
    assert CODES == (
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


# -- rows: mappings or objects, datetimes or text, any order ----------------------------


@dataclass(frozen=True)
class Row:
    phone: str
    start: datetime | str
    end: datetime | str
    outcome: str


def test_rows_may_be_objects_with_aware_datetimes_in_any_offset() -> None:
    log = [
        Row(NEW_YORK, datetime(2026, 1, 5, 17, 15, tzinfo=EST),
            datetime(2026, 1, 5, 17, 16, tzinfo=EST), "Busy"),
        Row(NEW_YORK, "2026-01-05T12:00:00-05:00", "2026-01-05T12:01:00-05:00", "No Answer"),
    ]  # fmt: skip
    violations = audit(campaign(), log)
    assert codes(violations) == ["outside-window"]
    assert violations[0].number == 2
    assert violations[0].start == datetime(2026, 1, 5, 22, 15, tzinfo=UTC)
    assert violations[0].start.utcoffset() == timedelta(0)


def test_violations_come_back_in_start_order_and_numbers_follow_starts() -> None:
    two = campaign(customers=TWO_CUSTOMERS)
    log = [
        call(NEW_YORK, "2026-01-05T18:15:00-05:00", "2026-01-05T18:16:00-05:00"),
        Row(SAN_FRANCISCO, "2026-01-05T22:30:00Z", "2026-01-05T22:31:00Z", "Busy"),
        call(NEW_YORK, "2026-01-05T22:00:00Z", "2026-01-05T22:01:00Z"),
    ]
    violations = audit(two, log)
    assert [(v.phone, v.number, v.start) for v in violations] == [
        (NEW_YORK, 1, datetime(2026, 1, 5, 22, 0, tzinfo=UTC)),
        (SAN_FRANCISCO, 1, datetime(2026, 1, 5, 22, 30, tzinfo=UTC)),
        (NEW_YORK, 2, datetime(2026, 1, 5, 23, 15, tzinfo=UTC)),
    ]
    assert set(codes(violations)) == {"outside-window"}


def test_a_violation_as_a_json_row() -> None:
    [violation] = audit(
        campaign(), [call(NEW_YORK, "2026-01-05T22:15:00Z", "2026-01-05T22:16:00Z")]
    )
    assert violation.as_dict() == {
        "code": "outside-window",
        "phone": NEW_YORK,
        "attemptNumber": 1,
        "start": "2026-01-05T22:15:00Z",
        "rule": None,
        "message": "called at 2026-01-05 17:15:00 in America/New_York, outside the campaign's "
        "window (09:00-17:00)",
    }


# -- bad rows are errors naming the row ----------------------------------------------

GOOD = call(NEW_YORK, "2026-01-05T14:00:00Z", "2026-01-05T14:01:00Z")


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (
            {"start": "2026-01-05T15:00:00Z", "end": "2026-01-05T15:01:00Z", "outcome": "Busy"},
            "call 2: no 'phone'",
        ),
        (call("", "2026-01-05T15:00:00Z", "2026-01-05T15:01:00Z"), "call 2: phone must be"),
        (
            call(NEW_YORK, "2026-01-05T15:00:00", "2026-01-05T15:01:00Z"),
            "call 2 (+12125550102): start must carry an offset",
        ),
        (
            Row(NEW_YORK, "2026-01-05T15:00:00Z", datetime(2026, 1, 5, 15, 1), "Busy"),
            "call 2 (+12125550102): end must be a timezone-aware datetime",
        ),
        (
            call(NEW_YORK, "2026-01-05T15:00:00Z", "2026-01-05T15:01:00Z", "Voicemail"),
            "call 2 (+12125550102): outcome: unknown outcome 'Voicemail'",
        ),
        (
            call(NEW_YORK, "2026-01-05T15:00:00Z", "2026-01-05T14:59:00Z"),
            "call 2 (+12125550102): end 2026-01-05T14:59:00Z is before start 2026-01-05T15:00:00Z",
        ),
        (call(NEW_YORK, "soon", "2026-01-05T15:01:00Z"), "call 2 (+12125550102): start must be"),
    ],
    ids=["no_phone", "empty_phone", "naive_text", "naive_datetime", "unknown_outcome",
         "end_before_start", "unreadable_start"],
)  # fmt: skip
def test_a_bad_row_is_an_error_naming_the_row(row: Any, message: str) -> None:
    with pytest.raises(AuditError) as error:
        audit(campaign(), [GOOD, row])
    assert message in str(error.value)
    assert isinstance(error.value, ValueError)


# -- the command line ---------------------------------------------------------------


@pytest.fixture
def spec(tmp_path: Path) -> str:
    path = tmp_path / "campaign.json"
    body = {
        "name": "audit",
        "timezone": "America/New_York",
        "startTime": "09:00",
        "endTime": "17:00",
        "activeDays": [0, 1, 2, 3, 4],
        "callRetries": 2,
        "customers": [{"phoneNumber": NEW_YORK}],
    }
    path.write_text(json.dumps(body), encoding="utf-8")
    return str(path)


CLEAN_CSV = (
    "phone,start,end,outcome\n"
    "+12125550102,2026-01-05T14:00:00Z,2026-01-05T14:01:00Z,No Answer\n"
    "+12125550102,2026-01-05T15:00:00Z,2026-01-05T15:01:00Z,success\n"
)
LATE_CSV = (
    "phone,start,end,outcome\n"
    "+12125550102,2026-01-05T14:00:00Z,2026-01-05T14:01:00Z,No Answer\n"
    "+12125550102,2026-01-05T22:15:00Z,2026-01-05T22:16:00Z,No Answer\n"
)


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_cli_a_clean_csv_exits_0(
    spec: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["audit", spec, write(tmp_path, "calls.csv", CLEAN_CSV)]) == 0
    out = capsys.readouterr().out
    assert "2 calls, 0 violations" in out


def test_cli_a_csv_with_one_violation_exits_1_and_prints_the_code(
    spec: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["audit", spec, write(tmp_path, "calls.csv", LATE_CSV)]) == 1
    out = capsys.readouterr().out
    assert "outside-window" in out
    assert "2026-01-05T22:15:00Z" in out
    assert "2 calls, 1 violation" in out


def test_cli_json_format_lists_each_violation(
    spec: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["audit", spec, write(tmp_path, "calls.csv", LATE_CSV), "--format", "json"]) == 1
    assert json.loads(capsys.readouterr().out) == [
        {
            "code": "outside-window",
            "phone": NEW_YORK,
            "attemptNumber": 2,
            "start": "2026-01-05T22:15:00Z",
            "rule": None,
            "message": "called at 2026-01-05 17:15:00 in America/New_York, outside the "
            "campaign's window (09:00-17:00)",
        }
    ]


def test_cli_json_format_of_a_clean_log_is_an_empty_list(
    spec: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["audit", spec, write(tmp_path, "calls.csv", CLEAN_CSV), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_cli_reads_json_lines(
    spec: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = [
        call(NEW_YORK, "2026-01-05T14:00:00Z", "2026-01-05T14:01:00Z"),
        call(NEW_YORK, "2026-01-05T14:03:00Z", "2026-01-05T14:04:00Z"),
    ]
    text = "\n".join(json.dumps(line) for line in lines) + "\n"
    assert main(["audit", spec, write(tmp_path, "calls.jsonl", text), "--format", "json"]) == 1
    [violation] = json.loads(capsys.readouterr().out)
    assert (violation["code"], violation["attemptNumber"]) == ("retry-too-early", 2)


def test_cli_dash_reads_standard_input(
    spec: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(LATE_CSV))
    assert main(["audit", spec, "-", "--format", "json"]) == 1
    assert [v["code"] for v in json.loads(capsys.readouterr().out)] == ["outside-window"]


def test_cli_a_csv_without_the_header_exits_2_naming_the_missing_columns(
    spec: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    headless = "+12125550102,2026-01-05T14:00:00Z,2026-01-05T14:01:00Z,No Answer\n"
    assert main(["audit", spec, write(tmp_path, "calls.csv", headless)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "phone,start,end,outcome" in captured.err
    assert "missing end, outcome, phone, start" in captured.err
    assert "Traceback" not in captured.err


def test_cli_a_csv_missing_one_column_names_it(
    spec: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = "phone,start,end\n+12125550102,2026-01-05T14:00:00Z,2026-01-05T14:01:00Z\n"
    assert main(["audit", spec, write(tmp_path, "calls.csv", text)]) == 2
    assert capsys.readouterr().err.rstrip().endswith("missing outcome")


def test_cli_an_unknown_outcome_exits_2_naming_the_row(
    spec: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = CLEAN_CSV.replace("success", "Voicemail")
    path = write(tmp_path, "calls.csv", text)
    assert main(["audit", spec, path]) == 2
    err = capsys.readouterr().err
    assert f"{path}: call 2 (+12125550102): outcome: unknown outcome 'Voicemail'" in err
    assert "Traceback" not in err


def test_cli_reads_a_csv_with_a_byte_order_mark(
    spec: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["audit", spec, write(tmp_path, "calls.csv", "\ufeff" + CLEAN_CSV)]) == 0
