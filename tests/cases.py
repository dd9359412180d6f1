"""What the property tests of plan and of the engine draw: zones, instants, a case, clock text.

Zones and instants are ``scheduler.testing``'s, the strategies users test
their own dialers with: every key the pinned tzdata knows (with a bias
towards a few whose rules are odd), and instants from 1900 to 2100 biased
towards 2026 and towards the drawn zone's offset changes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from scheduler import outcomes, testing
from scheduler.outcomes import OutcomeSource

DAY_SECONDS = 86_400
# The project's property tests draw zones and instants as users' tests do.
zones = testing.zones
instants = testing.instants


@dataclass(frozen=True)
class Case:
    """One drawn campaign body, the instant it starts from, and how each call ends."""

    body: dict[str, Any]
    now: datetime
    scripts: dict[str, list[tuple[str, int]]]
    default: tuple[str, int]

    def source(self) -> OutcomeSource:
        """A fresh outcome source for the case."""
        return outcomes.scripted(self.scripts, default=outcomes.always(*self.default))


def wake_at(wakeup: datetime | None, ends: Iterable[datetime]) -> datetime | None:
    """When a host wakes next: the earlier of ``next_wakeup()`` and the first end of a call
    it placed; None when neither is left."""
    return min((t for t in (wakeup, min(ends, default=None)) if t is not None), default=None)


def ended_by(
    in_progress: dict[str, tuple[datetime, str]], t: datetime
) -> list[tuple[str, datetime, str]]:
    """The calls of ``in_progress`` (id -> end, outcome) that ended by ``t``, taken out of it:
    ``(id, end, outcome)`` in end order, as a host records them when it wakes at ``t``."""
    ended = [
        (attempt_id, end, outcome)
        for attempt_id, (end, outcome) in sorted(in_progress.items(), key=lambda kv: kv[1][0])
        if end <= t
    ]
    for attempt_id, _, _ in ended:
        del in_progress[attempt_id]
    return ended
