"""The hypothesis strategies of ``scheduler.testing``, as a user's own tests rely on them.

They must draw only valid specs, reach every field of the spec, shrink to
small readable campaigns, and give instants, zones, outcome scripts and call
logs of the shape their docstrings promise.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, find, given, settings
from hypothesis import strategies as st

from scheduler import Campaign, audit, outcomes, plan
from scheduler.audit import CODES
from scheduler.spec import OUTCOMES, parse_clock
from scheduler.testing import (
    ODD_ZONES,
    PHONES,
    call_logs,
    campaigns,
    instants,
    outcome_scripts,
    specs,
    zones,
)
from scheduler.tz import available_zones

SLOW = [HealthCheck.too_slow, HealthCheck.filter_too_much]
#: ``zones()`` built once: ``st.timezone_keys`` lists the zone files each time it is built.
ZONES = zones()

# -- specs: valid, complete, small ---------------------------------------------------


@settings(deadline=None, suppress_health_check=SLOW)
@given(body=specs())
def test_every_drawn_spec_is_valid(body: dict[str, Any]) -> None:
    """The profile's budget: 5,000 examples with HYPOTHESIS_PROFILE=long, else ci's 150."""
    Campaign.model_validate(body)
    Campaign.model_validate_json(json.dumps(body))


@settings(max_examples=20, deadline=None, suppress_health_check=SLOW)
@given(campaign=st.from_type(Campaign))
def test_from_type_draws_a_campaign_once_testing_is_imported(campaign: Campaign) -> None:
    assert isinstance(campaign, Campaign)
    assert campaign.unique_phones()


def _windows(body: dict[str, Any]) -> list[tuple[str, str]]:
    """Every (start, end) of a body: the global window and each day schedule's."""
    days = body.get("daySchedules", {}).values()
    return [(body["startTime"], body["endTime"])] + [(d["startTime"], d["endTime"]) for d in days]


def _overnight(body: dict[str, Any]) -> bool:
    return any(
        parse_clock(end, end=True) < parse_clock(start, end=False) for start, end in _windows(body)
    )


def _rules(body: dict[str, Any]) -> list[Any]:
    rules: list[Any] = body.get("callingRules", [])
    return rules


FEATURES: dict[str, Callable[[dict[str, Any]], bool]] = {
    "daySchedules": lambda b: bool(b.get("daySchedules")),
    "retryConditions": lambda b: "retryConditions" in b,
    "blackoutDates day": lambda b: any(isinstance(d, str) for d in b.get("blackoutDates", [])),
    "blackoutDates range": lambda b: any(isinstance(d, dict) for d in b.get("blackoutDates", [])),
    "recipientLocalTime": lambda b: b.get("recipientLocalTime") is True,
    "callingRules preset name": lambda b: any(isinstance(r, str) for r in _rules(b)),
    "callingRules rule object": lambda b: any(isinstance(r, dict) for r in _rules(b)),
    "rule object with a cap": lambda b: any(isinstance(r, dict) and "cap" in r for r in _rules(b)),
    "rule object with holidays": lambda b: any(
        isinstance(r, dict) and r["holidays"] for r in _rules(b)
    ),
    "customer with own timezone": lambda b: any("timezone" in c for c in b["customers"]),
    "several customers": lambda b: len(b["customers"]) > 1,
    "retryDelayMode fixed": lambda b: b["retryDelayMode"] == "fixed",
    "retryDelayMode next_day": lambda b: b["retryDelayMode"] == "next_day",
    "schedulingMode even": lambda b: b["schedulingMode"] == "even",
    "schedulingMode asap": lambda b: b["schedulingMode"] == "asap",
    "overnight window": _overnight,
    "24:00 end": lambda b: any(end in ("24:00", "24:00:00") for _, end in _windows(b)),
    "several active days": lambda b: len(b["activeDays"]) > 1,
    "retries": lambda b: b["callRetries"] > 0,
}


def test_specs_reach_every_field() -> None:
    """Over 200 drawn bodies (the same 200 every run), each feature appears at least once."""
    seen: Counter[str] = Counter()

    @settings(
        max_examples=200,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=SLOW,
    )
    @given(body=specs())
    def collect(body: dict[str, Any]) -> None:
        seen.update(name for name, has in FEATURES.items() if has(body))

    collect()
    assert [name for name in FEATURES if not seen[name]] == [], seen


def test_a_campaign_with_retries_shrinks_to_one_customer_and_one_retry() -> None:
    campaign = find(
        campaigns(),
        lambda c: c.call_retries >= 1,
        settings=settings(database=None, derandomize=True),
    )
    assert len(campaign.unique_phones()) == 1
    assert campaign.call_retries == 1


def test_a_spec_with_calling_rules_shrinks_to_a_single_rule() -> None:
    body = find(
        specs(),
        lambda b: "callingRules" in b,
        settings=settings(database=None, derandomize=True),
    )
    assert len(body["callingRules"]) == 1
    assert len(body["customers"]) == 1


def test_specs_take_pinned_values_and_narrowing_strategies() -> None:
    body = find(
        specs(
            timezone="Europe/Prague",
            window=(22 * 3600, 6 * 3600),
            call_retries=2,
            retry_delay_mode=st.just("next_day"),
            customers=["+14155550101", "+33142685300"],
            customer_zones=False,
            calling_rules=["US-TCPA"],
            recipient_local_time=False,
        ),
        lambda b: True,
        settings=settings(database=None, derandomize=True),
    )
    assert body["timezone"] == "Europe/Prague"
    assert (body["startTime"], body["endTime"]) == ("22:00", "06:00")
    assert body["callRetries"] == 2
    assert body["retryDelayMode"] == "next_day"
    assert body["customers"] == [{"phoneNumber": "+14155550101"}, {"phoneNumber": "+33142685300"}]
    assert body["callingRules"] == ["US-TCPA"]
    assert "recipientLocalTime" not in body


def test_the_sample_phones_are_distinct_valid_numbers() -> None:
    assert len(set(PHONES)) == len(PHONES)
    campaign = Campaign.model_validate({"name": "phones", "phoneList": list(PHONES)})
    assert campaign.unique_phones() == list(PHONES)


# -- instants and zones --------------------------------------------------------------


@settings(deadline=None)
@given(t=instants("America/New_York", years=(2030, 2031)))
def test_instants_are_whole_aware_utc_seconds_within_the_years_asked(t: datetime) -> None:
    assert t.tzinfo is not None
    assert t.utcoffset() == timedelta(0)
    assert t.astimezone(UTC) == t
    assert t.microsecond == 0
    assert 2030 <= t.year <= 2031


@settings(deadline=None)
@given(t=instants())
def test_instants_default_to_1900_through_2099(t: datetime) -> None:
    assert t.utcoffset() == timedelta(0)
    assert t.microsecond == 0
    assert 1900 <= t.year <= 2099


def test_instants_come_near_the_zones_offset_changes_half_the_time() -> None:
    # New York changes its offset at 2026-03-08T07:00:00Z and 2026-11-01T06:00:00Z; a
    # uniform draw would fall within 3 days of either 12 times in 365.
    changes = [datetime(2026, 3, 8, 7, tzinfo=UTC), datetime(2026, 11, 1, 6, tzinfo=UTC)]
    near: list[bool] = []

    @settings(max_examples=200, derandomize=True, database=None, deadline=None)
    @given(t=instants("America/New_York", years=(2026, 2026)))
    def collect(t: datetime) -> None:
        near.append(any(abs(t - change) <= timedelta(days=3) for change in changes))

    collect()
    assert sum(near) >= len(near) // 4, f"{sum(near)} of {len(near)} near a change"


@settings(deadline=None)
@given(key=ZONES)
def test_zones_are_keys_of_the_pinned_tzdata_that_a_spec_accepts(key: str) -> None:
    assert key in available_zones()
    assert Campaign.model_validate({"name": "zone", "timezone": key}).timezone == key


def test_odd_zones_are_known_to_the_pinned_tzdata() -> None:
    assert set(ODD_ZONES) <= available_zones()


# -- outcome scripts and call logs ----------------------------------------------------

ONE_CUSTOMER = Campaign.model_validate(
    {
        "name": "logs",
        "timezone": "America/New_York",
        "startTime": "09:00",
        "endTime": "17:00",
        "activeDays": [0, 1, 2, 3, 4],
        "callRetries": 2,
        "customers": [{"phoneNumber": "+12125550102"}, {"phoneNumber": "+14155550101"}],
    }
)


@settings(deadline=None)
@given(data=st.data())
def test_outcome_scripts_give_known_outcomes_and_lengths(data: st.DataObject) -> None:
    source = data.draw(outcome_scripts(ONE_CUSTOMER))
    for phone in [*ONE_CUSTOMER.unique_phones(), "+19995550100"]:
        for number in range(1, 6):
            outcome, seconds = source(phone, number)
            assert outcome in OUTCOMES
            assert 1 <= seconds <= 600


def _check_rows(log: list[dict[str, Any]]) -> None:
    for row in log:
        assert set(row) == {"phone", "start", "end", "outcome"}
        assert row["start"].endswith("Z")
        assert row["end"].endswith("Z")
        start, end = datetime.fromisoformat(row["start"]), datetime.fromisoformat(row["end"])
        assert start.utcoffset() == timedelta(0)
        assert start < end
        assert row["outcome"] in OUTCOMES
    starts = [datetime.fromisoformat(row["start"]) for row in log]
    assert starts == sorted(starts)


@settings(max_examples=50, deadline=None, suppress_health_check=SLOW)
@given(campaign=campaigns(timezone=ZONES), data=st.data())
def test_call_logs_are_iso_text_in_utc_sorted_by_start(
    campaign: Campaign, data: st.DataObject
) -> None:
    log = data.draw(call_logs(campaign))
    _check_rows(log)
    assert {row["phone"] for row in log} <= set(campaign.unique_phones())


@settings(max_examples=60, deadline=None, suppress_health_check=SLOW)
@given(data=st.data(), code=st.sampled_from(CODES))
def test_broken_call_logs_are_sorted_by_start_too(data: st.DataObject, code: str) -> None:
    campaign = data.draw(
        campaigns(timezone=ZONES, call_retries=st.integers(1, 3), max_concurrency=1)
    )
    _check_rows(data.draw(call_logs(campaign, broken=code)))


def test_a_call_log_is_the_plan_of_the_same_now_and_outcomes() -> None:
    now = datetime(2026, 1, 5, 13, 0, tzinfo=UTC)
    source = outcomes.scripted({"+12125550102": [("Busy", 45), ("success", 120)]})
    log = find(
        call_logs(ONE_CUSTOMER, now=now, outcomes=source),
        lambda log: True,
        settings=settings(database=None),
    )
    expected = [
        (a.phone, a.start, a.end, a.outcome)
        for a in plan(ONE_CUSTOMER, now=now, outcomes=source).attempts
    ]
    got = [
        (r["phone"], datetime.fromisoformat(r["start"]), datetime.fromisoformat(r["end"]),
         r["outcome"])
        for r in log
    ]  # fmt: skip
    assert got == expected
    assert log[0] == {
        "phone": "+12125550102",
        "start": "2026-01-05T14:00:00Z",
        "end": "2026-01-05T14:00:45Z",
        "outcome": "Busy",
    }


def test_call_logs_refuse_an_unknown_code() -> None:
    with pytest.raises(ValueError, match=r"broken: one of unknown-customer, .*pacing, got 'late'"):
        find(call_logs(ONE_CUSTOMER, broken="late"), lambda log: True)


#: A customer on two clocks (+1 605 222: America/Denver and America/North_Dakota/Center)
#: whose campaign window is read on its clocks, and a rule (US-TCPA, 08:00-21:00) that allows
#: every hour the window does on Monday 2026-01-05.
TWO_CLOCKS = Campaign.model_validate(
    {
        "name": "two clocks",
        "timezone": "UTC",
        "startTime": "00:00",
        "endTime": "10:00",
        "activeDays": [0],
        "customers": [{"phoneNumber": "+16052220103"}],
        "recipientLocalTime": True,
        "callingRules": ["US-TCPA"],
    }
)


def test_a_rule_hours_log_breaks_a_rule_for_a_customer_on_two_clocks() -> None:
    log = find(
        call_logs(
            TWO_CLOCKS,
            now=datetime(2026, 1, 5, tzinfo=UTC),
            outcomes=outcomes.always(),
            broken="rule-hours",
        ),
        lambda log: True,
        settings=settings(database=None),
    )
    # Not 2026-01-05T16:00Z: 09:00 in Denver, but 10:00 (outside the window) in Center.
    assert [row["start"] for row in log] == ["2026-01-12T07:00:00Z"]
    assert "rule-hours" in {v.code for v in audit(TWO_CLOCKS, log)}
