"""The dialer: pacing and concurrency, who starts when, on each customer's calendar.

One ``Dialer`` holds the lines and the queue of a campaign. It answers one
question, ``take()``: the earliest instant at which the next call may start
(a line free, the pacing interval passed, some attempt due, and that instant
callable for the attempt's customer), and the attempt that goes then: due
retries before first attempts, then the earlier due time, then customer
order. ``next_start()`` asks without taking.

Customers may live on different calendars (their own zones and rules). The
queue is kept per calendar, a *group*: within a group every customer is
callable at the same instants, so the group's earliest callable instant is
its calendar's next opening after its earliest due attempt. Across groups
the earliest such instant wins, and among the groups callable then the order
above picks. With one group this is exactly the one-calendar rule.

``plan`` and ``Engine`` drive it through one ``Run``, so the preview and the
live campaign agree by construction.
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Callable, Container, Iterable, Mapping, Sequence
from enum import Enum, IntEnum
from functools import partial
from itertools import repeat
from typing import Any, Final, Protocol

from scheduler.windows import Calendar

__all__ = ["WHYS", "Dialer", "Start", "Wait", "Why"]


class Why(IntEnum):
    """The constraint that set a call's start instant."""

    NOW = 0  #: as soon as the plan or the engine began
    DUE = 1  #: the moment the attempt became due
    WINDOW = 2  #: the opening of a window
    PACE = 3  #: callIntervalSeconds after the previous start
    LINE = 4  #: the moment a line came free
    QUEUE = 5  #: on another line, at the same instant as the previous start


class Wait(Enum):
    """Why ``take()`` starts no call."""

    IDLE = "nothing is queued"
    CLOSED = "queued attempts, but no window is left for them"
    BLOCKED = "every line is busy with calls whose end is not known yet"
    LATER = "the next call starts after the instant asked about"


#: ``(instant, why, due, customer, number)`` of a call that starts: plain ints, for the hot loop.
Start = tuple[int, int, int, int, int]

#: A group in the dialer's heap of ready groups: ``(first?, due, customer, group, stamp)``,
#: the order key of its best attempt (retries, 0, before first attempts, 1), then the group
#: and the stamp of the queue it was ranked on. Flat, so the heap compares plain ints.
_Entry = tuple[int, int, int, int, int]

#: ``Why`` by its value: a lookup, not an Enum call, where it is asked per attempt.
WHYS: Final = tuple(Why)
_NOW: Final = int(Why.NOW)
_DUE: Final = int(Why.DUE)
_WINDOW: Final = int(Why.WINDOW)
_PACE: Final = int(Why.PACE)
_LINE: Final = int(Why.LINE)
_QUEUE: Final = int(Why.QUEUE)


def _opens_piece(calendar: Calendar, ts: int) -> bool:
    """Whether ``ts`` is where the window piece of ``calendar.next_open_ts(ts)`` begins:
    a start at the clock's instant that the window's opening explains."""
    found = calendar.next_open_piece_ts(ts)
    return found is not None and found[0] == found[1][0]


class _TakeOne(Protocol):
    def __call__(self, until: int | None, take: bool = True) -> Start | Wait: ...


class _Group:
    """The queue of the customers who share one calendar."""

    __slots__ = ("calendar", "firsts", "held", "late_firsts", "retries")

    def __init__(self, calendar: Calendar) -> None:
        self.calendar = calendar
        # First attempts (due, customer) in list order: due times never decrease along it.
        self.firsts: deque[tuple[int, int]] = deque()
        # Retries (due, customer, number), a heap.
        self.retries: list[tuple[int, int, int]] = []
        # Attempts a cap keeps back: (release, due, customer, number), a heap; at their
        # release they rejoin with their own due time (first attempts in late_firsts).
        self.held: list[tuple[int, int, int, int]] = []
        self.late_firsts: list[tuple[int, int]] = []

    def earliest_due(self, removed: set[int]) -> int | None:
        """The due time of the group's earliest queued attempt (a held one counts from its
        release), dropping opted-out heads."""
        firsts, retries = self.firsts, self.retries
        if removed:
            while firsts and firsts[0][1] in removed:
                firsts.popleft()
            while retries and retries[0][1] in removed:
                heapq.heappop(retries)
            if self.held or self.late_firsts:
                self.held = [row for row in self.held if row[2] not in removed]
                self.late_firsts = [row for row in self.late_firsts if row[1] not in removed]
                heapq.heapify(self.held)
                heapq.heapify(self.late_firsts)
        if self.held or self.late_firsts:
            due = firsts[0][0] if firsts else None
            for queue in (retries, self.late_firsts, self.held):
                if queue and (due is None or queue[0][0] < due):
                    due = queue[0][0]
            return due
        if firsts:
            due = firsts[0][0]
            return retries[0][0] if retries and retries[0][0] < due else due
        return retries[0][0] if retries else None

    def hold(self, release: int, due: int, customer: int, number: int) -> None:
        """Keep an attempt back until ``release``."""
        heapq.heappush(self.held, (release, due, customer, number))

    def _release(self, at: int) -> None:
        held = self.held
        while held and held[0][0] <= at:
            _, due, customer, number = heapq.heappop(held)
            if number == 1:
                heapq.heappush(self.late_firsts, (due, customer))
            else:
                heapq.heappush(self.retries, (due, customer, number))

    def _first(self) -> tuple[int, int]:
        firsts, late = self.firsts, self.late_firsts
        if late and (not firsts or late[0] < firsts[0]):
            return late[0]
        return firsts[0]

    def best_at(self, at: int) -> tuple[int, int, int]:
        """Order key ``(first?, due, customer)`` of the attempt that goes at ``at``."""
        if self.held:
            self._release(at)
        retries = self.retries
        if retries and retries[0][0] <= at:
            return (0, retries[0][0], retries[0][1])
        due, customer = self._first() if self.late_firsts else self.firsts[0]
        return (1, due, customer)

    def pop_at(self, at: int) -> tuple[int, int, int]:
        """Take the attempt that goes at ``at``: ``(due, customer, number)``."""
        if self.held:
            self._release(at)
        retries = self.retries
        if retries and retries[0][0] <= at:
            return heapq.heappop(retries)
        late = self.late_firsts
        if late and (not self.firsts or late[0] < self.firsts[0]):
            due, customer = heapq.heappop(late)
        else:
            due, customer = self.firsts.popleft()
        return due, customer, 1

    def clear(self) -> None:
        """Empty every queue of the group."""
        self.firsts.clear()
        self.retries.clear()
        self.held.clear()
        self.late_firsts.clear()

    def rows(self, group: int, removed: set[int]) -> list[tuple[int, int, int, int]]:
        """Every queued attempt ``(due, customer, number, group)``, opted-out customers left out."""
        rows = [(due, c, 1, group) for due, c in (*self.firsts, *self.late_firsts)]
        rows += [(due, c, n, group) for due, c, n in self.retries]
        rows += [(due, c, n, group) for _, due, c, n in self.held]
        return [row for row in rows if row[1] not in removed]


class Dialer:
    """Lines, pacing and the queues of attempts, in integer epoch seconds.

    ``calendars[g]`` is the calendar of group ``g``; every queued attempt
    names its group. ``running`` is a heap of the end instants of calls in
    progress, and ``unknown`` counts calls whose end is not known yet (the
    live engine, before a result is recorded).
    """

    __slots__ = (
        "_changed",
        "_groups",
        "_horizon",
        "_pieces",
        "_rank",
        "_ready",
        "_single",
        "_stamps",
        "_take_one",
        "_waiting",
        "clock",
        "closing",
        "gate",
        "gated",
        "interval",
        "last_start",
        "lines",
        "removed",
        "running",
        "unknown",
    )

    def __init__(
        self, calendars: Sequence[Calendar], lines: int, interval: int, clock: int
    ) -> None:
        if not calendars:
            raise ValueError("a dialer needs at least one calendar")
        self._groups = [_Group(calendar) for calendar in calendars]
        self._single = len(self._groups) == 1
        # Across groups: a heap of (earliest callable instant, group, stamp); an entry
        # whose stamp is not the group's current one is stale. Groups whose queue
        # changed since the last answer are recomputed first.
        self._waiting: list[tuple[int, int, int]] = []
        self._ready: list[_Entry] = []
        # The latest instant a group was set aside from (moved to `waiting` at its next
        # opening after it): a search from an earlier instant must look at every group.
        self._horizon = clock
        # Each group's live entry in `ready`, or None when it has none.
        self._rank: list[_Entry | None] = [None] * len(self._groups)
        self._stamps = [0] * len(self._groups)
        # Per group, a window piece of its calendar that held an instant it was callable
        # at: the next starts mostly fall in it too. Kept here, not in the calendar's own
        # hint, which any other question to the calendar moves (a retry due in another
        # window, another plan on the same calendar in another thread).
        self._pieces = [(0, 0)] * len(self._groups)
        self._changed: set[int] = set()
        #: ``gate(customer, at)``: the instant from which a cap lets ``customer`` be called
        #: again when it does not at ``at``, else None. None: no caps.
        self.gate: Callable[[int, int], int | None] | None = None
        #: The customers ``gate`` may keep back (those with a cap): the others are not asked,
        #: which spares a call per attempt. None: every customer is asked.
        self.gated: Container[int] | None = None
        #: Groups found to have no window left, whose queue ``take_closed`` has not emptied.
        self.closing: list[int] = []
        self.lines = lines
        self.interval = interval  # 0 in asap mode
        self.clock = clock
        self.last_start: int | None = None
        self.running: list[int] = []
        self.unknown = 0
        self.removed: set[int] = set()
        self._take_one = self._one_taker()

    def add_calendar(self, calendar: Calendar) -> int:
        """A new group for customers on ``calendar``; its index."""
        self._groups.append(_Group(calendar))
        self._stamps.append(0)
        self._rank.append(None)
        self._pieces.append((0, 0))
        if self._single:
            self._single = False
            self._changed.update(range(len(self._groups)))
        self._changed.add(len(self._groups) - 1)
        return len(self._groups) - 1

    # -- the queue --------------------------------------------------------------

    def add_first(self, due: int, customer: int, group: int = 0) -> None:
        """Queue a customer's first attempt, due from ``due``, after those already queued."""
        self._groups[group].firsts.append((due, customer))
        if not self._single:
            self._changed.add(group)

    def add_firsts(self, due: int, customers: Iterable[int], group: int = 0) -> None:
        """Queue the first attempts of ``customers``, in that order, all due from ``due``."""
        self._groups[group].firsts.extend(zip(repeat(due), customers))
        if not self._single:
            self._changed.add(group)

    def add_retry(self, due: int, customer: int, number: int, group: int = 0) -> None:
        """Queue attempt ``number`` of ``customer``, due from ``due``."""
        retries = self._groups[group].retries
        heapq.heappush(retries, (due, customer, number))
        if self._single:
            return
        if due <= self.clock:
            self._changed.add(group)
        elif retries[0][0] == due:
            # Due later, and the group's earliest retry: a group that waits may start as
            # early as `due`; a ready one keeps its place until then, when its rank may change.
            stamp = -1 if self._rank[group] is not None else self._stamps[group]
            heapq.heappush(self._waiting, (due, group, stamp))

    def remove(self, customer: int, group: int = 0) -> None:
        """Take a customer out of the queue for good (an opt-out)."""
        self.removed.add(customer)
        if not self._single:
            self._changed.add(group)

    def pending(self) -> list[tuple[int, int, int, int]]:
        """Every queued attempt ``(due, customer, number, group)``, in queue order: retries
        first, then by due time and customer order; opted-out customers left out."""
        rows = [row for g, group in enumerate(self._groups) for row in group.rows(g, self.removed)]
        rows.sort(key=lambda q: (q[2] == 1, q[0], q[1]))
        return rows

    def take_pending(self) -> list[tuple[int, int, int, int]]:
        """Empty the queue, returning what was in it (``pending()``)."""
        rows = self.pending()
        for group in self._groups:
            group.clear()
        self._waiting.clear()
        self._ready.clear()
        return rows

    def take_closed(self) -> list[tuple[int, int, int, int]]:
        """Empty the queues of the groups with no window left, returning what they held
        (``(due, customer, number, group)``, in queue order)."""
        rows: list[tuple[int, int, int, int]] = []
        for g in dict.fromkeys(self.closing):
            group = self._groups[g]
            rows += group.rows(g, self.removed)
            group.clear()
        self.closing.clear()
        rows.sort(key=lambda q: (q[2] == 1, q[0], q[1]))
        return rows

    # -- saved state ---------------------------------------------------------------

    def state_json(self) -> dict[str, Any]:
        """The dialer's state, JSON-ready: clock, lines and the queue in queue order."""
        return {
            "clock": self.clock,
            "lastStart": self.last_start,
            "firsts": [[due, c] for group in self._groups for due, c in group.firsts],
            "retries": [[due, c, n] for group in self._groups for due, c, n in group.retries],
            "lateFirsts": [[due, c] for group in self._groups for due, c in group.late_firsts],
            "held": [[r, due, c, n] for group in self._groups for r, due, c, n in group.held],
            "running": list(self.running),
            "unknown": self.unknown,
            "removed": sorted(self.removed),
        }

    def load_state(self, state: Mapping[str, Any], group_of: Sequence[int]) -> None:
        """Continue from ``state_json``; ``group_of[customer]`` is each customer's group."""
        self.clock = int(state["clock"])
        last_start = state["lastStart"]
        self.last_start = None if last_start is None else int(last_start)
        for group in self._groups:
            group.clear()
        for due, c in state["firsts"]:
            self.add_first(int(due), int(c), group_of[c])
        for due, c, n in state["retries"]:
            self.add_retry(int(due), int(c), int(n), group_of[c])
        for due, c in state.get("lateFirsts", ()):
            heapq.heappush(self._groups[group_of[c]].late_firsts, (int(due), int(c)))
            self._changed.add(group_of[c])
        for release, due, c, n in state.get("held", ()):
            self._groups[group_of[c]].hold(int(release), int(due), int(c), int(n))
            self._changed.add(group_of[c])
        self.running[:] = sorted(int(end) for end in state["running"])
        self.unknown = int(state["unknown"])
        self.removed = {int(c) for c in state["removed"]}
        for c in self.removed:
            if not self._single:
                self._changed.add(group_of[c])

    # -- lines --------------------------------------------------------------------

    def hold(self, end: int) -> None:
        """The call just started holds its line until ``end``."""
        heapq.heappush(self.running, end)

    def hold_unknown(self) -> None:
        """The call just started holds its line until its result is recorded."""
        self.unknown += 1

    def ended(self, end: int) -> None:
        """A call whose end was unknown has ended at ``end``."""
        self.unknown -= 1
        heapq.heappush(self.running, end)

    # -- the rule -----------------------------------------------------------------

    def next_start(self) -> tuple[int, Why] | Wait:
        """``(instant, why)`` of the next start, or why there is none yet; takes nothing."""
        if self._single and self.gate is None:
            one = self._take_one(None, take=False)
            return one if isinstance(one, Wait) else (one[0], WHYS[one[1]])
        found = self._next()
        if isinstance(found, Wait):
            return found
        return found[0], Why(found[1])

    def taker(self) -> Callable[[int | None], Start | Wait]:
        """``take`` itself, or its form for one calendar and no cap, or for several
        calendars: for loops that call it once per attempt."""
        if self._single:
            return self._take_one if self.gate is None else self.take
        return self._take_across

    def retry_heap(self) -> list[tuple[int, int, int]] | None:
        """With one calendar, its heap of retries ``(due, customer, number)``, which loops
        that queue a retry per attempt may push onto themselves (valid until a second
        calendar is added); None with several."""
        return self._groups[0].retries if self._single else None

    def holder(self) -> Callable[[int], None]:
        """``hold`` as a plain function, for loops that call it once per attempt."""
        return partial(heapq.heappush, self.running)

    def take(self, until: int | None = None) -> Start | Wait:
        """Start the next call: ``(instant, why, due, customer, number)``, or why none starts.

        The instant is the earliest that satisfies every constraint at once:
        not before the clock, a line free, the pacing interval passed since
        the previous start, some attempt due, and callable on that attempt's
        calendar. Each constraint only moves it later, so taking the latest
        of them and then the calendar's next opening gives the answer in one
        pass. ``Wait.LATER`` when it would start after ``until``. The call
        holds a line until ``hold``/``ended`` say when it ends.
        """
        if self._single and self.gate is None:
            return self._take_one(until)
        if not self._single:
            return self._take_across(until)
        return self._take_searched(until)

    def _take_searched(self, until: int | None) -> Start | Wait:
        """``take`` through the search of ``_next``, on one calendar or several."""
        found = self._next()
        if found.__class__ is Wait:
            return found
        at, why, g = found  # type: ignore[misc]
        if until is not None and at > until:
            return Wait.LATER
        if self._single:
            due, customer, number = self._groups[0].pop_at(at)
        else:
            due, customer, number = self._pop_best(g, at)
        self.clock = at
        self.last_start = at
        return at, why, due, customer, number

    def _pop_best(self, g: int, at: int) -> tuple[int, int, int]:
        """Take the attempt of group ``g`` that goes at ``at``, the best ready group (the top
        of `ready`), and put the group back where its next attempt waits, without waiting
        for the next take to find it changed: ``(due, customer, number)``."""
        group = self._groups[g]
        retries, ready = group.retries, self._ready
        stamp = self._stamps[g] = self._stamps[g] + 1
        took_retry = bool(retries) and retries[0][0] <= at
        due, customer, number = group.pop_at(at)
        following = group.earliest_due(self.removed)
        if following is not None and following <= at:
            first, due_at, best = group.best_at(at)
            rank = self._rank[g] = (first, due_at, best, g, stamp)
            heapq.heapreplace(ready, rank)
            if took_retry and first and retries:
                heapq.heappush(self._waiting, (retries[0][0], g, -1))
        else:
            heapq.heappop(ready)
            self._rank[g] = None
            if following is not None:
                heapq.heappush(self._waiting, (following, g, stamp))
        return due, customer, number

    def _take_across(self, until: int | None) -> Start | Wait:
        """``take`` across groups. The usual case is answered here without the search of
        ``_next``: nothing changed since the last take, no group waits to be ranked by the
        earliest instant lines and pacing allow, and the best ready group's calendar holds
        that instant. Any other goes to ``_take_searched``."""
        ready = self._ready
        if self._changed or self.removed or not ready:
            return self._take_searched(until)
        bound = self._lower_bound()
        if bound is None or bound[2]:
            return self._take_searched(until)  # no end known, or only an upper bound
        at, why, _ = bound
        if at < self._horizon:
            return self._take_searched(until)
        waiting = self._waiting
        if waiting and waiting[0][0] <= at:
            return self._take_searched(until)
        _, best_due, _, g, stamp = ready[0]
        stamps = self._stamps
        if stamp != stamps[g] or best_due > at:
            return self._take_searched(until)
        group = self._groups[g]
        calendar = group.calendar
        piece = self._pieces[g]
        if not piece[0] <= at < piece[1] and not self._find_piece(g, at):
            return self._take_searched(until)  # its window closed: `_next` sets it aside
        firsts, retries = group.firsts, group.retries
        simple = not group.held and not group.late_firsts
        if not simple:
            due = group.earliest_due(self.removed)
        elif firsts:
            due = firsts[0][0]
            if retries and retries[0][0] < due:
                due = retries[0][0]
        elif retries:
            due = retries[0][0]
        else:
            return self._take_searched(until)
        self._horizon = at
        # What set the instant, in the order of the constraints in `_candidate`.
        if due == at:
            why = _DUE
        elif why == _NOW and _opens_piece(calendar, at):
            why = _WINDOW
        gate = self.gate
        if gate is not None:
            if not simple:
                customer = group.best_at(at)[2]
            elif retries and retries[0][0] <= at:
                customer = retries[0][1]
            else:
                customer = firsts[0][1]
            gated = self.gated
            release = gate(customer, at) if gated is None or customer in gated else None
            if release is not None:
                # A cap keeps the attempt back: hold it, as `_next` does, and let it go on.
                due, customer, number = group.pop_at(at)
                group.hold(release, due, customer, number)
                self._changed.add(g)
                return self._take_searched(until)
        if until is not None and at > until:
            return Wait.LATER
        self.clock = at
        self.last_start = at
        if not simple:
            due, customer, number = self._pop_best(g, at)
            return at, why, due, customer, number
        # `_pop_best` for a group with only its list and its retries, written out: a plan
        # takes this way once per attempt.
        stamp = stamps[g] = stamp + 1
        took_retry = bool(retries) and retries[0][0] <= at
        if took_retry:
            due, customer, number = heapq.heappop(retries)
        else:
            due, customer = firsts.popleft()
            number = 1
        head = retries[0] if retries else None
        if head is not None and head[0] <= at:
            rank = self._rank[g] = (0, head[0], head[1], g, stamp)
            heapq.heapreplace(ready, rank)
        elif firsts and firsts[0][0] <= at:
            head_first = firsts[0]
            rank = self._rank[g] = (1, head_first[0], head_first[1], g, stamp)
            heapq.heapreplace(ready, rank)
            if took_retry and head is not None:
                heapq.heappush(waiting, (head[0], g, -1))
        else:
            heapq.heappop(ready)
            self._rank[g] = None
            following = firsts[0][0] if firsts else None
            if head is not None and (following is None or head[0] < following):
                following = head[0]
            if following is not None:
                heapq.heappush(waiting, (following, g, stamp))
        return at, why, due, customer, number

    def _one_taker(self) -> _TakeOne:
        """``take`` with a single calendar: the rule of ``_next`` written out in one piece,
        because a plan runs it once per attempt, with the dialer's fixed parts bound once.
        With ``take`` False it only looks: the answer's instant and why, nothing taken
        (its other three fields are 0)."""
        group = self._groups[0]
        firsts, retries, calendar = group.firsts, group.retries, group.calendar
        running, lines, interval = self.running, self.lines, self.interval
        next_open_piece_ts, popleft = calendar.next_open_piece_ts, firsts.popleft
        heappop = heapq.heappop
        idle, blocked, closed, later = Wait.IDLE, Wait.BLOCKED, Wait.CLOSED, Wait.LATER

        def take_one(until: int | None, take: bool = True) -> Start | Wait:
            if self.removed:
                group.earliest_due(self.removed)
            if not firsts and not retries:
                return idle
            at = self.clock
            last_start = self.last_start
            # Ties go to the constraint checked later: it is the one that explains the instant.
            why = _QUEUE if at == last_start else _NOW
            while running and running[0] <= at:
                heappop(running)
            unknown = self.unknown
            if len(running) + unknown >= lines:
                if not running:
                    return blocked
                at = running[0]
                why = _LINE
            if interval and last_start is not None:
                paced = last_start + interval
                if paced >= at:
                    at = paced
                    why = _PACE
            if firsts:
                due = firsts[0][0]
                if retries and retries[0][0] < due:
                    due = retries[0][0]
            else:
                due = retries[0][0]
            if due >= at:
                at = due
                why = _DUE
            hint = calendar.hint
            if hint[0] <= at < hint[1]:
                opening, piece_start = at, hint[0]
            else:
                found = next_open_piece_ts(at)
                if found is None:
                    # With every line busy and some ends unknown, a line may come free
                    # earlier: no window after `at` does not yet mean none is left.
                    if why != _DUE and unknown and len(running) + unknown >= lines:
                        return blocked
                    self.closing.append(0)
                    return closed
                opening, piece_start = found[0], found[1][0]
            if opening > at:
                at = opening
                why = _WINDOW
            elif why == _NOW and piece_start == at:
                why = _WINDOW  # the clock (a host's now) sits on the opening: it explains it
            if not take:
                return at, why, 0, 0, 0
            if until is not None and at > until:
                return later
            # Calls that ended by `at` leave `running` at the next take, which starts from `at`.
            if retries and retries[0][0] <= at:
                due, customer, number = heappop(retries)
            else:
                due, customer = popleft()
                number = 1
            self.clock = at
            self.last_start = at
            return at, why, due, customer, number

        return take_one

    def _next(self) -> tuple[int, int, int] | Wait:
        """``(instant, why, group)`` of the next start, or why none can be found.

        An attempt the gate (a cap) keeps back at that instant is held until the
        gate's release, and the search goes on without it.
        """
        gate = self.gate
        find = self._find if self._single else self._next_across
        while True:
            found = find()
            if gate is None or found.__class__ is Wait:
                return found
            at, _, g = found  # type: ignore[misc]
            group = self._groups[g]
            customer = group.best_at(at)[2]
            gated = self.gated
            release = gate(customer, at) if gated is None or customer in gated else None
            if release is None:
                return found
            due, customer, number = group.pop_at(at)
            group.hold(release, due, customer, number)
            if not self._single:
                self._changed.add(g)

    def _find(self) -> tuple[int, int, int] | Wait:
        """``_next`` before the gate."""
        if not self._single:
            return self._next_across()
        bound = self._lower_bound()
        if bound is None:
            return Wait.IDLE if self._empty() else Wait.BLOCKED
        return self._next_in_one(*bound)

    def _lower_bound(self) -> tuple[int, int, bool] | None:
        """The earliest instant lines and pacing allow, what set it, and whether it is only
        an upper bound (every line busy and some ends unknown); None when every line is
        busy with calls whose ends are all unknown."""
        at = self.clock
        last_start = self.last_start
        # Ties go to the constraint checked later: it is the one that explains the instant.
        why = _QUEUE if at == last_start else _NOW
        running = self.running
        while running and running[0] <= at:
            heapq.heappop(running)
        # With every line busy and some ends unknown, a line may come free
        # earlier than the first known end: that end is then only an upper
        # bound, good for a wake-up but not for declaring a calendar closed.
        uncertain = False
        if len(running) + self.unknown >= self.lines:
            if not running:
                return None
            at = running[0]
            why = _LINE
            uncertain = self.unknown > 0
        if self.interval and last_start is not None:
            paced = last_start + self.interval
            if paced >= at:
                at = paced
                why = _PACE
        return at, why, uncertain

    def _rank_ready(self, g: int, at: int, stamp: int) -> None:
        """Put group ``g`` among the ready ones, ranked by its best attempt at ``at``; a group
        ranked by a first attempt is ranked again when its first retry falls due."""
        group = self._groups[g]
        first, due, best = group.best_at(at)
        rank = self._rank[g] = (first, due, best, g, stamp)
        heapq.heappush(self._ready, rank)
        if first and group.retries:
            heapq.heappush(self._waiting, (group.retries[0][0], g, -1))

    def _find_piece(self, g: int, at: int) -> bool:
        """Whether ``at`` is inside a window of group ``g``'s calendar; if so, the window
        piece that holds it is kept as the group's (see ``_pieces``)."""
        found = self._groups[g].calendar.piece_ts(at)
        if found is None:
            return False
        self._pieces[g] = found
        return True

    def _empty(self) -> bool:
        removed = self.removed
        return all(group.earliest_due(removed) is None for group in self._groups)

    def _candidate(self, g: int, at: int, why: int, uncertain: bool) -> tuple[int, int] | Wait:
        """Group ``g``'s earliest callable instant from ``at`` on and its constraint; else
        ``Wait.IDLE`` (nothing queued), ``Wait.CLOSED`` (no window left) or ``Wait.BLOCKED``
        (no window left after ``at``, but ``at`` may be too late to say so)."""
        group = self._groups[g]
        due = group.earliest_due(self.removed)
        if due is None:
            return Wait.IDLE
        start, start_why = (due, _DUE) if due >= at else (at, why)
        found = group.calendar.next_open_piece_ts(start)
        if found is None:
            if uncertain and due < at:
                return Wait.BLOCKED
            self.closing.append(g)
            return Wait.CLOSED
        opening = found[0]
        if opening > start or (start_why == _NOW and found[1][0] == start):
            return opening, _WINDOW  # on a now that sits on the opening, the opening explains it
        return start, start_why

    def _next_in_one(self, at: int, why: int, uncertain: bool) -> tuple[int, int, int] | Wait:
        found = self._candidate(0, at, why, uncertain)
        if isinstance(found, Wait):
            return found
        return found[0], found[1], 0

    def _next_across(self) -> tuple[int, int, int] | Wait:
        """``_next`` across several groups."""
        # Groups wait in one of two heaps. `waiting` holds (instant, group, stamp): the
        # group's next callable instant with something due, exact while its queue is
        # unchanged (its stamp) and the instant is not before `at`, since `at` only
        # grows; or, with stamp -1, the instant its first retry falls due, when a group
        # ranked by a first attempt must be ranked again. `ready` holds the entries
        # (`_Entry`) of groups with something due by `at`, by the order of competing
        # attempts among their best attempts. The answer is the best ready group whose calendar
        # contains `at`; when none does, `at` moves to the first waiting instant. A take
        # touches only the groups it changes or passes, not every group.
        bound = self._lower_bound()
        if bound is None:
            return Wait.IDLE if self._empty() else Wait.BLOCKED
        base_at, base_why, uncertain = bound
        at = base_at
        groups, stamps, waiting, ready = self._groups, self._stamps, self._waiting, self._ready
        ranks, removed, pieces = self._rank, self.removed, self._pieces
        if base_at < self._horizon:
            # Groups were set aside from a later instant (a look ahead while a line's end
            # was unknown, then an earlier end): look at every group again from here.
            self._changed.update(range(len(groups)))
            waiting.clear()
            ready.clear()
        self._horizon = base_at
        doubtful: list[int] = []
        for g in self._changed:
            stamp = stamps[g] = stamps[g] + 1
            ranks[g] = None
            due = groups[g].earliest_due(removed)
            if due is not None:
                heapq.heappush(waiting, (due, g, stamp))  # ranked when `at` gets there
        self._changed.clear()
        while True:
            while waiting and waiting[0][0] <= at:
                _, g, stamp = heapq.heappop(waiting)
                group = groups[g]
                if stamp < 0:  # a retry fell due: rank again a group ranked by a first call
                    rank = ranks[g]
                    if rank is None or not rank[0] or group.best_at(at)[0]:
                        continue
                    stamp = stamps[g] = stamps[g] + 1
                elif stamp != stamps[g]:
                    continue
                self._rank_ready(g, at, stamp)
            while ready:
                _, due, _, g, stamp = ready[0]
                if stamp != stamps[g]:
                    heapq.heappop(ready)
                    continue
                if due > at:
                    # Ranked at a later instant by a search that did not start it (a peek,
                    # or a start after `until`): rank it again for now.
                    heapq.heappop(ready)
                    group = groups[g]
                    due = group.earliest_due(removed)
                    ranks[g] = None
                    if due is None:
                        continue
                    if due > at:
                        heapq.heappush(waiting, (due, g, stamp))
                        continue
                    self._rank_ready(g, at, stamp)
                    continue
                calendar = groups[g].calendar
                piece = pieces[g]
                if piece[0] <= at < piece[1] or self._find_piece(g, at):
                    # What set the instant, in the order of the constraints in `_candidate`.
                    if groups[g].earliest_due(removed) == at:
                        return at, _DUE, g
                    if at != base_at or (base_why == _NOW and _opens_piece(calendar, at)):
                        return at, _WINDOW, g
                    return at, base_why, g
                heapq.heappop(ready)
                ranks[g] = None
                if at > self._horizon:
                    self._horizon = at
                opening = calendar.next_open_ts(at)
                if opening is not None:
                    heapq.heappush(waiting, (opening, g, stamp))
                elif uncertain:
                    doubtful.append(g)  # closed only as seen from an instant that may be late
                else:
                    self.closing.append(g)
            while waiting and waiting[0][2] != stamps[waiting[0][1]]:
                if waiting[0][2] < 0 and ranks[waiting[0][1]] is not None:
                    break  # a live retry event
                heapq.heappop(waiting)
            if not waiting:
                self._changed.update(doubtful)
                if doubtful:
                    return Wait.BLOCKED
                queued = any(groups[g].earliest_due(removed) is not None for g in self.closing)
                return Wait.CLOSED if queued else Wait.IDLE
            at = waiting[0][0]
