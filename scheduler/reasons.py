"""Why a call starts when it does, and why an attempt never starts: sentences a person reads.

Sentences are built only when read, from the few integers the dialer kept
(the constraint that set the start, the due time, the previous outcome), so a
million-attempt plan does not format a million strings it may never show.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any
from zoneinfo import ZoneInfo

from scheduler.dialer import Why
from scheduler.retry import RetryPolicy
from scheduler.times import DAY, from_epoch, iso_utc
from scheduler.windows import Calendar

__all__ = ["Expired", "ExpiryCause", "ReasonContext", "duration", "local_label"]

_WEEKDAY_ABBR = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


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


def local_label(ts: int, calendar: Calendar, zone: ZoneInfo) -> str:
    """``Tue 09:00 EST``: weekday, wall time (seconds when not zero) and zone abbreviation."""
    wall = calendar.wall(ts)
    days, clock = divmod(wall, DAY)
    hours, rest = divmod(clock, 3600)
    minutes, seconds = divmod(rest, 60)
    abbr = from_epoch(ts).astimezone(zone).tzname()
    text = f"{_WEEKDAY_ABBR[(days + 3) % 7]} {hours:02d}:{minutes:02d}"
    if seconds:
        text += f":{seconds:02d}"
    return f"{text} {abbr}"


def _local_date(ts: int, calendar: Calendar) -> str:
    return date.fromordinal(calendar.local_day(ts) + _EPOCH_ORDINAL).isoformat()


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


@dataclass(frozen=True, slots=True)
class ReasonContext:
    """What every attempt on one calendar shares, for building its sentence."""

    zone: ZoneInfo
    policy: RetryPolicy
    lines: int
    interval: int
    calendar: Calendar

    def label(self, ts: int) -> str:
        """``Tue 09:00 EST`` of epoch second ``ts`` on this context's clock."""
        return local_label(ts, self.calendar, self.zone)

    def sentence(
        self,
        number: int,
        why: int,
        start: int,
        due: int,
        prev_outcome: str | None,
        prev_end: int | None,
    ) -> str:
        """The reason sentence of attempt ``number`` that starts at ``start``.

        ``why`` is the ``Why`` that set the start; ``prev_outcome`` and
        ``prev_end`` describe the attempt before it (``None`` for a first call).
        """
        label = self.label
        calendar = self.calendar
        # Did the attempt fall due outside every window, and wait for an opening?
        opening = None if calendar.contains_ts(due) else calendar.next_open_ts(due)
        closed = "" if opening is None else f"; first opening is {label(opening)}"
        if why == Why.WINDOW:
            then = (
                ""
                if start == opening
                else "; no free line or pacing slot before that window closed; "
                f"next opening is {label(start)}"
            )
        elif why == Why.PACE:
            then = f"; then {duration(self.interval)} after the previous call started (even pacing)"
        elif why == Why.LINE:
            busy = "the only line was busy" if self.lines == 1 else f"all {self.lines} were busy"
            then = f"; then the first free line ({busy})"
        elif why == Why.QUEUE:
            then = "; then a free line, right after the call before it"
        else:
            then = ""
        policy = self.policy
        if number == 1 or prev_outcome is None or prev_end is None:
            head = f"attempt 1 of {policy.attempts}: first call"
            if why in (Why.NOW, Why.DUE):
                return f"{head}, placed as soon as it was queued"
            return f"{head}, next in list order{closed}{then}"
        head = f"retry {number - 1} of {policy.retries}: {prev_outcome} at {label(prev_end)}"
        delay = duration(policy.delay)
        if policy.next_day:
            return (
                f"{head}; next_day: due {label(due)}, the first window of a later day "
                f"and at least {delay} after the call{closed}{then}"
            )
        if opening is not None:
            return f"{head}, {delay} delay ends after the window closes{closed}{then}"
        if why in (Why.NOW, Why.DUE) or start == due:
            return f"{head}, {delay} delay ends at {label(due)}"
        return f"{head}, {delay} delay ended at {label(due)}{then}"

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
        if cause is ExpiryCause.NO_LATER_DAY:
            after = cause.value
        else:
            closed = self.calendar.last_close_ts()
            after = (
                "no calling window is left"
                if closed is None
                else f"the last window closed at {self.label(closed)} on "
                + _local_date(closed, self.calendar)
            )
        if number == 1 or prev_outcome is None or prev_end is None:
            why = (
                f"attempt 1 of {policy.attempts}: still queued when {after} (the list did not fit)"
            )
        else:
            why = (
                f"retry {number - 1} of {policy.retries}: {prev_outcome} at "
                f"{self.label(prev_end)}, due {self.label(due)}, but {after}"
            )
        return Expired(phone, number, due, cause, why)
