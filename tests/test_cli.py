"""The command line, run as a user runs it: the installed ``scheduler`` script, in a subprocess.

Every test goes through a real process, so the entry point, argument parsing,
output formats and exit statuses are what a shell sees. The campaign is the
embedded example (400 customers in New York, 3 retries an hour apart) unless a
test writes its own spec. 2026-03-06 is a Friday on EST (UTC-05:00); the
clocks go forward on Sunday 2026-03-08, so Monday's calls are on EDT.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from scheduler import TZDATA_VERSION
from scheduler.spec import OUTCOMES
from scheduler.tz import available_zones

NOW = "2026-03-06T14:00:00Z"
MODULE: tuple[str, ...] = (sys.executable, "-m", "scheduler")


def _entry_point() -> str | None:
    # Prefer the script installed beside this interpreter, then whatever PATH finds.
    search = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    return shutil.which("scheduler", path=search)


ENTRY_POINT: tuple[str, ...] | None = (entry,) if (entry := _entry_point()) is not None else None
#: How most tests run the command line: the installed script, or ``python -m scheduler``.
SCHEDULER: tuple[str, ...] = ENTRY_POINT or MODULE

# No colours, no terminal tricks: the output is what a pipe receives.
ENV = {
    key: value
    for key, value in os.environ.items()
    if key not in {"FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "COLUMNS", "LINES"}
} | {"NO_COLOR": "1", "PYTHONIOENCODING": "utf-8"}


@dataclass(frozen=True)
class Run:
    """What one run of the command line did."""

    code: int
    out: str
    err: str

    def json(self) -> Any:
        assert self.code == 0, self.err
        return json.loads(self.out)


def run(*args: str, cwd: Path | None = None, command: Sequence[str] = SCHEDULER) -> Run:
    """Run the command line with ``args`` and wait for it."""
    done = subprocess.run(
        [*command, *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=ENV,
        cwd=cwd,
        timeout=120,
        check=False,
    )
    assert "Traceback" not in done.stderr, done.stderr
    return Run(done.returncode, done.stdout, done.stderr)


@cache
def run_once(*args: str) -> Run:
    """``run`` for runs several tests read: the command line is deterministic given --now."""
    return run(*args)


def assert_one_error_line(result: Run, line: str) -> None:
    """Exit status 2, nothing on stdout, and exactly ``line`` on stderr."""
    assert result.code == 2, (result.out, result.err)
    assert result.out == ""
    assert "Traceback" not in result.err
    assert result.err.splitlines() == [line]
    assert line.startswith("scheduler: ")


def write_json(path: Path, body: Any) -> Path:
    path.write_text(json.dumps(body), encoding="utf-8")
    return path


def example_body() -> dict[str, Any]:
    """The embedded example, read from the installed package."""
    import importlib.resources

    text = importlib.resources.files("scheduler").joinpath("examples", "q1-customer-outreach.json")
    body: dict[str, Any] = json.loads(text.read_text(encoding="utf-8"))
    return body


# A small campaign of two numbers in UTC, every day all day: attempts are easy to follow.
SMALL: dict[str, Any] = {
    "name": "Small",
    "timezone": "UTC",
    "callRetries": 2,
    "retryDelaySeconds": 60,
    "phoneList": ["+14155559001", "+14155559002"],
}


def table_rows(out: str) -> list[list[str]]:
    """The fields of each attempt line of piped table output (they are two spaces apart)."""
    return [line.split("  ") for line in out.splitlines() if re.match(r"^\d+  \+", line)]


# -- both ways to start it -------------------------------------------------------


@pytest.fixture(params=["entry_point", "module"])
def command(request: pytest.FixtureRequest) -> tuple[str, ...]:
    if request.param == "module":
        return MODULE
    if ENTRY_POINT is None:
        pytest.skip("the scheduler console script is not installed")
    return ENTRY_POINT


def test_the_declared_console_script_is_the_one_run() -> None:
    from importlib.metadata import entry_points

    [declared] = entry_points(group="console_scripts", name="scheduler")
    assert declared.value == "scheduler.cli:main"
    # Installed with its metadata, the script must be there too: no silent fallback.
    assert ENTRY_POINT is not None
    assert Path(ENTRY_POINT[0]).name == "scheduler"
    assert SCHEDULER == ENTRY_POINT


def test_both_forms_preview_the_same_json(command: tuple[str, ...]) -> None:
    result = run("preview", "--now", NOW, "--format", "json", command=command)
    assert result.code == 0
    assert result.err == ""
    assert result.out == run_once("preview", "--now", NOW, "--format", "json").out


def test_both_forms_report_bad_input_the_same_way(command: tuple[str, ...]) -> None:
    result = run("preview", "--now", "2026-03-06T14:00:00", command=command)
    assert_one_error_line(
        result,
        "scheduler: --now: give a UTC offset or Z (such as 2026-03-09T13:00:00Z); "
        "got the naive '2026-03-06T14:00:00'",
    )


def test_both_forms_print_the_schema(command: tuple[str, ...]) -> None:
    result = run("schema", command=command)
    assert result.code == 0
    assert "startTime" in json.loads(result.out)["properties"]


# -- preview: the table ------------------------------------------------------------


def test_preview_table_of_the_embedded_example() -> None:
    result = run_once("preview", "--now", NOW)
    assert result.code == 0
    assert result.err == ""
    assert result.out.splitlines()[0] == (
        "Q1 Customer Outreach (embedded example q1-customer-outreach.json) in America/New_York, "
        f"planned from 2026-03-06T14:00:00Z, tzdata {TZDATA_VERSION}"
    )
    rows = table_rows(result.out)
    # The table shows 40 attempts unless told otherwise.
    assert len(rows) == 40
    assert rows[0] == [
        "1",
        "+14155559001",
        "1",
        "Fri 03-06 09:00:00 EST",
        "03-06 14:00:00Z",
        "No Answer",
        "attempt 1 of 4: first call, placed as soon as it was queued",
    ]
    assert rows[1] == [
        "2",
        "+14155559002",
        "1",
        "Fri 03-06 09:00:30 EST",
        "03-06 14:00:30Z",
        "No Answer",
        "attempt 1 of 4: first call, next in list order; then 30 s after the previous call "
        "started (even pacing)",
    ]
    assert rows[39][:5] == ["40", "+14155559040", "1", "Fri 03-06 09:19:30 EST", "03-06 14:19:30Z"]
    assert "... 1,560 more attempts (--limit 0 shows all; --format json or csv)" in result.out


def test_preview_table_summary() -> None:
    out = run_once("preview", "--now", NOW).out
    facts = {
        match[1]: match[2].strip()
        for match in re.finditer(r"^([a-z][a-z ]*[a-z])  +(\S.*)$", out, flags=re.MULTILINE)
    }
    assert facts["customers"] == "400"
    assert facts["attempts"] == "1,600"
    assert facts["first call"] == "Fri 2026-03-06 09:00 EST"
    # After the clocks went forward: the same zone, now on daylight time.
    assert facts["last call"] == "Tue 2026-03-10 10:18 EDT"
    assert facts["calls per day"] == "Fri 03-06 720, Mon 03-09 806, Tue 03-10 74"
    assert facts["reached last attempt"] == "400"
    assert facts["expired"] == "0"
    # The hour on the campaign's clock, with its zone: a fall-back day has two 01:00 hours.
    assert facts["busiest hour"] == "Fri 2026-03-06 09:00 EST (120 calls)"
    assert facts["outcomes"] == "No Answer 1,600"
    assert "warning" not in out


def test_preview_table_limit() -> None:
    three = run("preview", "--now", NOW, "--limit", "3")
    assert three.code == 0
    assert [row[0] for row in table_rows(three.out)] == ["1", "2", "3"]
    assert "... 1,597 more attempts (--limit 0 shows all; --format json or csv)" in three.out

    everything = run("preview", "--now", NOW, "--limit", "0")
    assert everything.code == 0
    rows = table_rows(everything.out)
    assert [row[0] for row in rows] == [str(i) for i in range(1, 1601)]
    assert "more attempts" not in everything.out
    # Monday's calls are on daylight time: 09:00 EDT is 13:00Z.
    monday = [row for row in rows if row[3].startswith("Mon 03-09 09:00:00")]
    assert [row[3:5] for row in monday] == [["Mon 03-09 09:00:00 EDT", "03-09 13:00:00Z"]]


def test_preview_of_a_spec_given_by_path_names_the_path(tmp_path: Path) -> None:
    write_json(tmp_path / "small.json", SMALL)
    result = run("preview", "small.json", "--now", NOW, cwd=tmp_path)
    assert result.code == 0
    assert result.out.splitlines()[0] == (
        f"Small (small.json) in UTC, planned from 2026-03-06T14:00:00Z, tzdata {TZDATA_VERSION}"
    )
    assert len(table_rows(result.out)) == 6


# -- preview: JSON -----------------------------------------------------------------


def test_preview_json_is_complete() -> None:
    data = run_once("preview", "--now", NOW, "--format", "json").json()
    assert set(data) == {
        "campaign",
        "timezone",
        "now",
        "tzdataVersion",
        "versions",
        "warnings",
        "summary",
        "attempts",
        "expired",
        "finalStates",
    }
    assert set(data["versions"]) == {"tzdata", "phonenumbers", "holidays"}
    assert data["versions"]["tzdata"] == TZDATA_VERSION
    assert data["campaign"] == "Q1 Customer Outreach"
    assert data["timezone"] == "America/New_York"
    assert data["now"] == "2026-03-06T14:00:00Z"
    assert data["tzdataVersion"] == TZDATA_VERSION
    assert data["warnings"] == []
    assert data["expired"] == []
    # JSON has no default limit: every attempt is there.
    assert len(data["attempts"]) == 1600
    assert data["attempts"][0] == {
        "phone": "+14155559001",
        "attemptNumber": 1,
        "start": "2026-03-06T14:00:00Z",
        "end": "2026-03-06T14:00:30Z",
        "localStart": "2026-03-06T09:00:00-05:00",
        "due": "2026-03-06T14:00:00Z",
        "outcome": "No Answer",
        "reason": "attempt 1 of 4: first call, placed as soon as it was queued",
    }
    assert data["summary"] == {
        "customers": 400,
        "attempts": 1600,
        "callsPerDay": {"2026-03-06": 720, "2026-03-09": 806, "2026-03-10": 74},
        "firstCall": "2026-03-06T14:00:00Z",
        "lastCall": "2026-03-10T14:18:30Z",
        "reachedLastAttempt": 400,
        "expired": 0,
        "neverCalled": 0,
        "busiestHour": {"start": "2026-03-06T09:00:00-05:00", "calls": 120},
        "outcomes": {"No Answer": 1600},
        "rules": {},
    }
    assert len(data["finalStates"]) == 400
    assert set(data["finalStates"].values()) == {"exhausted"}


def test_preview_json_attempts_are_consistent() -> None:
    attempts = run_once("preview", "--now", NOW, "--format", "json").json()["attempts"]
    starts = [a["start"] for a in attempts]
    assert starts == sorted(starts)
    # Every customer is tried four times (callRetries 3), in order.
    per_phone: dict[str, list[int]] = {}
    for a in attempts:
        per_phone.setdefault(a["phone"], []).append(a["attemptNumber"])
    assert len(per_phone) == 400
    assert all(numbers == [1, 2, 3, 4] for numbers in per_phone.values())
    # Local start is the UTC start on the campaign's clock: EST before 03-08, EDT after.
    for a in attempts:
        offset = "-05:00" if a["start"] < "2026-03-08" else "-04:00"
        assert a["localStart"].endswith(offset), a


def test_preview_json_limit() -> None:
    every = run_once("preview", "--now", NOW, "--format", "json")
    assert run("preview", "--now", NOW, "--format", "json", "--limit", "0").out == every.out
    five = run("preview", "--now", NOW, "--format", "json", "--limit", "5").json()
    assert five["attempts"] == every.json()["attempts"][:5]
    # The limit cuts the listing, not the plan.
    assert five["summary"] == every.json()["summary"]


def test_now_with_another_offset_is_the_same_instant() -> None:
    result = run("preview", "--now", "2026-03-06T09:00:00-05:00", "--format", "json")
    assert result.code == 0
    assert result.out == run_once("preview", "--now", NOW, "--format", "json").out


# -- preview: CSV ------------------------------------------------------------------


def test_preview_csv() -> None:
    result = run("preview", "--now", NOW, "--format", "csv")
    assert result.code == 0
    assert result.err == ""
    rows = list(csv.reader(io.StringIO(result.out)))
    assert rows[0] == [
        "kind",
        "phone",
        "attemptNumber",
        "start",
        "end",
        "localStart",
        "outcome",
        "due",
        "reason",
    ]
    body = rows[1:]
    assert len(body) == 1600
    assert {row[0] for row in body} == {"attempt"}
    assert body[0] == [
        "attempt",
        "+14155559001",
        "1",
        "2026-03-06T14:00:00Z",
        "2026-03-06T14:00:30Z",
        "2026-03-06T09:00:00-05:00",
        "No Answer",
        "2026-03-06T14:00:00Z",
        "attempt 1 of 4: first call, placed as soon as it was queued",
    ]
    # The same attempts as the JSON, field by field (reasons contain commas: quoted).
    attempts = run_once("preview", "--now", NOW, "--format", "json").json()["attempts"]
    assert [[r[1], int(r[2]), r[3], r[4], r[5], r[6], r[8]] for r in body] == [
        [
            a["phone"],
            a["attemptNumber"],
            a["start"],
            a["end"],
            a["localStart"],
            a["outcome"],
            a["reason"],
        ]
        for a in attempts
    ]
    assert all(r[7] <= r[3] for r in body)  # due is never after the start


# -- preview: outcome sources ------------------------------------------------------


def test_random_outcomes_are_deterministic_per_seed() -> None:
    args = ("preview", "--now", NOW, "--format", "json", "--outcomes", "random")
    first = run(*args, "--seed", "7")
    second = run(*args, "--seed", "7")
    other = run(*args, "--seed", "8")
    assert first.code == second.code == other.code == 0
    assert first.out == second.out
    assert first.out != other.out

    data = first.json()
    outcomes = Counter(a["outcome"] for a in data["attempts"])
    assert dict(outcomes) == data["summary"]["outcomes"]
    assert set(outcomes) <= {"success", "No Answer", "Busy", "voicemail", "Unreachable"}
    assert outcomes["success"] > 0
    assert data["summary"]["attempts"] == len(data["attempts"]) < 1600
    # A customer who answered is not called again.
    last: dict[str, str] = {}
    for a in data["attempts"]:
        assert last.get(a["phone"]) != "success", a
        last[a["phone"]] = a["outcome"]
    for phone, outcome in last.items():
        assert data["finalStates"][phone] == ("done" if outcome == "success" else "exhausted")


def test_always_outcome_and_call_length() -> None:
    data = run(
        "preview",
        "--now",
        NOW,
        "--format",
        "json",
        "--outcomes",
        "always",
        "--outcome",
        "Busy",
        "--call-seconds",
        "20",
    ).json()
    assert data["summary"]["outcomes"] == {"Busy": 1600}
    assert {a["outcome"] for a in data["attempts"]} == {"Busy"}
    first = data["attempts"][0]
    assert (first["start"], first["end"]) == ("2026-03-06T14:00:00Z", "2026-03-06T14:00:20Z")
    assert {
        datetime.fromisoformat(a["end"]) - datetime.fromisoformat(a["start"])
        for a in data["attempts"]
    } == {timedelta(seconds=20)}
    # Busy is retried: the retry is due an hour after the 20 s call ended.
    retry = next(
        a for a in data["attempts"] if a["phone"] == "+14155559001" and a["attemptNumber"] == 2
    )
    assert retry["reason"].startswith("retry 1 of 3: Busy at Fri 09:00:20 EST, 1 h delay ")


def test_scripted_outcomes_file(tmp_path: Path) -> None:
    write_json(tmp_path / "small.json", SMALL)
    write_json(
        tmp_path / "outcomes.json",
        {"+14155559001": [["Busy", 5], ["success", 120]], "default": ["voicemail", 12]},
    )
    data = run(
        "preview",
        "small.json",
        "--now",
        NOW,
        "--format",
        "json",
        "--outcomes",
        "outcomes.json",
        cwd=tmp_path,
    ).json()
    assert [
        (a["phone"], a["attemptNumber"], a["start"], a["end"], a["outcome"])
        for a in data["attempts"]
    ] == [
        ("+14155559001", 1, "2026-03-06T14:00:00Z", "2026-03-06T14:00:05Z", "Busy"),
        ("+14155559002", 1, "2026-03-06T14:00:30Z", "2026-03-06T14:00:42Z", "voicemail"),
        ("+14155559001", 2, "2026-03-06T14:01:05Z", "2026-03-06T14:03:05Z", "success"),
        ("+14155559002", 2, "2026-03-06T14:01:42Z", "2026-03-06T14:01:54Z", "voicemail"),
        ("+14155559002", 3, "2026-03-06T14:02:54Z", "2026-03-06T14:03:06Z", "voicemail"),
    ]
    assert data["finalStates"] == {"+14155559001": "done", "+14155559002": "exhausted"}
    assert data["summary"]["outcomes"] == {"Busy": 1, "success": 1, "voicemail": 3}


def test_scripted_outcomes_file_without_a_default(tmp_path: Path) -> None:
    write_json(tmp_path / "small.json", SMALL)
    write_json(tmp_path / "outcomes.json", {"+14155559002": [["success", 60]]})
    data = run(
        "preview",
        "small.json",
        "--now",
        NOW,
        "--format",
        "json",
        "--outcomes",
        "outcomes.json",
        cwd=tmp_path,
    ).json()
    # A number without a script gets 30 s of No Answer, the default of --outcomes always.
    assert [(a["phone"], a["attemptNumber"], a["outcome"]) for a in data["attempts"]] == [
        ("+14155559001", 1, "No Answer"),
        ("+14155559002", 1, "success"),
        ("+14155559001", 2, "No Answer"),
        ("+14155559001", 3, "No Answer"),
    ]
    assert data["attempts"][0]["end"] == "2026-03-06T14:00:30Z"


# -- spec files and the API's response envelope -------------------------------------


def test_spec_file_in_the_api_response_envelope_is_unwrapped(tmp_path: Path) -> None:
    write_json(
        tmp_path / "response.json",
        {"success": True, "data": {"result": {"campaign": example_body()}}},
    )
    result = run("preview", "response.json", "--now", NOW, "--format", "json", cwd=tmp_path)
    assert result.code == 0
    assert result.err == ""
    # The same campaign as the embedded example, so the same preview.
    assert result.out == run_once("preview", "--now", NOW, "--format", "json").out

    validated = run("validate", "response.json", cwd=tmp_path)
    assert validated.code == 0
    assert validated.out == "response.json: valid campaign spec (400 customers)\n"


def test_bare_spec_file_gives_the_same_preview_as_the_envelope(tmp_path: Path) -> None:
    write_json(tmp_path / "bare.json", example_body())
    result = run("preview", str(tmp_path / "bare.json"), "--now", NOW, "--format", "json")
    assert result.out == run_once("preview", "--now", NOW, "--format", "json").out


# -- validate ------------------------------------------------------------------------


def test_validate_a_valid_spec_prints_its_warnings(tmp_path: Path) -> None:
    write_json(
        tmp_path / "dup.json",
        {
            "name": "Dup",
            "timezone": "Europe/Prague",
            "phoneList": ["+14155559001", "+14155559001", "+14155559002"],
            "colour": "blue",
        },
    )
    result = run("validate", "dup.json", cwd=tmp_path)
    assert result.code == 0
    assert result.err == ""
    assert result.out.splitlines() == [
        "warning: +14155559001 is listed 2 times; it is called once",
        "warning: unknown field 'colour' is kept but not used",
        "dup.json: valid campaign spec (2 customers)",
    ]


def test_validate_lists_every_error_with_its_field(tmp_path: Path) -> None:
    write_json(
        tmp_path / "bad.json",
        {
            "name": "x",
            "callRetries": 11,
            "timezone": "Mars/Olympus",
            "phoneList": ["+14155559001", "123"],
            "activeDays": [0, 9],
            "maxConcurrency": 0,
            "callIntervalSeconds": "3",
        },
    )
    result = run("validate", "bad.json", cwd=tmp_path)
    assert result.code == 2
    assert result.out == ""
    lines = result.err.splitlines()
    assert lines[0] == "scheduler: bad.json: invalid campaign spec (6 errors):"
    assert sorted(lines[1:]) == sorted(
        [
            "  callRetries: must be 0 to 10, got 11 (given: 11)",
            "  timezone: unknown IANA time zone 'Mars/Olympus' (tzdata "
            f"{TZDATA_VERSION} knows {len(available_zones())} keys such as 'Europe/Prague' "
            "or 'America/New_York') (given: \"Mars/Olympus\")",
            "  phoneList[1]: phone number must be E.164: '+' then 8 to 15 digits, the first "
            "not 0 (such as '+14155559001'), got '123' (given: \"123\")",
            "  activeDays[1]: day must be 0 (Monday) to 6 (Sunday), got 9 (given: 9)",
            "  maxConcurrency: must be 1 or more, got 0 (given: 0)",
            '  callIntervalSeconds: Input should be a valid integer (given: "3")',
        ]
    )


def test_validate_error_fragments(tmp_path: Path) -> None:
    write_json(tmp_path / "bad.json", {"name": "x", "callRetries": 11, "timezone": "Mars/Olympus"})
    err = run("validate", "bad.json", cwd=tmp_path).err
    assert "invalid campaign spec (2 errors):" in err
    assert "\n  callRetries: must be 0 to 10, got 11" in err
    assert "\n  timezone: unknown IANA time zone 'Mars/Olympus'" in err


def test_validate_one_error_is_singular(tmp_path: Path) -> None:
    write_json(tmp_path / "one.json", {"name": "", "timezone": "UTC"})
    result = run("validate", "one.json", cwd=tmp_path)
    assert result.code == 2
    assert result.err.splitlines() == [
        "scheduler: one.json: invalid campaign spec (1 error):",
        "  name: name must not be empty, got '' (given: \"\")",
    ]


def test_validate_a_field_given_twice(tmp_path: Path) -> None:
    write_json(tmp_path / "twice.json", {"name": "x", "callRetries": 1, "call_retries": 2})
    result = run("validate", "twice.json", cwd=tmp_path)
    assert result.code == 2
    assert result.err.splitlines() == [
        "scheduler: twice.json: invalid campaign spec (1 error):",
        "  callRetries: callRetries is given twice, as 'callRetries' and as 'call_retries'; "
        "give it once",
    ]


def test_preview_of_an_invalid_spec_lists_its_errors_too(tmp_path: Path) -> None:
    write_json(tmp_path / "bad.json", {"name": "x", "endTime": "00:00"})
    result = run("preview", "bad.json", "--now", NOW, cwd=tmp_path)
    assert result.code == 2
    assert result.out == ""
    assert result.err.splitlines() == [
        "scheduler: bad.json: invalid campaign spec (1 error):",
        "  endTime: start '00:00' and end '00:00' are the same time: the window would be "
        'empty (write 00:00-24:00 for all day) (given: "00:00")',
    ]


def test_validate_prints_day_schedule_paths_with_the_key_in_brackets(tmp_path: Path) -> None:
    write_json(
        tmp_path / "days.json",
        {
            "name": "x",
            "startTime": "09:00",
            "daySchedules": {"8": {"startTime": "10:00"}, "1": {"startTime": "10h00"}},
        },
    )
    result = run("validate", "days.json", cwd=tmp_path)
    assert result.code == 2
    assert result.out == ""
    # No ".[key]": the bad key is already in the path. (The key's message repeats it.)
    assert result.err.splitlines() == [
        "scheduler: days.json: invalid campaign spec (2 errors):",
        "  daySchedules['8']: daySchedules['8']: day must be 0 (Monday) to 6 (Sunday), "
        "got '8' (given: \"8\")",
        "  daySchedules['1'].startTime: time must be HH:MM or HH:MM:SS, got '10h00' "
        '(given: "10h00")',
    ]


def test_validate_lists_every_day_schedule_made_empty_on_one_line(tmp_path: Path) -> None:
    write_json(
        tmp_path / "empty.json",
        {
            "name": "x",
            "startTime": "09:00",
            "daySchedules": {"1": {"endTime": "09:00"}, "2": {"endTime": "09:00:00"}},
        },
    )
    result = run("validate", "empty.json", cwd=tmp_path)
    assert result.code == 2
    assert result.out == ""
    assert result.err.splitlines() == [
        "scheduler: empty.json: invalid campaign spec (1 error):",
        "  daySchedules: daySchedules['1']: start '09:00' and end '09:00' are the same time: "
        "the window would be empty (write 00:00-24:00 for all day); daySchedules['2']: "
        "start '09:00' and end '09:00:00' are the same time: the window would be empty "
        "(write 00:00-24:00 for all day)",
    ]


def test_validate_a_nested_field_given_twice(tmp_path: Path) -> None:
    write_json(
        tmp_path / "twice.json",
        {
            "name": "x",
            "daySchedules": {"1": {"startTime": "10:00", "start_time": "11:00"}},
            "customers": [{"phoneNumber": "+14155559001", "phone_number": "+14155559001"}],
        },
    )
    result = run("validate", "twice.json", cwd=tmp_path)
    assert result.code == 2
    assert result.out == ""
    assert result.err.splitlines() == [
        "scheduler: twice.json: invalid campaign spec (2 errors):",
        "  daySchedules['1'].startTime: startTime is given twice, as 'startTime' and as "
        "'start_time'; give it once",
        "  customers[0].phoneNumber: phoneNumber is given twice, as 'phoneNumber' and as "
        "'phone_number'; give it once",
    ]


@pytest.mark.parametrize(
    ("body", "line"),
    [
        ({"name": "x"}, "none.json: valid campaign spec (0 customers)"),
        (
            {"name": "x", "phoneList": ["+14155559001"]},
            "none.json: valid campaign spec (1 customer)",
        ),
        (
            {"name": "x", "phoneList": ["+14155559001", "+14155559001"]},
            "none.json: valid campaign spec (1 customer)",
        ),
        (
            {"name": "x", "phoneList": ["+14155559001", "+14155559002"]},
            "none.json: valid campaign spec (2 customers)",
        ),
    ],
    ids=["none", "one", "one_listed_twice", "two"],
)
def test_validate_counts_customers_in_words(tmp_path: Path, body: Any, line: str) -> None:
    write_json(tmp_path / "none.json", body)
    result = run("validate", "none.json", cwd=tmp_path)
    assert result.code == 0
    assert result.err == ""
    assert result.out.splitlines()[-1] == line


# -- schema --------------------------------------------------------------------------


def test_schema_is_the_json_schema_of_the_camel_case_body() -> None:
    result = run("schema")
    assert result.code == 0
    assert result.err == ""
    schema = json.loads(result.out)
    assert schema["title"] == "Campaign"
    assert schema["type"] == "object"
    assert schema["required"] == ["name"]
    properties = schema["properties"]
    for name in ("startTime", "endTime", "daySchedules", "callRetries", "phoneList", "customers"):
        assert name in properties
    assert not any("_" in name for name in properties)


# -- bad input: one line on stderr, exit status 2, never a traceback ------------------

ALLOWED = ", ".join(OUTCOMES)

BAD_INPUT: list[tuple[str, tuple[str, ...], dict[str, bytes], str]] = [
    # (id, arguments, files to write first, the stderr line)
    (
        "missing_file",
        ("preview", "missing.json", "--now", NOW),
        {},
        "scheduler: cannot read campaign spec 'missing.json': No such file or directory",
    ),
    (
        "directory",
        ("validate", "folder"),
        {"folder/x.json": b"{}"},
        "scheduler: cannot read campaign spec 'folder': Is a directory",
    ),
    (
        "not_utf_8",
        ("validate", "latin1.json"),
        {"latin1.json": '{"name": "café"}'.encode("latin-1")},
        "scheduler: cannot read campaign spec 'latin1.json': it is not UTF-8 text",
    ),
    (
        "invalid_json",
        ("preview", "broken.json", "--now", NOW),
        {"broken.json": b'{"name": '},
        "scheduler: broken.json: invalid JSON at line 1 column 10: Expecting value",
    ),
    (
        "invalid_json_on_line_3",
        ("validate", "broken.json"),
        {"broken.json": b'{\n  "name": "x",\n  "timezone": UTC\n}'},
        "scheduler: broken.json: invalid JSON at line 3 column 15: Expecting value",
    ),
    (
        "empty_file",
        ("validate", "empty.json"),
        {"empty.json": b""},
        "scheduler: empty.json: invalid JSON at line 1 column 1: Expecting value",
    ),
    (
        "json_array",
        ("preview", "list.json", "--now", NOW),
        {"list.json": b'[{"name": "x"}]'},
        "scheduler: list.json: a campaign spec is a JSON object, got list",
    ),
    (
        "json_string",
        ("validate", "text.json"),
        {"text.json": b'"a campaign"'},
        "scheduler: text.json: a campaign spec is a JSON object, got str",
    ),
    (
        "naive_now",
        ("preview", "--now", "2026-03-06T14:00:00"),
        {},
        "scheduler: --now: give a UTC offset or Z (such as 2026-03-09T13:00:00Z); "
        "got the naive '2026-03-06T14:00:00'",
    ),
    (
        "date_as_now",
        ("preview", "--now", "2026-03-06"),
        {},
        "scheduler: --now: give a UTC offset or Z (such as 2026-03-09T13:00:00Z); "
        "got the naive '2026-03-06'",
    ),
    (
        "garbage_now",
        ("preview", "--now", "next tuesday"),
        {},
        "scheduler: --now: expected an ISO 8601 instant such as 2026-03-09T13:00:00Z, "
        "got 'next tuesday'",
    ),
    (
        "negative_limit",
        ("preview", "--now", NOW, "--limit", "-1"),
        {},
        "scheduler: --limit: a number >= 0 (0 shows all), got -1",
    ),
    (
        "zero_call_seconds",
        ("preview", "--now", NOW, "--call-seconds", "0"),
        {},
        "scheduler: --call-seconds: call length must be a whole number of seconds >= 1, got 0",
    ),
    (
        "negative_call_seconds",
        ("preview", "--now", NOW, "--call-seconds", "-5"),
        {},
        "scheduler: --call-seconds: call length must be a whole number of seconds >= 1, got -5",
    ),
    (
        "unknown_outcome",
        ("preview", "--now", NOW, "--outcome", "Maybe"),
        {},
        f"scheduler: --outcome: unknown outcome 'Maybe'; allowed: {ALLOWED}",
    ),
    (
        "unknown_outcome_and_zero_call_seconds",
        ("preview", "--now", NOW, "--outcome", "Maybe", "--call-seconds", "0"),
        {},
        f"scheduler: --outcome: unknown outcome 'Maybe'; allowed: {ALLOWED}",
    ),
    (
        "answer_rate_above_1",
        ("preview", "--now", NOW, "--outcomes", "random", "--answer-rate", "1.5"),
        {},
        "scheduler: --answer-rate: must be between 0 and 1, got 1.5",
    ),
    (
        "answer_rate_below_0",
        ("preview", "--now", NOW, "--outcomes", "random", "--answer-rate", "-0.1"),
        {},
        "scheduler: --answer-rate: must be between 0 and 1, got -0.1",
    ),
    (
        "now_after_9000",
        ("preview", "--now", "9999-12-31T23:00:00Z"),
        {},
        "scheduler: cannot plan: now must be between 1900-01-01 and 9000-01-01 UTC, "
        "got 9999-12-31T23:00:00+00:00",
    ),
    (
        "now_before_1900",
        ("preview", "--now", "1800-01-01T00:00:00-05:00"),
        {},
        "scheduler: cannot plan: now must be between 1900-01-01 and 9000-01-01 UTC, "
        "got 1800-01-01T00:00:00-05:00",
    ),
    (
        "envelope_without_a_campaign",
        ("preview", "response.json", "--now", NOW),
        {"response.json": b'{"success": true, "data": {"result": {}}}'},
        "scheduler: response.json: an API response without data.result.campaign; nothing to plan",
    ),
    (
        "envelope_with_a_list_for_data",
        ("validate", "response.json"),
        {"response.json": b'{"data": []}'},
        "scheduler: response.json: an API response without data.result.campaign; nothing to plan",
    ),
    (
        "envelope_with_a_list_for_the_campaign",
        ("validate", "response.json"),
        {"response.json": b'{"data": {"result": {"campaign": [{"name": "x"}]}}}'},
        "scheduler: response.json: an API response without data.result.campaign; nothing to plan",
    ),
    (
        "missing_outcomes_file",
        ("preview", "--now", NOW, "--outcomes", "script.json"),
        {},
        "scheduler: cannot read outcome script 'script.json': No such file or directory",
    ),
    (
        "outcomes_file_is_a_list",
        ("preview", "--now", NOW, "--outcomes", "script.json"),
        {"script.json": b"[]"},
        "scheduler: script.json: expected an object {phone: [[outcome, seconds], ...]}",
    ),
    (
        "outcomes_file_unknown_outcome",
        ("preview", "--now", NOW, "--outcomes", "script.json"),
        {"script.json": b'{"+14155559001": [["Busy", 5], ["Maybe", 5]]}'},
        f"scheduler: script.json: scripts['+14155559001'][1]: unknown outcome 'Maybe'; "
        f"allowed: {ALLOWED}",
    ),
    (
        "outcomes_file_zero_seconds",
        ("preview", "--now", NOW, "--outcomes", "script.json"),
        {"script.json": b'{"+14155559001": [["Busy", 0]]}'},
        "scheduler: script.json: scripts['+14155559001'][0]: call length must be a whole "
        "number of seconds >= 1, got 0",
    ),
    (
        "outcomes_file_default_unknown_outcome",
        ("preview", "--now", NOW, "--outcomes", "script.json"),
        {"script.json": b'{"default": ["Maybe", 5]}'},
        f"scheduler: script.json: default: outcome: unknown outcome 'Maybe'; allowed: {ALLOWED}",
    ),
    (
        "outcomes_file_default_zero_seconds",
        ("preview", "--now", NOW, "--outcomes", "script.json"),
        {"script.json": b'{"default": ["Busy", 0]}'},
        "scheduler: script.json: default: seconds: call length must be a whole number of "
        "seconds >= 1, got 0",
    ),
]


@pytest.mark.parametrize(
    ("args", "files", "line"),
    [case[1:] for case in BAD_INPUT],
    ids=[case[0] for case in BAD_INPUT],
)
def test_bad_input_is_one_line_and_exit_2(
    tmp_path: Path, args: tuple[str, ...], files: dict[str, bytes], line: str
) -> None:
    for name, content in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(content)
    assert_one_error_line(run(*args, cwd=tmp_path), line)


def test_unknown_outcome_names_the_vocabulary() -> None:
    assert_one_error_line(
        run("preview", "--now", NOW, "--outcome", "Maybe"),
        f"scheduler: --outcome: unknown outcome 'Maybe'; allowed: {ALLOWED}",
    )
    assert ALLOWED == (
        "success, Rejected, Unreachable, Busy, No Answer, Network Error, Invalid, Timeout, "
        "Cancelled, Resource Unavailable, Service Unavailable, Protocol Error, Unspecified, "
        "voicemail, exceeded-max-duration, api_error"
    )


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (("preview", "--format", "xml"), "argument --format: invalid choice: 'xml'"),
        (("preview", "--limit", "many"), "argument --limit: invalid int value: 'many'"),
        (("frobnicate",), "argument command: invalid choice: 'frobnicate'"),
        ((), "the following arguments are required: command"),
        (("validate",), "the following arguments are required: spec"),
    ],
    ids=["format", "limit_not_a_number", "unknown_command", "no_command", "validate_no_spec"],
)
def test_usage_errors_exit_2_with_usage(args: tuple[str, ...], fragment: str) -> None:
    result = run(*args)
    assert result.code == 2
    assert result.out == ""
    assert result.err.startswith("usage: scheduler")
    assert fragment in result.err.splitlines()[-1]


ROW = 'expected [outcome, seconds], such as ["Busy", 20], got'


@pytest.mark.parametrize(
    ("script", "line"),
    [
        (
            b'{"+14155559001": 5}',
            "scheduler: script.json: +14155559001: expected a list of [outcome, seconds], got 5",
        ),
        (
            b'{"+14155559001": {"Busy": 5}}',
            "scheduler: script.json: +14155559001: expected a list of [outcome, seconds], "
            'got {"Busy": 5}',
        ),
        (
            b'{"+14155559001": null}',
            "scheduler: script.json: +14155559001: expected a list of [outcome, seconds], got null",
        ),
        (b'{"+14155559001": [5]}', f"scheduler: script.json: +14155559001[0]: {ROW} 5"),
        (
            b'{"+14155559001": [["Busy", 5], ["Busy"]]}',
            f'scheduler: script.json: +14155559001[1]: {ROW} ["Busy"]',
        ),
        (b'{"default": "Busy"}', f'scheduler: script.json: default: {ROW} "Busy"'),
        (b'{"default": 5}', f"scheduler: script.json: default: {ROW} 5"),
        (
            b'{"default": ["Busy", 5, 1]}',
            f'scheduler: script.json: default: {ROW} ["Busy", 5, 1]',
        ),
    ],
    ids=[
        "script_a_number",
        "script_an_object",
        "script_null",
        "row_a_number",
        "row_of_one",
        "default_a_string",
        "default_a_number",
        "default_of_three",
    ],
)
def test_outcomes_file_of_the_wrong_shape_says_what_is_expected(
    tmp_path: Path, script: bytes, line: str
) -> None:
    (tmp_path / "script.json").write_bytes(script)
    result = run("preview", "--now", NOW, "--outcomes", "script.json", cwd=tmp_path)
    assert_one_error_line(result, line)


# -- output to a reader that stops early -----------------------------------------------


@pytest.mark.parametrize("output", ["table", "csv", "json"])
def test_a_reader_that_closes_early_is_not_an_error(output: str) -> None:
    # Like `scheduler preview --limit 0 | head -1`: every format is far larger than a pipe's
    # buffer, so the command line is still writing when the reader goes away.
    process = subprocess.Popen(
        [*SCHEDULER, "preview", "--now", NOW, "--limit", "0", "--format", output],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=ENV,
    )
    assert process.stdout is not None
    assert process.stderr is not None
    first = process.stdout.readline()
    process.stdout.close()
    err = process.stderr.read()
    process.stderr.close()
    code = process.wait(timeout=120)
    expected_first = {
        "table": (
            "Q1 Customer Outreach (embedded example q1-customer-outreach.json) in "
            f"America/New_York, planned from 2026-03-06T14:00:00Z, tzdata {TZDATA_VERSION}"
        ),
        "csv": "kind,phone,attemptNumber,start,end,localStart,outcome,due,reason",
        "json": "{",
    }
    assert first.decode("utf-8").rstrip("\n") == expected_first[output]
    assert err == b""
    assert code == 0


def test_square_brackets_in_a_name_or_field_are_printed_as_written(tmp_path: Path) -> None:
    write_json(
        tmp_path / "brackets.json",
        {
            "name": "Spring promo [/] (EU) [red]list",
            "timezone": "Europe/Prague",
            "startTime": "09:00",
            "endTime": "17:00",
            "phoneList": ["+420601000001"],
            "[/notes]": 1,
        },
    )
    result = run("preview", "brackets.json", "--now", NOW, cwd=tmp_path)
    assert result.code == 0, result.err
    assert "Traceback" not in result.err
    assert result.out.splitlines()[0].startswith("Spring promo [/] (EU) [red]list (brackets.json)")
    assert "warning: unknown field '[/notes]' is kept but not used" in result.out
