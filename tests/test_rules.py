"""The customer's clock and calling rules (the README's Semantics), pinned to exact instants.

Unless a test says otherwise the campaign's own window is all day, every day,
on UTC, so every instant a scenario pins comes from the customer's clock and
the rules. 2026-06-01 is a Monday; in June New York is UTC-04:00, Chicago
-05:00, Denver -06:00, Los Angeles -07:00, Paris +02:00 and Sydney +10:00.
"""

from __future__ import annotations

import json
from importlib.metadata import version
from typing import Any

import holidays
import pytest
import tzdata
from pydantic import ValidationError

from scheduler import Campaign, Engine, EngineError, Timeline, plan
from scheduler.rules import PRESETS, Cap, applies
from scheduler.run import Run
from scheduler.times import epoch_seconds, from_epoch, iso_utc, parse_instant

LOS_ANGELES = "+14155550100"  # US-CA
NEW_YORK = "+12125550100"  # US-NY
MIAMI = "+13055550100"  # US-FL, America/New_York
PENSACOLA = "+18505550100"  # US-FL, America/New_York
OKLAHOMA_CITY = "+14055550100"  # US-OK, America/Chicago
BALTIMORE = "+14105550100"  # US-MD, America/New_York
SALT_LAKE_CITY = "+18015550100"  # US-UT, America/Denver
TORONTO = "+14165550100"  # CA-ON
PARIS = "+33123456789"  # FR
SYDNEY = "+61212345678"  # AU
SOUTH_DAKOTA = "+16052220100"  # US-SD, America/Denver and America/North_Dakota/Center
TOLL_FREE = "+18005550100"  # US, no zone
RUSSIAN_MOBILE = "+79161234567"  # RU, 16 zones
SEATTLE = "+12062345678"  # "Washington State" in phonenumbers


def timeline(now: str, rules: list[Any], phones: list[str], **fields: Any) -> Timeline:
    """The plan of an all-day UTC campaign with ``rules``, calling ``phones`` from ``now``."""
    body = {"name": "rules", "timezone": "UTC", "callingRules": rules, "phoneList": phones}
    return plan(Campaign.model_validate({**body, **fields}), now=now)


def customers_timeline(now: str, body: dict[str, Any], **kwargs: Any) -> Timeline:
    return plan(Campaign.model_validate({"name": "rules", **body}), now=now, **kwargs)


def starts(t: Timeline) -> list[str]:
    """Every attempt's start as ``...Z`` text, in start order."""
    return [iso_utc(a.start) for a in t.attempts]


# -- each preset: its first allowed instant, and a retry pushed past its closing ----------

PRESET_CASES = {
    # preset: (phone, now before opening, first call, now an hour before closing, the retry)
    "US-TCPA": (
        LOS_ANGELES,
        "2026-06-01T10:00:00Z",  # Mon 03:00 PDT
        "2026-06-01T15:00:00Z",  # Mon 08:00 PDT
        "2026-06-02T03:00:00Z",  # Mon 20:00 PDT; the retry is due 21:00:30
        "2026-06-02T15:00:00Z",  # Tue 08:00 PDT
    ),
    "US-REGF": (
        NEW_YORK,
        "2026-06-01T10:00:00Z",  # Mon 06:00 EDT
        "2026-06-01T12:00:00Z",  # Mon 08:00 EDT
        "2026-06-02T00:00:00Z",  # Mon 20:00 EDT
        "2026-06-02T12:00:00Z",  # Tue 08:00 EDT
    ),
    "US-FL": (
        MIAMI,
        "2026-06-01T10:00:00Z",
        "2026-06-01T12:00:00Z",  # Mon 08:00 EDT
        "2026-06-01T23:00:00Z",  # Mon 19:00 EDT; the retry is due 20:00:30
        "2026-06-02T12:00:00Z",
    ),
    "US-OK": (
        OKLAHOMA_CITY,
        "2026-06-01T10:00:00Z",  # Mon 05:00 CDT
        "2026-06-01T13:00:00Z",  # Mon 08:00 CDT
        "2026-06-02T00:00:00Z",  # Mon 19:00 CDT
        "2026-06-02T13:00:00Z",
    ),
    "US-MD": (
        BALTIMORE,
        "2026-06-01T10:00:00Z",
        "2026-06-01T12:00:00Z",
        "2026-06-01T23:00:00Z",
        "2026-06-02T12:00:00Z",
    ),
    "US-UT": (
        SALT_LAKE_CITY,
        "2026-06-01T10:00:00Z",  # Mon 04:00 MDT
        "2026-06-01T14:00:00Z",  # Mon 08:00 MDT
        "2026-06-02T02:00:00Z",  # Mon 20:00 MDT
        "2026-06-02T14:00:00Z",
    ),
    "CA-CRTC": (
        TORONTO,
        "2026-06-01T10:00:00Z",  # Mon 06:00 EDT
        "2026-06-01T13:00:00Z",  # Mon 09:00 EDT
        "2026-06-02T00:30:00Z",  # Mon 20:30 EDT; the retry is due 21:30:30
        "2026-06-02T13:00:00Z",
    ),
    "FR": (
        PARIS,
        "2026-06-01T06:00:00Z",  # Mon 08:00 CEST
        "2026-06-01T08:00:00Z",  # Mon 10:00 CEST
        "2026-06-05T17:00:00Z",  # Fri 19:00 CEST; no weekend calls
        "2026-06-08T08:00:00Z",  # Mon 10:00 CEST
    ),
    "AU": (
        SYDNEY,
        "2026-06-01T20:00:00Z",  # Tue 06:00 AEST
        "2026-06-01T23:00:00Z",  # Tue 09:00 AEST
        "2026-06-06T06:00:00Z",  # Sat 16:00 AEST; Saturday closes at 17:00, no Sunday
        "2026-06-07T23:00:00Z",  # Mon 09:00 AEST
    ),
}


def test_every_preset_has_a_scenario() -> None:
    assert set(PRESET_CASES) == set(PRESETS)


@pytest.mark.parametrize("preset", list(PRESET_CASES), ids=lambda p: p.lower().replace("-", "_"))
def test_preset_first_call_at_its_opening(preset: str) -> None:
    phone, now, first, _, _ = PRESET_CASES[preset]
    t = timeline(now, [preset], [phone])
    assert starts(t) == [first]
    assert f"{preset}: " in t.attempts[0].reason
    assert t.summary().rules[preset].moved == 1


@pytest.mark.parametrize("preset", list(PRESET_CASES), ids=lambda p: p.lower().replace("-", "_"))
def test_preset_retry_due_after_closing_moves_to_the_next_allowed_day(preset: str) -> None:
    phone, _, _, now, retry = PRESET_CASES[preset]
    t = timeline(now, [preset], [phone], callRetries=1, retryDelaySeconds=3600)
    assert starts(t) == [now, retry]
    assert f"{preset}: " in t.attempts[1].reason


# -- named scenarios ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("preset", "phone", "now", "expected", "because"),
    [
        (
            "US-UT",
            SALT_LAKE_CITY,
            "2026-06-07T16:00:00Z",  # Sun 10:00 MDT
            "2026-06-08T14:00:00Z",  # Mon 08:00 MDT
            "US-UT: no calls on Sun in America/Denver",
        ),
        (
            "US-UT",
            SALT_LAKE_CITY,
            "2026-07-24T16:00:00Z",  # Fri 10:00 MDT, Pioneer Day
            "2026-07-25T14:00:00Z",  # Sat 08:00 MDT
            "US-UT: holiday 2026-07-24, Pioneer Day",
        ),
        (
            "FR",
            PARIS,
            "2026-06-01T11:30:00Z",  # Mon 13:30 CEST, the lunch break
            "2026-06-01T12:00:00Z",  # Mon 14:00 CEST
            "FR: 10:00-13:00, 14:00-20:00 on Mon in Europe/Paris",
        ),
        (
            "FR",
            PARIS,
            "2026-07-14T08:00:00Z",  # Tue 10:00 CEST, National Day
            "2026-07-15T08:00:00Z",  # Wed 10:00 CEST
            "FR: holiday 2026-07-14, National Day",
        ),
        (
            "AU",
            SYDNEY,
            "2026-06-06T07:30:00Z",  # Sat 17:30 AEST
            "2026-06-07T23:00:00Z",  # Mon 09:00 AEST
            "AU: 09:00-17:00 on Sat in Australia/Sydney",
        ),
        (
            "CA-CRTC",
            TORONTO,
            "2026-06-06T12:00:00Z",  # Sat 08:00 EDT
            "2026-06-06T14:00:00Z",  # Sat 10:00 EDT
            "CA-CRTC: 10:00-18:00 on Sat in America/Toronto",
        ),
        (
            "CA-CRTC",
            TORONTO,
            "2026-06-06T22:30:00Z",  # Sat 18:30 EDT
            "2026-06-07T14:00:00Z",  # Sun 10:00 EDT
            "CA-CRTC: 10:00-18:00 on Sat in America/Toronto",
        ),
    ],
    ids=[
        "us_ut_no_sunday",
        "us_ut_pioneer_day",
        "fr_lunch_break_1330_to_1400",
        "fr_national_day",
        "au_saturday_after_1700_to_monday",
        "ca_crtc_weekend_opens_at_1000",
        "ca_crtc_saturday_after_1800_to_sunday",
    ],
)
def test_a_rule_moves_the_first_call(
    preset: str, phone: str, now: str, expected: str, because: str
) -> None:
    t = timeline(now, [preset], [phone])
    assert starts(t) == [expected]
    assert because in t.attempts[0].reason


def test_two_zone_area_code_is_called_at_0800_on_the_later_clock() -> None:
    # 605 222 may be on Denver (MDT, -06:00) or North Dakota Center (CDT, -05:00):
    # 08:00 CDT (13:00Z) is still 07:00 in Denver; 08:00 MDT is 14:00Z.
    t = timeline("2026-06-01T10:00:00Z", ["US-TCPA"], [SOUTH_DAKOTA])
    assert starts(t) == ["2026-06-01T14:00:00Z"]
    assert "US-TCPA: 08:00-21:00 on Mon in America/Denver" in t.attempts[0].reason


def test_two_zone_area_code_closes_at_2100_on_the_earlier_clock() -> None:
    # 21:00 CDT is 02:00Z, when Denver still reads 20:00: the retry waits for 08:00 MDT.
    t = timeline(
        "2026-06-02T01:30:00Z", ["US-TCPA"], [SOUTH_DAKOTA], callRetries=1, retryDelaySeconds=1800
    )
    assert starts(t) == ["2026-06-02T01:30:00Z", "2026-06-02T14:00:00Z"]


def test_toll_free_number_is_called_on_the_campaigns_clock_with_a_warning() -> None:
    t = timeline("2026-06-01T10:00:00Z", ["US-TCPA"], [TOLL_FREE], timezone="America/Chicago")
    assert starts(t) == ["2026-06-01T13:00:00Z"]  # 08:00 CDT
    assert [w for w in t.warnings if TOLL_FREE in w] == [
        f"{TOLL_FREE}: the number tells no time zone (toll-free, premium or unknown); "
        "called on the campaign's clock (America/Chicago). Give the customer a timezone to be sure"
    ]


def test_a_customers_own_timezone_and_region_win_over_the_number() -> None:
    body = {
        "timezone": "UTC",
        "callingRules": ["US-FL", "FR"],
        "customers": [
            {"phoneNumber": TOLL_FREE, "timezone": "America/Los_Angeles", "region": "US-FL"},
            {"phoneNumber": PARIS, "region": "US-MD"},  # no rule for US-MD: all day
        ],
    }
    t = customers_timeline("2026-06-01T10:00:00Z", body)
    assert [(a.phone, iso_utc(a.start)) for a in t.attempts] == [
        (PARIS, "2026-06-01T10:00:00Z"),
        (TOLL_FREE, "2026-06-01T15:00:00Z"),  # 08:00 PDT under US-FL
    ]
    assert not [w for w in t.warnings if TOLL_FREE in w]


def test_independence_day_observed_on_friday_keeps_friday_free() -> None:
    # 2026-07-04 is a Saturday; the holidays package observes it on Friday 2026-07-03.
    us = holidays.country_holidays("US", years=2026, categories=("public",))
    assert us.get("2026-07-03") == "Independence Day (observed)"
    assert us.get("2026-07-04") == "Independence Day"
    rule = {"name": "US public holidays", "regions": ["US"], "holidays": "country"}
    body = {
        "timezone": "America/New_York",
        "startTime": "09:00",
        "endTime": "17:00",
        "callingRules": [rule],
        "phoneList": [NEW_YORK],
        "callRetries": 1,
        "retryDelaySeconds": 3600,
    }
    t = customers_timeline("2026-07-02T20:00:00Z", body)  # Thu 16:00 EDT
    # The retry is due at 17:00:30, after the window; Friday (observed) and Saturday are
    # holidays, so it goes on Sunday at 09:00 EDT.
    assert starts(t) == ["2026-07-02T20:00:00Z", "2026-07-05T13:00:00Z"]
    assert (
        "US public holidays: holiday 2026-07-03, Independence Day (observed)"
        in t.attempts[1].reason
    )


@pytest.mark.parametrize(
    ("preset", "phone", "now", "retries", "expected", "held", "because"),
    [
        (
            # 3 calls in 24 h. Hourly retries: 08:00, 09:00:30, 10:01 EDT, then the cap; at
            # Tue 08:00 EDT the first call has left the (t - 24 h, t] window: 2 calls in it.
            "US-FL",
            PENSACOLA,
            "2026-06-01T12:00:00Z",
            4,
            [
                "2026-06-01T12:00:00Z",
                "2026-06-01T13:00:30Z",
                "2026-06-01T14:01:00Z",
                "2026-06-02T12:00:00Z",
                "2026-06-02T13:00:30Z",
            ],
            3,
            "US-FL: at most 3 calls in 24 h",
        ),
        (
            # 7 calls in 7 days: the eighth waits until the first is a week old.
            "US-REGF",
            NEW_YORK,
            "2026-06-01T12:00:00Z",
            8,
            [
                "2026-06-01T12:00:00Z",
                "2026-06-01T13:00:30Z",
                "2026-06-01T14:01:00Z",
                "2026-06-01T15:01:30Z",
                "2026-06-01T16:02:00Z",
                "2026-06-01T17:02:30Z",
                "2026-06-01T18:03:00Z",
                "2026-06-08T12:00:00Z",
                "2026-06-08T13:00:30Z",
            ],
            7,
            "US-REGF: at most 7 calls in 168 h",
        ),
        (
            # 4 calls in 30 days; the fourth also waits out the lunch break (13:01:30 CEST).
            "FR",
            PARIS,
            "2026-06-01T08:00:00Z",
            4,
            [
                "2026-06-01T08:00:00Z",
                "2026-06-01T09:00:30Z",
                "2026-06-01T10:01:00Z",
                "2026-06-01T12:00:00Z",
                "2026-07-01T08:00:00Z",
            ],
            4,
            "FR: at most 4 calls in 720 h",
        ),
    ],
    ids=[
        "us_fl_fourth_call_next_day",
        "us_regf_eighth_call_a_week_later",
        "fr_fifth_call_thirty_days_later",
    ],
)
def test_a_cap_pushes_the_next_attempt_until_the_oldest_call_leaves_its_window(
    preset: str,
    phone: str,
    now: str,
    retries: int,
    expected: list[str],
    held: int,
    because: str,
) -> None:
    t = timeline(now, [preset], [phone], callRetries=retries, retryDelaySeconds=3600)
    assert starts(t) == expected
    assert because in t.attempts[held].reason
    assert [because in a.reason for a in t.attempts].count(True) == 1
    assert t.summary().rules[preset].moved >= 1


def test_a_cap_holds_a_call_until_its_oldest_start_leaves_the_window() -> None:
    # A team rule: at most 2 calls in 2 h. Retries every 10 min: the third waits until
    # two hours after the first start.
    rule = {"name": "team", "cap": {"calls": 2, "seconds": 7200}}
    t = timeline(
        "2026-06-01T09:00:00Z", [rule], [LOS_ANGELES], callRetries=2, retryDelaySeconds=600
    )
    assert starts(t) == ["2026-06-01T09:00:00Z", "2026-06-01T09:10:30Z", "2026-06-01T11:00:00Z"]
    assert "team: at most 2 calls in 2 h" in t.attempts[2].reason


HISTORY = {MIAMI: ["2026-06-01T01:00:00Z", "2026-06-01T02:00:00Z"]}


def test_history_counts_towards_a_cap() -> None:
    # Two calls by other campaigns overnight: only one more fits before Tue 01:00Z, which
    # is 21:00 EDT, after US-FL's 20:00; the retry goes on Tuesday at 08:00 EDT.
    c = Campaign.model_validate(
        {
            "name": "rules",
            "timezone": "UTC",
            "callingRules": ["US-FL"],
            "phoneList": [MIAMI],
            "callRetries": 3,
            "retryDelaySeconds": 3600,
        }
    )
    t = plan(c, now="2026-06-01T12:00:00Z", history=HISTORY)
    assert starts(t) == [
        "2026-06-01T12:00:00Z",
        "2026-06-02T12:00:00Z",
        "2026-06-02T13:00:30Z",
        "2026-06-02T14:01:00Z",
    ]
    without = plan(c, now="2026-06-01T12:00:00Z")
    assert starts(without)[:3] == [
        "2026-06-01T12:00:00Z",
        "2026-06-01T13:00:30Z",
        "2026-06-01T14:01:00Z",
    ]


def test_history_counts_towards_a_cap_in_the_engine_too() -> None:
    c = Campaign.model_validate(
        {
            "name": "rules",
            "timezone": "UTC",
            "callingRules": ["US-FL"],
            "phoneList": [MIAMI],
            "callRetries": 1,
            "retryDelaySeconds": 3600,
        }
    )
    engine = Engine(c, now="2026-06-01T12:00:00Z", history=HISTORY)
    [first] = engine.due("2026-06-01T12:00:00Z")
    engine.record(first.id, "No Answer", "2026-06-01T12:00:30Z")
    wakeup = engine.next_wakeup()
    assert wakeup is not None
    assert iso_utc(wakeup) == "2026-06-02T12:00:00Z"  # held by the cap, then by US-FL's hours


@pytest.mark.parametrize(
    ("preset", "phone", "now", "retries", "history", "expected", "because"),
    [
        (
            "US-FL",
            MIAMI,
            "2026-06-01T12:00:00Z",
            1,
            HISTORY,
            ["2026-06-01T12:00:00Z", "2026-06-02T12:00:00Z"],
            "US-FL: at most 3 calls in 24 h",
        ),
        (
            "FR",
            PARIS,
            "2026-06-04T08:00:00Z",  # Thu 10:00 CEST
            4,
            None,
            [
                "2026-06-04T08:00:00Z",
                "2026-06-04T09:00:30Z",
                "2026-06-04T10:01:00Z",
                "2026-06-04T12:00:00Z",  # after the lunch break
                "2026-07-06T08:00:00Z",  # the cap lets go on Sat 07-04: Mon 10:00 CEST
            ],
            "FR: at most 4 calls in 720 h",
        ),
    ],
    ids=["us_fl_release_at_2100_by_history", "fr_release_on_a_saturday"],
)
def test_a_cap_released_outside_the_rules_hours_is_named_and_counted(
    preset: str,
    phone: str,
    now: str,
    retries: int,
    history: dict[str, list[str]] | None,
    expected: list[str],
    because: str,
) -> None:
    c = Campaign.model_validate(
        {
            "name": "rules",
            "timezone": "UTC",
            "callingRules": [preset],
            "phoneList": [phone],
            "callRetries": retries,
            "retryDelaySeconds": 3600,
        }
    )
    t = plan(c, now=now, history=history)
    assert starts(t) == expected
    assert because in t.attempts[-1].reason
    moved_before = 0 if preset == "US-FL" else 1  # FR moved the fourth call (lunch)
    assert t.summary().rules[preset].moved == moved_before + 1


SIXTEEN_CLOCKS = {
    "timezone": "Europe/Moscow",
    "startTime": "09:00",
    "endTime": "17:00",
    "recipientLocalTime": True,
    "phoneList": [RUSSIAN_MOBILE],
}


def test_a_number_on_sixteen_clocks_with_recipient_local_time_expires() -> None:
    t = customers_timeline("2026-06-01T00:00:00Z", SIXTEEN_CLOCKS)
    assert starts(t) == []
    assert [(e.phone, e.number) for e in t.expired] == [(RUSSIAN_MOBILE, 1)]
    # Given a timezone, the same customer is called at 09:00 on that clock.
    body = {key: value for key, value in SIXTEEN_CLOCKS.items() if key != "phoneList"}
    body["customers"] = [{"phoneNumber": RUSSIAN_MOBILE, "timezone": "Asia/Vladivostok"}]
    t = customers_timeline("2026-06-01T00:00:00Z", body)
    assert starts(t) == ["2026-06-01T00:00:00Z"]  # 10:00 in Vladivostok (+10:00)


def test_a_number_on_sixteen_clocks_expires_with_a_reason_naming_its_clocks() -> None:
    t = customers_timeline("2026-06-01T00:00:00Z", SIXTEEN_CLOCKS)
    [expired] = t.expired
    assert "any of 16 clocks" in expired.reason
    assert "Europe/Moscow" in expired.reason
    assert "give the customer a timezone" in expired.reason


def test_recipient_local_time_reads_the_window_on_each_customers_clock() -> None:
    body = {
        "timezone": "Europe/Prague",
        "startTime": "09:00",
        "endTime": "17:00",
        "recipientLocalTime": True,
        "phoneList": [PARIS, NEW_YORK, SYDNEY],
        "callIntervalSeconds": 0,
    }
    t = customers_timeline("2026-06-01T00:00:00Z", body)
    assert [(a.phone, iso_utc(a.start)) for a in t.attempts] == [
        (SYDNEY, "2026-06-01T00:00:00Z"),  # Mon 10:00 AEST, inside
        (PARIS, "2026-06-01T07:00:00Z"),  # Mon 09:00 CEST
        (NEW_YORK, "2026-06-01T13:00:00Z"),  # Mon 09:00 EDT
    ]


def test_blackout_dates_are_read_on_the_customers_clock() -> None:
    # With recipientLocalTime, Monday 2026-06-01 is blacked out on each customer's clock:
    # Sydney's Monday ends at Sun 14:00Z, New York's at Tue 04:00Z.
    body = {
        "timezone": "UTC",
        "startTime": "09:00",
        "endTime": "17:00",
        "recipientLocalTime": True,
        "blackoutDates": ["2026-06-01"],
        "phoneList": [NEW_YORK, SYDNEY],
    }
    t = customers_timeline("2026-05-31T12:00:00Z", body)  # Sun 22:00 AEST, Sun 08:00 EDT
    assert [(a.phone, iso_utc(a.start)) for a in t.attempts] == [
        (NEW_YORK, "2026-05-31T13:00:00Z"),  # Sun 09:00 EDT
        (SYDNEY, "2026-06-01T23:00:00Z"),  # Tue 09:00 AEST
    ]


def test_a_blackout_range_includes_both_ends() -> None:
    body = {
        "timezone": "America/New_York",
        "startTime": "09:00",
        "endTime": "17:00",
        "blackoutDates": [{"start": "2026-06-01", "end": "2026-06-03"}],
        "phoneList": [NEW_YORK],
    }
    t = customers_timeline("2026-06-01T12:00:00Z", body)
    assert starts(t) == ["2026-06-04T13:00:00Z"]  # Thu 09:00 EDT


def test_rules_read_the_customers_clock_without_recipient_local_time() -> None:
    # The campaign's window is Paris 09:00-23:00; US-TCPA still counts on Los Angeles time.
    body = {
        "timezone": "Europe/Paris",
        "startTime": "09:00",
        "endTime": "23:00",
        "callingRules": ["US-TCPA"],
        "phoneList": [LOS_ANGELES, PARIS],
        "callIntervalSeconds": 0,
    }
    t = customers_timeline("2026-06-01T07:00:00Z", body)  # Mon 09:00 CEST, 00:00 PDT
    assert [(a.phone, iso_utc(a.start)) for a in t.attempts] == [
        (PARIS, "2026-06-01T07:00:00Z"),  # US-TCPA does not apply to FR
        (LOS_ANGELES, "2026-06-01T15:00:00Z"),  # 08:00 PDT, 17:00 CEST
    ]


def test_next_day_retry_goes_to_the_first_callable_instant_of_a_later_days_window() -> None:
    # New York 09:00-17:00 every day; a Utah customer under US-UT: Sunday has no callable
    # instant, and Monday's window is callable from 08:00 MDT (10:00 EDT) on.
    body = {
        "timezone": "America/New_York",
        "startTime": "09:00",
        "endTime": "17:00",
        "callingRules": ["US-UT"],
        "phoneList": [SALT_LAKE_CITY],
        "callRetries": 2,
        "retryDelayMode": "next_day",
        "retryDelaySeconds": 60,
    }
    t = customers_timeline("2026-06-06T15:00:00Z", body)  # Sat 11:00 EDT, 09:00 MDT
    assert starts(t) == [
        "2026-06-06T15:00:00Z",
        "2026-06-08T14:00:00Z",  # Mon 10:00 EDT
        "2026-06-09T14:00:00Z",  # Tue 10:00 EDT
    ]


def test_retries_after_a_close_open_on_the_next_window_of_their_own_clock() -> None:
    # Fri 2026-03-06 16:10 EST, 13:10 PST; the clocks go forward on Sunday. New York's
    # retries fall due after its 17:00 close and open on Monday 09:00 EDT; Los Angeles'
    # fall due inside its window.
    body = {
        "timezone": "America/New_York",
        "startTime": "09:00",
        "endTime": "17:00",
        "activeDays": [0, 1, 2, 3, 4],
        "recipientLocalTime": True,
        "maxConcurrency": 1,
        "callRetries": 1,
        "retryDelaySeconds": 3600,
        "phoneList": [f"+1{area}555010{i}" for i in (1, 2, 3) for area in ("212", "415")],
    }
    t = customers_timeline("2026-03-06T21:10:00Z", body)
    assert [(a.phone[2:5], a.number, iso_utc(a.start)) for a in t.attempts] == [
        ("212", 1, "2026-03-06T21:10:00Z"),
        ("415", 1, "2026-03-06T21:10:30Z"),
        ("212", 1, "2026-03-06T21:11:00Z"),
        ("415", 1, "2026-03-06T21:11:30Z"),
        ("212", 1, "2026-03-06T21:12:00Z"),
        ("415", 1, "2026-03-06T21:12:30Z"),
        ("415", 2, "2026-03-06T22:11:00Z"),  # Fri 14:11 PST, when due
        ("415", 2, "2026-03-06T22:12:00Z"),
        ("415", 2, "2026-03-06T22:13:00Z"),
        ("212", 2, "2026-03-09T13:00:00Z"),  # Mon 09:00 EDT
        ("212", 2, "2026-03-09T13:00:30Z"),
        ("212", 2, "2026-03-09T13:01:00Z"),
    ]


@pytest.mark.parametrize(
    ("ends", "openings"),
    [
        (
            # One search from Fri 17:10:30 EST answers every due time up to Monday's close.
            ["2026-03-06T21:10:30Z", "2026-03-07T12:00:00Z", "2026-03-09T14:00:00Z"],
            ["2026-03-09T13:00:00Z", "2026-03-09T13:00:00Z", "2026-03-09T15:00:00Z"],
        ),
        (
            # A due time before that search's start, or past the window it found, is its own.
            ["2026-03-06T21:10:30Z", "2026-03-06T20:30:00Z", "2026-03-09T20:30:00Z"],
            ["2026-03-09T13:00:00Z", "2026-03-06T21:30:00Z", "2026-03-10T13:00:00Z"],
        ),
    ],
    ids=["due_times_in_the_gap_and_the_window_after_it", "due_times_either_side_of_them"],
)
def test_finish_says_when_each_retry_of_a_new_york_customer_opens(
    ends: list[str], openings: list[str]
) -> None:
    # Customers in New York and Los Angeles: two calendars; New York 09:00-17:00 weekdays.
    campaign = Campaign.model_validate(
        {
            "name": "rules",
            "timezone": "America/New_York",
            "startTime": "09:00",
            "endTime": "17:00",
            "activeDays": [0, 1, 2, 3, 4],
            "recipientLocalTime": True,
            "callRetries": 1,
            "retryDelaySeconds": 3600,
            "phoneList": ["+12125550101", "+14155550101", "+12125550102", "+12125550103"],
        }
    )
    now = epoch_seconds(parse_instant("2026-03-06T21:00:00Z", "now"))
    run = Run(campaign, clock=now)
    run.add(campaign.unique_phones(), now)
    found = []
    for customer, end in zip((0, 2, 3), ends, strict=True):
        end_ts = epoch_seconds(parse_instant(end, "end"))
        opening = run.finish(customer, 1, end_ts - 30, end_ts, "No Answer")
        found.append(None if opening is None else iso_utc(from_epoch(opening)))
    assert found == openings


@pytest.mark.parametrize(
    ("rule_regions", "customer_region", "expected"),
    [
        (("US-FL",), "US-FL", True),
        (("US-FL",), "US", True),
        (("US",), "US-FL", True),
        (("US-FL",), "US-TX", False),
        (("US",), "CA-ON", False),
        (("CA",), "CA-ON", True),
        (("FR", "US-FL"), "US", True),
        (("US-FL",), None, True),
        ((), "RU", True),
    ],
    ids=[
        "same_subdivision",
        "customer_known_only_as_its_country",
        "country_rule_on_a_subdivision",
        "another_state",
        "another_country",
        "canada_on_ontario",
        "one_of_several_regions",
        "unknown_region_gets_every_rule",
        "rule_without_regions",
    ],
)
def test_when_a_rule_applies(
    rule_regions: tuple[str, ...], customer_region: str | None, expected: bool
) -> None:
    rule = PRESETS["US-TCPA"].model_copy(update={"regions": rule_regions})
    assert applies(rule, customer_region) is expected


def test_the_presets_are_the_table_of_section_7() -> None:
    table = {
        name: (rule.regions, rule.holidays, rule.cap, [rule.hours_text(d) for d in range(7)])
        for name, rule in PRESETS.items()
    }
    weekdays = ["08:00-21:00"] * 7
    assert table == {
        "US-TCPA": (("US",), False, None, weekdays),
        "US-REGF": (("US",), False, Cap(calls=7, seconds=604_800), weekdays),
        "US-FL": (("US-FL",), False, Cap(calls=3, seconds=86_400), ["08:00-20:00"] * 7),
        "US-OK": (("US-OK",), False, Cap(calls=3, seconds=86_400), ["08:00-20:00"] * 7),
        "US-MD": (("US-MD",), False, Cap(calls=3, seconds=86_400), ["08:00-20:00"] * 7),
        "US-UT": (("US-UT",), "region", None, ["08:00-21:00"] * 6 + ["no calls"]),
        "CA-CRTC": (("CA",), False, None, ["09:00-21:30"] * 5 + ["10:00-18:00"] * 2),
        "FR": (
            ("FR",),
            "country",
            Cap(calls=4, seconds=2_592_000),
            ["10:00-13:00, 14:00-20:00"] * 5 + ["no calls"] * 2,
        ),
        "AU": (("AU",), "country", None, ["09:00-20:00"] * 5 + ["09:00-17:00", "no calls"]),
    }
    assert all(rule.source for rule in PRESETS.values())


@pytest.mark.parametrize(
    ("regions", "holiday_rule", "customer", "now", "held_until"),
    [
        (
            ["US-FL", "US-UT"],
            "region",
            {"phoneNumber": TOLL_FREE, "region": "US"},
            "2026-07-24T16:00:00Z",  # Fri 10:00 MDT, Pioneer Day in Utah
            "2026-07-25T06:00:00Z",  # Sat 00:00 MDT
        ),
        (
            ["US", "FR"],
            "country",
            {"phoneNumber": "+80012345678"},  # universal freephone: no country
            "2026-07-14T08:00:00Z",  # Tue 10:00 CEST, French National Day
            "2026-07-14T22:00:00Z",  # Wed 00:00 CEST
        ),
    ],
    ids=["customer_known_only_as_us", "customer_of_unknown_country"],
)
def test_a_rule_with_several_regions_keeps_the_holidays_of_each(
    regions: list[str], holiday_rule: str, customer: dict[str, Any], now: str, held_until: str
) -> None:
    zone = "America/Denver" if holiday_rule == "region" else "Europe/Paris"
    rule = {"name": "holidays", "regions": regions, "holidays": holiday_rule}
    body = {"timezone": zone, "callingRules": [rule], "customers": [customer]}
    assert starts(customers_timeline(now, body)) == [held_until]


def test_a_rule_listing_utah_first_keeps_pioneer_day_for_a_customer_known_only_as_us() -> None:
    rule = {"name": "holidays", "regions": ["US-UT", "US-FL"], "holidays": "region"}
    body = {
        "timezone": "America/Denver",
        "callingRules": [rule],
        "customers": [{"phoneNumber": TOLL_FREE, "region": "US"}],
    }
    t = customers_timeline("2026-07-24T16:00:00Z", body)
    assert starts(t) == ["2026-07-25T06:00:00Z"]  # Sat 00:00 MDT
    assert "holidays: holiday 2026-07-24, Pioneer Day" in t.attempts[0].reason


def test_a_seattle_customer_is_not_held_to_floridas_hours() -> None:
    t = timeline("2026-06-02T03:30:00Z", ["US-FL"], [SEATTLE])  # Mon 20:30 PDT
    assert starts(t) == ["2026-06-02T03:30:00Z"]


# -- the summary and the data versions ----------------------------------------------------


SUNDAY_RULES = {
    # Sunday 2026-06-07, the last day of the campaign: FR and US-UT allow no Sunday call,
    # US-TCPA moves the Los Angeles call to 08:00 PDT; nothing applies to London.
    "timezone": "UTC",
    "endDate": "2026-06-07",
    "callingRules": ["FR", "US-UT", "US-TCPA"],
    "phoneList": [PARIS, SALT_LAKE_CITY, LOS_ANGELES, "+442012345678"],
    "callIntervalSeconds": 0,
}


def test_summary_counts_per_rule_the_attempts_it_moved() -> None:
    t = customers_timeline("2026-06-07T11:30:00Z", SUNDAY_RULES)
    assert [(a.phone, iso_utc(a.start)) for a in t.attempts] == [
        ("+442012345678", "2026-06-07T11:30:00Z"),
        (LOS_ANGELES, "2026-06-07T15:00:00Z"),
    ]
    assert sorted(e.phone for e in t.expired) == sorted([PARIS, SALT_LAKE_CITY])
    rules = t.summary().rules
    assert list(rules) == ["FR", "US-UT", "US-TCPA"]
    assert [c.moved for c in rules.values()] == [0, 0, 1]
    assert t.summary().as_dict()["rules"]["US-TCPA"] == {"moved": 1, "uncallable": 0}


def test_summary_counts_per_rule_the_customers_it_left_uncallable() -> None:
    t = customers_timeline("2026-06-07T11:30:00Z", SUNDAY_RULES)
    reasons = {e.phone: e.reason for e in t.expired}
    assert "FR: no calls on Sun in Europe/Paris" in reasons[PARIS]
    assert "US-UT: no calls on Sun in America/Denver" in reasons[SALT_LAKE_CITY]
    rules = t.summary().rules
    assert {name: (c.moved, c.uncallable) for name, c in rules.items()} == {
        "FR": (0, 1),
        "US-UT": (0, 1),
        "US-TCPA": (1, 0),
    }


def test_a_campaign_without_rules_has_no_rule_counts() -> None:
    t = customers_timeline("2026-06-01T10:00:00Z", {"timezone": "UTC", "phoneList": [PARIS]})
    assert t.summary().rules == {}


def test_timeline_records_the_versions_of_its_data() -> None:
    t = timeline("2026-06-01T10:00:00Z", ["US-TCPA"], [LOS_ANGELES])
    assert t.versions == {
        "tzdata": tzdata.IANA_VERSION,
        "phonenumbers": version("phonenumbers"),
        "holidays": version("holidays"),
    }


# -- the engine -----------------------------------------------------------------------


def _engine_campaign(**fields: Any) -> Campaign:
    body = {
        "name": "rules",
        "timezone": "UTC",
        "callingRules": ["US-FL"],
        "phoneList": [MIAMI],
        "callRetries": 3,
        "retryDelaySeconds": 3600,
    }
    return Campaign.model_validate({**body, **fields})


def test_restore_refuses_a_spec_with_other_calling_rules() -> None:
    engine = Engine(_engine_campaign(), now="2026-06-01T12:00:00Z")
    [first] = engine.due("2026-06-01T12:00:00Z")
    engine.record(first.id, "No Answer", "2026-06-01T12:00:30Z")
    state = json.loads(json.dumps(engine.snapshot()))
    other = _engine_campaign(callingRules=["US-TCPA"], blackoutDates=["2026-06-01"])
    with pytest.raises(EngineError, match="callingRules"):
        Engine.restore(other, state)


def test_history_survives_a_restore_for_customers_added_later() -> None:
    late = "+13055550101"
    history = {late: ["2026-06-01T01:00:00Z", "2026-06-01T02:00:00Z", "2026-06-01T03:00:00Z"]}

    def next_call(restart: bool) -> str | None:
        engine = Engine(_engine_campaign(), now="2026-06-01T12:00:00Z", history=history)
        [first] = engine.due("2026-06-01T12:00:00Z")
        engine.record(first.id, "No Answer", "2026-06-01T12:00:30Z")
        if restart:
            engine = Engine.restore(_engine_campaign(), json.loads(json.dumps(engine.snapshot())))
        engine.add_customers([late], now="2026-06-01T12:01:00Z")
        wakeup = engine.next_wakeup()
        calls = [a for a in engine.due(wakeup) if a.phone == late] if wakeup else []
        return iso_utc(calls[0].start) if calls else None

    assert next_call(restart=False) is None  # held by its history
    assert next_call(restart=True) is None


# -- validation -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "location"),
    [
        ({"callingRules": [{"name": "x", "regions": ["US-LF"]}]}, ("callingRules",)),
        ({"customers": [{"phoneNumber": NEW_YORK, "region": "UK"}]}, ("customers", 0, "region")),
    ],
    ids=["rule_region_not_a_subdivision", "customer_region_not_a_country"],
)
def test_well_formed_but_unknown_regions_are_rejected(
    fields: dict[str, Any], location: tuple[Any, ...]
) -> None:
    with pytest.raises(ValidationError) as caught:
        Campaign.model_validate({"name": "rules", **fields})
    assert caught.value.errors()[0]["loc"] == location


@pytest.mark.parametrize(
    ("fields", "location", "message"),
    [
        ({"callingRules": ["US-Fl"]}, ("callingRules",), "did you mean 'US-FL'"),
        ({"callingRules": ["us-tcpa"]}, ("callingRules",), "did you mean 'US-TCPA'"),
        (
            {"callingRules": [{"name": "x", "regions": ["florida"]}]},
            ("callingRules",),
            "callingRules[0].regions: regions[0] must be an ISO 3166-1 country or 3166-2 "
            "subdivision code in capitals, such as 'US', 'US-FL', 'CA-ON' or 'FR', got 'florida'",
        ),
        (
            {"customers": [{"phoneNumber": NEW_YORK, "region": "florida"}]},
            ("customers", 0, "region"),
            "got 'florida'",
        ),
        (
            {"callingRules": [{"name": "x", "hours": {"7": [["08:00", "20:00"]]}}]},
            ("callingRules",),
            "hours['7']: a weekday is '0' (Monday) to '6' (Sunday)",
        ),
        (
            {"callingRules": [{"name": "x", "hours": {"1": [["20:00", "08:00"]]}}]},
            ("callingRules",),
            "hours['1'][0]: start '20:00' must be before end '08:00'",
        ),
        (
            {"callingRules": [{"name": "x", "hours": {"1": [["09:00", "09:00"]]}}]},
            ("callingRules",),
            "hours['1'][0]: start '09:00' must be before end '09:00'",
        ),
        (
            {"callingRules": ["US-FL", {"name": "US-FL", "hours": {}}]},
            ("callingRules",),
            "rule name 'US-FL' is given twice",
        ),
        (
            {"blackoutDates": [{"start": "2026-07-05", "end": "2026-07-01"}]},
            ("blackoutDates",),
            "blackoutDates[0]: end 2026-07-01 is before start 2026-07-05",
        ),
        (
            {"customers": [{"phoneNumber": NEW_YORK, "timezone": "America/New_Yrok"}]},
            ("customers", 0, "timezone"),
            "did you mean 'America/New_York'",
        ),
        (
            {"customers": [{"phoneNumber": NEW_YORK, "timezone": "america/new_york"}]},
            ("customers", 0, "timezone"),
            "did you mean 'America/New_York'",
        ),
        (
            {"callingRules": [{"name": "x", "cap": {"calls": 0, "seconds": 60}}]},
            ("callingRules",),
            "callingRules[0].cap.calls",
        ),
        (
            {"callingRules": [{"name": "x", "holidays": True}]},
            ("callingRules",),
            "callingRules[0].holidays",
        ),
    ],
    ids=[
        "misspelt_preset",
        "lowercase_preset",
        "bad_rule_region",
        "bad_customer_region",
        "bad_hours_key",
        "interval_start_after_end",
        "empty_interval",
        "rule_name_twice",
        "blackout_range_backwards",
        "customer_timezone_misspelt",
        "customer_timezone_lowercase",
        "cap_of_zero_calls",
        "holidays_true",
    ],
)
def test_bad_section_7_fields_are_rejected(
    fields: dict[str, Any], location: tuple[Any, ...], message: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        Campaign.model_validate({"name": "rules", **fields})
    [error] = caught.value.errors()
    assert error["loc"] == location
    assert message in error["msg"]
