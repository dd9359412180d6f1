"""Time ``plan`` against a bare event loop on the same campaign, in the same run.

The campaign: 100,000 customers, callRetries 3, every attempt a 30 s
``No Answer`` (400,000 attempts), 09:00-17:00 Monday-Friday in
America/New_York, ``asap`` with maxConcurrency 50 and a one-hour retry delay.

The floor is the least a scheduler must do: a heap of retries, the pacing
rule, a pointer into precomputed windows, integer epoch seconds, no objects
and no reasons. It must give the same start instants as ``plan`` (checked).

    python benchmarks/bench_plan.py [--customers N] [--rounds R]
"""

from __future__ import annotations

import argparse
import heapq
import statistics
import time
import tracemalloc
from datetime import UTC, datetime

from scheduler import Campaign, plan

NOW = datetime(2026, 3, 2, tzinfo=UTC)
RING = 30
DELAY = 3600


def campaign(customers: int) -> Campaign:
    """The benchmark's campaign."""
    return Campaign.model_validate(
        {
            "name": "bench",
            "timezone": "America/New_York",
            "startTime": "09:00",
            "endTime": "17:00",
            "activeDays": [0, 1, 2, 3, 4],
            "callRetries": 3,
            "retryDelaySeconds": DELAY,
            "schedulingMode": "asap",
            "maxConcurrency": 50,
            "phoneList": [f"+1415{i:07d}" for i in range(customers)],
        }
    )


def window_list(spec: Campaign, days: int) -> list[tuple[int, int]]:
    """The campaign's windows over ``days`` days from NOW, computed before the timer starts."""
    now_ts = int(NOW.timestamp())
    cal = spec.calendar()
    first = cal.local_day(now_ts)
    return [w for d in range(first, first + days) for w in cal.day_windows(d)]


def floor(customers: int, retries: int, lines: int, windows: list[tuple[int, int]]) -> list[int]:
    """The bare loop: the start instant of every attempt, in start order."""
    now = int(NOW.timestamp())
    starts_out: list[int] = []
    retry_heap: list[tuple[int, int, int]] = []
    running: list[int] = []
    next_first = 0
    clock = now
    wi = 0
    w_start, w_end = windows[0]
    while next_first < customers or retry_heap:
        at = clock
        while running and running[0] <= at:
            heapq.heappop(running)
        if len(running) >= lines:
            at = running[0]
        due = now if next_first < customers else retry_heap[0][0]
        if retry_heap and retry_heap[0][0] < due:
            due = retry_heap[0][0]
        if due > at:
            at = due
        while w_end <= at:
            wi += 1
            w_start, w_end = windows[wi]
        if at < w_start:
            at = w_start
        while running and running[0] <= at:
            heapq.heappop(running)
        if retry_heap and retry_heap[0][0] <= at:
            _, customer, number = heapq.heappop(retry_heap)
        else:
            customer, number = next_first, 1
            next_first += 1
        clock = at
        end = at + RING
        heapq.heappush(running, end)
        starts_out.append(at)
        if number <= retries:
            heapq.heappush(retry_heap, (end + DELAY, customer, number + 1))
    return starts_out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    spec = campaign(args.customers)
    windows = window_list(spec, 400)
    plan_times: list[float] = []
    floor_times: list[float] = []
    for _ in range(args.rounds):  # interleaved, so both see the same machine load
        t0 = time.perf_counter()
        timeline = plan(spec, now=NOW)
        plan_times.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        starts = floor(args.customers, 3, 50, windows)
        floor_times.append(time.perf_counter() - t0)
        if timeline.attempts.start_instants() != starts:
            raise SystemExit("plan and the floor disagree on the start instants")

    # Reading every attempt's reason: records and sentences are built only when read.
    reason_times = []
    for _ in range(args.rounds):
        t0 = time.perf_counter()
        for attempt in timeline.attempts:
            attempt.reason  # noqa: B018
        reason_times.append(time.perf_counter() - t0)

    tracemalloc.start()
    timeline = plan(spec, now=NOW)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    attempts = len(timeline.attempts)

    plan_median = statistics.median(plan_times)
    floor_median = statistics.median(floor_times)
    print(f"attempts:            {attempts:,}")
    print(
        f"plan median:         {plan_median:.3f} s ({plan_median / attempts * 1e6:.2f} us/attempt)"
    )
    print(f"floor median:        {floor_median:.3f} s")
    print(f"ratio plan/floor:    {plan_median / floor_median:.2f} (target <= 2.0)")
    print(f"peak memory of plan: {peak / attempts:.0f} bytes/attempt (target < 1024)")
    reason_median = statistics.median(reason_times) / attempts * 1e6
    print(f"reading each reason: {reason_median:.2f} us/attempt (target <= 3)")


if __name__ == "__main__":
    main()
