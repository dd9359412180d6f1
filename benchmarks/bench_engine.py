"""Drive the 100,000-customer campaign of bench_plan through the Engine, against ``plan``.

The host loop is the one a dialer runs: wake at the earlier of
``next_wakeup()`` and the next call end, record the calls that ended, take
what is ``due``. Both runs must give the same start instants (checked). Then
a snapshot is taken half-way and restored, and both are timed.

    python benchmarks/bench_engine.py [--customers N] [--rounds R]
"""

from __future__ import annotations

import argparse
import heapq
import json
import statistics
import time
from datetime import datetime
from typing import Any, Protocol

from bench_plan import NOW, RING, campaign

from scheduler import Campaign, Engine, plan
from scheduler.times import epoch_seconds, from_epoch


class Host(Protocol):
    """What the host loop calls: an ``Engine``, or a store holding one campaign."""

    def next_wakeup(self) -> datetime | None: ...
    def due(self, now: datetime) -> list[Any]: ...
    def record(self, attempt_id: str, outcome: str, ended_at: datetime) -> Any: ...


def host_loop(host: Host, stop_after: int | None = None) -> list[int]:
    """The start instants of the host loop, every call a RING-second No Answer, to the
    end or until ``stop_after`` attempts have started (calls then still in progress)."""
    starts: list[int] = []
    ends: list[tuple[int, str]] = []  # calls in progress: (end, id)
    while True:
        wake = host.next_wakeup()
        wake_ts = epoch_seconds(wake) if wake is not None else None
        if ends and (wake_ts is None or ends[0][0] <= wake_ts):
            at = ends[0][0]
        elif wake_ts is not None:
            at = wake_ts
        else:
            return starts
        while ends and ends[0][0] <= at:
            end, attempt_id = heapq.heappop(ends)
            host.record(attempt_id, "No Answer", from_epoch(end))
        for attempt in host.due(from_epoch(at)):
            starts.append(at)
            heapq.heappush(ends, (at + RING, attempt.id))
        if stop_after is not None and len(starts) >= stop_after:
            return starts


def drive(spec: Campaign, stop_after: int | None = None) -> tuple[list[int], Engine]:
    """Run the campaign through an Engine (see ``host_loop``): the start instants in
    order, and the engine."""
    engine = Engine(spec, now=NOW)
    return host_loop(engine, stop_after), engine


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    spec = campaign(args.customers)
    plan_times: list[float] = []
    engine_times: list[float] = []
    for _ in range(args.rounds):  # interleaved, so both see the same machine load
        t0 = time.perf_counter()
        timeline = plan(spec, now=NOW)
        plan_times.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        starts, _ = drive(spec)
        engine_times.append(time.perf_counter() - t0)
        if [a.start_ts for a in timeline.attempts] != starts:
            raise SystemExit("the Engine and plan disagree on the start instants")
        del timeline

    half = 2 * args.customers  # half of the 4 attempts per customer
    _, engine = drive(spec, stop_after=half)
    t0 = time.perf_counter()
    text = json.dumps(engine.snapshot())
    t_snapshot = time.perf_counter() - t0
    t0 = time.perf_counter()
    Engine.restore(spec, json.loads(text))
    t_restore = time.perf_counter() - t0

    plan_median = statistics.median(plan_times)
    engine_median = statistics.median(engine_times)
    print(f"attempts:              {len(starts):,}")
    print(f"plan median:           {plan_median:.3f} s")
    print(f"engine median:         {engine_median:.3f} s")
    print(f"ratio engine/plan:     {engine_median / plan_median:.2f} (target <= 3.0)")
    print(f"snapshot (to JSON):    {t_snapshot:.3f} s, {len(text) / 1e6:.1f} MB")
    print(f"restore (from JSON):   {t_restore:.3f} s")
    print(f"snapshot + restore:    {t_snapshot + t_restore:.3f} s (target < 2.0)")


if __name__ == "__main__":
    main()
