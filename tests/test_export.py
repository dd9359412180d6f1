"""Streamed exports: the rows written as they are planned are the plan's rows, byte for byte."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from scheduler import Campaign, outcomes, plan
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
