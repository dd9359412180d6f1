"""Time ``plan_many`` in one process against a ProcessPoolExecutor of 2, in the same run.

The campaigns: 200 of them, 10,000 customers each (2,000,000 customers,
8,000,000 attempts), each like bench_plan's (callRetries 3, every attempt a
30 s ``No Answer``, 09:00-17:00 Monday-Friday, ``asap`` with maxConcurrency
50, a one-hour retry delay) on one of four US zones. Both runs must give the
same summaries (checked). The pool is started and shut down inside the timed
part, as ``scheduler capacity --workers 2`` does.

    python benchmarks/bench_plan_many.py [--campaigns N] [--customers N] [--rounds R]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from concurrent.futures import ProcessPoolExecutor

from bench_plan import NOW

from scheduler import Campaign, Summary, plan_many

ZONES = ("America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles")


def campaigns(count: int, customers: int) -> list[Campaign]:
    """The benchmark's campaigns, each with its own numbers."""
    return [
        Campaign.model_validate(
            {
                "name": f"bench {k}",
                "id": f"cmp_{k}",
                "timezone": ZONES[k % len(ZONES)],
                "startTime": "09:00",
                "endTime": "17:00",
                "activeDays": [0, 1, 2, 3, 4],
                "callRetries": 3,
                "retryDelaySeconds": 3600,
                "schedulingMode": "asap",
                "maxConcurrency": 50,
                "phoneList": [f"+1{200 + k:03d}{i:07d}" for i in range(customers)],
            }
        )
        for k in range(count)
    ]


def in_processes(specs: list[Campaign], workers: int) -> list[Summary]:
    """``plan_many`` on a pool of ``workers`` processes, started and shut down here."""
    with ProcessPoolExecutor(workers) as pool:
        return plan_many(specs, now=NOW, executor=pool)


def _cpu() -> float:
    """CPU seconds of this process and of its children that have ended."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--campaigns", type=int, default=200)
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    specs = campaigns(args.campaigns, args.customers)
    one_times: list[float] = []
    pool_times: list[float] = []
    pool_cores: list[float] = []
    for _ in range(args.rounds):  # interleaved, so both see the same machine load
        t0 = time.perf_counter()
        here = plan_many(specs, now=NOW)
        one_times.append(time.perf_counter() - t0)
        t0, cpu0 = time.perf_counter(), _cpu()
        there = in_processes(specs, args.workers)
        pool_times.append(time.perf_counter() - t0)
        pool_cores.append((_cpu() - cpu0) / pool_times[-1])
        if here != there:
            raise SystemExit("one process and the pool disagree on the summaries")

    one = statistics.median(one_times)
    pool = statistics.median(pool_times)
    attempts = sum(summary.attempts for summary in here)
    print(f"campaigns:           {args.campaigns:,} x {args.customers:,} customers")
    print(f"attempts:            {attempts:,}")
    print(f"cpus:                {os.cpu_count()}")
    print(f"1 process median:    {one:.2f} s")
    print(f"{args.workers} processes median: {pool:.2f} s")
    print(f"ratio 1/{args.workers}:           {one / pool:.2f} (target >= 1.6 for 2)")
    # Below the number of workers, the machine did not give each its own core.
    print(f"cores the pool used: {statistics.median(pool_cores):.2f} on average")


if __name__ == "__main__":
    main()
