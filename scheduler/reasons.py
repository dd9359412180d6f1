"""Why a call starts when it does: one short sentence a person understands.

Sentences are built only when read, from the few integers the dialer kept
(the constraint that set the start, the due time, the previous outcome), so a
million-attempt plan does not format a million strings it may never show.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from scheduler.dialer import WHY_DUE, WHY_LINE, WHY_NOW, WHY_PACE, WHY_QUEUE, WHY_WINDOW
from scheduler.retry import RetryPolicy
from scheduler.windows import from_epoch

__all__ = ["ReasonContext", "duration", "explain", "local_label"]


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
    prev_outcome: str | None,
    prev_end: int | None,
    delay: int,
    next_day: bool,
    lines: int,
    interval: int,
) -> str:
    """The reason sentence of one attempt."""
    wait = {
        WHY_NOW: "",
        WHY_DUE: "",
        WHY_WINDOW: f"; first opening is {local_label(start, zone)}",
        WHY_PACE: f"; then {duration(interval)} after the previous call started (even pacing)",
        WHY_LINE: f"; then the first free line (all {lines} were busy)",
        WHY_QUEUE: "; on a free line, right after the call before it",
    }[why]
    if number == 1 or prev_outcome is None or prev_end is None:
        head = f"attempt 1 of {attempts}: first call"
        if why == WHY_NOW:
            return f"{head}, placed as soon as the campaign runs"
        if why == WHY_DUE:
            return f"{head}, placed as soon as it was queued"
        return f"{head}, next in list order{wait}"
    head = f"retry {number - 1} of {attempts - 1}: {prev_outcome} at {local_label(prev_end, zone)}"
    if next_day:
        rule = f"next_day waits for a later day's window and {duration(delay)}"
    else:
        rule = f"{duration(delay)} delay"
    if why == WHY_WINDOW:
        return f"{head}, {rule} ends after the window closes{wait}"
    if why in (WHY_DUE, WHY_NOW) or start == due:
        return f"{head}, {rule} ends at {local_label(due, zone)}"
    return f"{head}, {rule} ended at {local_label(due, zone)}{wait}"


@dataclass(frozen=True, slots=True)
class ReasonContext:
    """What every attempt of one campaign shares, for building its sentence."""

    zone: ZoneInfo
    policy: RetryPolicy
    lines: int
    interval: int

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
        return explain(
            self.zone,
            number=number,
            attempts=self.policy.attempts,
            why=why,
            start=start,
            due=due,
            prev_outcome=prev_outcome,
            prev_end=prev_end,
            delay=self.policy.delay,
            next_day=self.policy.next_day,
            lines=self.lines,
            interval=self.interval,
        )
