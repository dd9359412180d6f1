"""Outcomes and the retry policy: whether a customer is called again, and from when.

A retry is due only when the outcome is one of the
campaign's ``retryConditions`` and attempts remain. ``fixed`` counts
``retryDelaySeconds`` of real time from the end of the call; ``next_day``
waits for the first window of a later local day, and at least the delay.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from scheduler.spec import OUTCOMES, Campaign
from scheduler.windows import Calendar

__all__ = ["OUTCOME_SET", "Finish", "RetryPolicy", "UnknownOutcome", "check_outcome"]

OUTCOME_SET = frozenset(OUTCOMES)


class UnknownOutcome(ValueError):
    """An outcome outside the vocabulary (spelling is exact: ``No Answer``, ``voicemail``)."""


def check_outcome(outcome: object, where: str = "outcome") -> str:
    """Return ``outcome`` if it is in the vocabulary, else raise ``UnknownOutcome``."""
    if not isinstance(outcome, str) or outcome not in OUTCOME_SET:
        hint = ""
        if isinstance(outcome, str):
            folded = {o.casefold().replace("-", " "): o for o in OUTCOMES}
            match = folded.get(outcome.casefold().replace("-", " ").replace("_", " ").strip())
            close = difflib.get_close_matches(outcome, OUTCOMES, n=1, cutoff=0.7)
            if match or close:
                hint = f" (did you mean {(match or close[0])!r}? spelling is exact)"
        raise UnknownOutcome(
            f"{where}: unknown outcome {outcome!r}{hint}; allowed: {', '.join(OUTCOMES)}"
        )
    return outcome


class Finish(Enum):
    """How a customer ends when the retry rule gives no next attempt."""

    DONE = "done"  #: success, or an outcome that is not retried
    EXHAUSTED = "exhausted"  #: every retry used
    NO_LATER_DAY = "no later day"  #: next_day finds no later day with a window


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """A campaign's retry rule: how many retries, after which outcomes, after what delay."""

    retries: int
    delay: int
    next_day: bool
    conditions: frozenset[str]

    @classmethod
    def of(cls, campaign: Campaign) -> RetryPolicy:
        """The retry policy a campaign spec describes."""
        return cls(
            retries=campaign.call_retries,
            delay=campaign.retry_delay_seconds,
            next_day=campaign.retry_delay_mode == "next_day",
            conditions=frozenset(campaign.retry_conditions),
        )

    @property
    def attempts(self) -> int:
        """Attempts per customer at most: the first call and every retry."""
        return 1 + self.retries

    def after(
        self, calendar: Calendar, outcome: str, number: int, start: int, end: int
    ) -> int | Finish:
        """What follows attempt ``number``, which ran over ``[start, end)`` to ``outcome``:
        the epoch second from which the next attempt is due, or how the customer ends."""
        return self.rule()(calendar, outcome, number, start, end)

    def rule(self) -> Callable[[Calendar, str, int, int, int], int | Finish]:
        """``after`` as a plain function bound to this policy, for loops that ask it per call."""
        conditions, retries, delay, next_day = (
            self.conditions,
            self.retries,
            self.delay,
            self.next_day,
        )

        def after(
            calendar: Calendar, outcome: str, number: int, start: int, end: int
        ) -> int | Finish:
            if outcome not in conditions:
                return Finish.DONE
            if number > retries:
                return Finish.EXHAUSTED
            due = end + delay
            if not next_day:
                return due
            day = calendar.window_day_ts(start)
            if day is None:  # only a call started outside every window, which no dialer does
                day = calendar.local_day(start)
            opening = calendar.first_open_after_day(day)
            if opening is None:
                return Finish.NO_LATER_DAY
            return max(due, opening)

        return after
