"""A plan as one self-contained HTML page: when calls start, how busy the lines are, who is left.

``render(timeline)`` returns the whole page as text. It needs nothing from a
network: the charts are inline SVG, the styles inline CSS, there is no
script, and a Content-Security-Policy of ``default-src 'none'`` makes the
browser refuse anything a later edit might try to fetch. Every piece of user
text (the campaign's name, warnings, rule names, reasons) is escaped. The
same timeline gives the same page, byte for byte, and the page is ASCII
(other characters as character references), whatever encoding it is saved in.

The charts are aggregates built with integer arithmetic from the plan's
rows, never one SVG element per attempt, so a plan of 400,000 attempts
renders in about a second.
"""

from __future__ import annotations

import html
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Iterable
from datetime import date

from scheduler.plan import Timeline
from scheduler.times import DAY, date_of_day, epoch_seconds, iso_utc
from scheduler.tz import ZoneTable, zone_table

__all__ = ["render"]

_HOUR = 3600
_WEEKDAY_ABBR = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

# A campaign longer than this many local days gets one heatmap column per week.
_DAILY_COLUMNS = 60
# Sequential colours for the heatmap, lightest first; level 0 is "no call".
_EMPTY = "#ebedf0"
_LEVELS = ("#deebf7", "#c6dbef", "#9ecae1", "#6baed6", "#4292c6", "#2171b5", "#08519c", "#08306b")
# The busy-lines chart has at most this many buckets (two polyline points each).
_MAX_BUCKETS = 2000
_BUCKETS = (60, 300, 900, 1800, _HOUR, 3 * _HOUR, 6 * _HOUR, 12 * _HOUR, DAY, 7 * DAY)
# Rows of the expired table before "... N more".
_EXPIRED_ROWS = 200

_STYLE = """
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
       color: #1f2328; margin: 24px auto; max-width: 1240px; padding: 0 16px; }
h1 { font-size: 24px; margin: 0 0 8px; }
h2 { font-size: 18px; margin: 32px 0 8px; border-bottom: 1px solid #d0d7de; padding-bottom: 4px; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 0; }
dl.facts dt { color: #59636e; }
dl.facts dd { margin: 0; }
p.note { color: #59636e; margin: 4px 0 8px; }
ul.warnings li { color: #9a6700; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; margin: 8px 0; }
th, td { border: 1px solid #d0d7de; padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #f6f8fa; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
svg text { font: 10px system-ui, sans-serif; fill: #59636e; }
svg text.value { fill: #1f2328; }
.grid { stroke: #d0d7de; stroke-width: 1; }
.axis { stroke: #59636e; stroke-width: 1; }
.busy { fill: none; stroke: #0969da; stroke-width: 1.5; }
.limit { stroke: #cf222e; stroke-width: 1.5; stroke-dasharray: 6 4; }
text.limit-label { fill: #cf222e; }
.bar { fill: #4292c6; }
""" + "".join(
    f".h{level} {{ fill: {colour}; }}\n" for level, colour in enumerate((_EMPTY, *_LEVELS))
)


def render(timeline: Timeline) -> str:
    """The plan as one HTML page, to open in a browser or attach to a ticket.

    The page shows, on the campaign's clock: a heatmap of call starts per local
    hour and day (per week when the campaign spans more than 60 days), the
    lines busy over time against ``maxConcurrency``, how many customers each
    attempt number reached, the customers who expired and why, and, when the
    campaign has calling rules, what each rule did. Its header names the
    campaign, the zone, the instant planned from, the data versions and the
    plan's warnings.

    >>> from datetime import UTC, datetime
    >>> from scheduler import Campaign, plan
    >>> c = Campaign(name="Q1 <leads>", timezone="Europe/Prague", start_time="09:00",
    ...              end_time="17:00", phone_list=("+420601000001",))
    >>> page = render(plan(c, now=datetime(2026, 3, 27, 8, 0, tzinfo=UTC)))
    >>> page.startswith("<!DOCTYPE html>"), "Q1 &lt;leads&gt;" in page
    (True, True)
    >>> 'data-day="2026-03-27" data-hour="9" data-calls="1"' in page
    True
    """
    campaign = timeline.campaign
    table = zone_table(campaign.timezone)
    starts = timeline.attempts.start_instants()
    name = html.escape(campaign.name)
    parts = [
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n',
        # Nothing on this page comes from elsewhere; the browser is told to fetch nothing.
        '<meta http-equiv="Content-Security-Policy" '
        "content=\"default-src 'none'; style-src 'unsafe-inline'\">\n",
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n',
        f"<title>{name} - call plan</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n",
        _header(timeline, table, len(starts)),
        _heatmap(starts, table),
        _busy_lines(timeline, starts, table),
        _attempt_bars(timeline),
        _expired(timeline, table),
        _rules(timeline),
        "</body>\n</html>\n",
    ]
    # ASCII only, so the bytes are the same whatever encoding the page is written in.
    return "".join(parts).encode("ascii", "xmlcharrefreplace").decode("ascii")


# -- header -------------------------------------------------------------------


def _header(timeline: Timeline, table: ZoneTable, attempts: int) -> str:
    campaign = timeline.campaign
    now_ts = epoch_seconds(timeline.now)
    versions = ", ".join(
        f"{html.escape(key)} {html.escape(value)}"
        for key, value in sorted(timeline.versions.items())
    )
    outcomes = ", ".join(
        f"{html.escape(outcome)} {count:,}"
        for outcome, count in sorted(timeline.attempts.outcome_counts().items())
    )
    facts = [
        ("Zone", html.escape(campaign.timezone)),
        (
            "Planned from",
            f"{iso_utc(timeline.now)} ({_wall_text(now_ts + table.offset_at(now_ts))} "
            "on the campaign's clock)",
        ),
        ("Data versions", versions),
        ("Customers", f"{len(timeline.final_states):,}"),
        ("Attempts", f"{attempts:,}"),
        ("Outcomes", outcomes or "none"),
        ("Expired", f"{len(timeline.expired):,}"),
        ("maxConcurrency", f"{campaign.max_concurrency:,}"),
        ("callRetries", f"{campaign.call_retries}"),
    ]
    out = [f'<header>\n<h1>{html.escape(campaign.name)}</h1>\n<dl class="facts">\n']
    out.extend(f"<dt>{term}</dt><dd>{value}</dd>\n" for term, value in facts)
    out.append("</dl>\n<h2>Warnings</h2>\n")
    if timeline.warnings:
        out.append('<ul class="warnings">\n')
        out.extend(f"<li>{html.escape(warning)}</li>\n" for warning in timeline.warnings)
        out.append("</ul>\n")
    else:
        out.append('<p class="note">No warnings.</p>\n')
    out.append("</header>\n")
    return "".join(out)


# -- heatmap of call starts -----------------------------------------------------


def _local_hours(starts: list[int], table: ZoneTable) -> Counter[int]:
    """Call starts per local clock hour, keyed by the local wall clock's hours since 1970.

    ``starts`` are sorted, so each piece of constant offset is one slice of them.
    Both 01:00 hours of a fall-back night land in the one local hour 01:00, and
    the hour a spring-forward skips has no calls.
    """
    hours: Counter[int] = Counter()
    if not starts:
        return hours
    for lo, hi, offset in table.segments(starts[0], starts[-1] + 1):
        i, j = bisect_left(starts, lo), bisect_left(starts, hi)
        hours.update((t + offset) // _HOUR for t in starts[i:j])
    return hours


def _heatmap(starts: list[int], table: ZoneTable) -> str:
    out = ['<section id="heatmap">\n<h2>Call starts per local hour</h2>\n']
    hours = _local_hours(starts, table)
    if not hours:
        out.append('<p class="note">No call is planned.</p>\n</section>\n')
        return "".join(out)
    first_day, last_day = min(hours) // 24, max(hours) // 24
    weekly = last_day - first_day + 1 > _DAILY_COLUMNS
    cells: Counter[tuple[int, int]] = Counter()
    for index, calls in hours.items():
        day, hour = divmod(index, 24)
        cells[(_monday(day) if weekly else day, hour)] += calls
    if weekly:
        columns = list(range(_monday(first_day), _monday(last_day) + 1, 7))
    else:
        columns = list(range(first_day, last_day + 1))
    most = max(cells.values())

    cell_w = max(4, min(36, 1080 // len(columns)))
    cell_h = 16
    left, top = 44, 8
    grid_w, grid_h = cell_w * len(columns), cell_h * 24
    label_gap = 64 if weekly else 56
    width, height = left + grid_w + 16, top + grid_h + label_gap + 8
    span = f"{_day(first_day).isoformat()} to {_day(last_day).isoformat()}"
    out.append(
        f'<p class="note">On the campaign\'s clock ({html.escape(table.key)}), '
        f"{'one column per week, labelled with its Monday' if weekly else 'one column per day'}"
        f", {span}; {len(starts):,} call starts, at most {most:,} in one cell.</p>\n"
        f'<div class="scroll"><svg id="heatmap-chart" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="Call starts per local hour '
        f'and {"week" if weekly else "day"}">\n'
    )
    for hour in range(24):
        y = top + hour * cell_h + cell_h - 4
        out.append(f'<text x="{left - 6}" y="{y}" text-anchor="end">{hour:02d}:00</text>\n')
    label_every = -(-14 // cell_w)
    for col, day in enumerate(columns):
        x = left + col * cell_w
        day_text = _day(day).isoformat()
        what = f"Week of Mon {day_text}" if weekly else _day_label(day)
        for hour in range(24):
            calls = cells.get((day, hour), 0)
            level = 0 if calls == 0 else 1 + (calls - 1) * len(_LEVELS) // most
            out.append(
                f'<rect x="{x}" y="{top + hour * cell_h}" width="{cell_w - 1}" '
                f'height="{cell_h - 1}" class="h{level}" data-day="{day_text}" '
                f'data-hour="{hour}" data-calls="{calls}"><title>{what}, '
                f"{hour:02d}:00-{hour:02d}:59: {calls:,} call{'' if calls == 1 else 's'}"
                "</title></rect>\n"
            )
        if col % label_every == 0:
            lx, ly = x + cell_w // 2 + 3, top + grid_h + 6
            text = day_text if weekly else f"{_WEEKDAY_ABBR[(day + 3) % 7]} {day_text[5:]}"
            out.append(
                f'<text x="{lx}" y="{ly}" text-anchor="end" '
                f'transform="rotate(-60 {lx} {ly})">{text}</text>\n'
            )
    out.append("</svg></div>\n")
    out.append(_legend(most))
    out.append("</section>\n")
    return "".join(out)


def _legend(most: int) -> str:
    """Swatches for "no call" and each colour level with the counts it stands for."""
    n = len(_LEVELS)
    # Level L (1..n) holds the counts c with 1 + (c - 1) * n // most == L.
    bounds = [(-(-(level - 1) * most // n) + 1) for level in range(1, n + 2)]
    items = [(0, "0")]
    for level in range(1, n + 1):
        low, high = bounds[level - 1], min(bounds[level] - 1, most)
        if low <= high:
            items.append((level, f"{low:,}" if low == high else f"{low:,}-{high:,}"))
    # About 6 px per character of 10 px text, after a 14 px swatch.
    advances = [30 + 6 * len(f"{text} calls") for _, text in items]
    width = 16 + sum(advances)
    out = [
        f'<svg id="heatmap-legend" width="{width}" height="28" viewBox="0 0 {width} 28" '
        'role="img" aria-label="Legend: call starts per cell">\n'
    ]
    x = 8
    for (level, text), advance in zip(items, advances, strict=True):
        out.append(
            f'<rect x="{x}" y="6" width="14" height="14" class="h{level}"/>'
            f'<text x="{x + 20}" y="17">{text} call{"" if text == "1" else "s"}</text>\n'
        )
        x += advance
    out.append("</svg>\n")
    return "".join(out)


# -- lines busy over time -------------------------------------------------------


def _busy_lines(timeline: Timeline, starts: list[int], table: ZoneTable) -> str:
    limit = timeline.campaign.max_concurrency
    out = ['<section id="busy">\n<h2>Lines busy over time</h2>\n']
    if not starts:
        out.append('<p class="note">No call is planned.</p>\n</section>\n')
        return "".join(out)
    # The only per-attempt record reads of the page: a row's end has no bulk accessor.
    ends = sorted(timeline.attempts.end_instants())
    origin_span = ends[-1] - starts[0]
    size = next(
        (b for b in _BUCKETS if -(-(origin_span + b) // b) <= _MAX_BUCKETS),
        (origin_span // ((_MAX_BUCKETS - 1) * DAY) + 1) * DAY,
    )
    origin = starts[0] - starts[0] % size
    count = -(-(ends[-1] - origin) // size)
    # A call is in progress over [start, end): the lines in use at t are the starts at or
    # before t less the ends at or before t. Within a bucket the most is reached at its
    # first instant or just after one of its starts.
    peaks = [
        bisect_right(starts, origin + b * size) - bisect_right(ends, origin + b * size)
        for b in range(count)
    ]
    done = 0
    for k, start in enumerate(starts):
        while ends[done] <= start:
            done += 1
        busy = k + 1 - done
        b = (start - origin) // size
        if busy > peaks[b]:
            peaks[b] = busy
    peak = max(peaks)

    top_value = max(peak, limit)
    step = _nice_step(top_value + max(1, top_value // 10))
    y_max = -(-(top_value + max(1, top_value // 10)) // step) * step
    left, top, plot_w, plot_h = 56, 12, 1100, 260
    width, height = left + plot_w + 24, top + plot_h + 48
    # The line is drawn in bucket and line units (an inner viewBox) so every point is an
    # integer; the axes and labels are in pixels.
    points = [f"0,{y_max - peaks[0]}"]
    for b in range(1, count):
        if peaks[b] != peaks[b - 1]:
            points.append(f"{b},{y_max - peaks[b - 1]}")
            points.append(f"{b},{y_max - peaks[b]}")
    points.append(f"{count},{y_max - peaks[-1]}")
    bucket = _duration_text(size)
    out.append(
        f'<p class="note">The most calls in progress in each {bucket} bucket, from '
        f"{len(starts):,} calls; peak {peak:,} of maxConcurrency {limit:,}. Times on the "
        f"campaign's clock ({html.escape(table.key)}).</p>\n"
        f'<div class="scroll"><svg id="busy-chart" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="Lines busy over time" '
        f'data-bucket-seconds="{size}" data-peak="{peak}" data-max-concurrency="{limit}">\n'
    )
    for value in range(0, y_max + 1, step):
        y = _dec(top * y_max + (y_max - value) * plot_h, y_max)
        out.append(
            f'<line class="grid" x1="{left}" x2="{left + plot_w}" y1="{y}" y2="{y}"/>'
            f'<text x="{left - 6}" y="{y}" dy="3" text-anchor="end">{value:,}</text>\n'
        )
    for b, first, second in _time_ticks(origin, size, count, table):
        x = _dec(left * count + b * plot_w, count)
        out.append(
            f'<line class="axis" x1="{x}" x2="{x}" y1="{top + plot_h}" y2="{top + plot_h + 4}"/>'
            f'<text x="{x}" y="{top + plot_h + 16}" text-anchor="middle">{first}</text>'
            f'<text x="{x}" y="{top + plot_h + 28}" text-anchor="middle">{second}</text>\n'
        )
    limit_y = _dec(top * y_max + (y_max - limit) * plot_h, y_max)
    out.append(
        f'<line class="axis" x1="{left}" x2="{left + plot_w}" y1="{top + plot_h}" '
        f'y2="{top + plot_h}"/>\n'
        f'<svg x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" '
        f'viewBox="0 0 {count} {y_max}" preserveAspectRatio="none">'
        f'<polyline class="busy" vector-effect="non-scaling-stroke" points="{" ".join(points)}">'
        f"<title>Calls in progress (most per {bucket} bucket)</title></polyline></svg>\n"
        f'<line class="limit" x1="{left}" x2="{left + plot_w}" y1="{limit_y}" y2="{limit_y}">'
        f"<title>maxConcurrency {limit:,}</title></line>"
        f'<text class="limit-label" x="{left + plot_w}" y="{limit_y}" dy="-4" '
        f'text-anchor="end">maxConcurrency {limit:,}</text>\n'
        "</svg></div>\n</section>\n"
    )
    return "".join(out)


def _time_ticks(origin: int, size: int, count: int, table: ZoneTable) -> list[tuple[int, str, str]]:
    """Where to mark the time axis: ``(bucket boundary, line 1, line 2)`` at local midnights,
    or at local hours when the chart spans less than two days; at most 14 marks."""
    walls = [origin + b * size + table.offset_at(origin + b * size) for b in range(count + 1)]
    # The first bucket boundary on each new local day (at or just after its midnight).
    ticks = [b for b in range(1, count + 1) if walls[b] // DAY != walls[b - 1] // DAY]
    by_day = len(ticks) >= 2
    if not by_day:
        ticks = [b for b in range(1, count + 1) if walls[b] // _HOUR != walls[b - 1] // _HOUR]
    ticks = ticks[:: -(-len(ticks) // 14)] if ticks else []
    marks: list[tuple[int, str, str]] = []
    year = None
    for b in ticks:
        day, seconds = divmod(walls[b], DAY)
        when = _day(day)
        if by_day:
            first = f"{_WEEKDAY_ABBR[when.weekday()]} {when.isoformat()[5:]}"
            second = str(when.year) if when.year != year else ""
        else:
            first = f"{seconds // _HOUR:02d}:{seconds % _HOUR // 60:02d}"
            second = when.isoformat() if when.year != year else ""
        year = when.year
        marks.append((b, first, second))
    return marks


# -- customers reached per attempt number ---------------------------------------


def _attempt_bars(timeline: Timeline) -> str:
    numbers = Counter(timeline.attempts.numbers())
    last = max([1 + timeline.campaign.call_retries, *numbers])
    customers = len(timeline.final_states)
    most = max([1, *numbers.values()])
    left, top, bar_w, gap, plot_h = 56, 20, 48, 24, 200
    width, height = left + last * (bar_w + gap) + 16, top + plot_h + 28
    out = [
        '<section id="attempts">\n<h2>Customers reached per attempt number</h2>\n'
        f'<p class="note">Of {customers:,} customers, how many got a first call, a second '
        "(first retry), and so on.</p>\n"
        f'<svg id="attempts-chart" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="Customers per attempt number">\n'
        f'<line class="axis" x1="{left - 8}" x2="{width - 8}" y1="{top + plot_h}" '
        f'y2="{top + plot_h}"/>\n'
    ]
    for number in range(1, last + 1):
        reached = numbers.get(number, 0)
        bar_h = _dec(reached * plot_h, most)
        y = _dec(top * most + (most - reached) * plot_h, most)
        x = left + (number - 1) * (bar_w + gap)
        share = _per_mille_text(reached, customers)
        out.append(
            f'<rect class="bar" x="{x}" y="{y}" width="{bar_w}" height="{bar_h}" '
            f'data-attempt="{number}" data-customers="{reached}"><title>Attempt {number} '
            f"reached {reached:,} customer{'' if reached == 1 else 's'} ({share} of "
            f"{customers:,})</title></rect>"
            f'<text class="value" x="{x + bar_w // 2}" y="{y}" dy="-4" '
            f'text-anchor="middle">{reached:,}</text>'
            f'<text x="{x + bar_w // 2}" y="{top + plot_h + 16}" '
            f'text-anchor="middle">#{number}</text>\n'
        )
    out.append("</svg>\n</section>\n")
    return "".join(out)


# -- expired customers ----------------------------------------------------------


def _expired(timeline: Timeline, table: ZoneTable) -> str:
    expired = timeline.expired
    out = ['<section id="expired">\n<h2>Expired customers</h2>\n']
    if not expired:
        out.append('<p class="note">No customer expired.</p>\n</section>\n')
        return "".join(out)
    causes = Counter(item.cause.value for item in expired)
    out.append(
        '<table id="expired-causes">\n<tr><th>Why</th><th>Customers</th></tr>\n'
        + "".join(
            f'<tr><td>{html.escape(cause)}</td><td class="n">{count:,}</td></tr>\n'
            for cause, count in sorted(causes.items(), key=lambda item: (-item[1], item[0]))
        )
        + "</table>\n"
    )
    out.append(
        '<table id="expired-table">\n<tr><th>Phone</th><th>Attempt</th>'
        "<th>Due (campaign's clock)</th><th>Reason</th></tr>\n"
    )
    for item in expired[:_EXPIRED_ROWS]:
        due = _wall_text(item.due_ts + table.offset_at(item.due_ts))
        out.append(
            f'<tr><td>{html.escape(item.phone)}</td><td class="n">{item.number}</td>'
            f"<td>{due}</td><td>{html.escape(item.reason)}</td></tr>\n"
        )
    more = len(expired) - _EXPIRED_ROWS
    if more > 0:
        out.append(f'<tr class="more"><td colspan="4">... {more:,} more</td></tr>\n')
    out.append("</table>\n</section>\n")
    return "".join(out)


# -- calling rules --------------------------------------------------------------


def _rules(timeline: Timeline) -> str:
    if not timeline.campaign.calling_rules:
        return ""
    counts = timeline.attempts.rule_counts(timeline.expired)
    rows: Iterable[str] = (
        f'<tr><td>{html.escape(rule)}</td><td class="n">{count.moved:,}</td>'
        f'<td class="n">{count.uncallable:,}</td></tr>\n'
        for rule, count in counts.items()
    )
    return (
        '<section id="rules">\n<h2>Calling rules</h2>\n'
        '<table id="rules-table">\n<tr><th>Rule</th><th>Attempts moved later</th>'
        "<th>Customers left uncallable</th></tr>\n" + "".join(rows) + "</table>\n</section>\n"
    )


# -- text and numbers -----------------------------------------------------------


def _day(n: int) -> date:
    """The local date of day number ``n`` (days since 1970-01-01)."""
    return date_of_day(n)


def _monday(n: int) -> int:
    """The day number of the Monday on or before day number ``n``."""
    return n - (n + 3) % 7  # 1970-01-01 was a Thursday (weekday 3)


def _day_label(n: int) -> str:
    return f"{_WEEKDAY_ABBR[(n + 3) % 7]} {_day(n).isoformat()}"


def _wall_text(wall: int) -> str:
    """``2026-03-09 14:05``: a wall clock reading in seconds since 1970-01-01 local."""
    day, seconds = divmod(wall, DAY)
    return f"{_day(day).isoformat()} {seconds // _HOUR:02d}:{seconds % _HOUR // 60:02d}"


def _dec(num: int, den: int) -> str:
    """``num / den`` (both >= 0) to two decimals, rounded half up, without floats."""
    hundredths = (200 * num + den) // (2 * den)
    whole, frac = divmod(hundredths, 100)
    return f"{whole}.{frac:02d}".rstrip("0").rstrip(".") if frac else str(whole)


def _per_mille_text(part: int, whole: int) -> str:
    """``30.8%``: ``part`` of ``whole`` to one decimal, rounded half up."""
    if whole == 0:
        return "0%"
    tenths = (2000 * part + whole) // (2 * whole)
    return f"{tenths // 10}.{tenths % 10}%"


def _nice_step(top: int) -> int:
    """A step of 1, 2 or 5 times a power of ten that cuts ``[0, top]`` into at most 5 parts."""
    power = 1
    while True:
        for factor in (1, 2, 5):
            if top <= 5 * factor * power:
                return factor * power
        power *= 10


def _duration_text(seconds: int) -> str:
    """``15-minute``, ``1-hour``, ``7-day``: a bucket size as an adjective."""
    if seconds % DAY == 0:
        return f"{seconds // DAY}-day"
    if seconds % _HOUR == 0:
        return f"{seconds // _HOUR}-hour"
    return f"{seconds // 60}-minute"
