"""Why a call starts when it does: one short sentence a person understands.

Sentences are built only when read, from the few integers the dialer kept
(the constraint that set the start, the due time, the previous outcome), so a
million-attempt plan does not format a million strings it may never show.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from scheduler.dialer import WHY_DUE, WHY_LINE, WHY_NOW, WHY_PACE, WHY_QUEUE, WHY_WINDOW
from scheduler.retry import RetryPolicy
from scheduler.windows import Calendar, from_epoch, iso_utc

__all__ = ["Expired", "ReasonContext", "duration", "explain", "local_label"]


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


def local_label(ts: int, zone: ZoneInfo) -> str:
    """``Tue 09:00 EST``: weekday, wall time (seconds when not zero) and zone abbreviation."""
    local: datetime = from_epoch(ts).astimezone(zone)
    clock = "%H:%M:%S" if local.second else "%H:%M"
    return local.strftime(f"%a {clock} %Z")


def explain(
    zone: ZoneInfo,
    *,
    number: int,
    attempts: int,
    why: int,
    start: int,
    due: int,
    opening: int | None,
    prev_outcome: str | None,
    prev_end: int | None,
    delay: int,
    next_day: bool,
    lines: int,
    interval: int,
) -> str:
    """The reason sentence of one attempt.

    ``opening`` is the window opening the attempt waited for when it fell due
    outside every window, else None.
    """
    closed = "" if opening is None else f"; first opening is {local_label(opening, zone)}"
    reopened = (
        "; no free line or pacing slot before that window closed; "
        f"next opening is {local_label(start, zone)}"
    )
    then = {
        WHY_NOW: "",
        WHY_DUE: "",
        WHY_WINDOW: "" if start == opening else reopened,
        WHY_PACE: f"; then {duration(interval)} after the previous call started (even pacing)",
        WHY_LINE: "; then the first free line ("
        + ("the only line was busy)" if lines == 1 else f"all {lines} were busy)"),
        WHY_QUEUE: "; then a free line, right after the call before it",
    }[why]
    if number == 1 or prev_outcome is None or prev_end is None:
        head = f"attempt 1 of {attempts}: first call"
        if why in (WHY_NOW, WHY_DUE):
            return f"{head}, placed as soon as it was queued"
        return f"{head}, next in list order{closed}{then}"
    head = f"retry {number - 1} of {attempts - 1}: {prev_outcome} at {local_label(prev_end, zone)}"
    if next_day:
        return (
            f"{head}; next_day: due {local_label(due, zone)}, the first window of a later day "
            f"and at least {duration(delay)} after the call{closed}{then}"
        )
    if opening is not None:
        return f"{head}, {duration(delay)} delay ends after the window closes{closed}{then}"
    if why in (WHY_NOW, WHY_DUE) or start == due:
        return f"{head}, {duration(delay)} delay ends at {local_label(due, zone)}"
    return f"{head}, {duration(delay)} delay ended at {local_label(due, zone)}{then}"


@dataclass(frozen=True, slots=True)
class Expired:
    """An attempt that could not start before the campaign ended, and why."""

    phone: str
    number: int
    due: datetime
    reason: str

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready row."""
        return {
            "phone": self.phone,
            "attempt": self.number,
            "due": iso_utc(self.due),
            "reason": self.reason,
        }


@dataclass(frozen=True, slots=True)
class ReasonContext:
    """What every attempt of one campaign shares, for building its sentence."""

    zone: ZoneInfo
    policy: RetryPolicy
    lines: int
    interval: int
    calendar: Calendar

    def sentence(
        self,
        number: int,
        why: int,
        start: int,
        due: int,
        prev_outcome: str | None,
        prev_end: int | None,
    ) -> str:
        """The reason sentence of attempt ``number`` that starts at ``start``."""
        # Did the attempt fall due outside every window, and wait for an opening?
        opening = None
        if not self.calendar.contains_ts(due):
            opening = self.calendar.next_open_ts(due)
        return explain(
            self.zone,
            number=number,
            attempts=self.policy.attempts,
            why=why,
            start=start,
            due=due,
            opening=opening,
            prev_outcome=prev_outcome,
            prev_end=prev_end,
            delay=self.policy.delay,
            next_day=self.policy.next_day,
            lines=self.lines,
            interval=self.interval,
        )

    def expired(
        self,
        phone: str,
        number: int,
        due: int,
        prev_outcome: str | None,
        prev_end: int | None,
        *,
        no_later_day: bool = False,
    ) -> Expired:
        """The record of attempt ``number`` of ``phone``, due at ``due``, that can never start."""
        zone, policy = self.zone, self.policy
        if no_later_day:
            after = "no later day has a window for a next_day retry"
        else:
            closed = self.calendar.last_close_ts()
            after = (
                "no calling window is left"
                if closed is None
                else f"the last window closed at {local_label(closed, zone)} on "
                + from_epoch(closed).astimezone(zone).date().isoformat()
            )
        if number == 1 or prev_outcome is None or prev_end is None:
            why = (
                f"attempt 1 of {policy.attempts}: still queued when {after} (the list did not fit)"
            )
        else:
            why = (
                f"retry {number - 1} of {policy.retries}: {prev_outcome} at "
                f"{local_label(prev_end, zone)}, due {local_label(due, zone)}, but {after}"
            )
        return Expired(phone, number, from_epoch(due), why)
