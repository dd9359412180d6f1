"""The dialer: pacing and concurrency, who starts when (SEMANTICS.md section 4).

One ``Dialer`` holds the lines and the queue of a campaign. It answers one
question, ``take()``: the earliest instant at which the next call may start
(inside a window, a line free, the pacing interval passed, an attempt due),
and the attempt that goes then: due retries before first attempts, then the
earlier due time, then customer order. ``next_start()`` asks without taking.

``plan`` drives it with outcomes known in advance; ``Engine`` drives it with
real results as they arrive. Both go through these same methods, so the
preview and the live campaign agree by construction.
"""

from __future__ import annotations

import heapq
from collections import deque
from typing import Final

from scheduler.windows import Calendar

__all__ = [
    "BLOCKED",
    "CLOSED",
    "IDLE",
    "WHY_DUE",
    "WHY_LINE",
    "WHY_NOW",
    "WHY_PACE",
    "WHY_QUEUE",
    "WHY_WINDOW",
    "Dialer",
]

# What next_start() returns when no call can be placed yet.
IDLE: Final = -1  # nothing is queued
CLOSED: Final = -2  # queued attempts, but no window is left for them
BLOCKED: Final = -3  # every line busy with calls whose end is not yet known

# Why a call starts when it does: the constraint that set the instant.
WHY_NOW: Final = 0  # as soon as the plan or the engine began
WHY_DUE: Final = 1  # the moment the attempt became due
WHY_WINDOW: Final = 2  # the opening of a window
WHY_PACE: Final = 3  # callIntervalSeconds after the previous start
WHY_LINE: Final = 4  # the moment a line came free
WHY_QUEUE: Final = 5  # on another line, at the same instant as the previous start

_PEEK: Final = -(2**62)  # a limit before every instant: take() then only looks


class Dialer:
    """Lines, pacing and the queue of attempts, in integer epoch seconds.

    ``firsts`` holds first attempts ``(due, customer)`` in list order (their
    due times never decrease along the list); ``retries`` is a heap of
    ``(due, customer, number)``; ``running`` is a heap of the end instants of
    calls in progress, and ``unknown`` counts calls whose end is not known yet
    (the live engine, before a result is recorded).
    """

    __slots__ = (
        "calendar",
        "clock",
        "firsts",
        "interval",
        "last_start",
        "lines",
        "removed",
        "retries",
        "running",
        "unknown",
    )

    def __init__(self, calendar: Calendar, lines: int, interval: int, clock: int) -> None:
        self.calendar = calendar
        self.lines = lines
        self.interval = interval  # 0 in asap mode
        self.clock = clock
        self.last_start: int | None = None
        self.firsts: deque[tuple[int, int]] = deque()
        self.retries: list[tuple[int, int, int]] = []
        self.running: list[int] = []
        self.unknown = 0
        self.removed: set[int] = set()

    # -- the queue --------------------------------------------------------------

    def add_first(self, due: int, customer: int) -> None:
        """Queue a customer's first attempt, due from ``due``, after those already queued."""
        self.firsts.append((due, customer))

    def add_retry(self, due: int, customer: int, number: int) -> None:
        """Queue attempt ``number`` of ``customer``, due from ``due``."""
        heapq.heappush(self.retries, (due, customer, number))

    def remove(self, customer: int) -> None:
        """Take a customer out of the queue for good (an opt-out)."""
        self.removed.add(customer)

    def _drop_removed(self) -> None:
        removed = self.removed
        if not removed:
            return
        firsts, retries = self.firsts, self.retries
        while firsts and firsts[0][1] in removed:
            firsts.popleft()
        while retries and retries[0][1] in removed:
            heapq.heappop(retries)

    def pending(self) -> list[tuple[int, int, int]]:
        """Every queued attempt ``(due, customer, number)``, removed customers left out."""
        removed = self.removed
        queued = [(due, c, 1) for due, c in self.firsts if c not in removed]
        queued += [(due, c, n) for due, c, n in self.retries if c not in removed]
        return queued

    def take_pending(self) -> list[tuple[int, int, int]]:
        """Empty the queue, returning what was in it in queue order: retries first, then by due
        time and customer order."""
        rows = sorted(self.pending(), key=lambda q: (q[2] == 1, q[0], q[1]))
        self.firsts.clear()
        self.retries.clear()
        return rows

    # -- lines --------------------------------------------------------------------

    def ended(self, end: int) -> None:
        """A call whose end was unknown has ended at ``end``."""
        self.unknown -= 1
        heapq.heappush(self.running, end)

    # -- the rule -----------------------------------------------------------------

    def next_start(self) -> tuple[int, int]:
        """``(instant, why)`` of the next start, or ``(IDLE|CLOSED|BLOCKED, 0)``; takes nothing."""
        at, why, _, _, _ = self.take(_PEEK)
        return at, why

    def take(self, until: int | None = None) -> tuple[int, int, int, int, int]:
        """Start the next call: ``(instant, why, due, customer, number)``.

        The instant is the earliest that satisfies every constraint at once:
        not before the clock, a line free, the pacing interval passed since
        the previous start, some attempt due, and inside a window. Each
        constraint only moves it later, so taking the latest of them and then
        the next window opening gives the answer in one pass. The attempt
        that goes then is the best due one: due retries first, then the
        earlier due time, then customer order.

        Nothing is taken (``customer`` is -1) when no call can start
        (``instant`` is IDLE, CLOSED or BLOCKED) or when it would start after
        ``until``. The call holds a line until ``hold``/``ended`` say when it ends.
        """
        if self.removed:
            self._drop_removed()
        firsts, retries = self.firsts, self.retries
        if not firsts and not retries:
            return IDLE, 0, 0, -1, 0
        at = self.clock
        last_start = self.last_start
        # Ties go to the constraint checked later: it is the one that explains the instant.
        why = WHY_QUEUE if at == last_start else WHY_NOW
        running = self.running
        while running and running[0] <= at:
            heapq.heappop(running)
        # With every line busy and some ends unknown, a line may come free
        # earlier than the first known end: that end is then only an upper
        # bound, good for a wake-up but not for declaring the campaign closed.
        uncertain = False
        if len(running) + self.unknown >= self.lines:
            if not running:
                return BLOCKED, 0, 0, -1, 0
            at = running[0]
            why = WHY_LINE
            uncertain = self.unknown > 0
        if self.interval and last_start is not None:
            paced = last_start + self.interval
            if paced >= at:
                at = paced
                why = WHY_PACE
        due = firsts[0][0] if firsts else retries[0][0]
        if retries and retries[0][0] < due:
            due = retries[0][0]
        if due >= at:
            at = due
            why = WHY_DUE
        opening = self.calendar.next_open_ts(at)
        if opening is None:
            return (BLOCKED if uncertain else CLOSED), 0, 0, -1, 0
        if opening > at:
            at = opening
            why = WHY_WINDOW
        if until is not None and at > until:
            return at, why, 0, -1, 0
        while running and running[0] <= at:
            heapq.heappop(running)
        if retries and retries[0][0] <= at:
            due, customer, number = heapq.heappop(retries)
        else:
            due, customer = firsts.popleft()
            number = 1
        self.clock = at
        self.last_start = at
        return at, why, due, customer, number

    def hold(self, end: int) -> None:
        """The call just started holds its line until ``end``."""
        heapq.heappush(self.running, end)

    def hold_unknown(self) -> None:
        """The call just started holds its line until its result is recorded."""
        self.unknown += 1
