"""The dialer of the README's Semantics: who starts when, on one calendar or several.

Unless a test says otherwise group 0 calls New York and group 1 Los Angeles,
both 09:00-17:00 on weekdays. 2026-01-05 is a Monday; New York is on EST
(UTC-05:00), so its window is 14:00Z-22:00Z, and Los Angeles on PST
(UTC-08:00), so its window is 17:00Z-01:00Z. Takes are written as
``(start, why, due, customer, number)`` with instants in ISO text.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scheduler.dialer import Dialer, Start, Wait, Why
from scheduler.times import epoch_seconds, from_epoch, iso_utc
from scheduler.windows import Calendar, DayRule

H = 3600
DAY = 86_400
NINE_TO_FIVE: list[DayRule] = [(9 * H, 17 * H)] * 5 + [None, None]
NY, LA = "America/New_York", "America/Los_Angeles"

#: ``(due, customer, number, group)`` of an attempt to queue; number 1 is a first attempt.
Queued = tuple[str, int, int, int]
#: A take, readable: ``(start, why, due, customer, number)``.
Take = tuple[str, Why, str, int, int]


def ts(text: str) -> int:
    """Epoch seconds of an ISO 8601 instant such as ``2026-01-05T14:00:00Z``."""
    return epoch_seconds(datetime.fromisoformat(text))


def iso(seconds: int) -> str:
    return iso_utc(from_epoch(seconds))


def new_york(last_day: date | None = None) -> Calendar:
    return Calendar(NY, NINE_TO_FIVE, last_day=last_day)


def los_angeles() -> Calendar:
    return Calendar(LA, NINE_TO_FIVE)


def queue(dialer: Dialer, rows: list[Queued]) -> None:
    for due, customer, number, group in rows:
        if number == 1:
            dialer.add_first(ts(due), customer, group)
        else:
            dialer.add_retry(ts(due), customer, number, group)


def run(dialer: Dialer, lengths: list[int], limit: int = 50) -> tuple[list[Take], Wait]:
    """Take calls until the dialer waits; call ``i`` holds its line ``lengths[i]`` seconds
    (the last length repeats)."""
    takes: list[Take] = []
    while len(takes) < limit:
        got = dialer.take()
        if isinstance(got, Wait):
            return takes, got
        at, why, due, customer, number = got
        dialer.hold(at + lengths[min(len(takes), len(lengths) - 1)])
        takes.append((iso(at), Why(why), iso(due), customer, number))
    raise AssertionError(f"more than {limit} takes")


# -- one calendar -------------------------------------------------------------------

# (lines, interval, clock, queued, call lengths, takes)
OneCase = tuple[int, int, str, list[Queued], list[int], list[Take]]

MON_0700 = "2026-01-05T12:00:00Z"  # 07:00 EST
MON_0800 = "2026-01-05T13:00:00Z"
MON_0900 = "2026-01-05T14:00:00Z"

ONE_CALENDAR: list[OneCase] = [
    (1, 30, MON_0700, [(MON_0700, 0, 1, 0)], [60], [(MON_0900, Why.WINDOW, MON_0700, 0, 1)]),
    # Saturday: the first window is Monday's.
    (
        1,
        30,
        "2026-01-10T15:00:00Z",
        [("2026-01-10T15:00:00Z", 0, 1, 0)],
        [60],
        [("2026-01-12T14:00:00Z", Why.WINDOW, "2026-01-10T15:00:00Z", 0, 1)],
    ),
    (
        5,
        30,
        MON_0900,
        [(MON_0900, c, 1, 0) for c in range(3)],
        [10],
        [
            (MON_0900, Why.DUE, MON_0900, 0, 1),
            ("2026-01-05T14:00:30Z", Why.PACE, MON_0900, 1, 1),
            ("2026-01-05T14:01:00Z", Why.PACE, MON_0900, 2, 1),
        ],
    ),
    # Two lines, no pacing: the third call waits for the earlier of the two ends.
    (
        2,
        0,
        MON_0800,
        [(MON_0800, c, 1, 0) for c in range(4)],
        [300, 120, 600],
        [
            (MON_0900, Why.WINDOW, MON_0800, 0, 1),
            (MON_0900, Why.QUEUE, MON_0800, 1, 1),
            ("2026-01-05T14:02:00Z", Why.LINE, MON_0800, 2, 1),
            ("2026-01-05T14:05:00Z", Why.LINE, MON_0800, 3, 1),
        ],
    ),
    # asap on three lines: three calls at the opening, the fourth at the first end.
    (
        3,
        0,
        MON_0700,
        [(MON_0700, c, 1, 0) for c in range(4)],
        [45],
        [
            (MON_0900, Why.WINDOW, MON_0700, 0, 1),
            (MON_0900, Why.QUEUE, MON_0700, 1, 1),
            (MON_0900, Why.QUEUE, MON_0700, 2, 1),
            ("2026-01-05T14:00:45Z", Why.LINE, MON_0700, 3, 1),
        ],
    ),
    # Pacing longer than a call: pacing, not the line, sets the second start.
    (
        1,
        120,
        MON_0900,
        [(MON_0900, c, 1, 0) for c in range(2)],
        [60],
        [
            (MON_0900, Why.DUE, MON_0900, 0, 1),
            ("2026-01-05T14:02:00Z", Why.PACE, MON_0900, 1, 1),
        ],
    ),
    # A line free at the very instant pacing allows: pacing is checked later, so it explains.
    (
        1,
        60,
        MON_0900,
        [(MON_0900, c, 1, 0) for c in range(2)],
        [60],
        [
            (MON_0900, Why.DUE, MON_0900, 0, 1),
            ("2026-01-05T14:01:00Z", Why.PACE, MON_0900, 1, 1),
        ],
    ),
    # Everything due before the clock, plenty of lines: one instant, section 4's order.
    (
        10,
        0,
        MON_0900,
        [
            ("2026-01-05T13:00:00Z", 0, 1, 0),
            ("2026-01-05T13:00:00Z", 1, 1, 0),
            ("2026-01-05T13:30:00Z", 2, 1, 0),
            ("2026-01-05T13:50:00Z", 6, 2, 0),
            ("2026-01-05T13:40:00Z", 5, 3, 0),
            ("2026-01-05T13:50:00Z", 3, 2, 0),
        ],
        [30],
        [
            (MON_0900, Why.WINDOW, "2026-01-05T13:40:00Z", 5, 3),
            (MON_0900, Why.QUEUE, "2026-01-05T13:50:00Z", 3, 2),
            (MON_0900, Why.QUEUE, "2026-01-05T13:50:00Z", 6, 2),
            (MON_0900, Why.QUEUE, "2026-01-05T13:00:00Z", 0, 1),
            (MON_0900, Why.QUEUE, "2026-01-05T13:00:00Z", 1, 1),
            (MON_0900, Why.QUEUE, "2026-01-05T13:30:00Z", 2, 1),
        ],
    ),
    # A retry that is not due yet lets the first attempt go; it starts when due.
    (
        1,
        30,
        MON_0900,
        [(MON_0900, 0, 1, 0), ("2026-01-05T14:10:00Z", 1, 2, 0)],
        [20],
        [
            (MON_0900, Why.DUE, MON_0900, 0, 1),
            ("2026-01-05T14:10:00Z", Why.DUE, "2026-01-05T14:10:00Z", 1, 2),
        ],
    ),
    # A retry due 19:00 EST (after the close) waits for Tuesday's opening.
    (
        1,
        30,
        MON_0900,
        [("2026-01-06T00:00:30Z", 1, 2, 0)],
        [20],
        [("2026-01-06T14:00:00Z", Why.WINDOW, "2026-01-06T00:00:30Z", 1, 2)],
    ),
    # The last call of Monday runs past 17:00 EST: the next waits for Tuesday.
    (
        1,
        0,
        "2026-01-05T21:50:00Z",
        [("2026-01-05T21:50:00Z", c, 1, 0) for c in range(2)],
        [900],
        [
            ("2026-01-05T21:50:00Z", Why.DUE, "2026-01-05T21:50:00Z", 0, 1),
            ("2026-01-06T14:00:00Z", Why.WINDOW, "2026-01-05T21:50:00Z", 1, 1),
        ],
    ),
]


@pytest.mark.parametrize(
    ("lines", "interval", "clock", "queued", "lengths", "expected"),
    ONE_CALENDAR,
    ids=[
        "first_call_waits_for_the_opening",
        "saturday_waits_for_monday",
        "even_pacing_spaces_the_starts",
        "full_lines_wait_for_the_earliest_end",
        "asap_fills_every_line_at_the_opening",
        "pacing_longer_than_the_call",
        "line_free_when_pacing_allows",
        "retries_first_then_due_then_customer",
        "first_goes_while_the_retry_is_not_due",
        "retry_due_after_close_waits_for_next_day",
        "call_running_past_close_pushes_next_to_tuesday",
    ],
)
def test_one_calendar(
    lines: int,
    interval: int,
    clock: str,
    queued: list[Queued],
    lengths: list[int],
    expected: list[Take],
) -> None:
    dialer = Dialer([new_york()], lines, interval, ts(clock))
    queue(dialer, queued)
    first = dialer.next_start()
    assert first == (ts(expected[0][0]), expected[0][1])
    assert run(dialer, lengths) == (expected, Wait.IDLE)


def test_until_before_the_next_start_takes_nothing() -> None:
    dialer = Dialer([new_york()], 1, 30, ts(MON_0700))
    queue(dialer, [(MON_0700, 0, 1, 0)])
    assert dialer.take(ts(MON_0900) - 1) is Wait.LATER
    assert dialer.pending() == [(ts(MON_0700), 0, 1, 0)]
    assert (dialer.clock, dialer.last_start) == (ts(MON_0700), None)
    # ``until`` is inclusive: the call that starts at that very instant goes.
    assert dialer.take(ts(MON_0900)) == (ts(MON_0900), Why.WINDOW, ts(MON_0700), 0, 1)


def test_empty_queue_is_idle() -> None:
    dialer = Dialer([new_york()], 1, 30, ts(MON_0900))
    assert dialer.take() is Wait.IDLE
    assert dialer.next_start() is Wait.IDLE
    assert dialer.closing == []


FRI_1900, SAT_0000 = "2026-01-10T00:00:00Z", "2026-01-10T05:00:00Z"


@pytest.mark.parametrize(
    ("last_day", "first_due"),
    [(date(2026, 1, 2), "2026-01-05T13:00:00Z"), (date(2026, 1, 9), "2026-01-09T22:00:00Z")],
    ids=["last_day_already_past", "due_at_the_last_close"],
)
def test_no_window_left_is_closed_and_take_closed_empties_in_queue_order(
    last_day: date, first_due: str
) -> None:
    dialer = Dialer([new_york(last_day)], 5, 30, ts(MON_0900))
    queue(
        dialer,
        [
            (first_due, 1, 1, 0),
            (first_due, 4, 1, 0),
            (SAT_0000, 6, 1, 0),
            (SAT_0000, 2, 3, 0),
            (FRI_1900, 5, 2, 0),
            (SAT_0000, 3, 2, 0),
            (SAT_0000, 0, 2, 0),
        ],
    )
    assert dialer.next_start() is Wait.CLOSED
    assert dialer.take() is Wait.CLOSED
    assert set(dialer.closing) == {0}
    assert dialer.take_closed() == [
        (ts(FRI_1900), 5, 2, 0),
        (ts(SAT_0000), 0, 2, 0),
        (ts(SAT_0000), 2, 3, 0),
        (ts(SAT_0000), 3, 2, 0),
        (ts(first_due), 1, 1, 0),
        (ts(first_due), 4, 1, 0),
        (ts(SAT_0000), 6, 1, 0),
    ]
    assert dialer.closing == []
    assert dialer.take() is Wait.IDLE


# -- lines whose end is not known yet ---------------------------------------------------


def test_every_line_held_until_recorded_is_blocked_then_ended_frees_it() -> None:
    dialer = Dialer([new_york()], 2, 0, ts(MON_0900))
    queue(dialer, [(MON_0900, c, 1, 0) for c in range(3)])
    assert dialer.take() == (ts(MON_0900), Why.DUE, ts(MON_0900), 0, 1)
    dialer.hold_unknown()
    assert dialer.take() == (ts(MON_0900), Why.DUE, ts(MON_0900), 1, 1)
    dialer.hold_unknown()
    assert dialer.next_start() is Wait.BLOCKED
    assert dialer.take() is Wait.BLOCKED
    dialer.ended(ts("2026-01-05T14:02:30Z"))
    assert dialer.next_start() == (ts("2026-01-05T14:02:30Z"), Why.LINE)
    assert dialer.take() == (ts("2026-01-05T14:02:30Z"), Why.LINE, ts(MON_0900), 2, 1)


def test_every_line_held_with_nothing_queued_is_idle() -> None:
    dialer = Dialer([new_york()], 1, 0, ts(MON_0900))
    queue(dialer, [(MON_0900, 0, 1, 0)])
    assert dialer.take() == (ts(MON_0900), Why.DUE, ts(MON_0900), 0, 1)
    dialer.hold_unknown()
    assert dialer.take() is Wait.IDLE


def test_ended_before_the_clock_leaves_the_line_free() -> None:
    dialer = Dialer([new_york()], 1, 0, ts(MON_0900))
    queue(dialer, [(MON_0900, 0, 1, 0), (MON_0900, 1, 1, 0)])
    assert dialer.take() == (ts(MON_0900), Why.DUE, ts(MON_0900), 0, 1)
    dialer.hold_unknown()
    dialer.clock = ts("2026-01-05T14:05:00Z")  # the engine's clock moved on meanwhile
    dialer.ended(ts("2026-01-05T14:01:00Z"))
    assert dialer.take() == (ts("2026-01-05T14:05:00Z"), Why.NOW, ts(MON_0900), 1, 1)


# -- opt-outs and saved state ----------------------------------------------------------

# Group of each customer: all on New York, or customers 1, 3 and 4 on Los Angeles.
ONE_GROUP, TWO_GROUPS = [0] * 6, [0, 1, 0, 1, 1, 0]


def dialer_for(group_of: list[int], lines: int, interval: int, clock: str) -> Dialer:
    calendars = [new_york()] if max(group_of) == 0 else [new_york(), los_angeles()]
    return Dialer(calendars, lines, interval, ts(clock))


@pytest.mark.parametrize("group_of", [ONE_GROUP, TWO_GROUPS], ids=["one_calendar", "two_calendars"])
def test_removed_customers_are_skipped(group_of: list[int]) -> None:
    dialer = dialer_for(group_of, 1, 60, MON_0700)
    queue(dialer, [(MON_0700, c, 1, group_of[c]) for c in range(4)])
    queue(dialer, [(MON_0800, 5, 2, group_of[5]), (MON_0800, 4, 3, group_of[4])])
    for c in (0, 3, 5):
        dialer.remove(c, group_of[c])
    assert dialer.pending() == [
        (ts(MON_0800), 4, 3, group_of[4]),
        (ts(MON_0700), 1, 1, group_of[1]),
        (ts(MON_0700), 2, 1, group_of[2]),
    ]
    takes, wait = run(dialer, [30])
    assert wait is Wait.IDLE
    assert dialer.pending() == []
    if group_of == ONE_GROUP:
        assert takes == [
            (MON_0900, Why.WINDOW, MON_0800, 4, 3),
            ("2026-01-05T14:01:00Z", Why.PACE, MON_0700, 1, 1),
            ("2026-01-05T14:02:00Z", Why.PACE, MON_0700, 2, 1),
        ]
    else:  # customers 1 and 4 wait for Los Angeles' opening at 17:00Z
        assert takes == [
            (MON_0900, Why.WINDOW, MON_0700, 2, 1),
            ("2026-01-05T17:00:00Z", Why.WINDOW, MON_0800, 4, 3),
            ("2026-01-05T17:01:00Z", Why.PACE, MON_0700, 1, 1),
        ]


@pytest.mark.parametrize("group_of", [ONE_GROUP, TWO_GROUPS], ids=["one_calendar", "two_calendars"])
def test_saved_state_continues_with_identical_takes(group_of: list[int]) -> None:
    dialer = dialer_for(group_of, 2, 30, MON_0700)
    queue(dialer, [(MON_0700, c, 1, group_of[c]) for c in range(5)])
    queue(dialer, [(MON_0800, 5, 2, group_of[5])])
    dialer.remove(3, group_of[3])
    first = dialer.take()
    assert not isinstance(first, Wait)
    dialer.hold(first[0] + 300)
    second = dialer.take()
    assert not isinstance(second, Wait)
    dialer.hold_unknown()

    state = json.loads(json.dumps(dialer.state_json()))
    restored = dialer_for(group_of, 2, 30, "2020-01-01T00:00:00Z")
    restored.load_state(state, group_of)
    assert restored.state_json() == dialer.state_json()
    assert restored.pending() == dialer.pending()

    for d in (dialer, restored):
        d.ended(second[0] + 200)
    original = run(dialer, [90, 400, 30])
    assert run(restored, [90, 400, 30]) == original
    # The first two calls went at 09:00 EST (the retry first, then customer 0); the
    # rest follows on the restored dialer exactly as on the original.
    assert (iso(first[0]), first[3:], iso(second[0])) == (MON_0900, (5, 2), "2026-01-05T14:00:30Z")
    assert len(original[0]) == 3
    assert {c for _, _, _, c, _ in original[0]} | {first[3], second[3]} == {0, 1, 2, 4, 5}


# -- several calendars ----------------------------------------------------------------


def test_group_that_opens_later_waits_while_the_other_goes() -> None:
    # Customer 0 (Los Angeles) is ahead in the list, but New York opens three hours earlier.
    dialer = Dialer([new_york(), los_angeles()], 1, 30, ts(MON_0800))
    queue(dialer, [(MON_0800, 0, 1, 1), (MON_0800, 1, 1, 0)])
    assert dialer.next_start() == (ts(MON_0900), Why.WINDOW)
    assert run(dialer, [60]) == (
        [
            (MON_0900, Why.WINDOW, MON_0800, 1, 1),
            ("2026-01-05T17:00:00Z", Why.WINDOW, MON_0800, 0, 1),
        ],
        Wait.IDLE,
    )


LA_0900 = "2026-01-05T17:00:00Z"  # 12:00 EST: both groups callable

ACROSS_GROUPS: list[tuple[list[Queued], list[tuple[int, int]]]] = [
    # A retry in one group goes before a first attempt, due earlier, in the other.
    ([("2026-01-05T15:00:00Z", 0, 1, 0), ("2026-01-05T16:30:00Z", 1, 2, 1)], [(1, 2), (0, 1)]),
    ([("2026-01-05T15:00:00Z", 1, 1, 1), ("2026-01-05T16:30:00Z", 0, 2, 0)], [(0, 2), (1, 1)]),
    # First attempts: the earlier due one, whatever its group or place in the list.
    ([("2026-01-05T16:00:00Z", 0, 1, 0), ("2026-01-05T15:00:00Z", 1, 1, 1)], [(1, 1), (0, 1)]),
    # Retries: the earlier due one.
    ([("2026-01-05T16:00:00Z", 0, 3, 0), ("2026-01-05T15:00:00Z", 1, 2, 1)], [(1, 2), (0, 3)]),
    # Same due: customer order, across groups.
    (
        [
            ("2026-01-05T16:00:00Z", 1, 1, 0),
            ("2026-01-05T16:00:00Z", 0, 1, 1),
            ("2026-01-05T16:30:00Z", 3, 2, 0),
            ("2026-01-05T16:30:00Z", 2, 2, 1),
        ],
        [(2, 2), (3, 2), (0, 1), (1, 1)],
    ),
]


@pytest.mark.parametrize(
    ("queued", "order"),
    ACROSS_GROUPS,
    ids=[
        "retry_before_first_in_the_other_group",
        "retry_before_first_in_the_other_group_reversed",
        "earlier_due_first_across_groups",
        "earlier_due_retry_across_groups",
        "customer_order_across_groups",
    ],
)
def test_order_across_groups_callable_at_the_same_instant(
    queued: list[Queued], order: list[tuple[int, int]]
) -> None:
    dialer = Dialer([new_york(), los_angeles()], 10, 0, ts(LA_0900))
    queue(dialer, queued)
    due_of = {(c, n): due for due, c, n, _ in queued}
    group_of = {(c, n): g for _, c, n, g in queued}
    # 09:00 in Los Angeles opens its window (group 1); in New York it is noon, mid-window.
    first = Why.WINDOW if group_of[order[0]] == 1 else Why.NOW
    whys = [first] + [Why.QUEUE] * (len(order) - 1)
    expected = [(LA_0900, why, due_of[c, n], c, n) for why, (c, n) in zip(whys, order, strict=True)]
    assert run(dialer, [60]) == (expected, Wait.IDLE)


@pytest.mark.parametrize("gated", [None, {1}], ids=["every_customer_asked", "capped_only"])
def test_a_gate_holds_its_customer_back_while_the_others_go(gated: set[int] | None) -> None:
    # Customer 1 (New York) is capped until 09:30 EST; customers 0 and 2 are not. Whether the
    # gate is asked about every customer or only the capped one, the same calls start.
    asked: list[int] = []

    def gate(customer: int, at: int) -> int | None:
        asked.append(customer)
        release = ts("2026-01-05T14:30:00Z")
        return release if customer == 1 and at < release else None

    dialer = Dialer([new_york(), los_angeles()], 1, 0, ts(MON_0900))
    dialer.gate = gate
    dialer.gated = gated
    queue(dialer, [(MON_0900, 0, 1, 0), (MON_0900, 1, 1, 0), (MON_0900, 2, 1, 1)])
    assert run(dialer, [60]) == (
        [
            (MON_0900, Why.DUE, MON_0900, 0, 1),
            ("2026-01-05T14:30:00Z", Why.WINDOW, MON_0900, 1, 1),  # at its release
            (LA_0900, Why.WINDOW, MON_0900, 2, 1),
        ],
        Wait.IDLE,
    )
    assert set(asked) == ({0, 1, 2} if gated is None else {1})


def test_group_with_no_window_left_closes_while_the_other_goes_on() -> None:
    dialer = Dialer([new_york(date(2026, 1, 2)), los_angeles()], 1, 30, ts(MON_0800))
    queue(dialer, [(MON_0800, 0, 1, 0), (MON_0800, 1, 1, 1), ("2026-01-05T12:30:00Z", 2, 2, 0)])
    assert dialer.take() == (ts(LA_0900), Why.WINDOW, ts(MON_0800), 1, 1)
    assert set(dialer.closing) == {0}
    dialer.hold(ts(LA_0900) + 60)
    assert dialer.take() is Wait.CLOSED
    assert dialer.take_closed() == [
        (ts("2026-01-05T12:30:00Z"), 2, 2, 0),
        (ts(MON_0800), 0, 1, 0),
    ]
    assert (dialer.closing, dialer.take()) == ([], Wait.IDLE)


def test_two_groups_wait_for_a_line_of_unknown_end_like_one() -> None:
    dialer = Dialer([new_york(), los_angeles()], 1, 0, ts(LA_0900))
    queue(dialer, [(LA_0900, 0, 1, 0), (LA_0900, 1, 1, 1)])
    assert dialer.take() == (ts(LA_0900), Why.DUE, ts(LA_0900), 0, 1)
    dialer.hold_unknown()
    assert dialer.take() is Wait.BLOCKED
    dialer.ended(ts("2026-01-05T17:04:00Z"))
    assert dialer.take() == (ts("2026-01-05T17:04:00Z"), Why.LINE, ts(LA_0900), 1, 1)


# -- looking ahead, and ends learnt late -------------------------------------------------


def one_or_two(groups: int) -> list[Calendar]:
    """New York alone, or New York beside Los Angeles: the queue is all on New York."""
    return [new_york()] if groups == 1 else [new_york(), los_angeles()]


@pytest.mark.parametrize("groups", [1, 2], ids=["one_calendar", "two_calendars"])
def test_asking_twice_gives_the_same_next_start(groups: int) -> None:
    dialer = Dialer(one_or_two(groups), 1, 0, ts(MON_0900))
    queue(dialer, [("2026-01-05T14:10:00Z", 0, 2, 0), ("2026-01-05T14:20:00Z", 1, 1, 0)])
    assert dialer.next_start() == (ts("2026-01-05T14:10:00Z"), Why.DUE)
    assert dialer.next_start() == (ts("2026-01-05T14:10:00Z"), Why.DUE)
    assert run(dialer, [60]) == (
        [
            ("2026-01-05T14:10:00Z", Why.DUE, "2026-01-05T14:10:00Z", 0, 2),
            ("2026-01-05T14:20:00Z", Why.DUE, "2026-01-05T14:20:00Z", 1, 1),
        ],
        Wait.IDLE,
    )


@pytest.mark.parametrize("groups", [1, 2], ids=["one_calendar", "two_calendars"])
def test_take_after_later_answers_starts_nothing_before_it_is_due(groups: int) -> None:
    # take(until) answering LATER looks ahead just as next_start does.
    dialer = Dialer(one_or_two(groups), 1, 0, ts(MON_0900))
    queue(dialer, [("2026-01-05T14:20:00Z", 0, 1, 0)])
    assert dialer.take(ts("2026-01-05T14:05:00Z")) is Wait.LATER
    assert dialer.take(ts("2026-01-05T14:10:00Z")) is Wait.LATER
    assert dialer.take() == (
        ts("2026-01-05T14:20:00Z"),
        Why.DUE,
        ts("2026-01-05T14:20:00Z"),
        0,
        1,
    )


@pytest.mark.parametrize("groups", [1, 2], ids=["one_calendar", "two_calendars"])
def test_an_earlier_recorded_end_brings_the_next_start_back(groups: int) -> None:
    # Two calls at 16:50 EST with ends unknown; one ends at 17:10 EST (after the close),
    # so the next start looks like Tuesday's opening, until the other ends at 16:55 EST:
    # then the retry due 16:58 EST goes at 16:58 EST, not at 16:55.
    dialer = Dialer(one_or_two(groups), 2, 0, ts("2026-01-05T21:50:00Z"))
    queue(
        dialer,
        [
            ("2026-01-05T21:50:00Z", 0, 1, 0),
            ("2026-01-05T21:50:00Z", 1, 1, 0),
            ("2026-01-05T21:58:00Z", 2, 2, 0),
        ],
    )
    for _ in range(2):
        assert not isinstance(dialer.take(), Wait)
        dialer.hold_unknown()
    dialer.ended(ts("2026-01-05T22:10:00Z"))
    assert dialer.next_start() == (ts("2026-01-06T14:00:00Z"), Why.WINDOW)
    dialer.ended(ts("2026-01-05T21:55:00Z"))
    assert dialer.next_start() == (ts("2026-01-05T21:58:00Z"), Why.DUE)
    assert dialer.take() == (
        ts("2026-01-05T21:58:00Z"),
        Why.DUE,
        ts("2026-01-05T21:58:00Z"),
        2,
        2,
    )


def test_an_earlier_recorded_end_lets_a_passed_over_group_back_in() -> None:
    # Customers 0 and 1 (Los Angeles) take both lines at 16:50 EST. One call ends at
    # 17:10 EST: from then New York is closed, so customer 2 (New York) waits for Tuesday
    # and customer 3 (Los Angeles) looks next. The other call then turns out to have ended
    # at 16:55 EST, when New York is still open: customer 2 goes first on the line freed
    # then, and customer 3 on the next line free, when customer 2's 60 s call ends.
    dialer = Dialer([new_york(), los_angeles()], 2, 0, ts("2026-01-05T21:50:00Z"))
    queue(dialer, [("2026-01-05T21:50:00Z", c, 1, g) for c, g in [(0, 1), (1, 1), (2, 0), (3, 1)]])
    for _ in range(2):
        assert not isinstance(dialer.take(), Wait)
        dialer.hold_unknown()
    dialer.ended(ts("2026-01-05T22:10:00Z"))
    assert dialer.next_start() == (ts("2026-01-05T22:10:00Z"), Why.LINE)
    dialer.ended(ts("2026-01-05T21:55:00Z"))
    assert run(dialer, [60]) == (
        [
            ("2026-01-05T21:55:00Z", Why.LINE, "2026-01-05T21:50:00Z", 2, 1),
            ("2026-01-05T21:56:00Z", Why.LINE, "2026-01-05T21:50:00Z", 3, 1),
        ],
        Wait.IDLE,
    )


@pytest.mark.parametrize(
    "groups",
    [
        1,
        2,
    ],
    ids=["one_calendar", "two_calendars"],
)
def test_closed_group_whose_queue_was_opted_out_is_idle(groups: int) -> None:
    # Customer 1 is on a New York calendar that ended last Friday; customer 0, with two
    # calendars, on Los Angeles.
    calendars = [new_york(date(2026, 1, 2))] + ([los_angeles()] if groups == 2 else [])
    dialer = Dialer(calendars, 1, 0, ts(MON_0800))
    queue(dialer, [(MON_0800, 0, 1, 1)] if groups == 2 else [])
    queue(dialer, [(MON_0800, 1, 1, 0)])
    first = dialer.take()
    assert first == (Wait.CLOSED if groups == 1 else (ts(LA_0900), Why.WINDOW, ts(MON_0800), 0, 1))
    assert dialer.closing == [0]
    dialer.remove(1, 0)
    assert dialer.take() is Wait.IDLE
    assert dialer.take_closed() == []


# -- properties: several calendars against a brute-force reference -------------------------

#: Zones with odd rules: negative DST (Dublin), half-hour DST (Lord Howe), +05:45
#: (Kathmandu), far east (Apia), transitions at midnight (Santiago).
ZONES = [
    "America/New_York",
    "America/Los_Angeles",
    "Europe/Dublin",
    "Australia/Lord_Howe",
    "Asia/Kathmandu",
    "Pacific/Apia",
    "America/Santiago",
    "UTC",
]
#: Instants near the offset changes of 2026 in those zones; the clock starts within days.
NEAR_CHANGES = [
    "2026-03-08T07:00:00Z",  # New York, Los Angeles (10:00Z) spring forward
    "2026-03-29T01:00:00Z",  # Dublin
    "2026-04-04T15:00:00Z",  # Lord Howe falls back half an hour
    "2026-04-05T03:00:00Z",  # Santiago falls back at midnight
    "2026-09-06T04:00:00Z",  # Santiago springs forward at midnight
    "2026-10-03T15:30:00Z",  # Lord Howe springs forward half an hour
    "2026-10-25T01:00:00Z",  # Dublin
    "2026-11-01T06:00:00Z",  # New York falls back
]
STEPS = 30
#: A customer's attempts stop at this number, so the queue empties.
LAST_NUMBER = 4

CalendarSpec = tuple[str, tuple[DayRule, ...], date | None, date | None]


@dataclass(frozen=True)
class Scenario:
    """Calendars, customers and how each call goes, drawn together."""

    calendars: list[CalendarSpec]
    group_of: list[int]
    first_dues: list[int]  # in customer order; never decreasing
    clock: int
    lines: int
    interval: int
    lengths: list[int]  # of the call taken at each step
    delays: list[int | None]  # the retry delay after each step's call, None for no retry
    removals: list[tuple[int, int]]  # (step, customer): an opt-out before that step's take
    peeks: list[bool]  # whether to look ahead (next_start, and take(until) just before) first

    def build(self) -> list[Calendar]:
        return [
            Calendar(zone, rules, first_day=first, last_day=last)
            for zone, rules, first, last in self.calendars
        ]


@st.composite
def day_rules(draw: st.DrawFn) -> DayRule:
    start = draw(st.integers(0, 23)) * H + draw(st.sampled_from([0, 0, 1800, 2700]))
    end = draw(st.integers(1, 24)) * H
    if end == start:
        end += 8 * H
    return (start, end if end > start else end + DAY)  # end before start: overnight


@st.composite
def calendar_specs(draw: st.DrawFn, today: date) -> CalendarSpec:
    rules = draw(
        st.lists(
            st.one_of(st.none(), st.just((0, DAY)), day_rules(), day_rules()),
            min_size=7,
            max_size=7,
        ).filter(lambda rules: any(rule is not None for rule in rules))
    )
    first = draw(st.one_of(st.none(), st.integers(-1, 2).map(lambda n: today + timedelta(n))))
    last = draw(st.one_of(st.none(), st.integers(0, 5).map(lambda n: today + timedelta(n))))
    return draw(st.sampled_from(ZONES)), tuple(rules), first, last


@st.composite
def scenarios(draw: st.DrawFn, max_calendars: int = 4) -> Scenario:
    clock = ts(draw(st.sampled_from(NEAR_CHANGES))) + draw(st.integers(-3 * DAY, DAY))
    today = from_epoch(clock).date()
    calendars = draw(st.lists(calendar_specs(today), min_size=1, max_size=max_calendars))
    customers = draw(st.integers(1, 12))
    group_of = draw(
        st.lists(st.integers(0, len(calendars) - 1), min_size=customers, max_size=customers)
    )
    offsets = draw(
        st.lists(
            st.one_of(st.just(0), st.integers(-H, 2 * DAY)), min_size=customers, max_size=customers
        )
    )
    return Scenario(
        calendars=calendars,
        group_of=group_of,
        first_dues=[clock + offset for offset in sorted(offsets)],
        clock=clock,
        lines=draw(st.integers(1, 3)),
        interval=draw(st.one_of(st.just(0), st.integers(0, 120))),
        lengths=draw(st.lists(st.integers(1, 600), min_size=STEPS, max_size=STEPS)),
        delays=draw(
            st.lists(st.one_of(st.none(), st.integers(0, 20_000)), min_size=STEPS, max_size=STEPS)
        ),
        removals=draw(
            st.lists(
                st.tuples(st.integers(0, STEPS - 1), st.integers(0, customers - 1)), max_size=2
            )
        ),
        peeks=draw(st.lists(st.booleans(), min_size=STEPS, max_size=STEPS)),
    )


#: ``(due, customer, number, group)`` rows, as ``pending`` and ``take_closed`` give them.
Row = tuple[int, int, int, int]
#: ``(start, due, customer, number)`` of a call.
Call = tuple[int, int, int, int]


def queue_order(row: Row) -> tuple[bool, int, int]:
    return (row[2] == 1, row[0], row[1])


class Reference:
    """Section 4 with section 7's generalisation, by brute force: at each take, the
    earliest instant at or after the clock, a free line and the pacing interval at which
    some queued attempt is due and callable on its group's calendar; among the attempts
    that may start then, retries first, then the earlier due time, then customer order."""

    def __init__(self, calendars: list[Calendar], lines: int, interval: int, clock: int) -> None:
        self.calendars = calendars
        self.lines = lines
        self.interval = interval
        self.clock = clock
        self.last_start: int | None = None
        self.ends: list[int] = []
        self.queue: list[Row] = []

    def take(self) -> Call | None:
        lower = self.clock
        busy = [end for end in self.ends if end > lower]
        if len(busy) >= self.lines:
            lower = min(busy)
        if self.interval and self.last_start is not None:
            lower = max(lower, self.last_start + self.interval)
        openings = []
        for g, calendar in enumerate(self.calendars):
            dues = [row[0] for row in self.queue if row[3] == g]
            opening = calendar.next_open_ts(max(lower, min(dues))) if dues else None
            if opening is not None:
                openings.append(opening)
        if not openings:
            return None
        at = min(openings)
        best = min(
            (row for row in self.queue if row[0] <= at and self.calendars[row[3]].contains_ts(at)),
            key=queue_order,
        )
        self.queue.remove(best)
        self.clock = self.last_start = at
        return at, best[0], best[1], best[2]


def play_reference(scenario: Scenario) -> tuple[list[Call], list[Row]]:
    """The calls the reference starts, and what is left queued when it stops."""
    group_of = scenario.group_of
    ref = Reference(scenario.build(), scenario.lines, scenario.interval, scenario.clock)
    ref.queue = [(due, c, 1, group_of[c]) for c, due in enumerate(scenario.first_dues)]
    calls: list[Call] = []
    for step in range(STEPS):
        for when, customer in scenario.removals:
            if when == step:
                ref.queue = [row for row in ref.queue if row[1] != customer]
        call = ref.take()
        if call is None:
            break
        calls.append(call)
        at, _, customer, number = call
        end = at + scenario.lengths[step]
        ref.ends.append(end)
        delay = scenario.delays[step]
        if delay is not None and number < LAST_NUMBER:
            ref.queue.append((end + delay, customer, number + 1, group_of[customer]))
    return calls, sorted(ref.queue, key=queue_order)


def play(scenario: Scenario, dialer: Dialer, group_of: list[int]) -> tuple[list[Start], Wait]:
    """The calls ``dialer`` starts on the scenario (customer c in group ``group_of[c]``),
    and its answer when it starts no more (``Wait.LATER`` after ``STEPS`` calls)."""
    for c, due in enumerate(scenario.first_dues):
        dialer.add_first(due, c, group_of[c])
    calls: list[Start] = []
    for step in range(STEPS):
        for when, customer in scenario.removals:
            if when == step:
                dialer.remove(customer, group_of[customer])
        ahead = dialer.next_start() if scenario.peeks[step] else None
        if isinstance(ahead, tuple):
            # Looking ahead changes nothing: not asking again, nor a take that is too early.
            assert dialer.next_start() == ahead
            assert dialer.take(ahead[0] - 1) is Wait.LATER
        got = dialer.take()
        if isinstance(got, Wait):
            assert ahead is None or ahead is got
            return calls, got
        assert ahead is None or ahead == (got[0], got[1])
        calls.append(got)
        at, _, _, customer, number = got
        end = at + scenario.lengths[step]
        dialer.hold(end)
        delay = scenario.delays[step]
        if delay is not None and number < LAST_NUMBER:
            dialer.add_retry(end + delay, customer, number + 1, group_of[customer])
    return calls, Wait.LATER


@given(scenarios())
def test_several_calendars_start_what_the_reference_starts(scenario: Scenario) -> None:
    expected, left = play_reference(scenario)
    dialer = Dialer(scenario.build(), scenario.lines, scenario.interval, scenario.clock)
    calls, wait = play(scenario, dialer, scenario.group_of)
    assert [(at, due, c, n) for at, _, due, c, n in calls] == expected
    if len(calls) < STEPS:
        # An opted-out customer may leave a closed group with nothing queued: see
        # test_closed_group_whose_queue_was_opted_out_is_idle (the dialer says CLOSED).
        assert wait is (Wait.CLOSED if left else wait) and wait in (Wait.CLOSED, Wait.IDLE)
        assert dialer.take_closed() == left
        assert dialer.take() is Wait.IDLE


def explained(call: Start) -> tuple[int, int | None, int, int, int]:
    """A call with its ``why`` left out when the attempt fell due at the very instant it
    starts: a free line or the pacing interval may then set the same instant, and one
    group names the due time where one calendar shared by all names the other constraint
    (both true, and the reason sentence reads the same: ``start == due``)."""
    at, why, due, customer, number = call
    return at, (None if due == at else why), due, customer, number


@given(scenarios(max_calendars=1))
def test_two_groups_on_one_calendar_start_what_one_group_starts(scenario: Scenario) -> None:
    (calendar,) = scenario.build()
    one = Dialer([calendar], scenario.lines, scenario.interval, scenario.clock)
    alone, wait_alone = play(scenario, one, [0] * len(scenario.group_of))
    # The same calendar object for both groups; customers split by parity.
    two = Dialer([calendar, calendar], scenario.lines, scenario.interval, scenario.clock)
    split, wait_split = play(scenario, two, [c % 2 for c in range(len(scenario.group_of))])
    assert [explained(call) for call in split] == [explained(call) for call in alone]
    closed = [row[:3] for row in two.take_closed()]
    assert closed == [row[:3] for row in one.take_closed()]
    # A closed group left with opted-out customers only: CLOSED where one group says IDLE
    # (test_closed_group_whose_queue_was_opted_out_is_idle).
    assert wait_split is wait_alone or (wait_split, wait_alone, closed) == (
        Wait.CLOSED,
        Wait.IDLE,
        [],
    )
