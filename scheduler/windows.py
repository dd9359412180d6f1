"""The wall-clock rule: a campaign's calendar of calling windows.

Instant ``t`` is inside the window of local day ``D`` exactly when the
campaign zone's clock, at ``t``, shows date ``D`` and a time ``s`` with
``start <= s < end``. The clock reading is
``t + offset(t)``, a step function of ``t``; so the instants of one window are,
on each stretch of constant offset, one interval, and a day's window is the
union of at most a few such intervals. Gaps, folds, missing and doubled days
need no special case: they fall out of the offsets.

Everything inside is integer epoch seconds; datetimes appear only at the
public methods.
"""

from __future__ import annotations

from collections.abc import Container, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from scheduler.times import DAY, date_of_day, day_number, epoch_seconds, from_epoch
from scheduler.tz import ZoneTable, zone_table

__all__ = ["Calendar", "DayRule", "Window"]

# A day's windows lie between its local midnight minus the largest UTC offset
# (under 16 h in all of tzdata) and two local days later (an overnight window).
_MARGIN = 26 * 3600
# The clock never jumps back by more than a day (Kwajalein 1969: 23 h), so an
# instant on local day n can only be followed by windows of day n - 2 onward.
_LOOKBACK = 2
# Overlapping windows chain across at most a week of days (an overnight window
# overlaps the next day's only if that one starts earlier, which cannot go on
# round the week); scanning this many days back finds the start of any chain.
_CHAIN_DAYS = 9
# next_open gives up after this many days without a window. A weekly pattern
# with a non-empty window cannot stay empty that long; only a campaign whose
# every active day falls in a clock gap could, and none does.
_SEARCH_DAYS = 1_000
# Windows are computed up to the last whole day a datetime can hold in any zone.
_LAST_DAY = (date(9999, 12, 29) - date(1970, 1, 1)).days
_FIRST_DAY = (date(1, 1, 3) - date(1970, 1, 1)).days


def _union(pieces: list[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    """Sorted, disjoint intervals covering ``pieces``; touching ones join."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(pieces):
        if merged and merged[-1][1] >= start:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return tuple(merged)


def _intersection(
    a: Sequence[tuple[int, int]], b: Sequence[tuple[int, int]]
) -> list[tuple[int, int]]:
    """The instants in both sorted, disjoint interval lists."""
    out: list[tuple[int, int]] = []
    i = j = 0
    while i < len(a) and j < len(b):
        start = max(a[i][0], b[j][0])
        end = min(a[i][1], b[j][1])
        if start < end:
            out.append((start, end))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return out


@dataclass(frozen=True, slots=True)
class Window:
    """One stretch of calling time: ``[start, end)`` in aware UTC, belonging to local ``day``.

    Overlapping windows of neighbouring days merge into one, whose ``day`` is
    the day of the window that starts first.
    """

    start: datetime
    end: datetime
    day: date


# (start, end) seconds after local midnight; end > start, up to 2 * DAY for overnight.
DayRule = tuple[int, int] | None


class Calendar:
    """When a campaign may place a call: its windows, day by day, in its time zone.

    Built by ``Campaign.calendar()``; ``rules[w]`` is the window of weekday
    ``w`` (0 = Monday) as seconds after midnight, ``None`` when the day is
    inactive. ``first_day`` and ``last_day`` bound the local days that hold
    windows (``startDate`` and ``endDate``).

    >>> from scheduler import Campaign
    >>> from datetime import datetime, UTC
    >>> cal = Campaign(name="x", timezone="America/New_York",
    ...                start_time="09:00", end_time="17:00").calendar()
    >>> cal.next_open(datetime(2026, 3, 8, 12, 0, tzinfo=UTC))
    datetime.datetime(2026, 3, 8, 13, 0, tzinfo=datetime.timezone.utc)
    """

    __slots__ = (
        "_days",
        "_first",
        "_last",
        "_never",
        "_rules",
        "_skip",
        "_table",
        "gap",
        "hint",
        "zone_key",
    )

    def __init__(
        self,
        zone_key: str,
        rules: Sequence[DayRule],
        first_day: date | None = None,
        last_day: date | None = None,
        *,
        skip: Container[int] = (),
        intervals: Sequence[Sequence[tuple[int, int]]] | None = None,
    ) -> None:
        if len(rules) != 7:
            raise ValueError(f"rules: one per weekday (7), got {len(rules)}")
        self.zone_key = zone_key
        self._table: ZoneTable = zone_table(zone_key)
        # Per weekday, the window's intervals (seconds after midnight); a campaign has
        # one a day, a calling rule may have several (10:00-13:00 and 14:00-20:00).
        if intervals is None:
            intervals = [() if rule is None else (rule,) for rule in rules]
        self._rules = tuple(tuple(day) for day in intervals)
        #: Day numbers that have no window (blackout dates, holidays).
        self._skip = skip
        self._first = max(day_number(first_day), _FIRST_DAY) if first_day else _FIRST_DAY
        self._last = min(day_number(last_day) if last_day is not None else _LAST_DAY, _LAST_DAY)
        self._never = all(not day for day in self._rules) or self._first > self._last
        self._days: dict[int, tuple[tuple[int, int], ...]] = {}
        #: ``(start, end)`` of the window piece the last next_open answer fell in: the
        #: dialer asks about the same window again and again while a day's calls go out,
        #: and may test ``hint[0] <= t < hint[1]`` itself. One tuple, so a reader in
        #: another thread never sees half an update; any piece it holds is a real window.
        self.hint = (0, 0)
        #: ``(lo, opening, end)``: every instant in ``[lo, opening)`` lies outside the
        #: windows, and ``[opening, end)`` is the next window piece. Retries queued near a
        #: window's end fall due in the gap after it while the day's calls go on in the
        #: window (the hint): one search answers them all.
        self.gap = (0, 0, 0)

    @property
    def removed_days(self) -> Container[int]:
        """The day numbers that have no window whatever their weekday (blackout dates,
        holidays)."""
        return self._skip

    # -- integer core -------------------------------------------------------

    def wall(self, ts: int) -> int:
        """What the zone's clock shows at epoch second ``ts``, as seconds since 1970-01-01 00:00."""
        return ts + self._table.offset_at(ts)

    def local_day(self, ts: int) -> int:
        """The day number the zone's clock shows at epoch second ``ts``."""
        return (ts + self._table.offset_at(ts)) // DAY

    def day_windows(self, n: int) -> tuple[tuple[int, int], ...]:
        """The window of local day number ``n`` as sorted, disjoint ``(start, end)`` seconds."""
        found = self._days.get(n)
        if found is None:
            found = self._days[n] = self._compute_day(n)
        return found

    def _compute_day(self, n: int) -> tuple[tuple[int, int], ...]:
        rules = self._rules[(n + 3) % 7]  # 1970-01-01 was a Thursday (weekday 3)
        if not rules or n < self._first or n > self._last or n in self._skip:
            return ()
        segments = self._table.segments(
            n * DAY + rules[0][0] - _MARGIN, n * DAY + rules[-1][1] + _MARGIN
        )
        # A day the clock never shows (Apia skipped Friday 2011-12-30) has no window,
        # not even the part of an overnight one that would fall on the next day.
        midnight = n * DAY
        if not any(
            max(lo, midnight - offset) < min(hi, midnight + DAY - offset)
            for lo, hi, offset in segments
        ):
            return ()
        found: list[tuple[int, int]] = []
        for rule_start, rule_end in rules:
            wall_start = n * DAY + rule_start
            wall_end = n * DAY + rule_end
            for lo, hi, offset in segments:
                # Here the clock reads t + offset: inside iff wall_start <= t + offset < wall_end.
                start = max(lo, wall_start - offset)
                end = min(hi, wall_end - offset)
                if start < end:
                    found.append((start, end))
        return _union(found)

    def contains_ts(self, ts: int) -> bool:
        """Whether epoch second ``ts`` is inside a window."""
        return self.window_day_ts(ts) is not None

    def window_day_ts(self, ts: int) -> int | None:
        """Day number of the window holding ``ts`` (the later day where two overlap)."""
        found = self._holding(ts)
        return None if found is None else found[0]

    def piece_ts(self, ts: int) -> tuple[int, int] | None:
        """The window piece ``(start, end)`` of ``day_windows`` that holds epoch second
        ``ts``, or None when ``ts`` is inside no window. Every instant of the piece is inside
        a window (a piece of day ``D`` reads ``D`` or ``D + 1`` on the clock, the days
        ``contains_ts`` looks at), so a caller may keep it to answer later instants."""
        found = self._holding(ts)
        return None if found is None else found[1]

    def _holding(self, ts: int) -> tuple[int, tuple[int, int]] | None:
        """``(day number, piece)`` of the window holding ``ts``, the later day where two
        overlap; None outside every window."""
        if self._never:
            return None
        n = self.local_day(ts)
        for d in (n, n - 1):  # only today's window and yesterday's overnight one
            for piece in self.day_windows(d):
                if piece[0] <= ts < piece[1]:
                    return d, piece
        return None

    def next_open_ts(self, ts: int) -> int | None:
        """Earliest epoch second ``>= ts`` inside a window, or ``None`` if none is left."""
        found = self.next_open_piece_ts(ts)
        return None if found is None else found[0]

    def next_open_piece_ts(self, ts: int) -> tuple[int, tuple[int, int]] | None:
        """``next_open_ts(ts)`` and the window piece ``(start, end)`` it falls in, found in
        one call: a caller that asks whether the answer opens its piece must not read the
        calendar's hint afterwards, which another thread may have moved."""
        hint = self.hint
        if hint[0] <= ts < hint[1]:
            return ts, hint
        gap = self.gap
        if gap[0] <= ts < gap[1]:
            return gap[1], (gap[1], gap[2])
        # Look through the days; remember the piece found (hint) and the gap before it.
        if self._never:
            return None
        n = self.local_day(ts)
        d = max(n - _LOOKBACK, self._first)
        best: int | None = None
        piece = (0, 0)
        last = min(self._last, max(n, self._first) + _SEARCH_DAYS)
        while d <= last:
            # Windows of day d start no earlier than its midnight minus the margin.
            if best is not None and d * DAY - _MARGIN > best:
                break
            for start, end in self.day_windows(d):
                if end > ts:
                    candidate = start if start > ts else ts
                    if best is None or candidate < best:
                        best = candidate
                        piece = (start, end)
                    break
            d += 1
        self.hint = piece
        if best is None:
            return None
        if best > ts:
            self.gap = (ts, best, piece[1])
        return best, piece

    def first_open_after_day(self, n: int) -> int | None:
        """Start of the first window that belongs to a local day later than day number ``n``."""
        if self._never:
            return None
        d = max(n + 1, self._first)
        last = min(self._last, d + _SEARCH_DAYS)
        while d <= last:
            windows = self.day_windows(d)
            if windows:
                return windows[0][0]
            d += 1
        return None

    def last_close_ts(self) -> int | None:
        """End of the last window of the campaign, or ``None`` with no ``endDate``."""
        if self._last >= _LAST_DAY:
            return None
        for d in range(self._last, max(self._first, self._last - _SEARCH_DAYS) - 1, -1):
            windows = self.day_windows(d)
            if windows:
                return windows[-1][1]
        return None

    def cover(self, lo: int, hi: int) -> list[tuple[int, int]]:
        """The instants of ``[lo, hi)`` inside any window, as sorted disjoint intervals
        (windows of neighbouring days that touch join: a set of instants, not of days)."""
        if self._never or hi <= lo:
            return []
        first = max(self.local_day(lo) - _LOOKBACK, self._first)
        last = min(self.local_day(hi) + 1, self._last)
        pieces = [
            (max(start, lo), min(end, hi))
            for d in range(first, last + 1)
            for start, end in self.day_windows(d)
            if start < hi and end > lo
        ]
        return list(_union(pieces))

    def windows_ts(self, lo: int, hi: int) -> list[tuple[int, int, int]]:
        """Merged windows ``(start, end, day)`` that meet ``[lo, hi)``."""
        if self._never or hi <= lo:
            return []
        first = max(self.local_day(lo) - _CHAIN_DAYS, self._first)
        last = min(self.local_day(hi) + 1, self._last)
        # Sorted by start, then day: where two days' windows open together, the
        # merged window belongs to the earlier day.
        pieces = sorted(
            (start, d, end) for d in range(first, last + 1) for start, end in self.day_windows(d)
        )
        merged: list[tuple[int, int, int]] = []
        for start, d, end in pieces:
            # Windows of different days merge only where they overlap; touching
            # ones (Monday to 24:00, Tuesday from 00:00) stay two windows.
            if merged and start < merged[-1][1]:
                prev = merged[-1]
                merged[-1] = (prev[0], max(prev[1], end), prev[2])
            else:
                merged.append((start, end, d))
        return [w for w in merged if w[1] > lo and w[0] < hi]

    # -- public, datetime face ----------------------------------------------

    def contains(self, t: datetime) -> bool:
        """Whether a call may start at instant ``t`` (an aware datetime)."""
        return self.contains_ts(epoch_seconds(t))

    def next_open(self, t: datetime) -> datetime | None:
        """The earliest instant ``>= t`` inside a window (``t`` itself when inside),
        or ``None`` once the campaign has no window left."""
        ts = epoch_seconds(t)
        found = self.next_open_ts(ts)
        if found is None:
            return None
        return t.astimezone(UTC) if found == ts else from_epoch(found)

    def windows(self, start: datetime, end: datetime) -> list[Window]:
        """The windows that meet ``[start, end)``, in order, whole (not clipped)."""
        lo = epoch_seconds(start, "start")
        hi = epoch_seconds(end, "end")
        if end <= start:
            return []
        if end.microsecond:  # a fractional end still meets the second it is in
            hi += 1
        return [
            Window(from_epoch(s), from_epoch(e), date_of_day(d))
            for s, e, d in self.windows_ts(lo, hi)
        ]


class Intersection(Calendar):
    """The instants callable for one customer: a campaign calendar narrowed by others.

    The windows of local day ``D`` are ``label``'s windows of day ``D``,
    intersected with each of ``same_day``'s windows of that same date ``D``
    (the campaign's window read on the customer's other clocks), and then
    with every instant ``filters`` allow, whatever day those belong to (the
    hours and holidays of calling rules, on each of the customer's clocks).
    Days keep ``label``'s numbering, so ``next_day`` and expiry read it as
    they read a plain calendar. Every answer is a pure function of the
    parts, cached per day like a plain calendar's.
    """

    __slots__ = ("filters", "label", "same_day")

    def __init__(
        self, label: Calendar, same_day: Sequence[Calendar], filters: Sequence[Calendar]
    ) -> None:
        self.zone_key = label.zone_key
        self._table = label._table
        self._rules = label._rules
        self._skip = label._skip
        self._first = label._first
        self._last = label._last
        self._never = label._never or any(c._never for c in (*same_day, *filters))
        self._days = {}
        self.hint = (0, 0)
        self.gap = (0, 0, 0)
        self.label = label
        self.same_day = tuple(same_day)
        self.filters = tuple(filters)

    def _compute_day(self, n: int) -> tuple[tuple[int, int], ...]:
        pieces = list(self.label.day_windows(n))
        for calendar in self.same_day:
            if not pieces:
                break
            pieces = _intersection(pieces, calendar.day_windows(n))
        for calendar in self.filters:
            if not pieces:
                break
            pieces = _intersection(pieces, calendar.cover(pieces[0][0], pieces[-1][1]))
        return _union(pieces)
