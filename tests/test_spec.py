"""The campaign spec: what the create body (and a saved campaign) may say, and what is refused.

Every refusal is a ``pydantic.ValidationError`` whose location names the
field by its camelCase name, and whose message says what was given or what
is allowed, so a user can fix the body without reading the code.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pydantic
import pytest

from scheduler import Campaign, Customer, DaySchedule
from scheduler.spec import DEFAULT_RETRY_CONDITIONS, FAILURE_OUTCOMES
from scheduler.tz import available_zones

# The request body of reference/campaign-api.txt, verbatim.
REFERENCE_BODY_JSON = """
{
  "name": "Q1 Customer Outreach",
  "assistantId": "a1b2c3d4-e5f6-7890-abcd-ef1234567890",
  "description": "Follow-up calls for Q1 leads",
  "startDate": "2024-03-15",
  "startTime": "09:00",
  "endTime": "17:00",
  "timezone": "America/New_York",
  "activeDays": [0, 1, 2, 3, 4],
  "daySchedules": {
    "2": {"startTime": "10:00", "endTime": "18:00"},
    "4": {"startTime": "09:00", "endTime": "15:00"}
  },
  "phoneNumber": "+14155551234",
  "callRetries": 3,
  "retryDelaySeconds": 3600,
  "retryDelayMode": "fixed",
  "webhookUrl": "https://api.example.com/webhook/campaign",
  "customers": [
    {"phoneNumber": "+14155559001", "properties": {"name": "John Doe", "company": "Acme Inc"}},
    {"phoneNumber": "+14155559002", "properties": {"name": "Jane Smith", "company": "Tech Corp"}}
  ]
}
"""

# The ``campaign`` object of the reference response, with its placeholders
# ("<string>") replaced by values a real saved campaign would carry.
RESPONSE_CAMPAIGN: dict[str, Any] = {
    "id": "cmp_01HZY3J8Q4",
    "name": "Q1 Customer Outreach",
    "workspaceId": "ws_42",
    "createdAt": "2023-12-20T10:00:00Z",
    "updatedAt": "2023-12-21T08:30:00Z",
    "assistantId": "3c90c3cc-0d44-4b50-8888-8dd25736052a",
    "phoneNumberId": "pn_7",
    "description": "Follow-up calls",
    "status": "draft",
    "startDate": "2023-12-25",
    "startTime": "09:00",
    "timezone": "UTC",
    "endTime": "17:00",
    "activeDays": [0, 1, 2, 3, 4, 5, 6],
    "daySchedules": {},
    "phoneNumber": "+14155551234",
    "callRetries": 0,
    "retryDelaySeconds": 300,
    "retryDelayMode": "fixed",
    "retryConditions": [
        "No Answer",
        "Busy",
        "Timeout",
        "Unreachable",
        "Network Error",
        "Resource Unavailable",
        "Service Unavailable",
        "voicemail",
    ],
    "endDate": "2023-12-25",
    "schedulingMode": "even",
    "callIntervalSeconds": 30,
    "maxConcurrency": 5,
    "webhookUrl": "https://api.example.com/webhook/campaign",
    "customers": [],
    "callIds": [],
    "roomNames": [],
    "events": [],
    "version": "v1",
}


def reference_body() -> dict[str, Any]:
    body: dict[str, Any] = json.loads(REFERENCE_BODY_JSON)
    return body


def validation_errors(body: dict[str, Any]) -> list[Any]:
    """The errors pydantic reports for ``body``; fails the test if it validates."""
    with pytest.raises(pydantic.ValidationError) as caught:
        Campaign.model_validate(body)
    return list(caught.value.errors())


# -- the reference body and a saved campaign -----------------------------------


def check_reference(campaign: Campaign) -> None:
    assert campaign.name == "Q1 Customer Outreach"
    assert campaign.assistant_id == "a1b2c3d4-e5f6-7890-abcd-ef1234567890"
    assert campaign.description == "Follow-up calls for Q1 leads"
    assert campaign.start_date == date(2024, 3, 15)
    assert campaign.end_date is None
    assert (campaign.start_time, campaign.end_time) == ("09:00", "17:00")
    assert campaign.timezone == "America/New_York"
    assert campaign.active_days == (0, 1, 2, 3, 4)
    assert campaign.day_schedules == {
        "2": DaySchedule.model_validate({"startTime": "10:00", "endTime": "18:00"}),
        "4": DaySchedule.model_validate({"startTime": "09:00", "endTime": "15:00"}),
    }
    assert campaign.phone_number == "+14155551234"
    assert campaign.call_retries == 3
    assert campaign.retry_delay_seconds == 3600
    assert campaign.retry_delay_mode == "fixed"
    assert campaign.webhook_url == "https://api.example.com/webhook/campaign"
    assert [c.phone_number for c in campaign.customers] == ["+14155559001", "+14155559002"]
    assert campaign.customers[1].properties == {"name": "Jane Smith", "company": "Tech Corp"}
    assert campaign.unique_phones() == ["+14155559001", "+14155559002"]
    assert campaign.warnings == ()
    assert campaign.model_extra == {}
    # Wednesday 10:00-18:00, Friday 09:00-15:00, other weekdays 09:00-17:00, weekend off.
    assert [campaign.day_rule(w) for w in range(7)] == [
        (9 * 3600, 17 * 3600),
        (9 * 3600, 17 * 3600),
        (10 * 3600, 18 * 3600),
        (9 * 3600, 17 * 3600),
        (9 * 3600, 15 * 3600),
        None,
        None,
    ]


def test_reference_body_validates_from_dict() -> None:
    check_reference(Campaign.model_validate(reference_body()))


def test_reference_body_validates_from_json() -> None:
    from_json = Campaign.model_validate_json(REFERENCE_BODY_JSON)
    check_reference(from_json)
    assert from_json == Campaign.model_validate(reference_body())


def test_reference_body_round_trips_through_camel_case_dump() -> None:
    campaign = Campaign.model_validate(reference_body())
    dumped = campaign.model_dump(by_alias=True, mode="json")
    assert dumped["callRetries"] == 3
    assert dumped["daySchedules"]["2"] == {"startTime": "10:00", "endTime": "18:00"}
    assert Campaign.model_validate(dumped) == campaign


def test_saved_campaign_from_response_validates() -> None:
    campaign = Campaign.model_validate(RESPONSE_CAMPAIGN)
    assert campaign.id == "cmp_01HZY3J8Q4"
    assert campaign.workspace_id == "ws_42"
    assert campaign.phone_number_id == "pn_7"
    assert campaign.status == "draft"
    assert campaign.created_at == "2023-12-20T10:00:00Z"
    assert campaign.updated_at == "2023-12-21T08:30:00Z"
    assert campaign.start_date == campaign.end_date == date(2023, 12, 25)
    assert campaign.scheduling_mode == "even"
    assert campaign.call_interval_seconds == 30
    assert campaign.max_concurrency == 5
    assert campaign.call_ids == campaign.room_names == campaign.events == ()
    assert campaign.version == "v1"
    # Every field of the response is a known one: nothing to warn about.
    assert campaign.model_extra == {}
    assert campaign.warnings == ()
    assert Campaign.model_validate_json(json.dumps(RESPONSE_CAMPAIGN)) == campaign


# -- defaults, immutability, names ----------------------------------------------


def test_defaults_are_the_apis() -> None:
    campaign = Campaign.model_validate({"name": "Defaults"})
    assert campaign.timezone == "UTC"
    assert campaign.active_days == (0, 1, 2, 3, 4, 5, 6)
    assert campaign.day_schedules == {}
    assert campaign.call_retries == 0
    assert campaign.retry_delay_seconds == 300
    assert campaign.retry_delay_mode == "fixed"
    assert campaign.scheduling_mode == "even"
    assert campaign.call_interval_seconds == 30
    assert campaign.max_concurrency == 5
    assert campaign.retry_conditions == (
        "No Answer",
        "Busy",
        "Timeout",
        "Unreachable",
        "Network Error",
        "Resource Unavailable",
        "Service Unavailable",
        "voicemail",
    )
    assert campaign.retry_conditions == DEFAULT_RETRY_CONDITIONS
    assert (campaign.start_date, campaign.end_date) == (None, None)
    assert (campaign.start_time, campaign.end_time) == (None, None)
    assert campaign.customers == ()
    assert campaign.phone_list == ()
    assert campaign.warnings == ()
    # No startTime means 00:00 and no endTime means 24:00: every day is open all day.
    assert [campaign.day_rule(w) for w in range(7)] == [(0, 86_400)] * 7


def test_campaign_is_frozen() -> None:
    campaign = Campaign.model_validate(reference_body())
    with pytest.raises(pydantic.ValidationError, match="frozen"):
        campaign.call_retries = 5  # type: ignore[misc]
    with pytest.raises(pydantic.ValidationError, match="frozen"):
        campaign.day_schedules["2"].start_time = "11:00"  # type: ignore[misc]
    with pytest.raises(pydantic.ValidationError, match="frozen"):
        campaign.customers[0].phone_number = "+14155559999"  # type: ignore[misc]
    # Lists of the body become tuples: they cannot be changed in place either.
    assert isinstance(campaign.active_days, tuple)
    assert isinstance(campaign.customers, tuple)
    assert campaign.call_retries == 3


def test_snake_case_names_are_accepted() -> None:
    snake = Campaign.model_validate(
        {
            "name": "Q1 Customer Outreach",
            "assistant_id": "a1b2c3d4-e5f6-7890-abcd-ef1234567890",
            "description": "Follow-up calls for Q1 leads",
            "start_date": "2024-03-15",
            "start_time": "09:00",
            "end_time": "17:00",
            "timezone": "America/New_York",
            "active_days": [0, 1, 2, 3, 4],
            "day_schedules": {
                "2": {"start_time": "10:00", "end_time": "18:00"},
                "4": {"start_time": "09:00", "end_time": "15:00"},
            },
            "phone_number": "+14155551234",
            "call_retries": 3,
            "retry_delay_seconds": 3600,
            "retry_delay_mode": "fixed",
            "webhook_url": "https://api.example.com/webhook/campaign",
            "customers": [
                {
                    "phone_number": "+14155559001",
                    "properties": {"name": "John Doe", "company": "Acme Inc"},
                },
                {
                    "phone_number": "+14155559002",
                    "properties": {"name": "Jane Smith", "company": "Tech Corp"},
                },
            ],
        }
    )
    check_reference(snake)
    assert snake == Campaign.model_validate(reference_body())


def test_snake_case_names_the_api_has_no_default_for() -> None:
    campaign = Campaign.model_validate(
        {
            "name": "x",
            "scheduling_mode": "asap",
            "call_interval_seconds": 0,
            "max_concurrency": 2,
            "retry_conditions": ["Busy"],
            "phone_list": ["+14155559001"],
            "end_date": "2026-12-31",
        }
    )
    assert campaign.scheduling_mode == "asap"
    assert campaign.call_interval_seconds == 0
    assert campaign.max_concurrency == 2
    assert campaign.retry_conditions == ("Busy",)
    assert campaign.phone_list == ("+14155559001",)
    assert campaign.end_date == date(2026, 12, 31)
    assert campaign.warnings == ()


# -- times of day ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "rule"),
    [
        ({"startTime": "09:00", "endTime": "24:00"}, (9 * 3600, 86_400)),
        ({"startTime": "09:00", "endTime": "24:00:00"}, (9 * 3600, 86_400)),
        ({"startTime": "00:00", "endTime": "24:00"}, (0, 86_400)),
        (
            {"startTime": "08:30:15", "endTime": "17:45:59"},
            (8 * 3600 + 30 * 60 + 15, 17 * 3600 + 45 * 60 + 59),
        ),
        ({"startTime": "23:59:59", "endTime": "24:00"}, (86_399, 86_400)),
        # Overnight: it belongs to the day it starts on and ends the next day.
        ({"startTime": "22:00", "endTime": "06:00"}, (22 * 3600, 30 * 3600)),
        ({"endTime": "24:00"}, (0, 86_400)),
        ({"startTime": "09:00"}, (9 * 3600, 86_400)),
    ],
    ids=[
        "end_24_00",
        "end_24_00_00",
        "all_day",
        "with_seconds",
        "last_second",
        "overnight",
        "only_end",
        "only_start",
    ],
)
def test_valid_times(fields: dict[str, str], rule: tuple[int, int]) -> None:
    campaign = Campaign.model_validate({"name": "x", **fields})
    assert campaign.day_rule(0) == rule
    overnight = rule[1] > 86_400
    assert campaign.warnings == (
        (
            "startTime 22:00 is after endTime 06:00: an overnight window from 22:00 to 06:00 "
            "the next morning",
        )
        if overnight
        else ()
    )


def test_an_overnight_day_schedule_is_named_in_the_warnings() -> None:
    campaign = Campaign.model_validate(
        {"name": "x", "daySchedules": {"4": {"startTime": "20:00", "endTime": "02:00"}}}
    )
    assert campaign.warnings == (
        "daySchedules['4'].startTime 20:00 is after daySchedules['4'].endTime 02:00: an "
        "overnight window from 20:00 to 02:00 the next morning",
    )


@pytest.mark.parametrize(
    ("field", "hint"),
    [
        ("timeZone", "timezone"),
        ("startime", "startTime"),
        ("call_retry", "callRetries"),
        ("activedays", "activeDays"),
        ("maxconcurrency", "maxConcurrency"),
    ],
    ids=["timeZone", "startime", "call_retry", "activedays", "maxconcurrency"],
)
def test_a_misspelt_field_is_a_warning_with_a_suggestion(field: str, hint: str) -> None:
    campaign = Campaign.model_validate({"name": "x", field: "1"})
    assert campaign.warnings == (
        f"unknown field {field!r} is kept but not used; did you mean {hint!r}?",
    )


def test_24_00_is_accepted_as_a_day_schedule_end() -> None:
    campaign = Campaign.model_validate(
        {"name": "x", "daySchedules": {"5": {"startTime": "12:00", "endTime": "24:00"}}}
    )
    assert campaign.day_rule(5) == (12 * 3600, 86_400)


# -- time zones -----------------------------------------------------------------


@pytest.mark.parametrize(
    "zone",
    ["US/Eastern", "Etc/GMT+5", "UTC", "Europe/Prague", "America/Argentina/Buenos_Aires"],
    ids=["link_us_eastern", "etc_gmt_plus_5", "utc", "europe_prague", "three_part_name"],
)
def test_timezone_accepts_iana_keys_and_link_names(zone: str) -> None:
    assert Campaign.model_validate({"name": "x", "timezone": zone}).timezone == zone


def test_timezone_accepts_every_key_of_the_pinned_tzdata() -> None:
    for zone in sorted(available_zones()):
        assert Campaign.model_validate({"name": "x", "timezone": zone}).timezone == zone


# -- bad input: each names the field and the value or what is allowed -------------

ALLOWED_RETRY_CONDITIONS = (
    "'Rejected'",
    "'Unreachable'",
    "'Busy'",
    "'No Answer'",
    "'Network Error'",
    "'Invalid'",
    "'Timeout'",
    "'Cancelled'",
    "'Resource Unavailable'",
    "'Service Unavailable'",
    "'Protocol Error'",
    "'Unspecified'",
    "'voicemail'",
    "'exceeded-max-duration'",
)
E164 = "phone number must be E.164: '+' then 8 to 15 digits, the first not 0"


def empty_window(start: str, end: str) -> str:
    """The message of a window whose start and end (as given) are the same time."""
    return (
        f"start {start!r} and end {end!r} are the same time: the window would be empty "
        "(write 00:00-24:00 for all day)"
    )


BAD_INPUT: list[tuple[str, dict[str, Any], tuple[str | int, ...], tuple[str, ...]]] = [
    # (id, fields added to {"name": "x"}, expected loc, fragments of the message)
    ("empty_name", {"name": ""}, ("name",), ("name must not be empty, got ''",)),
    ("blank_name", {"name": "  \t"}, ("name",), ("name must not be empty, got '  \\t'",)),
    (
        "start_one_digit_hour",
        {"startTime": "9:00"},
        ("startTime",),
        ("time must be HH:MM or HH:MM:SS", "got '9:00'"),
    ),
    (
        "start_minute_60",
        {"startTime": "09:60"},
        ("startTime",),
        ("time out of range, got '09:60'", "minutes and seconds 00-59"),
    ),
    (
        "end_hour_25",
        {"endTime": "25:00"},
        ("endTime",),
        ("time out of range, got '25:00'", "hours 00-23 (or 24:00 as an end)"),
    ),
    (
        "start_hour_25",
        {"startTime": "25:00"},
        ("startTime",),
        ("time out of range, got '25:00'",),
    ),
    (
        "end_seconds_60",
        {"endTime": "17:00:60"},
        ("endTime",),
        ("time out of range, got '17:00:60'",),
    ),
    (
        "end_24_00_01",
        {"endTime": "24:00:01"},
        ("endTime",),
        ("time out of range, got '24:00:01'",),
    ),
    (
        "start_24_00",
        {"startTime": "24:00"},
        ("startTime",),
        ("24:00 is allowed only as an end time, got start '24:00'",),
    ),
    (
        "start_equals_end",
        {"startTime": "09:00", "endTime": "09:00"},
        ("endTime",),
        (empty_window("09:00", "09:00"),),
    ),
    (
        "start_equals_end_with_seconds",
        {"startTime": "09:00", "endTime": "09:00:00"},
        ("endTime",),
        # Start and end are shown as given.
        (empty_window("09:00", "09:00:00"),),
    ),
    (
        "day_schedule_start_equals_end",
        {"daySchedules": {"1": {"startTime": "10:00", "endTime": "10:00"}}},
        ("daySchedules", "1", "endTime"),
        (empty_window("10:00", "10:00"),),
    ),
    (
        "end_00_00_without_a_start",
        {"endTime": "00:00"},
        ("endTime",),
        # A missing start shows as '00:00'.
        (empty_window("00:00", "00:00"),),
    ),
    (
        "end_00_00_00_without_a_start",
        {"endTime": "00:00:00"},
        ("endTime",),
        (empty_window("00:00", "00:00:00"),),
    ),
    (
        "day_schedule_start_not_hh_mm",
        {"daySchedules": {"3": {"startTime": "10h00"}}},
        ("daySchedules", "3", "startTime"),
        ("time must be HH:MM or HH:MM:SS, got '10h00'",),
    ),
    (
        "timezone_unknown",
        {"timezone": "Mars/Olympus"},
        ("timezone",),
        ("unknown IANA time zone 'Mars/Olympus'", "'Europe/Prague' or 'America/New_York'"),
    ),
    (
        "timezone_lowercase",
        {"timezone": "america/new_york"},
        ("timezone",),
        (
            "unknown IANA time zone 'america/new_york'",
            "did you mean 'America/New_York'? (names are case-sensitive)",
        ),
    ),
    (
        "timezone_posix_tree",
        {"timezone": "posix/Europe/Prague"},
        ("timezone",),
        (
            "'posix/Europe/Prague' is a host-only zone tree",
            "use the plain IANA name 'Europe/Prague'",
        ),
    ),
    (
        "timezone_right_tree",
        {"timezone": "right/UTC"},
        ("timezone",),
        ("'right/UTC' is a host-only zone tree", "use the plain IANA name 'UTC'"),
    ),
    (
        "timezone_etc_unknown",
        {"timezone": "Etc/Unknown"},
        ("timezone",),
        ("unknown IANA time zone 'Etc/Unknown'",),
    ),
    (
        "active_day_7",
        {"activeDays": [0, 7]},
        ("activeDays", 1),
        ("day must be 0 (Monday) to 6 (Sunday), got 7",),
    ),
    (
        "active_day_minus_1",
        {"activeDays": [-1]},
        ("activeDays", 0),
        ("day must be 0 (Monday) to 6 (Sunday), got -1",),
    ),
    (
        "active_day_repeated",
        {"activeDays": [0, 1, 1]},
        ("activeDays",),
        ("day 1 (Tuesday) is listed twice",),
    ),
    (
        "day_schedule_key_7",
        {"daySchedules": {"7": {"startTime": "10:00", "endTime": "12:00"}}},
        ("daySchedules", "7", "[key]"),
        ("daySchedules['7']: day must be 0 (Monday) to 6 (Sunday), got '7'",),
    ),
    (
        "call_retries_11",
        {"callRetries": 11},
        ("callRetries",),
        ("must be 0 to 10, got 11",),
    ),
    (
        "call_retries_minus_1",
        {"callRetries": -1},
        ("callRetries",),
        ("must be 0 to 10, got -1",),
    ),
    (
        "retry_delay_86401",
        {"retryDelaySeconds": 86_401},
        ("retryDelaySeconds",),
        ("must be 0 to 86400, got 86401",),
    ),
    (
        "retry_delay_minus_1",
        {"retryDelaySeconds": -1},
        ("retryDelaySeconds",),
        ("must be 0 to 86400, got -1",),
    ),
    (
        "retry_delay_mode_weekly",
        {"retryDelayMode": "weekly"},
        ("retryDelayMode",),
        ("'fixed'", "'next_day'"),
    ),
    (
        "scheduling_mode_burst",
        {"schedulingMode": "burst"},
        ("schedulingMode",),
        ("'even'", "'asap'"),
    ),
    (
        "retry_condition_capitalised_voicemail",
        {"retryConditions": ["Busy", "Voicemail"]},
        ("retryConditions", 1),
        ALLOWED_RETRY_CONDITIONS,
    ),
    (
        "end_date_before_start_date",
        {"startDate": "2026-03-02", "endDate": "2026-03-01"},
        ("endDate",),
        (
            "endDate 2026-03-01 is before startDate 2026-03-02",
            "endDate must be on or after startDate",
        ),
    ),
    (
        "call_interval_minus_1",
        {"callIntervalSeconds": -1},
        ("callIntervalSeconds",),
        ("must be 0 to 86400, got -1",),
    ),
    (
        "call_interval_over_a_day",
        {"callIntervalSeconds": 86_401},
        ("callIntervalSeconds",),
        ("must be 0 to 86400, got 86401",),
    ),
    (
        "max_concurrency_0",
        {"maxConcurrency": 0},
        ("maxConcurrency",),
        ("must be 1 or more, got 0",),
    ),
    (
        "customer_phone_without_plus",
        {"customers": [{"phoneNumber": "+14155559001"}, {"phoneNumber": "4155559001"}]},
        ("customers", 1, "phoneNumber"),
        (E164, "got '4155559001'"),
    ),
    (
        "customer_phone_too_short",
        {"customers": [{"phoneNumber": "+1415"}]},
        ("customers", 0, "phoneNumber"),
        (E164, "got '+1415'"),
    ),
    (
        "customer_phone_with_spaces",
        {"customers": [{"phoneNumber": "+1 415 555 9001"}]},
        ("customers", 0, "phoneNumber"),
        (E164, "got '+1 415 555 9001'"),
    ),
    (
        "phone_list_without_plus",
        {"phoneList": ["4155559001"]},
        ("phoneList", 0),
        (E164, "got '4155559001'"),
    ),
    (
        "phone_list_too_short",
        {"phoneList": ["+14155559001", "+1415"]},
        ("phoneList", 1),
        (E164, "got '+1415'"),
    ),
    (
        "phone_list_with_spaces",
        {"phoneList": ["+1 415 555 9001"]},
        ("phoneList", 0),
        (E164, "got '+1 415 555 9001'"),
    ),
    (
        "caller_id_without_plus",
        {"phoneNumber": "4155559001"},
        ("phoneNumber",),
        (E164, "got '4155559001'"),
    ),
    (
        "caller_id_too_short",
        {"phoneNumber": "+1415"},
        ("phoneNumber",),
        (E164, "got '+1415'"),
    ),
    (
        "caller_id_with_spaces",
        {"phoneNumber": "+1 415 555 9001"},
        ("phoneNumber",),
        (E164, "got '+1 415 555 9001'"),
    ),
    (
        "caller_id_leading_zero",
        {"phoneNumber": "+04155559001"},
        ("phoneNumber",),
        (E164, "got '+04155559001'"),
    ),
]


@pytest.mark.parametrize(
    ("fields", "loc", "fragments"),
    [case[1:] for case in BAD_INPUT],
    ids=[case[0] for case in BAD_INPUT],
)
def test_bad_input_names_field_and_value(
    fields: dict[str, Any], loc: tuple[str | int, ...], fragments: tuple[str, ...]
) -> None:
    errors = validation_errors({"name": "x", **fields})
    assert [error["loc"] for error in errors] == [loc]
    message = errors[0]["msg"]
    for fragment in fragments:
        assert fragment in message


@pytest.mark.parametrize(
    ("field", "value"),
    [("callRetries", "3"), ("callRetries", True), ("maxConcurrency", 2.0)],
    ids=["string_number", "bool", "float"],
)
def test_integers_are_strict(field: str, value: object) -> None:
    errors = validation_errors({"name": "x", field: value})
    assert [error["loc"] for error in errors] == [(field,)]
    assert errors[0]["input"] == value


def test_every_error_is_reported_at_once() -> None:
    errors = validation_errors(
        {"name": "", "timezone": "Mars/Olympus", "callRetries": 11, "schedulingMode": "burst"}
    )
    assert sorted(error["loc"] for error in errors) == [
        ("callRetries",),
        ("name",),
        ("schedulingMode",),
        ("timezone",),
    ]


def test_retry_conditions_accept_the_whole_vocabulary() -> None:
    campaign = Campaign.model_validate({"name": "x", "retryConditions": list(FAILURE_OUTCOMES)})
    assert campaign.retry_conditions == FAILURE_OUTCOMES
    assert len(FAILURE_OUTCOMES) == 14


# -- empty windows: a missing start is 00:00, a missing day field falls back ------


def test_day_schedule_made_empty_by_the_global_end_is_located_at_day_schedules() -> None:
    errors = validation_errors(
        {
            "name": "x",
            "startTime": "09:00",
            "endTime": "17:00",
            "daySchedules": {"1": {"startTime": "17:00"}},
        }
    )
    assert [error["loc"] for error in errors] == [("daySchedules",)]
    assert errors[0]["msg"] == "Value error, daySchedules['1']: " + empty_window("17:00", "17:00")
    assert errors[0]["input"] == {"1": {"startTime": "17:00"}}


def test_day_schedule_made_empty_by_the_global_start_is_located_at_day_schedules() -> None:
    errors = validation_errors(
        {"name": "x", "startTime": "09:00", "daySchedules": {"1": {"endTime": "09:00"}}}
    )
    assert [error["loc"] for error in errors] == [("daySchedules",)]
    assert errors[0]["msg"] == "Value error, daySchedules['1']: " + empty_window("09:00", "09:00")


def test_global_end_00_00_without_a_start_is_an_empty_window() -> None:
    errors = validation_errors({"name": "x", "endTime": "00:00"})
    assert [error["loc"] for error in errors] == [("endTime",)]
    assert errors[0]["msg"] == "Value error, " + empty_window("00:00", "00:00")
    assert errors[0]["input"] == "00:00"


def test_day_schedule_end_00_00_without_any_start_is_an_empty_window() -> None:
    errors = validation_errors({"name": "x", "daySchedules": {"1": {"endTime": "00:00"}}})
    assert [error["loc"] for error in errors] == [("daySchedules",)]
    assert errors[0]["msg"] == "Value error, daySchedules['1']: " + empty_window("00:00", "00:00")


def test_day_schedule_start_and_end_00_00_is_located_at_its_end_time() -> None:
    errors = validation_errors(
        {"name": "x", "daySchedules": {"1": {"startTime": "00:00", "endTime": "00:00"}}}
    )
    assert [error["loc"] for error in errors] == [("daySchedules", "1", "endTime")]
    assert errors[0]["msg"] == "Value error, " + empty_window("00:00", "00:00")


def test_every_day_schedule_made_empty_is_reported_in_one_error() -> None:
    errors = validation_errors(
        {
            "name": "x",
            "startTime": "09:00",
            "endTime": "17:00",
            "daySchedules": {
                "2": {"endTime": "09:00:00"},
                "1": {"startTime": "17:00"},
                "3": {"startTime": "10:00"},
            },
        }
    )
    # In day order, whatever the order of the body; the valid day is not named.
    assert [error["loc"] for error in errors] == [("daySchedules",)]
    assert errors[0]["msg"] == (
        "Value error, daySchedules['1']: "
        + empty_window("17:00", "17:00")
        + "; daySchedules['2']: "
        + empty_window("09:00", "09:00:00")
    )


@pytest.mark.parametrize(
    ("fields", "loc", "message"),
    [
        (
            {"startTime": "25:00", "daySchedules": {"1": {"endTime": "00:00"}}},
            ("startTime",),
            "time out of range, got '25:00': hours 00-23 (or 24:00 as an end), "
            "minutes and seconds 00-59",
        ),
        (
            {"endTime": "17:60", "daySchedules": {"1": {"startTime": "00:00"}}},
            ("endTime",),
            "time out of range, got '17:60': hours 00-23 (or 24:00 as an end), "
            "minutes and seconds 00-59",
        ),
        (
            {"startTime": "9:00", "endTime": "09:00", "daySchedules": {"1": {"endTime": "00:00"}}},
            ("startTime",),
            "time must be HH:MM or HH:MM:SS, got '9:00'",
        ),
        (
            {"startTime": "09:00", "endTime": "09:00", "daySchedules": {"1": {"endTime": "09:00"}}},
            ("endTime",),
            empty_window("09:00", "09:00"),
        ),
    ],
    ids=[
        "start_out_of_range",
        "end_out_of_range",
        "start_not_hh_mm",
        "global_window_empty",
    ],
)
def test_an_invalid_global_time_is_reported_once(
    fields: dict[str, Any], loc: tuple[str, ...], message: str
) -> None:
    # No second error about a day schedule judged against a fallback that is not there.
    errors = validation_errors({"name": "x", **fields})
    assert [error["loc"] for error in errors] == [loc]
    assert errors[0]["msg"] == "Value error, " + message


@pytest.mark.parametrize(
    ("fields", "weekday", "rule"),
    [
        ({"startTime": "22:00", "endTime": "00:00"}, 0, (22 * 3600, 24 * 3600)),
        ({"startTime": "00:00"}, 0, (0, 86_400)),
        ({"daySchedules": {"1": {"startTime": "00:00"}}}, 1, (0, 86_400)),
        (
            {"daySchedules": {"1": {"startTime": "18:00", "endTime": "00:00"}}},
            1,
            (18 * 3600, 86_400),
        ),
        (
            {"startTime": "20:00", "daySchedules": {"1": {"endTime": "00:00"}}},
            1,
            (20 * 3600, 86_400),
        ),
    ],
    ids=[
        "global_end_00_00_after_a_start",
        "only_start_00_00",
        "day_schedule_only_start_00_00",
        "day_schedule_end_00_00_after_its_start",
        "day_schedule_end_00_00_after_the_global_start",
    ],
)
def test_00_00_that_leaves_a_window_is_accepted(
    fields: dict[str, Any], weekday: int, rule: tuple[int, int]
) -> None:
    campaign = Campaign.model_validate({"name": "x", **fields})
    assert campaign.day_rule(weekday) == rule
    assert campaign.warnings == ()


# -- one field, two spellings ------------------------------------------------------


@pytest.mark.parametrize(
    ("camel", "snake", "values"),
    [
        ("callRetries", "call_retries", (1, 2)),
        ("callRetries", "call_retries", (3, 3)),
        ("startTime", "start_time", ("09:00", "10:00")),
        ("phoneList", "phone_list", (["+14155559001"], ["+14155559002"])),
    ],
    ids=["different_values", "same_value", "start_time", "phone_list"],
)
def test_a_field_given_in_both_spellings_is_refused(
    camel: str, snake: str, values: tuple[object, object]
) -> None:
    errors = validation_errors({"name": "x", camel: values[0], snake: values[1]})
    assert [error["loc"] for error in errors] == [(camel,)]
    assert errors[0]["msg"] == (
        f"Value error, {camel} is given twice, as {camel!r} and as {snake!r}; give it once"
    )


@pytest.mark.parametrize(
    ("fields", "loc", "message"),
    [
        (
            {"daySchedules": {"1": {"startTime": "10:00", "start_time": "11:00"}}},
            ("daySchedules", "1", "startTime"),
            "startTime is given twice, as 'startTime' and as 'start_time'; give it once",
        ),
        (
            {"daySchedules": {"4": {"endTime": "12:00", "end_time": "12:00"}}},
            ("daySchedules", "4", "endTime"),
            "endTime is given twice, as 'endTime' and as 'end_time'; give it once",
        ),
        (
            {
                "customers": [
                    {"phoneNumber": "+14155559001"},
                    {"phoneNumber": "+14155559001", "phone_number": "+14155559002"},
                ]
            },
            ("customers", 1, "phoneNumber"),
            "phoneNumber is given twice, as 'phoneNumber' and as 'phone_number'; give it once",
        ),
    ],
    ids=["day_schedule_start_time", "day_schedule_end_time_same_value", "customer_phone_number"],
)
def test_a_nested_field_given_in_both_spellings_is_refused(
    fields: dict[str, Any], loc: tuple[str | int, ...], message: str
) -> None:
    errors = validation_errors({"name": "x", **fields})
    assert [error["loc"] for error in errors] == [loc]
    assert errors[0]["msg"] == "Value error, " + message


@pytest.mark.parametrize(
    ("model", "body", "message"),
    [
        (
            DaySchedule,
            {"startTime": "10:00", "start_time": "10:00"},
            "startTime is given twice, as 'startTime' and as 'start_time'; give it once",
        ),
        (
            Customer,
            {"phoneNumber": "+14155559001", "phone_number": "+14155559001"},
            "phoneNumber is given twice, as 'phoneNumber' and as 'phone_number'; give it once",
        ),
    ],
    ids=["day_schedule", "customer"],
)
def test_a_nested_model_on_its_own_refuses_both_spellings(
    model: type[pydantic.BaseModel], body: dict[str, Any], message: str
) -> None:
    with pytest.raises(pydantic.ValidationError) as caught:
        model.model_validate(body)
    errors = caught.value.errors()
    assert [error["loc"] for error in errors] == [(message.split()[0],)]
    assert errors[0]["msg"] == "Value error, " + message


# -- warnings: valid but suspicious ------------------------------------------------


def test_day_schedule_for_an_inactive_day_warns() -> None:
    campaign = Campaign.model_validate(
        {
            "name": "x",
            "startTime": "09:00",
            "endTime": "17:00",
            "activeDays": [0, 1, 2, 3, 4],
            "daySchedules": {
                "6": {"startTime": "10:00", "endTime": "14:00"},
                "5": {"startTime": "10:00", "endTime": "14:00"},
                "2": {"startTime": "10:00", "endTime": "18:00"},
            },
        }
    )
    assert campaign.warnings == (
        "daySchedules['5'] is set but Saturday is not in activeDays, so that day has no window",
        "daySchedules['6'] is set but Sunday is not in activeDays, so that day has no window",
    )
    assert campaign.day_rule(5) is None
    assert campaign.day_rule(6) is None
    assert campaign.day_rule(2) == (10 * 3600, 18 * 3600)


def test_number_listed_twice_is_called_once_and_warns() -> None:
    campaign = Campaign.model_validate(
        {
            "name": "x",
            "customers": [
                {"phoneNumber": "+14155559001", "properties": {"name": "John Doe"}},
                {"phoneNumber": "+14155559002"},
            ],
            "phoneList": ["+14155559003", "+14155559001", "+14155559002", "+14155559001"],
        }
    )
    assert campaign.phones_in_order() == [
        "+14155559001",
        "+14155559002",
        "+14155559003",
        "+14155559001",
        "+14155559002",
        "+14155559001",
    ]
    # customers first, then phoneList; each number once, where it first appears.
    assert campaign.unique_phones() == ["+14155559001", "+14155559002", "+14155559003"]
    assert campaign.warnings == (
        "+14155559001 is listed 3 times; it is called once",
        "+14155559002 is listed 2 times; it is called once",
    )


def test_customers_and_phone_list_together_without_repeats_do_not_warn() -> None:
    campaign = Campaign.model_validate(
        {
            "name": "x",
            "customers": [{"phoneNumber": "+14155559001"}],
            "phoneList": ["+442071234567"],
        }
    )
    assert campaign.unique_phones() == ["+14155559001", "+442071234567"]
    assert campaign.warnings == ()


def test_unknown_fields_are_kept_and_named_in_a_warning() -> None:
    body = reference_body() | {"priority": "high", "abTestGroup": {"arm": "B"}}
    campaign = Campaign.model_validate(body)
    assert campaign.model_extra == {"priority": "high", "abTestGroup": {"arm": "B"}}
    assert campaign.warnings == (
        "unknown field 'abTestGroup' is kept but not used",
        "unknown field 'priority' is kept but not used",
    )
    from_json = Campaign.model_validate_json(json.dumps(body))
    assert from_json.model_extra == campaign.model_extra
    assert from_json.warnings == campaign.warnings
    # Kept means kept: they come back out of a dump.
    assert campaign.model_dump(by_alias=True)["priority"] == "high"


def test_repeated_retry_condition_warns() -> None:
    campaign = Campaign.model_validate({"name": "x", "retryConditions": ["Busy", "Busy"]})
    assert campaign.warnings == ("retryConditions lists an outcome more than once",)


def test_empty_active_days_warns() -> None:
    campaign = Campaign.model_validate({"name": "x", "activeDays": []})
    assert campaign.warnings == ("activeDays is empty: the campaign has no calling window at all",)
    assert [campaign.day_rule(w) for w in range(7)] == [None] * 7


def test_warnings_are_sentences_in_a_tuple() -> None:
    campaign = Campaign.model_validate(
        {
            "name": "x",
            "activeDays": [0],
            "daySchedules": {"3": {"startTime": "10:00"}},
            "phoneList": ["+14155559001", "+14155559001"],
            "retryConditions": ["Busy", "Busy"],
            "colour": "blue",
        }
    )
    assert isinstance(campaign.warnings, tuple)
    assert campaign.warnings == (
        "daySchedules['3'] is set but Thursday is not in activeDays, so that day has no window",
        "+14155559001 is listed 2 times; it is called once",
        "retryConditions lists an outcome more than once",
        "unknown field 'colour' is kept but not used",
    )


# -- value semantics of a frozen model ----------------------------------------------


def test_equality_does_not_depend_on_calendar() -> None:
    first = Campaign.model_validate(reference_body())
    second = Campaign.model_validate(reference_body())
    assert first == second
    first.calendar()
    assert first == second
    second.calendar()
    assert first == second
    assert first != Campaign.model_validate(reference_body() | {"timezone": "Asia/Tokyo"})


def test_model_copy_with_a_new_timezone_gets_that_zones_calendar() -> None:
    campaign = Campaign.model_validate(reference_body())
    assert campaign.calendar().zone_key == "America/New_York"
    moved = campaign.model_copy(update={"timezone": "Asia/Tokyo"})
    assert moved.calendar().zone_key == "Asia/Tokyo"
    # The original is untouched.
    assert campaign.calendar().zone_key == "America/New_York"
    assert moved == Campaign.model_validate(reference_body() | {"timezone": "Asia/Tokyo"})


def test_model_copy_does_not_keep_stale_warnings() -> None:
    # Warnings are computed from the fields on each read, so a copy's are its own.
    phone = "+14155559001"
    campaign = Campaign.model_validate({"name": "x", "phoneList": [phone, phone]})
    assert campaign.warnings == (f"{phone} is listed 2 times; it is called once",)
    fixed = campaign.model_copy(update={"phone_list": (phone,)})
    assert fixed.warnings == ()
    assert fixed == Campaign.model_validate({"name": "x", "phoneList": [phone]})
    # The original still warns.
    assert campaign.warnings == (f"{phone} is listed 2 times; it is called once",)


def test_model_copy_gets_the_warnings_of_its_new_fields() -> None:
    campaign = Campaign.model_validate(reference_body())
    assert campaign.warnings == ()
    idle = campaign.model_copy(update={"active_days": ()})
    assert idle.warnings == (
        "activeDays is empty: the campaign has no calling window at all",
        "daySchedules['2'] is set but Wednesday is not in activeDays, so that day has no window",
        "daySchedules['4'] is set but Friday is not in activeDays, so that day has no window",
    )
    assert idle == Campaign.model_validate(reference_body() | {"activeDays": []})
    assert campaign.warnings == ()


# -- one error for one mistake ------------------------------------------------------


def test_an_invalid_start_time_does_not_make_end_00_00_an_empty_window() -> None:
    errors = validation_errors({"name": "x", "startTime": "25:00", "endTime": "00:00"})
    assert [error["loc"] for error in errors] == [("startTime",)]
    assert errors[0]["msg"] == (
        "Value error, time out of range, got '25:00': hours 00-23 (or 24:00 as an end), "
        "minutes and seconds 00-59"
    )


# -- input that only looks right -------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "loc", "fragment"),
    [
        ({"phoneList": ["+14155559001\n"]}, ("phoneList", 0), "got '+14155559001\\n'"),
        ({"phoneList": ["+1\u0664\u0661\u0665\u0665\u0665\u0665\u0669\u0660\u0660\u0661"]},
         ("phoneList", 0), "phone number must be E.164"),
        ({"startTime": "09:00\n"}, ("startTime",), "time must be HH:MM or HH:MM:SS"),
        ({"endTime": "\u0661\u0667:00"}, ("endTime",), "time must be HH:MM or HH:MM:SS"),
    ],
    ids=["phone_trailing_newline", "phone_arabic_indic_digits", "time_trailing_newline",
         "time_arabic_indic_digits"],
)  # fmt: skip
def test_only_ascii_digits_and_nothing_after_them(
    fields: dict[str, Any], loc: tuple[str | int, ...], fragment: str
) -> None:
    errors = validation_errors({"name": "x", **fields})
    assert [error["loc"] for error in errors] == [loc]
    assert fragment in errors[0]["msg"]


def test_unknown_nested_fields_are_kept_and_named_in_the_warnings() -> None:
    campaign = Campaign.model_validate(
        {
            "name": "x",
            "startTime": "09:00",
            "endTime": "17:00",
            "daySchedules": {"5": {"startime": "10:00", "endTime": "14:00"}},
            "customers": [{"phoneNumber": "+14155559001", "propertes": {}}],
        }
    )
    assert campaign.warnings == (
        "unknown field 'daySchedules['5'].startime' is kept but not used; "
        "did you mean 'startTime'?",
        "unknown field 'customers[0].propertes' is kept but not used; did you mean 'properties'?",
    )
    # The typo is not read as startTime: Saturday keeps the campaign's 09:00 start.
    assert campaign.day_rule(5) == (9 * 3600, 14 * 3600)


def test_a_day_schedule_for_an_inactive_day_is_only_a_warning_even_when_empty() -> None:
    campaign = Campaign.model_validate(
        {
            "name": "x",
            "startTime": "09:00",
            "endTime": "17:00",
            "activeDays": [0, 1, 2, 3, 4],
            "daySchedules": {"6": {"startTime": "17:00"}},
        }
    )
    assert campaign.warnings == (
        "daySchedules['6'] is set but Sunday is not in activeDays, so that day has no window",
    )
    assert campaign.day_rule(6) is None
