"""Properties of the wall-clock rule (the README's Semantics) in every zone, 1970-2100.

The oracle reads the campaign zone's clock with zoneinfo (from the tzdata
package) and applies the rule literally: ``t`` is inside the window of local
day ``D`` when the clock at ``t`` shows ``D`` and a time ``start <= s < end``
(an overnight window continues on ``D + 1`` while ``s < end``).

The clock reading is ``t + offset(t)``, so whether ``t`` is open can only
change where the offset changes or where the reading crosses a midnight, a
window start or a window end. Those instants, the edges, are found here
independently of the library (hourly probing, then bisection), and the
calendar must agree with the oracle at every one of them.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from hypothesis import assume, given, note
from hypothesis import strategies as st

from scheduler import Calendar, Campaign
from scheduler.tz import available_zones, load_zone

DAY = 86_400
SECOND = timedelta(seconds=1)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
T_MIN = 0
T_MAX = (datetime(2100, 1, 1, tzinfo=UTC) - EPOCH) // SECOND
# No UTC offset in tzdata since 1970 reaches 16 hours either way.
WIDEST_OFFSET = 16 * 3600
# Offset changes are found by probing this often, then bisecting to the second.
PROBE = 3600
# next_open is compared with the oracle over this horizon: every active weekday
# comes round at least twice in it, past any startDate the strategies draw.
HORIZON = 16 * DAY

# Whole days missing or doubled, and midnight or odd-sized shifts.
RARE_CHANGES: list[tuple[str, datetime]] = [
    ("Pacific/Apia", datetime(2011, 12, 30, 10, tzinfo=UTC)),
    ("Pacific/Fakaofo", datetime(2011, 12, 30, 11, tzinfo=UTC)),
    ("Pacific/Kiritimati", datetime(1994, 12, 31, 10, tzinfo=UTC)),
    ("Pacific/Kanton", datetime(1994, 12, 31, 11, tzinfo=UTC)),
    ("Pacific/Kwajalein", datetime(1993, 8, 21, 12, tzinfo=UTC)),
    ("America/Santiago", datetime(2026, 9, 6, 4, tzinfo=UTC)),
    ("Asia/Beirut", datetime(2026, 3, 28, 22, tzinfo=UTC)),
    ("Africa/Cairo", datetime(2026, 10, 29, 21, tzinfo=UTC)),
    ("America/Havana", datetime(2027, 11, 7, 5, tzinfo=UTC)),
    ("Atlantic/Azores", datetime(2026, 10, 25, 1, tzinfo=UTC)),
    ("America/Nuuk", datetime(2026, 3, 29, 1, tzinfo=UTC)),
    ("Australia/Lord_Howe", datetime(2026, 4, 4, 15, tzinfo=UTC)),
    ("Antarctica/Troll", datetime(2026, 10, 25, 1, tzinfo=UTC)),
    ("Europe/Dublin", datetime(2026, 3, 29, 1, tzinfo=UTC)),
    ("Pacific/Chatham", datetime(2026, 9, 26, 14, tzinfo=UTC)),
    ("America/New_York", datetime(2026, 11, 1, 6, tzinfo=UTC)),
]
JITTER = (0, 1, -1, 1800, -1800, 3600, -3600)


def _at(ts: int) -> datetime:
    return EPOCH + timedelta(seconds=ts)


def _ts(t: datetime) -> int:
    return (t - EPOCH) // SECOND


def _seconds(text: str) -> int:
    """Seconds after midnight of HH:MM or HH:MM:SS (24:00 is the end of the day)."""
    hours, minutes, *rest = (int(part) for part in text.split(":"))
    return hours * 3600 + minutes * 60 + (rest[0] if rest else 0)


def _offset(zone: ZoneInfo, ts: int) -> int:
    offset = datetime.fromtimestamp(ts, zone).utcoffset()
    assert offset is not None
    return int(offset.total_seconds())


def _changes(zone: ZoneInfo, lo: int, hi: int, step: int = PROBE, first: bool = False) -> list[int]:
    """The instants in ``(lo, hi]`` where the zone's UTC offset changes."""
    found: list[int] = []
    t, current = lo, _offset(zone, lo)
    while t < hi:
        probe = min(t + step, hi)
        new = _offset(zone, probe)
        if new != current:
            before, after = t, probe
            while after - before > 1:
                mid = (before + after) // 2
                if _offset(zone, mid) == current:
                    before = mid
                else:
                    after = mid
            found.append(after)
            if first:
                return found
            t, current = after, _offset(zone, after)
        else:
            t = probe
    return found


# -- the campaign and the oracle ------------------------------------------------


@dataclass(frozen=True)
class Spec:
    """The window part of a campaign body, kept as the user wrote it."""

    zone: str
    start_time: str | None
    end_time: str | None
    active_days: tuple[int, ...]
    day_schedules: tuple[tuple[int, str | None, str | None], ...]
    start_date: date | None
    end_date: date | None

    def body(self) -> dict[str, object]:
        body: dict[str, object] = {
            "name": "property",
            "timezone": self.zone,
            "activeDays": list(self.active_days),
        }
        if self.start_time is not None:
            body["startTime"] = self.start_time
        if self.end_time is not None:
            body["endTime"] = self.end_time
        schedules: dict[str, dict[str, str]] = {}
        for weekday, start, end in self.day_schedules:
            schedule = schedules[str(weekday)] = {}
            if start is not None:
                schedule["startTime"] = start
            if end is not None:
                schedule["endTime"] = end
        body["daySchedules"] = schedules
        if self.start_date is not None:
            body["startDate"] = self.start_date.isoformat()
        if self.end_date is not None:
            body["endDate"] = self.end_date.isoformat()
        return body

    def calendar(self) -> Calendar:
        return Campaign.model_validate(self.body()).calendar()

    def times(self, weekday: int) -> tuple[int, int]:
        """Start and end of ``weekday``'s window in seconds after midnight, active or not."""
        start, end = self.start_time, self.end_time
        for day, day_start, day_end in self.day_schedules:
            if day == weekday:
                start, end = day_start or start, day_end or end
        return _seconds(start or "00:00"), _seconds(end or "24:00")

    def rule(self, day: date) -> tuple[int, int] | None:
        """Start and end of local ``day``'s window; ``end < start`` is overnight."""
        if day.weekday() not in self.active_days:
            return None
        if self.start_date is not None and day < self.start_date:
            return None
        if self.end_date is not None and day > self.end_date:
            return None
        return self.times(day.weekday())


def _in_window_of_day(spec: Spec, reading: datetime, day: date) -> bool:
    """Whether the clock ``reading`` lies in the window of local ``day``."""
    rule = spec.rule(day)
    if rule is None:
        return False
    start, end = rule
    clock = reading.hour * 3600 + reading.minute * 60 + reading.second
    if reading.date() == day:
        return start <= clock and (clock < end or end < start)
    if reading.date() == day + timedelta(days=1):
        # The overnight tail belongs to ``day``; a day the clock never shows has none.
        return end < start and clock < end and _day_exists(reading.tzinfo, day)
    return False


@functools.lru_cache(maxsize=4096)
def _day_exists(zone: object, day: date) -> bool:
    """Whether the clock of ``zone`` ever shows ``day`` (Apia skipped 2011-12-30)."""
    assert isinstance(zone, ZoneInfo)
    noon = datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
    # Every reading of ``day`` lies within 2 days of its UTC noon; probe each 15 minutes.
    return any(
        datetime.fromtimestamp(_ts(noon) + step * 900, zone).date() == day
        for step in range(-4 * 48, 4 * 48)
    )


def _open(spec: Spec, zone: ZoneInfo, ts: int) -> bool:
    """The oracle: whether epoch second ``ts`` is inside some window."""
    reading = datetime.fromtimestamp(ts, zone)
    today = reading.date()
    return _in_window_of_day(spec, reading, today) or _in_window_of_day(
        spec, reading, today - timedelta(days=1)
    )


def _edges(spec: Spec, zone: ZoneInfo, lo: int, hi: int) -> list[int]:
    """Every instant in ``[lo, hi]`` where the oracle's answer may change."""
    changes = _changes(zone, lo - 1, hi)  # a change at lo itself is an edge too
    offsets = {_offset(zone, lo), *(_offset(zone, change) for change in changes)}
    edges = set(changes)
    for n in range((lo - WIDEST_OFFSET) // DAY - 1, (hi + WIDEST_OFFSET) // DAY + 2):
        walls = {0}
        start, end = spec.times(date.fromordinal(n + EPOCH_ORDINAL).weekday())
        walls |= {start, end if end > start else end + DAY}
        for wall in walls:
            for offset in offsets:
                edge = n * DAY + wall - offset
                if lo <= edge <= hi:
                    edges.add(edge)
    return sorted(edges)


# -- strategies -----------------------------------------------------------------

KNOWN_ZONES = st.timezone_keys(allow_prefix=False).filter(lambda key: key in available_zones())
RARE = [(key, _ts(change)) for key, change in RARE_CHANGES if key in available_zones()]


def _clock_text(seconds: int, short: bool) -> str:
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if short and secs == 0:
        return f"{hours:02d}:{minutes:02d}"
    return f"{hours:02d}:{minutes:02d}:{secs:02d}"


def _clocks(hints: tuple[int, ...], *, end: bool) -> st.SearchStrategy[str]:
    """Clock times, many of them near the wall times where the clock jumps."""
    seconds = st.one_of(
        st.integers(0, DAY - 1),
        st.integers(0, 24 * 60 - 1).map(lambda minute: minute * 60),
        # Midnight, and the wall times just before and after a clock change.
        st.tuples(st.sampled_from((0, *hints)), st.sampled_from(JITTER)).map(
            lambda pair: (pair[0] + pair[1]) % DAY
        ),
    )
    texts = st.builds(_clock_text, seconds, st.booleans())
    if end:
        return st.one_of(texts, st.sampled_from(["24:00", "24:00:00"]))
    return texts


@dataclass(frozen=True)
class Scenario:
    spec: Spec
    ts: int


def _valid(spec: Spec) -> bool:
    """No window is empty (start == end), counting the 00:00 / 24:00 defaults."""
    start = _seconds(spec.start_time or "00:00")
    end = _seconds(spec.end_time or "24:00")
    if start == end:
        return False
    for weekday, _, _ in spec.day_schedules:
        start, end = spec.times(weekday)
        if start == end:
            return False
    return True


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    """A zone, an instant in 1970-2100 (often near a clock change) and a campaign's windows."""
    source = draw(st.sampled_from(["anywhere", "near_change", "rare_change"]))
    hints: tuple[int, ...] = ()
    if source == "rare_change":
        key, ts = draw(st.sampled_from(RARE))
        ts -= DAY
    else:
        key = draw(KNOWN_ZONES)
        ts = draw(st.integers(T_MIN, T_MAX))
    zone = load_zone(key)
    if source == "near_change":
        found = _changes(zone, ts, ts + 2 * 366 * DAY, step=12 * 3600, first=True)
        if not found:  # a zone without clock changes then: take one that has them
            key, ts = draw(st.sampled_from(RARE))
            ts -= DAY
            zone = load_zone(key)
    if source != "anywhere":
        found = _changes(zone, ts, ts + 2 * 366 * DAY, step=12 * 3600, first=True)
        if found:
            change = found[0]
            before = datetime.fromtimestamp(change - 1, zone)
            after = datetime.fromtimestamp(change, zone)
            hints = (
                (before.hour * 3600 + before.minute * 60 + before.second + 1) % DAY,
                after.hour * 3600 + after.minute * 60 + after.second,
            )
            ts = change + draw(st.one_of(st.sampled_from(JITTER), st.integers(-2 * DAY, 2 * DAY)))
    starts, ends = _clocks(hints, end=False), _clocks(hints, end=True)
    optional_start = st.one_of(st.none(), starts, starts, starts)
    optional_end = st.one_of(st.none(), ends, ends, ends)
    shape = draw(
        st.sampled_from(["day", "overnight", "overnight", "no_start", "no_end", "no_times"])
    )
    start_time = None if shape in ("no_start", "no_times") else draw(starts)
    end_time = None if shape in ("no_end", "no_times") else draw(ends)
    if (
        start_time is not None
        and end_time is not None
        and _seconds(end_time) < DAY
        and (_seconds(start_time) < _seconds(end_time)) == (shape == "overnight")
    ):
        start_time, end_time = end_time, start_time
    active = draw(
        st.one_of(
            st.just((0, 1, 2, 3, 4, 5, 6)),
            # (No active day at all is a scenario test: it answers None at once.)
            st.sets(st.integers(0, 6), min_size=1).map(lambda days: tuple(sorted(days))),
        )
    )
    schedules = draw(
        st.dictionaries(st.integers(0, 6), st.tuples(optional_start, optional_end), max_size=5)
    )
    base = datetime.fromtimestamp(ts, zone).date()
    bound = st.one_of(st.none(), st.integers(-4, 4).map(lambda n: base + timedelta(days=n)))
    start_date, end_date = draw(bound), draw(bound)
    if start_date is not None and end_date is not None and end_date < start_date:
        start_date, end_date = end_date, start_date
    spec = Spec(
        zone=key,
        start_time=start_time,
        end_time=end_time,
        active_days=active,
        day_schedules=tuple((day, start, end) for day, (start, end) in sorted(schedules.items())),
        start_date=start_date,
        end_date=end_date,
    )
    if not _valid(spec):
        # An empty window (counting the 00:00 / 24:00 defaults) is refused by
        # validation; such campaigns are not drawn.
        assume(False)
    note(f"body={spec.body()} t={_at(ts).isoformat()} local={datetime.fromtimestamp(ts, zone)}")
    return Scenario(spec, ts)


def _snap(data: st.DataObject, spec: Spec, zone: ZoneInfo, ts: int) -> int:
    """Often move ``ts`` onto an edge near it, or a second either side: bugs live there."""
    if not data.draw(st.booleans(), label="snap to an edge"):
        return ts
    edge = data.draw(st.sampled_from(_edges(spec, zone, ts - DAY, ts + DAY)), label="edge")
    return edge + data.draw(st.sampled_from((-1, 0, 1)), label="edge jitter")


# -- the properties ---------------------------------------------------------------


@given(scenarios(), st.lists(st.integers(-2 * DAY, 2 * DAY), max_size=5))
def test_contains_is_the_wall_clock_rule(scenario: Scenario, jumps: list[int]) -> None:
    spec, ts = scenario.spec, scenario.ts
    zone = load_zone(spec.zone)
    cal = spec.calendar()
    points = {ts, *(ts + jump for jump in jumps)}
    for edge in _edges(spec, zone, ts - DAY, ts + DAY):
        points |= {edge - 1, edge}
    for point in sorted(points):
        expected = _open(spec, zone, point)
        assert cal.contains(_at(point)) is expected, (
            f"contains({_at(point).isoformat()}) local {datetime.fromtimestamp(point, zone)}"
        )


def _check_next_open(spec: Spec, zone: ZoneInfo, cal: Calendar, ts: int, micros: int) -> None:
    t = _at(ts) + timedelta(microseconds=micros)
    found = cal.next_open(t)

    expected: datetime | None = t if _open(spec, zone, ts) else None
    if expected is None:
        for edge in _edges(spec, zone, ts + 1, ts + HORIZON):
            if _open(spec, zone, edge):
                expected = _at(edge)
                break
    if expected is not None:
        assert found == expected, f"next_open({t.isoformat()})"
    else:
        assert found is None or found > _at(ts + HORIZON), f"next_open({t.isoformat()})"
    if spec.active_days and spec.end_date is None:
        assert found is not None
    if spec.end_date is not None:
        last_midnight = _ts(datetime.combine(spec.end_date, datetime.min.time(), UTC))
        if ts > last_midnight + 2 * DAY + WIDEST_OFFSET:
            assert found is None

    if found is not None:
        assert found >= t
        assert found.utcoffset() == timedelta(0)
        assert cal.contains(found)
        if found != t:
            assert not cal.contains(found - SECOND)
            assert cal.windows(t, found) == []


@given(scenarios(), st.sampled_from([0, 1, 500_000, 999_999]), st.data())
def test_next_open_is_the_first_open_instant(
    scenario: Scenario, micros: int, data: st.DataObject
) -> None:
    spec = scenario.spec
    zone = load_zone(spec.zone)
    ts = _snap(data, spec, zone, scenario.ts)
    cal = spec.calendar()
    # The same calendar answers a run of questions, as it does for a dialer: an
    # answer must not depend on the questions asked before it.
    later = data.draw(
        st.lists(st.one_of(st.integers(-2 * DAY, 2 * DAY), st.integers(-60, 60)), max_size=4),
        label="later questions",
    )
    for question in [ts, *(ts + step for step in later)]:
        _check_next_open(spec, zone, cal, question, micros)


@given(scenarios(), st.integers(0, 10 * DAY), st.sampled_from([0, 1, 999_999]), st.data())
def test_windows_are_the_stretches_of_contains(
    scenario: Scenario, span: int, micros: int, data: st.DataObject
) -> None:
    spec = scenario.spec
    zone = load_zone(spec.zone)
    a = _snap(data, spec, zone, scenario.ts)
    end = max(a, _snap(data, spec, zone, a + span))
    cal = spec.calendar()
    fraction = timedelta(microseconds=micros)
    windows = cal.windows(_at(a) + fraction, _at(end) + fraction)
    if end == a:
        assert windows == []  # the empty range [t, t) meets nothing
        return
    # Windows start and end on whole seconds, so a fractional start or end meets
    # the second it falls in.
    b = end + (1 if micros else 0)

    for window in windows:
        assert window.start.utcoffset() == timedelta(0) == window.end.utcoffset()
        assert window.start < window.end
        assert window.start < _at(b) and window.end > _at(a)
        assert cal.contains(window.start)
        assert cal.contains(window.end - SECOND)
        before = cal.windows(window.start - SECOND, window.start)
        assert cal.contains(window.start - SECOND) == any(
            other.end == window.start for other in before
        )
        after = cal.windows(window.end, window.end + SECOND)
        assert cal.contains(window.end) == any(other.start == window.end for other in after)
        # The window belongs to a day whose own window opens at its first instant.
        reading = datetime.fromtimestamp(_ts(window.start), zone)
        assert _in_window_of_day(spec, reading, window.day)
    for earlier, later in pairwise(windows):
        assert earlier.end <= later.start
        if earlier.end == later.start:
            assert earlier.day != later.day

    # Between two edges the oracle cannot change, so checking it at every edge
    # shows the windows are exactly the open instants of [lo, hi).
    lo = min([a, *(_ts(window.start) for window in windows)])
    hi = max([b, *(_ts(window.end) for window in windows)])
    edges = _edges(spec, zone, lo, hi)
    edge_set = set(edges)
    for window in windows:
        assert _ts(window.start) in edge_set and _ts(window.end) in edge_set
    for point in [lo, *edges]:
        if lo <= point < hi:
            inside = any(_ts(w.start) <= point < _ts(w.end) for w in windows)
            assert inside is _open(spec, zone, point), (
                f"at {_at(point).isoformat()} local {datetime.fromtimestamp(point, zone)}"
            )
