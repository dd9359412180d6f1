"""Time ``Calendar.next_open`` against croniter's ``get_next`` on the same instants.

The campaign: 09:00-17:00, Monday to Friday, America/New_York. The baseline:
the cron expression ``* 9-16 * * mon-fri`` in the same zone, whose matching
minutes are exactly the minutes that start inside that window. Each call of
the baseline is ``croniter(expr, t).get_next(datetime)``, the usual way to ask
cron "when next?" for an arbitrary instant.

Both run on the same random instants of 2026 (fixed seed), in interleaved
rounds within one process; the median of the rounds is printed in
microseconds per call. A cross-check then confirms that both agree where
cron's minute granularity allows: on whole-minute instants outside the
window, ``get_next`` equals ``next_open``.

    python benchmarks/bench_windows.py [--n 20000] [--rounds 7] [--seed 2026]
"""

from __future__ import annotations

import argparse
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from importlib.metadata import version
from typing import TYPE_CHECKING

from scheduler import TZDATA_VERSION, Calendar, Campaign
from scheduler.tz import load_zone

if TYPE_CHECKING:
    from croniter import croniter as Croniter

ZONE = "America/New_York"
CRON = "* 9-16 * * mon-fri"
CAMPAIGN = {
    "name": "bench 09:00-17:00 Mon-Fri",
    "timezone": ZONE,
    "startTime": "09:00",
    "endTime": "17:00",
    "activeDays": [0, 1, 2, 3, 4],
}
YEAR_START = datetime(2026, 1, 1, tzinfo=UTC)
YEAR_END = datetime(2027, 1, 1, tzinfo=UTC)


def load_croniter() -> type[Croniter]:
    """croniter, imported only when the benchmark runs (it is an optional dependency)."""
    try:
        from croniter import croniter
    except ImportError:
        sys.exit("croniter is not installed; install the bench extra: pip install -e '.[bench]'")
    return croniter


def random_instants(n: int, seed: int) -> list[datetime]:
    """``n`` instants of 2026, whole seconds, aware in the campaign zone (what croniter wants)."""
    rng = random.Random(seed)
    zone = load_zone(ZONE)
    span = int((YEAR_END - YEAR_START).total_seconds())
    return [
        (YEAR_START + timedelta(seconds=rng.randrange(span))).astimezone(zone) for _ in range(n)
    ]


def time_scheduler(calendar: Calendar, instants: Sequence[datetime]) -> float:
    """Seconds for ``next_open`` on every instant."""
    next_open = calendar.next_open
    start = time.perf_counter()
    for t in instants:
        next_open(t)
    return time.perf_counter() - start


def time_croniter(croniter: type[Croniter], instants: Sequence[datetime]) -> float:
    """Seconds for ``croniter(CRON, t).get_next(datetime)`` on every instant."""
    start = time.perf_counter()
    for t in instants:
        croniter(CRON, t).get_next(datetime)
    return time.perf_counter() - start


def fresh_calendar() -> Calendar:
    """A calendar with no day computed yet (the zone's offset table stays shared)."""
    campaign = Campaign.model_validate(CAMPAIGN)
    return Calendar(ZONE, [campaign.day_rule(w) for w in range(7)])


def cross_check(
    calendar: Calendar, croniter: type[Croniter], instants: Sequence[datetime]
) -> tuple[int, int, list[str]]:
    """Compare both on whole-minute instants: (outside checked, inside checked, mismatches)."""
    outside = inside = 0
    mismatches: list[str] = []
    for t in instants:
        minute = t.replace(second=0, microsecond=0)
        opens = calendar.next_open(minute)
        if calendar.contains(minute):
            # Inside, next_open is the instant itself; cron only knows the next minute.
            inside += 1
            if opens != minute:
                mismatches.append(f"{minute.isoformat()}: inside, but next_open gave {opens}")
            continue
        outside += 1
        cron_next = croniter(CRON, minute).get_next(datetime)
        if opens is None or cron_next != opens:
            mismatches.append(
                f"{minute.isoformat()}: next_open {opens} but croniter {cron_next.isoformat()}"
            )
    return outside, inside, mismatches


def median_us(samples: Sequence[float], n: int) -> float:
    return statistics.median(samples) / n * 1e6


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--n", type=int, default=20_000, help="instants per round")
    parser.add_argument("--rounds", type=int, default=7, help="interleaved rounds")
    parser.add_argument("--seed", type=int, default=2026, help="seed of the instants")
    parser.add_argument("--check", type=int, default=5_000, help="instants cross-checked")
    args = parser.parse_args(argv)
    n: int = args.n
    rounds: int = args.rounds

    croniter = load_croniter()
    instants = random_instants(n, args.seed)
    calendar = Campaign.model_validate(CAMPAIGN).calendar()

    # Warm-up: fill the calendar's day cache and the zone table, import paths, etc.
    time_scheduler(calendar, instants[:1000])
    time_croniter(croniter, instants[:200])

    runs: dict[str, list[float]] = {"warm": [], "cold": [], "croniter": []}
    measures: list[tuple[str, Callable[[], float]]] = [
        ("warm", lambda: time_scheduler(calendar, instants)),
        ("cold", lambda: time_scheduler(fresh_calendar(), instants)),
        ("croniter", lambda: time_croniter(croniter, instants)),
    ]
    for round_index in range(rounds):
        # Rotate the order each round so no contender always runs first.
        shift = round_index % len(measures)
        for name, measure in measures[shift:] + measures[:shift]:
            runs[name].append(measure())

    warm = median_us(runs["warm"], n)
    cold = median_us(runs["cold"], n)
    cron = median_us(runs["croniter"], n)
    print(
        f"next window opening, {n} random instants of 2026 (seed {args.seed}), "
        f"median of {rounds} interleaved rounds"
    )
    print(
        f"campaign 09:00-17:00 Mon-Fri {ZONE}; cron {CRON!r}; python "
        f"{platform.python_version()}, tzdata {TZDATA_VERSION}, croniter {version('croniter')}"
    )
    print(f"  scheduler next_open (warm calendar)   {warm:9.2f} us/call")
    print(f"  scheduler next_open (fresh calendar)  {cold:9.2f} us/call")
    print(f"  croniter get_next                     {cron:9.2f} us/call")
    print(f"  ratio croniter / scheduler: {cron / warm:.1f}x warm, {cron / cold:.1f}x fresh")

    outside, inside, mismatches = cross_check(calendar, croniter, instants[: args.check])
    print(
        f"cross-check on {outside + inside} whole-minute instants: {outside} outside the "
        f"window where get_next == next_open, {inside} inside where next_open == t: "
        f"{len(mismatches)} mismatches"
    )
    for line in mismatches[:10]:
        print(f"  MISMATCH {line}")
    return 1 if mismatches else 0


if __name__ == "__main__":
    raise SystemExit(main())
