"""Streamed exports: the rows written as they are planned are the plan's rows, byte for byte."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest

from scheduler import Campaign, export, outcomes, plan
from scheduler.export import COLUMNS, write_rows

NOW = "2026-03-06T21:58:00Z"  # Friday 16:58 EST: calls run past the close, retries on Monday

BODY: dict[str, Any] = {
    "name": 'export, "quoted"',
    "timezone": "America/New_York",
    "startTime": "09:00",
    "endTime": "17:00",
    "activeDays": [0, 1, 2, 3, 4],
    "callRetries": 2,
    "retryDelaySeconds": 3600,
    "endDate": "2026-03-10",
    "phoneList": [f"+1415555{i:04d}" for i in range(1, 9)],
}


def expected_rows(campaign: Campaign) -> list[dict[str, Any]]:
    timeline = plan(campaign, now=NOW, outcomes=outcomes.random(3))
    return [a.as_dict() for a in timeline.attempts]


def test_streamed_csv_has_every_attempt_of_the_plan_then_the_expired() -> None:
    campaign = Campaign.model_validate(BODY)
    out = io.StringIO()
    timeline = write_rows(out, campaign, now=NOW, outcomes=outcomes.random(3), form="csv")
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert tuple(rows[0]) == COLUMNS
    attempts = [r for r in rows[1:] if r[0] == "attempt"]
    want = expected_rows(campaign)
    assert len(attempts) == len(want) > 8
    for got, row in zip(attempts, want, strict=True):
        assert got[1:] == [
            row["phone"],
            str(row["attemptNumber"]),
            row["start"],
            row["end"],
            row["localStart"],
            row["outcome"],
            row["due"],
            row["reason"],
        ]
    expired = [r for r in rows[1:] if r[0] == "expired"]
    assert [(r[1], r[2]) for r in expired] == [(e.phone, str(e.number)) for e in timeline.expired]
    assert len(timeline.attempts) == 0  # nothing kept: the rows went out as they came


def test_streamed_json_lines_are_the_plans_rows() -> None:
    campaign = Campaign.model_validate(BODY)
    out = io.StringIO()
    write_rows(out, campaign, now=NOW, outcomes=outcomes.random(3), form="jsonl")
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    attempts = [line for line in lines if "kind" not in line]
    assert attempts == expected_rows(campaign)


def test_a_limit_writes_the_first_rows_only() -> None:
    campaign = Campaign.model_validate(BODY)
    out = io.StringIO()
    write_rows(out, campaign, now=NOW, form="csv", limit=3)
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert [r[2] for r in rows[1:] if r[0] == "attempt"] == ["1", "1", "1"]


def test_streamed_rows_of_customers_on_their_own_clocks_name_zones_regions_and_caps() -> None:
    campaign = Campaign.model_validate(
        {
            "name": "rules",
            "timezone": "America/New_York",
            "startTime": "07:00",
            "endTime": "22:00",
            "callRetries": 5,
            "retryDelaySeconds": 3600,
            "callingRules": ["US-TCPA", "US-FL"],
            "customers": [{"phoneNumber": "+18505550123"}, {"phoneNumber": "+16052221234"}],
        }
    )
    out = io.StringIO()
    write_rows(out, campaign, now="2026-03-09T11:00:00Z", form="jsonl")
    streamed = [json.loads(line) for line in out.getvalue().splitlines()]
    planned = [a.as_dict() for a in plan(campaign, now="2026-03-09T11:00:00Z").attempts]
    assert streamed == planned
    assert streamed[0]["region"] == "US-FL"
    assert any("US-FL: at most 3 calls in 24 h" in row["reason"] for row in streamed)


# A clock change two hours after ``now``, then calls 97 s apart across it.
CLOCK_CHANGES = [
    ("America/New_York", "2026-11-01T04:00:00Z"),
    ("Australia/Lord_Howe", "2026-04-04T13:00:00Z"),
    ("Australia/Lord_Howe", "2026-10-03T13:30:00Z"),
    ("Africa/Monrovia", "1972-01-06T22:44:30Z"),
    ("Europe/Dublin", "1916-05-21T00:25:21Z"),
    ("America/Chicago", "2200-03-09T06:00:00Z"),
]


@pytest.mark.parametrize(
    ("zone", "now"),
    CLOCK_CHANGES,
    ids=[
        "ny_fall_back",
        "lord_howe_half_hour_fall_back",
        "lord_howe_half_hour_spring_forward",
        "monrovia_odd_seconds_offset_ends",
        "dublin_mean_time_to_summer_time",
        "chicago_far_future_spring_forward",
    ],
)
def test_streamed_local_starts_read_the_zones_clock_across_a_change(zone: str, now: str) -> None:
    campaign = Campaign.model_validate(
        {
            "name": "clock change",
            "timezone": zone,
            "callRetries": 1,
            "retryDelaySeconds": 600,
            "schedulingMode": "even",
            "callIntervalSeconds": 97,
            "phoneList": [f"+1415555{i:04d}" for i in range(150)],
        }
    )
    want = [a.as_dict() for a in plan(campaign, now=now, outcomes=outcomes.random(5)).attempts]
    out = io.StringIO()
    write_rows(out, campaign, now=now, outcomes=outcomes.random(5), form="csv")
    rows = [r for r in csv.reader(io.StringIO(out.getvalue())) if r[0] == "attempt"]
    assert [(r[3], r[4], r[5], r[7], r[8]) for r in rows] == [
        (w["start"], w["end"], w["localStart"], w["due"], w["reason"]) for w in want
    ]
    assert len({w["localStart"][19:] for w in want}) == 2  # the change is crossed
    out = io.StringIO()
    write_rows(out, campaign, now=now, outcomes=outcomes.random(5), form="jsonl")
    assert [json.loads(line) for line in out.getvalue().splitlines()] == want


def test_rows_stay_right_when_the_memo_of_minutes_is_renewed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(export, "_MINUTES_KEPT", 2)
    campaign = Campaign.model_validate(BODY)
    out = io.StringIO()
    write_rows(out, campaign, now=NOW, outcomes=outcomes.random(3), form="csv")
    rows = [r for r in csv.reader(io.StringIO(out.getvalue())) if r[0] == "attempt"]
    assert [(r[3], r[4], r[5], r[7]) for r in rows] == [
        (w["start"], w["end"], w["localStart"], w["due"]) for w in expected_rows(campaign)
    ]


def test_a_reason_with_quotes_is_quoted_as_the_csv_module_quotes_it() -> None:
    campaign = Campaign.model_validate(
        {
            "name": "quotes",
            "timezone": "UTC",
            "callRetries": 3,
            "retryDelaySeconds": 60,
            "callingRules": [{"name": 'team "A"', "cap": {"calls": 2, "seconds": 7200}}],
            "phoneList": ["+14155550100"],
        }
    )
    out = io.StringIO()
    write_rows(out, campaign, now=NOW, form="csv")
    reasons = [a.reason for a in plan(campaign, now=NOW).attempts]
    assert any('team "A": at most 2 calls' in reason for reason in reasons)
    written = io.StringIO()
    csv.writer(written, lineterminator="\n").writerows([reason] for reason in reasons)
    lines = out.getvalue().splitlines()[1:]
    assert [line.split(",", 8)[-1] for line in lines] == written.getvalue().splitlines()
