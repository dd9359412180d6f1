"""The preview table at 80, 120 and 200 columns, and piped: nothing cut, nothing too wide."""

from __future__ import annotations

import re

import pytest

from scheduler import Timeline, plan
from scheduler.cli import attempt_lines, load_campaign

NOW = "2026-03-06T14:00:00Z"


@pytest.fixture(scope="module")
def timeline() -> Timeline:
    campaign, _ = load_campaign(None)
    return plan(campaign, now=NOW)


def words(text: str) -> list[str]:
    return text.split()


@pytest.mark.parametrize("width", [80, 120, 200], ids=["80_columns", "120_columns", "200_columns"])
def test_every_line_fits_and_every_reason_is_whole(timeline: Timeline, width: int) -> None:
    lines = attempt_lines(timeline, 5, width)
    assert all(len(line) <= width for line in lines), max(lines, key=len)
    assert all(line == line.rstrip() for line in lines)
    text = " ".join(lines)
    for attempt in timeline.attempts[:5]:
        # The whole reason is there, only wrapped: its words in order.
        assert " ".join(words(attempt.reason)) in " ".join(words(text))
        assert attempt.local_start.strftime("%a %m-%d %H:%M:%S %Z") in text


def test_80_columns_put_the_reason_on_its_own_line_and_leave_out_utc(timeline: Timeline) -> None:
    lines = attempt_lines(timeline, 2, 80)
    assert lines[0] == "    # phone            try local start            outcome"
    assert lines[1] == "    1 +14155559001      1 Fri 03-06 09:00:00 EST No Answer"
    assert lines[2] == "         attempt 1 of 4: first call, placed as soon as it was queued"
    assert "14:00:00Z" not in "\n".join(lines)


def test_200_columns_keep_the_reason_on_the_attempts_line(timeline: Timeline) -> None:
    lines = attempt_lines(timeline, 2, 200)
    assert re.fullmatch(
        r" +1 \+14155559001 +1 Fri 03-06 09:00:00 EST 03-06 14:00:00Z No Answer +"
        r"attempt 1 of 4: first call, placed as soon as it was queued",
        lines[1],
    )
    assert lines[0].endswith("why then")


def test_piped_lines_are_plain_and_unpadded(timeline: Timeline) -> None:
    lines = attempt_lines(timeline, 2, None)
    assert lines == [
        "1  +14155559001  1  Fri 03-06 09:00:00 EST  03-06 14:00:00Z  No Answer  "
        "attempt 1 of 4: first call, placed as soon as it was queued",
        "2  +14155559002  1  Fri 03-06 09:00:30 EST  03-06 14:00:30Z  No Answer  "
        "attempt 1 of 4: first call, next in list order; then 30 s after the previous call "
        "started (even pacing)",
    ]
