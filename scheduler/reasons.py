"""Why a call starts when it does, and why an attempt never starts: sentences a person reads.

Sentences are built only when read, from the few integers the dialer kept
(the constraint that set the start, the due time, the previous outcome), so a
million-attempt plan does not format a million strings it may never show.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import Enum
from typing import Any
from zoneinfo import ZoneInfo

from scheduler.dialer import Why
from scheduler.retry import RetryPolicy
from scheduler.rules import CallingRule, HolidayDays, HolidaySet
from scheduler.times import DAY, HH_MM, SS, date_of_day, from_epoch, iso_utc
from scheduler.tz import abbreviation_points, zone_table
from scheduler.windows import Calendar

__all__ = [
    "Clocks",
    "Expired",
    "ExpiryCause",
    "ReasonContext",
    "duration",
    "holiday_on",
    "no_window_cause",
]

_WEEKDAY_ABBR = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_NOW, _WINDOW, _DUE = int(Why.NOW), int(Why.WINDOW), int(Why.DUE)
# How many minutes' labels a context remembers (some 300 kB): a plan reads its labels
# near the instants it has reached, a few hundred minutes at a time.
_MINUTES_KEPT = 1024


def duration(seconds: int) -> str:
    """``3600`` -> ``"1 h"``, ``5400`` -> ``"1 h 30 min"``, ``45`` -> ``"45 s"``."""
    if seconds == 0:
        return "0 s"
    parts = []
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        parts.append(f"{hours} h")
    if minutes:
        parts.append(f"{minutes} min")
    if secs:
        parts.append(f"{secs} s")
    return " ".join(parts)


def _local_date(ts: int, calendar: Calendar) -> str:
    return date_of_day(calendar.local_day(ts)).isoformat()


def holiday_on(calendar: Calendar, day: int) -> HolidayDays | HolidaySet | None:
    """The holidays of a rule's ``calendar`` when local day number ``day`` is one of them."""
    removed = calendar.removed_days
    if isinstance(removed, HolidayDays | HolidaySet) and day in removed:
        return removed
    return None


@dataclass(frozen=True, slots=True)
class Clocks:
    """The clocks and rules one calendar of customers is called by: the zones (several
    mean all of them), whether the campaign's window is read on them, the rules that
    apply with the instants each allows on each zone, and the campaign's own window."""

    zones: tuple[str, ...]
    recipient_local_time: bool
    rules: tuple[CallingRule, ...]
    filters: tuple[tuple[CallingRule, str, Calendar], ...]
    window: Calendar
    #: With recipientLocalTime and several zones, the campaign's window on the others.
    other_windows: tuple[Calendar, ...] = ()

    def blocking(self, ts: int) -> tuple[str, str] | None:
        """Which rule keeps ``ts`` out: its name, and why in words (``US-FL: 08:00-20:00 on
        Mon in America/New_York``, ``US-UT: holiday 2026-07-24, Pioneer Day (America/Denver)``);
        or, with several clocks, the clock whose window does not hold it. None when nothing
        but the campaign's own window does."""
        for rule, zone, calendar in self.filters:
            if calendar.contains_ts(ts):
                continue
            day = calendar.local_day(ts)
            holidays = holiday_on(calendar, day)
            if holidays is not None:
                name = holidays.name(day)
                when = date_of_day(day).isoformat()
                return rule.name, f"{rule.name}: holiday {when}, {name} ({zone})"
            weekday = (day + 3) % 7
            hours = rule.hours_text(weekday)
            return rule.name, f"{rule.name}: {hours} on {_WEEKDAY_ABBR[weekday]} in {zone}"
        for calendar in self.other_windows:
            if not calendar.contains_ts(ts):
                return "", f"outside the campaign's window on the {calendar.zone_key} clock"
        return None

    def moved_by(self, due: int, start: int) -> tuple[str, str] | None:
        """The rule that kept an attempt from the campaign window's first instant after
        ``due`` (so that it started at ``start``), as ``blocking`` says it; else None."""
        window_open = self.window.next_open_ts(due)
        if window_open is None or window_open >= start:
            return None
        return self.blocking(window_open)

    def describe(self) -> str:
        """``America/Denver + America/North_Dakota/Center``: the customer's clocks."""
        return " + ".join(self.zones)


def no_window_cause(calendar: Calendar, campaign: Any, since: int) -> str | None:
    """Why ``calendar`` (the campaign's) has no window at all from epoch second ``since``
    on, in the user's words; None when it has one, or when it had windows that the list
    simply did not fit into."""
    if not campaign.active_days:
        return "activeDays is empty, so the campaign has no calling window at all"
    if calendar.next_open_ts(since) is not None:
        return None
    first, last = campaign.start_date, campaign.end_date
    if last is not None:
        closed = calendar.last_close_ts()
        if closed is not None and closed <= since:
            when = from_epoch(since).astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
            return (
                f"endDate {last.isoformat()} is over: its last window closed before the "
                f"campaign began ({when})"
            )
        if first is not None:
            weekdays = {
                (first + timedelta(days=k)).weekday() for k in range((last - first).days + 1)
            }
            if not weekdays & set(campaign.active_days):
                return (
                    f"no day in activeDays lies between startDate {first.isoformat()} and "
                    f"endDate {last.isoformat()}"
                )
        return (
            "every window between startDate and endDate falls in a clock gap (the clock "
            "never shows those hours)"
        )
    return "every active day's window falls in a clock gap (the clock never shows those hours)"


class ExpiryCause(Enum):
    """Why an attempt can never start."""

    NO_WINDOW_LEFT = "no window is left"
    NO_LATER_DAY = "no later day has a window for a next_day retry"


@dataclass(frozen=True, slots=True)
class Expired:
    """An attempt that can never start: ``phone``, attempt ``number``, ``due``, and why."""

    phone: str
    number: int
    due_ts: int
    cause: ExpiryCause
    reason: str

    @property
    def due(self) -> datetime:
        """From when the attempt could have started (aware UTC)."""
        return from_epoch(self.due_ts)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready row: ``phone``, ``attemptNumber``, ``due``, ``reason``."""
        return {
            "phone": self.phone,
            "attemptNumber": self.number,
            "due": iso_utc(self.due),
            "reason": self.reason,
        }


class ReasonContext:
    """What every attempt on one calendar shares, for building its sentence.

    Safe to share across threads: its memos are each replaced whole
    (a dict entry, one tuple or a new dict), and every value in them is right
    for its key.
    """

    __slots__ = (
        "_abbreviations",
        "_delay",
        "_first_head",
        "_first_now",
        "_minutes",
        "_next_day",
        "_offset_at",
        "_opening_memo",
        "_points",
        "_retries",
        "_retry_heads",
        "_stretch",
        "_table",
        "_then",
        "calendar",
        "campaign",
        "clocks",
        "interval",
        "lines",
        "origin",
        "policy",
        "zone",
    )

    def __init__(
        self,
        zone: ZoneInfo,
        policy: RetryPolicy,
        lines: int,
        interval: int,
        calendar: Calendar,
        clocks: Clocks | None = None,
        campaign: Any = None,
        origin: int = 0,
    ) -> None:
        self.zone = zone
        #: The campaign (for the causes of expiries) and the instant its run began.
        self.campaign = campaign
        self.origin = origin
        #: The customers' clocks and rules, when they have their own.
        self.clocks = clocks
        self.policy = policy
        self.lines = lines
        self.interval = interval
        self.calendar = calendar
        self._table = zone_table(calendar.zone_key)
        self._offset_at = self._table.offset_at
        # (start, end, offset, abbreviation stretch) of the last label's stretch.
        self._stretch = (0, 0, 0, 0)
        self._points = abbreviation_points(calendar.zone_key)
        # The parts of sentences that are the same for every attempt of the campaign.
        self._delay = duration(policy.delay)
        self._retries = policy.retries
        self._next_day = policy.next_day
        # "retry 2 of 3: " by attempt number, for the most common sentence of all.
        self._retry_heads = tuple(
            f"retry {n - 1} of {policy.retries}: " for n in range(policy.attempts + 1)
        )
        self._first_head = f"attempt 1 of {policy.attempts}: first call"
        self._first_now = f"{self._first_head}, placed as soon as it was queued"
        busy = "the only line was busy" if lines == 1 else f"all {lines} were busy"
        self._then: dict[int, str] = {
            Why.NOW: "",
            Why.DUE: "",
            Why.PACE: f"; then {duration(interval)} after the previous call started (even pacing)",
            Why.LINE: f"; then the first free line ({busy})",
            Why.QUEUE: "; then a free line, right after the call before it",
        }
        # ("Tue ", " EST") by local day and UTC offset: one zoneinfo lookup per day and offset.
        self._abbreviations: dict[int, tuple[str, str]] = {}
        # Label parts by UTC minute, see _minute_parts.
        self._minutes: dict[int, tuple[str, str, str]] = {}
        # The last (due, first opening at or after due, or None when due is in a window):
        # first attempts share one due instant.
        self._opening_memo: tuple[int, int | None] = (0, None)

    def offset_at(self, ts: int) -> int:
        """The UTC offset, in seconds, of this context's clock at epoch second ``ts``."""
        return self._offset_at(ts)

    def stretch(self, ts: int) -> tuple[int, int, int]:
        """``(start, end, offset)``: the stretch of one UTC offset on this context's clock
        around epoch second ``ts``, so that rows written by the million look it up once."""
        return self._table.stretch(ts)

    def label(self, ts: int) -> str:
        """``Tue 09:00 EST``: weekday, wall time (seconds when not zero) and zone abbreviation."""
        minute = ts // 60
        parts = self._minutes.get(minute)
        if parts is None:
            parts = self._minute_parts(minute)
            if parts is None:
                return self._label(ts)
        second = ts - minute * 60
        if second:
            return f"{parts[1]}{SS[second]}{parts[2]}"
        return parts[0]

    def _minute_parts(self, minute: int) -> tuple[str, str, str] | None:
        """``("Tue 09:00 EST", "Tue 09:00:", " EST")``: the label of UTC minute ``minute`` at
        its first second, and the two parts around the seconds of the others; remembered.
        None when the minute's seconds do not share them: a change of offset or abbreviation
        inside it, or an offset of odd seconds (local mean times before 1900)."""
        first = minute * 60
        lo, hi, offset, parts = self._stretch_at(first)
        if first < lo or first + 60 > hi or offset % 60:
            return None
        wall_minute = (first + offset) // 60 % (24 * 60)
        head = f"{parts[0]}{HH_MM[wall_minute]}"
        found = (f"{head}{parts[1]}", f"{head}:", parts[1])
        memo = self._minutes
        if len(memo) >= _MINUTES_KEPT:
            # Bounded: a plan's labels come in runs of near instants, so a fresh memo
            # refills with the minutes in use.
            memo = self._minutes = {}
        memo[minute] = found
        return found

    def _stretch_at(self, ts: int) -> tuple[int, int, int, tuple[str, str]]:
        """``(start, end, offset, ("Tue ", " EST"))``: the stretch around ``ts`` of one
        offset, one listed abbreviation and one local day, with the parts of its labels."""
        lo, hi, offset, index = self._stretch
        if not lo <= ts < hi:
            # The stretch of one offset and one listed abbreviation around ts, remembered:
            # the labels of a plan come in runs from the same stretch.
            lo, hi, offset = self._table.stretch(ts)
            points = self._points
            index = bisect.bisect_right(points, ts)
            if index:
                lo = max(lo, points[index - 1])
            if index < len(points):
                hi = min(hi, points[index])
            self._stretch = (lo, hi, offset, index)
        days = (ts + offset) // DAY
        # One integer key per (day, offset, stretch between the zone's listed changes):
        # offsets lie within a day either side of UTC, and a zone lists a few hundred.
        key = (days * 4 * DAY + offset) * 8192 + index
        parts = self._abbreviations.get(key)
        if parts is None:
            abbr = from_epoch(ts).astimezone(self.zone).tzname()
            parts = self._abbreviations[key] = (f"{_WEEKDAY_ABBR[(days + 3) % 7]} ", f" {abbr}")
        # The stretch, cut to the local day of ts.
        day_start = days * DAY - offset
        return max(lo, day_start), min(hi, day_start + DAY), offset, parts

    def _label(self, ts: int) -> str:
        """``label``, from the zone's table for one instant."""
        _, _, offset, parts = self._stretch_at(ts)
        clock = (ts + offset) % DAY
        seconds = clock % 60
        if seconds:
            return f"{parts[0]}{HH_MM[clock // 60]}:{seconds:02d}{parts[1]}"
        return f"{parts[0]}{HH_MM[clock // 60]}{parts[1]}"

    def _opening_after(self, due: int) -> int | None:
        """The window opening an attempt due at ``due`` waited for, or None if due in a window."""
        memo = self._opening_memo
        if memo[0] == due:
            return memo[1]
        calendar = self.calendar
        opening = None if calendar.contains_ts(due) else calendar.next_open_ts(due)
        self._opening_memo = (due, opening)
        return opening

    def sentence(
        self,
        number: int,
        why: int,
        start: int,
        due: int,
        prev_outcome: str | None,
        prev_end: int | None,
        cap: tuple[str, int, int] | None = None,
    ) -> str:
        """The reason sentence of attempt ``number`` that starts at ``start``.

        ``why`` is the ``Why`` that set the start; ``prev_outcome`` and
        ``prev_end`` describe the attempt before it (``None`` for a first call);
        ``cap`` is the cap that held it back, ``(rule name, calls, seconds)``.
        """
        if cap is None:
            if (
                start == due
                and number > 1
                and prev_end is not None
                and prev_outcome is not None
                and not self._next_day
            ):
                # The most common sentence of all, first: a retry that started when its delay
                # ended (and so inside a window). _sentence says the same, more slowly.
                heads = self._retry_heads
                head = (
                    heads[number]
                    if number < len(heads)
                    else f"retry {number - 1} of {self._retries}: "
                )
                text = (
                    f"{head}{prev_outcome} at {self.label(prev_end)}, {self._delay} delay ends "
                    f"at {self.label(due)}"
                )
            else:
                text = self._sentence(number, why, start, due, prev_outcome, prev_end)
        else:
            # The cap, not a window or a line, set the start: say when it was due, then why.
            if number == 1 or prev_outcome is None or prev_end is None:
                text = self._first_head
            else:
                text = self._sentence(number, _DUE, due, due, prev_outcome, prev_end)
            text += (
                f"; {cap[0]}: at most {cap[1]} calls in {duration(cap[2])}, so it waited "
                f"until {self.label(start)}"
            )
        if self.clocks is not None:
            # Where the campaign's own window would have allowed a call, which rule did not?
            moved = self.clocks.moved_by(due, start)
            if moved is not None:
                text += f"; {moved[1]}"
        return text

    def _sentence(
        self,
        number: int,
        why: int,
        start: int,
        due: int,
        prev_outcome: str | None,
        prev_end: int | None,
    ) -> str:
        label = self.label
        # Did the attempt fall due outside every window, and wait for an opening? Not if it
        # started when due: every start is inside a window.
        opening = None if start == due else self._opening_after(due)
        closed = "" if opening is None else f"; first opening is {label(opening)}"
        if why != _WINDOW:
            then = self._then[why]
        elif start == opening:
            then = ""
        else:
            then = (
                "; no free line or pacing slot before that window closed; "
                f"next opening is {label(start)}"
            )
        # The engine's clock, when the host asked for calls later than they were due.
        asked = (
            f"; placed when calls were next asked for, at {label(start)}"
            if why == _NOW and start > due and opening is None
            else ""
        )
        if number == 1 or prev_outcome is None or prev_end is None:
            if why <= _DUE and not asked:
                return self._first_now
            if asked:
                return f"{self._first_head}, queued at {label(due)}{asked}"
            return f"{self._first_head}, next in list order{closed}{then}"
        head = f"retry {number - 1} of {self._retries}: {prev_outcome} at {label(prev_end)}"
        delay = self._delay
        if self._next_day:
            if due == prev_end + self.policy.delay:  # the delay, not the later day, set it
                return (
                    f"{head}; next_day: due {label(due)}, {delay} after the call (a later "
                    f"day){closed}{then}{asked}"
                )
            return (
                f"{head}; next_day: due {label(due)}, the first window of a later day "
                f"and at least {delay} after the call{closed}{then}{asked}"
            )
        if opening is not None:
            return f"{head}, {delay} delay ends after the window closes{closed}{then}"
        if (why <= _DUE or start == due) and not asked:
            return f"{head}, {delay} delay ends at {label(due)}"
        return f"{head}, {delay} delay ended at {label(due)}{then}{asked}"

    def expired(
        self,
        phone: str,
        number: int,
        due: int,
        cause: ExpiryCause,
        prev_outcome: str | None,
        prev_end: int | None,
    ) -> Expired:
        """The record of attempt ``number`` of ``phone``, due at ``due``, that can never start."""
        policy = self.policy
        clocks = self.clocks
        window_open = None if clocks is None else clocks.window.next_open_ts(due)
        # The cause of a campaign with no window at all is read on its own window, not
        # on what the customer's clocks and rules leave of it.
        window = self.calendar if clocks is None else clocks.window
        never = no_window_cause(window, self.campaign, self.origin) if self.campaign else None
        if cause is ExpiryCause.NO_LATER_DAY:
            after = cause.value
        elif never is not None:
            after = never
        elif clocks is not None and window_open is not None:
            # The campaign's window goes on, but no instant of it suits the customer.
            parts = []
            if len(clocks.zones) > 1:
                parts.append(
                    f"the number may be on any of {len(clocks.zones)} clocks "
                    f"({', '.join(clocks.zones)}) and no instant suits every one; give the "
                    "customer a timezone"
                )
            blocking = clocks.blocking(window_open)
            if blocking is not None:
                parts.append(
                    f"at the window's next opening, {self.label(window_open)}: {blocking[1]}"
                )
            after = "no callable instant is left (" + "; ".join(parts or ["rules"]) + ")"
        else:
            closed = self.calendar.last_close_ts()
            after = (
                "no calling window is left"
                if closed is None
                else f"the last window closed at {self.label(closed)} on "
                + _local_date(closed, self.calendar)
            )
        if number == 1 or prev_outcome is None or prev_end is None:
            if never is not None:
                why = f"attempt 1 of {policy.attempts}: never called: {never}"
            else:
                fit = "" if window_open is not None else " (the list did not fit)"
                why = f"attempt 1 of {policy.attempts}: still queued when {after}{fit}"
        else:
            why = (
                f"retry {number - 1} of {policy.retries}: {prev_outcome} at "
                f"{self.label(prev_end)}, due {self.label(due)}, but {after}"
            )
        return Expired(phone, number, due, cause, why)
