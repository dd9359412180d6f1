"""Zone tables and calendars shared by threads answer as they would in one thread.

A zone table grows lazily past the TZif data, so the first threads to plan a
zone far ahead all extend the same table at once. The thread switch interval
is forced down to a microsecond so that they interleave inside the extension.
"""

from __future__ import annotations

import importlib.resources
import itertools
import random
import sys
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TypeVar
from zoneinfo import ZoneInfo

import pytest

from scheduler import tz
from scheduler.tz import ZoneTable, zone_table
from scheduler.windows import Calendar

T = TypeVar("T")

THREADS = 8
ROUNDS = 5
DAY = 86_400
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _ts(year: int) -> int:
    return int((datetime(year, 1, 1, tzinfo=UTC) - EPOCH).total_seconds())


def package_zone(key: str) -> ZoneInfo:
    """The zone read straight from the tzdata package's file, bypassing every cache."""
    ref = importlib.resources.files("tzdata.zoneinfo").joinpath(key)
    with ref.open("rb") as handle:
        return ZoneInfo.from_file(handle, key=key)


def utc_offset(zone: ZoneInfo, ts: int) -> int:
    offset = datetime.fromtimestamp(ts, zone).utcoffset()
    assert offset is not None
    return int(offset.total_seconds())


def run_together(work: Callable[[int], T], threads: int = THREADS) -> list[T]:
    """``work(i)`` for i in range(threads), all started at once, with a tiny switch interval."""
    barrier = threading.Barrier(threads)
    results: list[T | None] = [None] * threads
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = work(i)
        except BaseException as error:  # re-raised in the test's own thread
            errors.append(error)

    old_interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        pool = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
        for thread in pool:
            thread.start()
        for thread in pool:
            thread.join()
    finally:
        sys.setswitchinterval(old_interval)
    if errors:
        raise errors[0]
    return [result for result in results if result is not None]


def check_table_is_sorted_and_right(table: ZoneTable, zone: ZoneInfo, lo: int, hi: int) -> None:
    """The pieces of ``[lo, hi)`` are the changes of zoneinfo, in order, none twice.

    ``lo`` is before the table's first change, so ``segments`` walks every
    change up to ``hi`` in the order stored: a duplicate shows up as an empty
    piece and a change out of order as a piece that ends before it starts.
    """
    pieces = table.segments(lo, hi)
    assert pieces[0][0] == lo
    assert pieces[-1][1] == hi
    for start, end, offset in pieces:
        assert start < end, (table.key, start, end)
        assert utc_offset(zone, start) == offset, (table.key, start)
        assert utc_offset(zone, end - 1) == offset, (table.key, end - 1)
    for (_, end, offset), (start, _, next_offset) in itertools.pairwise(pieces):
        assert end == start
        assert offset != next_offset, (table.key, start)
    offsets = [offset for _, _, offset in pieces]
    assert table.min_offset == min(offsets)
    assert table.max_offset == max(offsets)


def hammer_table(table: ZoneTable, zone: ZoneInfo, seed: int) -> None:
    """Eight threads ask one fresh table about 2030-2400 in their own random orders."""
    lo, hi = _ts(2030), _ts(2400)

    def work(i: int) -> list[tuple[int, int]]:
        rng = random.Random(seed * 100 + i)
        instants = [rng.randrange(lo, hi) for _ in range(300)]
        return [(t, table.offset_at(t)) for t in instants]

    answers = [pair for part in run_together(work) for pair in part]
    assert len(answers) == THREADS * 300
    wrong = [(t, got) for t, got in answers if got != utc_offset(zone, t)]
    assert not wrong, f"{len(wrong)} wrong offsets, first {wrong[:3]}"
    check_table_is_sorted_and_right(table, zone, _ts(1800), hi)


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_one_fresh_table_extended_by_eight_threads_at_once(round_: int) -> None:
    key = "America/New_York"
    hammer_table(ZoneTable(key), package_zone(key), seed=round_)


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_concurrent_first_calls_of_zone_table_share_one_table(
    round_: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An empty registry for this test alone: every key is new again.
    monkeypatch.setattr(tz, "_tables", {})
    keys = ["Antarctica/Troll", "Pacific/Chatham", "Australia/Lord_Howe", "Europe/Dublin"]
    key = keys[round_ % len(keys)]
    tables = run_together(lambda _: zone_table(key))
    assert len(tables) == THREADS
    assert all(table is tables[0] for table in tables)
    assert zone_table(key) is tables[0]


def calendar_answers(cal: Calendar, ts: int) -> tuple[int | None, int | None, object]:
    return cal.next_open_ts(ts), cal.window_day_ts(ts), cal.day_windows(ts // DAY)


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_one_calendar_asked_by_eight_threads_answers_as_one_thread(
    round_: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = "America/New_York"
    rules = [(9 * 3600, 17 * 3600)] * 7
    lo, hi = _ts(2030), _ts(2300)
    # A fresh registry, so the calendar's zone table is new and grows under the threads.
    monkeypatch.setattr(tz, "_tables", {})
    shared = Calendar(key, rules)

    def work(i: int) -> list[tuple[int, tuple[int | None, int | None, object]]]:
        rng = random.Random(round_ * 100 + i)
        instants = [rng.randrange(lo, hi) for _ in range(200)]
        return [(t, calendar_answers(shared, t)) for t in instants]

    answers = [pair for part in run_together(work) for pair in part]
    assert len(answers) == THREADS * 200
    monkeypatch.setattr(tz, "_tables", {})
    alone = Calendar(key, rules)
    wrong = [(t, got) for t, got in answers if got != calendar_answers(alone, t)]
    assert not wrong, f"{len(wrong)} wrong answers, first {wrong[:3]}"
