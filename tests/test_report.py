"""The HTML report: what a person sees of a plan, read from the page's text and in a browser.

The pinned campaign calls New York 08:00-20:00 Monday to Friday and 10:00-14:00 on
Saturday, one call every 25 minutes on two lines, from Friday 2026-03-06 07:30 EST to
the end date, Tuesday 2026-03-10. The clocks spring forward on Sunday 2026-03-08, so
the same local hour is 13:00Z before and 12:00Z after. Expected counts come from each
attempt's ``local_start`` (zoneinfo), never from the report's own arithmetic.

The browser tests run Debian's Chromium headless (``browser.py``); when it is missing and
cannot be installed they are skipped, saying why.
"""

from __future__ import annotations

import itertools
import json
import re
import struct
from collections import Counter
from collections.abc import Callable
from datetime import date, timedelta
from html.parser import HTMLParser
from importlib import resources
from pathlib import Path
from typing import Any

import browser
import pytest

from scheduler import Campaign, Timeline, outcomes, plan
from scheduler.report import render

NOW = "2026-03-06T12:30:00Z"  # Fri 07:30 EST

PINNED: dict[str, Any] = {
    "name": "Spring forward",
    "timezone": "America/New_York",
    "startTime": "08:00",
    "endTime": "20:00",
    "activeDays": [0, 1, 2, 3, 4, 5],
    "daySchedules": {"5": {"startTime": "10:00", "endTime": "14:00"}},
    "callRetries": 3,
    "retryDelaySeconds": 5400,
    "schedulingMode": "even",
    "callIntervalSeconds": 1500,
    "maxConcurrency": 2,
    "phoneList": [f"+1415555{i:04d}" for i in range(1, 61)],
    "endDate": "2026-03-10",
}


def pinned(**overrides: Any) -> Timeline:
    """The pinned campaign's plan, calls answered or not by a seeded model."""
    campaign = Campaign.model_validate({**PINNED, **overrides})
    return plan(campaign, now=NOW, outcomes=outcomes.random(7, answered_seconds=(600, 3000)))


def timeline_of(body: dict[str, Any], now: str) -> Timeline:
    """The plan of ``body``, every call a 30 s No Answer."""
    return plan(Campaign.model_validate({"name": "t", **body}), now=now)


class _Elements(HTMLParser):
    def __init__(self, tag: str, key: str) -> None:
        super().__init__()
        self.tag, self.key = tag, key
        self.found: list[dict[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == self.tag and self.key in values:
            self.found.append(values)


def elements(page: str, tag: str, key: str) -> list[dict[str, str]]:
    """The attributes of every ``tag`` element of ``page`` that has attribute ``key``."""
    parser = _Elements(tag, key)
    parser.feed(page)
    parser.close()
    return parser.found


def heatmap(page: str) -> dict[tuple[str, int], int]:
    """``(day, hour) -> calls`` of every heatmap cell of ``page``; each cell once."""
    cells: dict[tuple[str, int], int] = {}
    for rect in elements(page, "rect", "data-day"):
        key = (rect["data-day"], int(rect["data-hour"]))
        assert key not in cells, f"two cells for {key}"
        cells[key] = int(rect["data-calls"])
    return cells


def local_hours(timeline: Timeline, *, weekly: bool = False) -> Counter[tuple[str, int]]:
    """Call starts per (local day, or the Monday of its week; local hour) from zoneinfo."""
    counts: Counter[tuple[str, int]] = Counter()
    for attempt in timeline.attempts:
        local = attempt.local_start
        day = local.date() - timedelta(days=local.weekday()) if weekly else local.date()
        counts[(day.isoformat(), local.hour)] += 1
    return counts


def nonzero(cells: dict[tuple[str, int], int]) -> dict[tuple[str, int], int]:
    """The cells with at least one call."""
    return {key: calls for key, calls in cells.items() if calls}


def in_progress(timeline: Timeline, t: int) -> int:
    """Calls in progress at epoch second ``t``: started at or before it, not yet ended."""
    return sum(1 for a in timeline.attempts if a.start_ts <= t < a.end_ts)


# -- the heatmap --------------------------------------------------------------------


def test_heatmap_counts_call_starts_per_local_hour_of_each_day() -> None:
    t = pinned()
    cells = heatmap(render(t))
    expected = local_hours(t)
    assert nonzero(cells) == dict(expected)
    assert sum(expected.values()) == len(t.attempts) == 97
    # One column per local day from the first call to the last, 24 hours each; Sunday
    # (not an active day) is there, empty.
    days = [(date(2026, 3, 6) + timedelta(days=n)).isoformat() for n in range(5)]
    assert sorted(cells) == [(day, hour) for day in days for hour in range(24)]
    assert [cells[("2026-03-08", hour)] for hour in range(24)] == [0] * 24
    # Pinned: a call every 25 minutes gives 3, 2, 3, 2, 2, 3 ... in the hours from 08:00.
    friday = [cells[("2026-03-06", hour)] for hour in range(7, 21)]
    assert friday == [0, 3, 2, 3, 2, 2, 3, 2, 3, 2, 2, 3, 2, 0]
    # Saturday's window is 10:00-14:00; Monday (after the change to EDT) starts at 08:00.
    assert [h for h in range(24) if cells[("2026-03-07", h)]] == [10, 11, 12, 13]
    assert [h for h in range(24) if cells[("2026-03-09", h)]] == list(range(8, 20))
    # Each column adds up to the summary's calls of that day.
    per_day = Counter[str]()
    for (day, _), calls in nonzero(cells).items():
        per_day[day] += calls
    assert dict(per_day) == {d.isoformat(): n for d, n in t.summary().calls_per_day.items()}


def test_heatmap_puts_both_fall_back_one_oclock_hours_in_one_cell() -> None:
    # Sunday 2026-11-01 in New York has 25 hours: 01:00-02:00 comes twice (EDT, then EST).
    # A call every 20 minutes all day: 3 a clock hour, 6 in the hour 01:00.
    body = {
        "timezone": "America/New_York",
        "callIntervalSeconds": 1200,
        "maxConcurrency": 1,
        "phoneList": [f"+1415555{i:04d}" for i in range(1, 76)],
    }
    t = timeline_of(body, "2026-11-01T04:00:00Z")  # Sun 00:00 EDT
    assert t.attempts[-1].start.isoformat() == "2026-11-02T04:40:00+00:00"  # Sun 23:40 EST
    cells = heatmap(render(t))
    assert [cells[("2026-11-01", hour)] for hour in range(24)] == [3, 6] + [3] * 22
    assert nonzero(cells) == dict(local_hours(t))


def test_heatmap_has_a_column_per_week_past_60_days() -> None:
    # One call a weekday (09:00-09:30, a call every 30 minutes): 70 customers take 14
    # weeks, from Monday 2026-03-02 to Friday 2026-06-05, across Prague's change to CEST.
    body = {
        "timezone": "Europe/Prague",
        "startTime": "09:00",
        "endTime": "09:30",
        "activeDays": [0, 1, 2, 3, 4],
        "callIntervalSeconds": 1800,
        "phoneList": [f"+420601{i:06d}" for i in range(70)],
    }
    t = timeline_of(body, "2026-03-02T08:00:00Z")  # Mon 09:00 CET
    assert t.attempts[-1].local_start.date() == date(2026, 6, 5)
    page = render(t)
    cells = heatmap(page)
    mondays = [(date(2026, 3, 2) + timedelta(weeks=n)).isoformat() for n in range(14)]
    assert sorted({day for day, _ in cells}) == mondays
    assert len(cells) == 14 * 24
    assert nonzero(cells) == dict(local_hours(t, weekly=True))
    assert nonzero(cells) == {(monday, 9): 5 for monday in mondays}
    assert "one column per week" in page


def test_heatmap_legend_and_tooltips_name_the_counts() -> None:
    page = render(pinned())
    assert "<title>Fri 2026-03-06, 08:00-08:59: 3 calls</title>" in page
    assert "<title>Sun 2026-03-08, 12:00-12:59: 0 calls</title>" in page
    legend = page[page.index('<svg id="heatmap-legend"') :]
    legend = legend[: legend.index("</svg>")]
    assert re.findall(r">([^<]+)</text>", legend) == ["0 calls", "1 call", "2 calls", "3 calls"]


# -- lines busy, attempts, expired, rules -----------------------------------------------


def asap_day() -> Timeline:
    """The pinned campaign on Friday alone, placing calls as soon as one of 3 lines is free:
    calls of 10 s to 5 min start at any second."""
    campaign = Campaign.model_validate(
        {
            **PINNED,
            "schedulingMode": "asap",
            "maxConcurrency": 3,
            "callIntervalSeconds": 0,
            "endDate": "2026-03-06",
        }
    )
    return plan(campaign, now=NOW, outcomes=outcomes.random(11))


@pytest.mark.parametrize(
    ("make", "size", "limit", "peak"),
    [(pinned, 300, 2, 2), (asap_day, 60, 3, 3)],
    ids=["even_pacing_five_days", "asap_one_day"],
)
def test_busy_lines_show_the_most_calls_in_progress_per_bucket(
    make: Callable[[], Timeline], size: int, limit: int, peak: int
) -> None:
    t = make()
    page = render(t)
    chart = elements(page, "svg", "data-bucket-seconds")[0]
    assert int(chart["data-bucket-seconds"]) == size
    assert int(chart["data-max-concurrency"]) == limit
    starts = t.attempts.start_instants()
    assert int(chart["data-peak"]) == max(in_progress(t, s) for s in starts) == peak
    # The step line, bucket by bucket, against a count of the calls in progress.
    inner = elements(page, "svg", "preserveaspectratio")[0]
    _, _, count, y_max = map(int, inner["viewbox"].split())
    line = elements(page, "polyline", "points")[0]["points"]
    points = [tuple(map(int, point.split(","))) for point in line.split()]
    drawn = [-1] * count
    for (x0, y0), (x1, y1) in itertools.pairwise(points):
        if y0 == y1:
            drawn[x0:x1] = [y_max - y0] * (x1 - x0)
    origin = starts[0] - starts[0] % size
    expected = []
    for b in range(count):
        lo, hi = origin + b * size, origin + (b + 1) * size
        inside = [in_progress(t, s) for s in starts if lo <= s < hi]
        expected.append(max([in_progress(t, lo), *inside]))
    assert drawn == expected
    assert 'class="limit"' in page
    assert f">maxConcurrency {limit}</text>" in page


def test_busy_line_of_a_big_plan_has_a_few_thousand_points_at_most() -> None:
    body = {
        "timezone": "America/New_York",
        "startTime": "09:00",
        "endTime": "17:00",
        "activeDays": [0, 1, 2, 3, 4],
        "callRetries": 3,
        "retryDelaySeconds": 3600,
        "schedulingMode": "asap",
        "maxConcurrency": 20,
        "phoneList": [f"+1415{i:07d}" for i in range(5000)],
    }
    t = timeline_of(body, "2026-03-02T00:00:00Z")
    assert len(t.attempts) == 20_000
    page = render(t)
    points = elements(page, "polyline", "points")[0]["points"].split()
    assert len(points) <= 2 * 2000 + 2
    chart = elements(page, "svg", "data-peak")[0]
    assert chart["data-peak"] == "20"
    # Elements per cell, bar and legend swatch, none per attempt.
    columns = len({day for day, _ in heatmap(page)})
    assert page.count("<rect") <= 24 * columns + 9 + 4
    assert [
        (bar["data-attempt"], bar["data-customers"])
        for bar in elements(page, "rect", "data-attempt")
    ] == [("1", "5000"), ("2", "5000"), ("3", "5000"), ("4", "5000")]


def test_bars_count_the_customers_each_attempt_number_reached() -> None:
    t = pinned()
    bars = elements(render(t), "rect", "data-attempt")
    reached = Counter(a.number for a in t.attempts)
    assert [(int(b["data-attempt"]), int(b["data-customers"])) for b in bars] == [
        (1, 45),
        (2, 24),
        (3, 14),
        (4, 14),
    ]
    assert dict(reached) == {1: 45, 2: 24, 3: 14, 4: 14}


def test_expired_customers_are_listed_with_why() -> None:
    t = pinned()
    page = render(t)
    table = page[page.index('<table id="expired-table">') :]
    table = table[: table.index("</table>")]
    rows = re.findall(r"<tr><td>([^<]*)</td><td class=\"n\">(\d+)</td>", table)
    assert rows == [(e.phone, str(e.number)) for e in t.expired]
    assert len(rows) == 17
    assert "... " not in table
    # The first to expire is a retry due after the last window closed, at 21:10:41 EDT.
    assert (
        '<tr><td>+14155550045</td><td class="n">2</td><td>2026-03-10 21:10</td>'
        "<td>retry 1 of 3: No Answer at Tue 19:40:41 EDT, due Tue 21:10:41 EDT, but the last "
        "window closed at Tue 20:00 EDT on 2026-03-10</td></tr>"
    ) in table
    assert '<tr><td>no window is left</td><td class="n">17</td></tr>' in page


def test_expired_table_stops_at_200_rows_and_says_how_many_more() -> None:
    # A ten-minute window on one day for 300 customers: 20 are called, 280 expire.
    body = {
        "timezone": "UTC",
        "startTime": "09:00",
        "endTime": "09:10",
        "endDate": "2026-03-02",
        "phoneList": [f"+1415{i:07d}" for i in range(300)],
    }
    t = timeline_of(body, "2026-03-02T09:00:00Z")
    assert (len(t.attempts), len(t.expired)) == (20, 280)
    page = render(t)
    table = page[page.index('<table id="expired-table">') :]
    table = table[: table.index("</table>")]
    assert table.count("<tr><td>+1415") == 200
    assert '<tr class="more"><td colspan="4">... 80 more</td></tr>' in table


def test_rules_table_shows_what_each_calling_rule_did() -> None:
    # Paris 09:00-23:00 calls Los Angeles; US-TCPA allows 08:00-21:00 there (17:00 CEST on).
    quiet_name = "<b>Quiet & late</b>"
    quiet = {"name": quiet_name, "regions": ["US"], "hours": {}}
    body = {
        "timezone": "Europe/Paris",
        "startTime": "09:00",
        "endTime": "23:00",
        "endDate": "2026-06-01",
        "callingRules": ["US-TCPA", quiet],
        "callIntervalSeconds": 0,
        "phoneList": ["+14155550101", "+14155550102", "+33142685300"],
    }
    t = timeline_of(body, "2026-06-01T07:00:00Z")  # Mon 09:00 CEST, 00:00 PDT
    page = render(t)
    rules = t.summary().rules
    assert rules["US-TCPA"].moved == 2
    rows = re.findall(
        r'<tr><td>([^<]*)</td><td class="n">(\d+)</td><td class="n">(\d+)</td></tr>', page
    )
    assert rows == [
        ("US-TCPA", "2", "0"),
        ("&lt;b&gt;Quiet &amp; late&lt;/b&gt;", str(rules[quiet_name].moved), "0"),
    ]
    assert "<b>Quiet" not in page


def test_no_rules_table_without_calling_rules() -> None:
    page = render(pinned())
    assert 'id="rules"' not in page
    assert "Calling rules" not in page


# -- the page as a whole ---------------------------------------------------------


def test_user_text_is_escaped() -> None:
    page = render(pinned(name="<script>alert(1)</script>"))
    assert "<h1>&lt;script&gt;alert(1)&lt;/script&gt;</h1>" in page
    assert "<title>&lt;script&gt;alert(1)&lt;/script&gt; - call plan</title>" in page
    assert "<script" not in page.lower()


def test_header_names_campaign_zone_start_versions_and_warnings() -> None:
    t = pinned(name="Q1 & Q2")
    page = render(t)
    header = page[page.index("<header>") : page.index("</header>")]
    assert "<h1>Q1 &amp; Q2</h1>" in header
    assert "<dt>Zone</dt><dd>America/New_York</dd>" in header
    assert (
        "<dt>Planned from</dt><dd>2026-03-06T12:30:00Z (2026-03-06 07:30 on the campaign's clock)"
        in header
    )
    versions = ", ".join(f"{k} {v}" for k, v in sorted(t.versions.items()))
    assert f"<dt>Data versions</dt><dd>{versions}</dd>" in header
    assert t.versions["tzdata"] in versions
    assert len(t.warnings) == 2
    for warning in t.warnings:
        assert f"<li>{warning}</li>" in header


def test_page_fetches_nothing() -> None:
    # The example campaign carries a webhook URL; the page names no address at all.
    body = json.loads(
        resources.files("scheduler").joinpath("examples/q1-customer-outreach.json").read_text()
    )
    assert body["webhookUrl"].startswith("https://")
    pages = [render(pinned()), render(plan(Campaign.model_validate(body), now=NOW))]
    for page in pages:
        lower = page.lower()
        for needle in ("http://", "https://", "//", "src=", "href=", "url(", "@import", "<link"):
            assert needle not in lower, needle
        assert "default-src 'none'" in page


def test_same_timeline_same_bytes() -> None:
    first = render(pinned(name="Réunion ☎"))
    assert first == render(pinned(name="Réunion ☎"))
    assert first.isascii()
    assert "<h1>R&#233;union &#9742;</h1>" in first


def test_plan_without_calls_renders() -> None:
    t = timeline_of({"timezone": "UTC"}, NOW)
    page = render(t)
    assert len(t.attempts) == 0
    assert page.count("No call is planned.") == 2
    assert [b["data-customers"] for b in elements(page, "rect", "data-attempt")] == ["0"]


# -- in a browser -------------------------------------------------------------------


@pytest.fixture(scope="session")
def chromium() -> Path:
    """Debian's headless Chromium, installed if missing (as root with apt-get)."""
    binary, why = browser.find_or_install()
    if binary is None:
        pytest.skip(why)
    return binary


BAD_PAGE = """<!DOCTYPE html>
<html><head><meta http-equiv="Content-Security-Policy" content="default-src 'none';
script-src 'unsafe-inline'"><title>bad</title></head>
<body><p id="p">before</p><img src="http://example.invalid/x.png" alt="">
<script>console.error("deliberate error"); document.getElementById("p").textContent = "after";
</script><script>throw new Error("deliberate uncaught");</script></body></html>
"""


def test_console_check_catches_a_bad_page(chromium: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.html"
    bad.write_text(BAD_PAGE)
    run = browser.load(chromium, bad, tmp_path / "profile-bad", "--dump-dom")
    assert run.returncode == 0, run.stderr
    assert '<p id="p">after</p>' in run.stdout  # the DOM after the scripts ran
    problems = browser.console_problems(run.stderr)
    assert any('"deliberate error"' in line for line in problems), run.stderr
    assert any("Uncaught Error: deliberate uncaught" in line for line in problems), run.stderr
    assert any("example.invalid" in line for line in problems), run.stderr  # refused by CSP
    good = tmp_path / "good.html"
    good.write_text("<!DOCTYPE html><title>good</title><p>fine</p>")
    run = browser.load(chromium, good, tmp_path / "profile-good", "--dump-dom")
    assert run.returncode == 0, run.stderr
    assert browser.console_problems(run.stderr) == []


def test_report_in_chromium_shows_the_plans_counts(chromium: Path, tmp_path: Path) -> None:
    t = pinned(name="<script>alert(1)</script>")
    report = tmp_path / "report.html"
    report.write_text(render(t), encoding="ascii")
    run = browser.load(chromium, report, tmp_path / "profile", "--dump-dom")
    assert run.returncode == 0, run.stderr
    assert browser.console_problems(run.stderr) == []
    dom = run.stdout
    assert "<h1>&lt;script&gt;alert(1)&lt;/script&gt;</h1>" in dom
    cells = heatmap(dom)
    assert len(cells) == 5 * 24
    assert nonzero(cells) == dict(local_hours(t))
    bars = elements(dom, "rect", "data-attempt")
    assert [(b["data-attempt"], b["data-customers"]) for b in bars] == [
        ("1", "45"),
        ("2", "24"),
        ("3", "14"),
        ("4", "14"),
    ]


def test_report_screenshot_in_chromium(chromium: Path, tmp_path: Path) -> None:
    report = tmp_path / "report.html"
    report.write_text(render(pinned()), encoding="ascii")
    png = tmp_path / "report.png"
    run = browser.load(
        chromium, report, tmp_path / "profile", f"--screenshot={png}", "--window-size=1400,1000"
    )
    assert run.returncode == 0, run.stderr
    assert browser.console_problems(run.stderr) == []
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (1400, 1000)
    # A blank 1400x1000 page compresses to a few kilobytes; text and charts do not.
    assert len(data) > 30_000
