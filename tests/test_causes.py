"""When nothing can be called, the preview and `validate` say the true cause, not "the list
did not fit"."""

from __future__ import annotations

from typing import Any

import pytest

from scheduler import Campaign, plan
from scheduler.cli import main

A = "+14155550001"

CAUSES: list[tuple[dict[str, Any], str, str]] = [
    (
        {"endDate": "2026-03-01"},
        "2026-03-09T00:00:00Z",
        "endDate 2026-03-01 is over: its last window closed before the campaign began "
        "(2026-03-09 00:00 UTC)",
    ),
    (
        {"startDate": "2026-03-09", "endDate": "2026-03-10", "activeDays": [5, 6]},
        "2026-03-09T00:00:00Z",
        "no day in activeDays lies between startDate 2026-03-09 and endDate 2026-03-10",
    ),
    (
        # 02:05-02:45 on the spring-forward Sunday: New York's clock never shows it.
        {
            "timezone": "America/New_York",
            "startTime": "02:05",
            "endTime": "02:45",
            "startDate": "2026-03-08",
            "endDate": "2026-03-08",
        },
        "2026-03-01T00:00:00Z",
        "every window between startDate and endDate falls in a clock gap (the clock never "
        "shows those hours)",
    ),
    (
        {"activeDays": []},
        "2026-03-09T00:00:00Z",
        "activeDays is empty, so the campaign has no calling window at all",
    ),
]
IDS = ["end_date_before_now", "no_active_day_in_range", "window_in_a_gap", "no_active_day"]


@pytest.mark.parametrize(("fields", "now", "cause"), CAUSES, ids=IDS)
def test_an_expiry_names_the_true_cause(fields: dict[str, Any], now: str, cause: str) -> None:
    campaign = Campaign.model_validate({"name": "x", "phoneList": [A], **fields})
    timeline = plan(campaign, now=now)
    assert [e.reason for e in timeline.expired] == [f"attempt 1 of 1: never called: {cause}"]
    assert f"nothing can be called: {cause}" in timeline.warnings
    assert not any("did not fit" in w for w in timeline.warnings)


@pytest.mark.parametrize(("fields", "now", "cause"), CAUSES[:3], ids=IDS[:3])
def test_validate_names_the_cause_and_strict_refuses_it(
    fields: dict[str, Any],
    now: str,
    cause: str,
    tmp_path: Any,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import json

    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps({"name": "x", "phoneList": [A], **fields}))
    assert main(["validate", str(spec), "--now", now]) == 0
    out = capsys.readouterr().out
    assert f"warning: nothing can be called from {now}: {cause}" in out
    assert main(["validate", str(spec), "--now", now, "--strict"]) == 2
    assert f"--strict: nothing can be called: {cause}" in capsys.readouterr().err


def test_a_list_that_does_not_fit_says_how_many_each_attempt_reached() -> None:
    campaign = Campaign.model_validate(
        {
            "name": "x",
            "startTime": "09:00",
            "endTime": "09:01",
            "endDate": "2026-03-09",
            "callRetries": 1,
            "phoneList": [A, "+14155550002", "+14155550003"],
        }
    )
    timeline = plan(campaign, now="2026-03-09T00:00:00Z")
    assert timeline.warnings[0] == (
        "the list does not fit: 1 of 3 customers are never called before the campaign ends "
        "(customers reached by attempt 1: 2, attempt 2: 0)"
    )
    assert timeline.expired[-1].reason.endswith("(the list did not fit)")


def test_calls_per_day_count_an_overnight_window_for_the_day_it_started() -> None:
    campaign = Campaign.model_validate(
        {
            "name": "night shift",
            "startTime": "22:00",
            "endTime": "02:00",
            "callIntervalSeconds": 60,
            "phoneList": [A, "+14155550002", "+14155550003"],
        }
    )
    # Monday 23:59 UTC: the calls at 23:59, 00:00 and 00:01 all belong to Monday's window.
    timeline = plan(campaign, now="2026-03-09T23:59:00Z")
    assert [a.start.isoformat() for a in timeline.attempts] == [
        "2026-03-09T23:59:00+00:00",
        "2026-03-10T00:00:00+00:00",
        "2026-03-10T00:01:00+00:00",
    ]
    assert {d.isoformat(): n for d, n in timeline.summary().calls_per_day.items()} == {
        "2026-03-09": 3
    }
