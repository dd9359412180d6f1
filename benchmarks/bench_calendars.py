"""Time ``plan`` with customers on many calendars against the same plan on one, in one run.

The campaign: 1,000 customers, callRetries 3, every attempt a 30 s
``No Answer``, 09:00-17:00 Monday-Friday, ``even`` pacing of 10 s on 20
lines, ``recipientLocalTime``. In the baseline every customer is on the
campaign's own clock (one calendar); in the measured plan the customers are
spread over 100 zones (100 calendars), so the dialer picks across 100 queues.

Both plans run interleaved; calendars are shared across plans, so after the
first round both run on warm calendars (the first, cold round is reported
apart).

    python benchmarks/bench_calendars.py [--customers N] [--zones Z] [--rounds R]
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import UTC, datetime
from typing import Any

from scheduler import Campaign, plan
from scheduler.tz import available_zones

NOW = datetime(2026, 3, 2, tzinfo=UTC)


def campaign(customers: int, zones: list[str]) -> Campaign:
    """The benchmark's campaign, customers dealt round the ``zones``."""
    body: dict[str, Any] = {
        "name": "bench",
        "timezone": "America/New_York",
        "startTime": "09:00",
        "endTime": "17:00",
        "activeDays": [0, 1, 2, 3, 4],
        "callRetries": 3,
        "retryDelaySeconds": 3600,
        "callIntervalSeconds": 10,
        "maxConcurrency": 20,
        "recipientLocalTime": True,
        "customers": [
            {"phoneNumber": f"+1415{i:07d}", "timezone": zones[i % len(zones)]}
            for i in range(customers)
        ],
    }
    return Campaign.model_validate(body)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000)
    parser.add_argument("--zones", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()

    # Canonical zones (Area/City), spread over the alphabet and so over the world.
    canonical = sorted(k for k in available_zones() if "/" in k and not k.startswith("Etc/"))
    step = len(canonical) // args.zones
    zones = canonical[::step][: args.zones]
    one = campaign(args.customers, ["America/New_York"])
    many = campaign(args.customers, zones)

    t0 = time.perf_counter()
    cold = plan(many, now=NOW)
    cold_time = time.perf_counter() - t0
    one_times: list[float] = []
    many_times: list[float] = []
    for _ in range(args.rounds):
        t0 = time.perf_counter()
        base = plan(one, now=NOW)
        one_times.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        spread = plan(many, now=NOW)
        many_times.append(time.perf_counter() - t0)
        if len(spread.attempts) != len(base.attempts) or len(cold.attempts) != len(base.attempts):
            raise SystemExit("the two plans do not make the same number of attempts")

    one_median = statistics.median(one_times)
    many_median = statistics.median(many_times)
    print(f"attempts:               {len(base.attempts):,} ({args.customers:,} customers)")
    print(f"one calendar median:    {one_median * 1e3:.1f} ms")
    print(f"{len(zones)} calendars median:  {many_median * 1e3:.1f} ms")
    print(f"ratio many/one:         {many_median / one_median:.2f} (target <= 1.5)")
    print(f"first plan, cold zones: {cold_time * 1e3:.1f} ms")


if __name__ == "__main__":
    main()
