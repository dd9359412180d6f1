"""One campaign's customers moving through their attempts: the customer lifecycle, once.

A ``Run`` holds the customers, their states, the dialer and the retry rule.
It answers three things: start the next attempt up to an instant
(``dialer.take``), a call ended: what follows (``finish``), and close: what
can never start (``close``). ``plan`` drives a run with an outcome source;
``Engine`` drives one with real results. Neither has a copy of these rules,
so the preview and the live campaign agree by construction.

Everything inside is integer epoch seconds and small integers; a run's state
goes to and from JSON (``state`` / ``Run.from_state``) in a few columns, so a
saved campaign grows with its customers, not with the calls made.
"""

from __future__ import annotations

import bisect
import heapq
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from enum import StrEnum
from importlib.metadata import version as package_version
from typing import Any

from scheduler.callee import Callee, callee, number_facts
from scheduler.dialer import Dialer
from scheduler.reasons import Clocks, Expired, ExpiryCause, ReasonContext
from scheduler.retry import Finish, RetryPolicy
from scheduler.rules import applies, holidays_for, rule_calendar
from scheduler.spec import OUTCOMES, Campaign
from scheduler.times import epoch_seconds, parse_instant
from scheduler.tz import TZDATA_VERSION, load_zone
from scheduler.windows import Calendar, Intersection

__all__ = ["DATA_VERSIONS", "OUTCOME_INDEX", "CustomerState", "LastCall", "Run"]

#: The versions of the data a plan depends on, recorded in every timeline.
DATA_VERSIONS = {
    "tzdata": TZDATA_VERSION,
    "phonenumbers": package_version("phonenumbers"),
    "holidays": package_version("holidays"),
}

#: Outcome -> small integer, the form outcomes take inside rows and saved state.
OUTCOME_INDEX = {outcome: i for i, outcome in enumerate(OUTCOMES)}


class CustomerState(StrEnum):
    """Where a customer is: waiting, being called, or finished and how."""

    PENDING = "pending"  #: first attempt queued
    IN_PROGRESS = "in progress"  #: a call handed out, its result not yet recorded
    RETRY = "retry scheduled"  #: a retry queued
    DONE = "done"  #: success, or an outcome that is not retried
    EXHAUSTED = "exhausted"  #: every attempt made
    EXPIRED = "expired"  #: an attempt that can never start
    REMOVED = "removed"  #: opted out
    CANCELLED = "cancelled"  #: the campaign was cancelled before the customer finished


_STATES = tuple(CustomerState)
_REMOVED, _RETRY = CustomerState.REMOVED, CustomerState.RETRY
_NO_LATER_DAY, _NO_WINDOW_LEFT = ExpiryCause.NO_LATER_DAY, ExpiryCause.NO_WINDOW_LEFT
_DONE, _EXHAUSTED = CustomerState.DONE, CustomerState.EXHAUSTED
_DONE_FINISH, _NO_LATER_DAY_FINISH = Finish.DONE, Finish.NO_LATER_DAY

#: The customer's last recorded call: ``(number, outcome, start, end, retry_at)``;
#: ``retry_at`` is the earliest instant of the retry it scheduled, or None.
LastCall = tuple[int, str, int, int, int | None]

#: Where a customer is placed: ``(calendar index, caps, callee)``; caps are
#: ``(rule name, calls, seconds)``.
_Placed = tuple[int, tuple[tuple[str, int, int], ...], Callee]


class Run:
    """The customers of one campaign and where each one is.

    ``calendars`` are the distinct calendars customers are called on (one,
    the campaign's, unless customers have their own clocks); ``calendar_of``
    maps a phone to its calendar's index (all 0 when not given).
    """

    __slots__ = (
        "_by_number",
        "_calendar_of_key",
        "_customer_of",
        "_expired",
        "_history",
        "_interval",
        "_lines",
        "_origin",
        "_own_clocks",
        "_placement",
        "calendars",
        "callees",
        "campaign",
        "cancelled",
        "cap_notes",
        "caps",
        "contexts",
        "dialer",
        "finish",
        "group",
        "index",
        "last",
        "number",
        "phones",
        "policy",
        "starts",
        "state",
        "warnings",
    )

    def __init__(
        self,
        campaign: Campaign,
        *,
        clock: int,
        history: Mapping[str, Iterable[datetime | str]] | None = None,
    ) -> None:
        self.campaign = campaign
        self.policy = RetryPolicy.of(campaign)
        interval = campaign.call_interval_seconds if campaign.scheduling_mode == "even" else 0
        lines = campaign.max_concurrency
        self._lines, self._interval = lines, interval
        self._origin = clock
        self.calendars: list[Calendar] = []
        self.contexts: list[ReasonContext] = []
        base = campaign.calendar()
        self._add_calendar(base, None)
        self.dialer = Dialer(self.calendars, lines, interval, clock)
        # Customers are called on their own clocks, under rules of their own, only when
        # the campaign says so; else everyone shares the campaign's calendar.
        self._own_clocks = campaign.uses_callee_rules
        self._customer_of = {c.phone_number: c for c in campaign.customers}
        self._calendar_of_key: dict[
            tuple[Calendar, tuple[Calendar, ...], tuple[Calendar, ...]], int
        ] = {}
        if self._own_clocks and not campaign.recipient_local_time:
            self._calendar_of_key[(base, (), ())] = 0
        # Customers with the same zones and region share a calendar and caps.
        self._placement: dict[
            tuple[tuple[str, ...], str | None], tuple[int, tuple[tuple[str, int, int], ...]]
        ] = {}
        # Customers placed by their number alone, by what the number tells (its zones and
        # region): numbers that tell the same are placed once, and share one Callee.
        self._by_number: dict[tuple[tuple[str, ...], str | None], _Placed] = {}
        #: Per customer: where they are (None when the campaign needs no such thing).
        self.callees: list[Callee | None] = []
        #: Per customer: the caps of the rules that apply, ``(rule name, calls, seconds)``.
        self.caps: list[tuple[tuple[str, int, int], ...]] = []
        #: Per capped customer: every call start so far (history first), sorted.
        self.starts: dict[int, list[int]] = {}
        self._history = _history_seconds(history)
        #: ``(customer, attempt number) -> (rule name, calls, seconds)``: the cap that held
        #: the attempt back, for its reason.
        self.cap_notes: dict[tuple[int, int], tuple[str, int, int]] = {}
        #: What a person should know about how customers were placed, one sentence each.
        self.warnings: list[str] = []
        self.phones: list[str] = []
        self.index: dict[str, int] = {}
        self.group: list[int] = []
        self.state: list[CustomerState] = []
        self.number: list[int] = []  # the last attempt number handed out
        self.last: list[LastCall | None] = []
        self._expired: list[tuple[int, int, int, ExpiryCause]] = []
        self.cancelled = False
        #: ``finish(customer, number, start, end, outcome)``: a call ended, queue what follows;
        #: the earliest instant of the retry, or None when the customer is finished.
        self.finish = self._finisher()

    # -- customers ------------------------------------------------------------------

    def calendar_index(self, phone: str) -> int:
        """The index of the calendar ``phone`` is called on; customers on the same clocks
        under the same rules share one (a million customers in a few zones make a few)."""
        if not self._own_clocks:
            return 0
        return self._placed(phone)[0]

    def _placed(self, phone: str) -> _Placed:
        """``(calendar index, caps, callee)`` of the customer with number ``phone``."""
        customer = self._customer_of.get(phone)
        if customer is None:
            facts = number_facts(phone)
            placed = self._by_number.get(facts)
            if placed is None:
                placed = self._by_number[facts] = self._placed_callee(
                    callee(phone, None, None, self.campaign.timezone)
                )
            return placed
        return self._placed_callee(
            callee(phone, customer.timezone, customer.region, self.campaign.timezone)
        )

    def _placed_callee(self, who: Callee) -> _Placed:
        placed = self._placement.get((who.zones, who.region))
        if placed is None:
            placed = self._placement[(who.zones, who.region)] = self._place(who)
        return placed[0], placed[1], who

    def _place(self, who: Callee) -> tuple[int, tuple[tuple[str, int, int], ...]]:
        """The calendar index and the caps of customers with ``who``'s zones and region."""
        campaign = self.campaign
        rules = tuple(rule for rule in campaign.calling_rules if applies(rule, who.region))
        if campaign.recipient_local_time:
            label = campaign.calendar(who.zones[0])
            same_day = tuple(campaign.calendar(zone) for zone in who.zones[1:])
        else:
            label, same_day = campaign.calendar(), ()
        filters = tuple(
            (rule, zone, found)
            for rule in rules
            for zone in who.zones
            if (found := rule_calendar(rule, zone, who.region)) is not None
        )
        key = (label, same_day, tuple(found for _, _, found in filters))
        index = self._calendar_of_key.get(key)
        if index is None:
            calendar = Intersection(label, same_day, key[2]) if same_day or filters else label
            index = self._add_calendar(
                calendar,
                Clocks(
                    who.zones,
                    campaign.recipient_local_time,
                    rules,
                    tuple(filters),
                    label,
                    same_day,
                ),
            )
            self._calendar_of_key[key] = index
        for rule in rules:
            if rule.holidays and holidays_for(rule, who.region) is None:
                self.warnings.append(
                    f"{rule.name}: no public holidays are known for region "
                    f"{who.region or 'unknown'} (of {', '.join(rule.regions) or 'any region'}); "
                    "its customers there may be called on holidays"
                )
        caps = tuple(
            (rule.name, rule.cap.calls, rule.cap.seconds) for rule in rules if rule.cap is not None
        )
        return index, caps

    def _add_calendar(self, calendar: Calendar, clocks: Clocks | None) -> int:
        zone = calendar.zone_key
        context = ReasonContext(
            load_zone(zone),
            self.policy,
            self._lines,
            self._interval,
            calendar,
            clocks,
            self.campaign,
            self._origin,
        )
        if not self.calendars:
            self.calendars.append(calendar)
            self.contexts.append(context)
            return 0
        self.calendars.append(calendar)
        self.contexts.append(context)
        single = len(self.calendars) == 2
        index = self.dialer.add_calendar(calendar)
        if single:
            self.finish = self._finisher()  # no longer one queue: bind to the dialer's rule
        return index

    def add(self, phones: Iterable[str], due: int) -> list[str]:
        """Queue the first attempt of each new number, due from ``due``; the numbers added."""
        index = self.index
        added = list(dict.fromkeys(phones))
        if index:
            added = [p for p in added if p not in index]
        first = len(self.phones)
        if not self._own_clocks:  # everyone on the campaign's calendar
            groups = [0] * len(added)
            self.callees += [None] * len(added)
            self.caps += [()] * len(added)
        else:
            groups = self._place_customers(first, added)
        if self.starts and self.dialer.gate is None:
            self.dialer.gate = self._gate
            # Every customer with a cap has a list of starts: only those can be held back.
            self.dialer.gated = self.starts
        index.update(zip(added, range(first, first + len(added)), strict=True))
        self.phones += added
        self.group += groups
        self.state += [CustomerState.PENDING] * len(added)
        self.number += [0] * len(added)
        self.last += [None] * len(added)
        if self._own_clocks:
            # Each group's customers in list order, one group at a time: the same queues
            # as adding them one by one.
            by_group: dict[int, list[int]] = {}
            for customer, group in enumerate(groups, first):
                members = by_group.get(group)
                if members is None:
                    by_group[group] = [customer]
                else:
                    members.append(customer)
            for group, members in by_group.items():
                self.dialer.add_firsts(due, members, group)
        else:
            self.dialer.add_firsts(due, range(first, first + len(added)))
        return added

    def _place_customers(self, first: int, phones: list[str]) -> list[int]:
        """Place new customers (``first`` onward) on their calendars; note their callees and
        caps; their groups."""
        placed_of, callees, caps_of = self._placed, self.callees, self.caps
        history, starts = self._history, self.starts
        groups: list[int] = []
        for customer, phone in enumerate(phones, first):
            group, caps, who = placed_of(phone)
            groups.append(group)
            callees.append(who)
            caps_of.append(caps)
            if caps:
                starts[customer] = sorted(history.get(phone, ()))
            if who.zone_source == "campaign":
                self.warnings.append(
                    f"{phone}: the number tells no time zone (toll-free, premium or "
                    f"unknown); called on the campaign's clock ({self.campaign.timezone}). "
                    "Give the customer a timezone to be sure"
                )
        return groups

    def remove(self, customer: int) -> None:
        """An opt-out: no further attempt, ever."""
        self.dialer.remove(customer, self.group[customer])
        self.state[customer] = CustomerState.REMOVED

    def cancel(self) -> None:
        """Nothing more starts; customers still waiting are cancelled."""
        for _, customer, _, _ in self.dialer.take_pending():
            if self.state[customer] in (CustomerState.PENDING, CustomerState.RETRY):
                self.state[customer] = CustomerState.CANCELLED
        self.cancelled = True

    # -- the lifecycle ------------------------------------------------------------------

    def started(self, customer: int, number: int) -> None:
        """Attempt ``number`` of ``customer`` was handed out and its result is awaited."""
        self.state[customer] = CustomerState.IN_PROGRESS
        self.number[customer] = number

    def _finisher(self) -> Callable[[int, int, int, int, str], int | None]:
        """The ``finish`` rule, bound once to the run's columns (a plan calls it per attempt)."""
        state, group_of, last, calendars = self.state, self.group, self.last, self.calendars
        policy = self.policy
        after, delay = policy.rule(), policy.delay
        expire = self._expire
        # One queue: push straight onto its heap; several: through the dialer's bookkeeping.
        one_queue = self.dialer.retry_heap()
        one_calendar = calendars[0] if one_queue is not None else None
        add_retry, heappush = self.dialer.add_retry, heapq.heappush
        starts = self.starts

        def finish(customer: int, number: int, start: int, end: int, outcome: str) -> int | None:
            """Attempt ``number`` ran over ``[start, end)`` to ``outcome``: queue what follows.

            Returns the earliest instant the retry may start (its due time moved
            into a window), or None when the customer is finished (see ``state``).
            """
            if starts and customer in starts:  # a capped customer: count the start
                bisect.insort(starts[customer], start)
            if state[customer] is _REMOVED:  # opted out while the call ran
                last[customer] = (number, outcome, start, end, None)
                return None
            calendar = one_calendar or calendars[group_of[customer]]
            follow = after(calendar, outcome, number, start, end)
            if follow.__class__ is not int:
                last[customer] = (number, outcome, start, end, None)
                if follow is _NO_LATER_DAY_FINISH:
                    expire(customer, number + 1, end + delay, _NO_LATER_DAY)
                else:  # by identity: an Enum's hash is a Python-level call
                    state[customer] = _DONE if follow is _DONE_FINISH else _EXHAUSTED
                return None
            due: int = follow
            if self.cancelled:
                last[customer] = (number, outcome, start, end, None)
                state[customer] = CustomerState.CANCELLED
                return None
            hint = calendar.hint
            opening = due if hint[0] <= due < hint[1] else calendar.next_open_ts(due)
            last[customer] = (number, outcome, start, end, opening)
            if opening is None:  # due after the last window: it can never start
                expire(customer, number + 1, due, _NO_WINDOW_LEFT)
                return None
            if one_queue is not None:
                heappush(one_queue, (due, customer, number + 1))
            else:
                add_retry(due, customer, number + 1, group_of[customer])
            state[customer] = _RETRY
            return opening

        return finish

    def _gate(self, customer: int, at: int) -> int | None:
        """When a cap does not let ``customer`` be called at ``at``: the instant from which
        every cap does (the latest release), else None."""
        caps = self.caps[customer]
        if not caps:
            return None
        starts = self.starts[customer]
        release = None
        holding = None
        for cap in caps:
            _, calls, seconds = cap
            # Starts in (at - seconds, at]; the oldest leaves the window at start + seconds.
            first = bisect.bisect_right(starts, at - seconds)
            count = bisect.bisect_right(starts, at) - first
            if count >= calls:
                free = starts[first + count - calls] + seconds
                if release is None or free > release:
                    release, holding = free, cap
        if holding is not None:
            # Remembered for the reason: the customer's next attempt was held by this cap.
            last = self.last[customer]
            self.cap_notes[(customer, 1 if last is None else last[0] + 1)] = holding
        return release

    def cap_holding(self, customer: int, number: int) -> tuple[str, int, int] | None:
        """The cap that held attempt ``number`` of ``customer`` back, as ``(rule name,
        calls, seconds)`` (the last one to, when several did), or None."""
        return self.cap_notes.get((customer, number))

    def close(self) -> None:
        """Expire every queued attempt whose calendar has no window left, in queue order."""
        for due, customer, number, _ in self.dialer.take_closed():
            self._expire(customer, number, due, ExpiryCause.NO_WINDOW_LEFT)

    def _expire(self, customer: int, number: int, due: int, cause: ExpiryCause) -> None:
        self._expired.append((customer, number, due, cause))
        self.state[customer] = CustomerState.EXPIRED

    # -- reading --------------------------------------------------------------------

    def context(self, customer: int) -> ReasonContext:
        """What the reason sentences of ``customer``'s attempts are built from."""
        return self.contexts[self.group[customer]]

    def expired(self) -> list[Expired]:
        """Every attempt that can never start, with its reason, in the order found."""
        rows = []
        for customer, number, due, cause in self._expired:
            last = self.last[customer]
            prev_outcome = None if last is None else last[1]
            prev_end = None if last is None else last[3]
            rows.append(
                self.context(customer).expired(
                    self.phones[customer], number, due, cause, prev_outcome, prev_end
                )
            )
        return rows

    # -- saved state ------------------------------------------------------------------

    def state_json(self) -> dict[str, Any]:
        """The run's state, JSON-ready, in columns of small integers."""
        return {
            "phones": list(self.phones),
            "state": [_STATES.index(s) for s in self.state],
            "number": list(self.number),
            "last": [
                None if last is None else [last[0], OUTCOME_INDEX[last[1]], *last[2:]]
                for last in self.last
            ],
            "expired": [[c, n, due, cause.name] for c, n, due, cause in self._expired],
            "cancelled": self.cancelled,
            "starts": {str(c): starts for c, starts in self.starts.items()},
            "capNotes": [[c, n, *cap] for (c, n), cap in self.cap_notes.items()],
            "history": self._history,
            "dialer": self.dialer.state_json(),
        }

    @classmethod
    def from_state(cls, campaign: Campaign, state: Mapping[str, Any]) -> Run:
        """The run ``state_json`` saved, under ``campaign``; ``ValueError`` if it is damaged."""
        dialer_state = state["dialer"]
        run = cls(campaign, clock=int(dialer_state["clock"]))
        # Starts other campaigns made, for customers added later: kept with the state.
        run._history = {
            str(phone): sorted(int(t) for t in starts)
            for phone, starts in state.get("history", {}).items()
        }
        phones = [str(p) for p in state["phones"]]
        if len(run.add(phones, 0)) != len(phones):  # placed on their calendars as before
            raise ValueError("a phone number is listed twice")
        run.state[:] = [_STATES[int(i)] for i in state["state"]]
        run.number[:] = [int(n) for n in state["number"]]
        run.last[:] = [
            None
            if row is None
            else (int(row[0]), OUTCOMES[int(row[1])], int(row[2]), int(row[3]), row[4])
            for row in state["last"]
        ]
        run._expired[:] = [
            (int(c), int(n), int(due), ExpiryCause[cause]) for c, n, due, cause in state["expired"]
        ]
        run.cancelled = bool(state["cancelled"])
        for customer, starts in state.get("starts", {}).items():
            run.starts[int(customer)] = sorted(int(t) for t in starts)
        for c, n, name, calls, seconds in state.get("capNotes", ()):
            run.cap_notes[(int(c), int(n))] = (str(name), int(calls), int(seconds))
        if not len(phones) == len(run.state) == len(run.number) == len(run.last):
            raise ValueError("the customer columns have different lengths")
        run.dialer.load_state(dialer_state, run.group)
        return run


def _history_seconds(
    history: Mapping[str, Iterable[datetime | str]] | None,
) -> dict[str, list[int]]:
    """``{phone: [start instants]}`` of calls made by other campaigns, in epoch seconds."""
    if history is None:
        return {}
    if not isinstance(history, Mapping):
        raise TypeError(f"history must map phone numbers to lists of call starts, got {history!r}")
    found: dict[str, list[int]] = {}
    for phone, starts in history.items():
        found[phone] = sorted(
            epoch_seconds(parse_instant(start, f"history[{phone!r}][{i}]"))
            for i, start in enumerate(starts)
        )
    return found
