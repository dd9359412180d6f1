"""Time ``plan`` with every customer on their own clock under calling rules, against the
same campaign with none of that, in one run.

The campaign: 100,000 customers whose numbers are spread over every US and
Canadian geographic area code (+1 NPA 234 xxxx), callRetries 3, every
attempt a 30 s ``No Answer``, 09:00-17:00 Monday-Friday, ``asap`` on 50
lines, a one-hour retry delay. The measured plan adds ``recipientLocalTime``
and the presets ``US-TCPA``, ``US-FL``, ``US-OK``, ``US-MD``, ``US-UT`` and
``CA-CRTC``: each customer's zones and region come from the number, and the
customers are grouped on the calendars they share.

The first measured plan is cold: it reads every number with ``phonenumbers``
(cached per number for the process). The rounds after it are warm; both are
reported against the baseline's median.

    python benchmarks/bench_rules.py [--customers N] [--rounds R]
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import UTC, datetime
from typing import Any

import phonenumbers

from scheduler import Campaign, plan

NOW = datetime(2026, 3, 2, tzinfo=UTC)
PRESETS = ["US-TCPA", "US-FL", "US-OK", "US-MD", "US-UT", "CA-CRTC"]


def area_codes() -> list[int]:
    """Every NPA that ``phonenumbers`` knows as a geographic US or Canadian code."""
    found = []
    for npa in range(200, 1000):
        number = phonenumbers.parse(f"+1{npa}2345678")
        if (
            phonenumbers.is_valid_number(number)
            and phonenumbers.region_code_for_number(number) in ("US", "CA")
            and phonenumbers.number_type(number) in (0, 1, 2)  # fixed line and/or mobile
        ):
            found.append(npa)
    return found


def body(customers: int, *, rules: bool) -> dict[str, Any]:
    """The benchmark's campaign body, with or without its section-7 fields."""
    codes = area_codes()
    phones = [f"+1{codes[i % len(codes)]}234{i // len(codes):04d}" for i in range(customers)]
    spec: dict[str, Any] = {
        "name": "bench",
        "timezone": "America/New_York",
        "startTime": "09:00",
        "endTime": "17:00",
        "activeDays": [0, 1, 2, 3, 4],
        "callRetries": 3,
        "retryDelaySeconds": 3600,
        "schedulingMode": "asap",
        "maxConcurrency": 50,
        "phoneList": phones,
    }
    if rules:
        spec["recipientLocalTime"] = True
        spec["callingRules"] = PRESETS
    return spec


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    plain = Campaign.model_validate(body(args.customers, rules=False))
    ruled = Campaign.model_validate(body(args.customers, rules=True))

    t0 = time.perf_counter()
    first = plan(ruled, now=NOW)
    cold = time.perf_counter() - t0
    plain_times: list[float] = []
    ruled_times: list[float] = []
    for _ in range(args.rounds):  # interleaved, so both see the same machine load
        t0 = time.perf_counter()
        base = plan(plain, now=NOW)
        plain_times.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        timeline = plan(ruled, now=NOW)
        ruled_times.append(time.perf_counter() - t0)
        if timeline.attempts.start_instants() != first.attempts.start_instants():
            raise SystemExit("two plans of the same campaign differ")

    plain_median = statistics.median(plain_times)
    ruled_median = statistics.median(ruled_times)
    groups = len({a.callee.zones if a.callee else () for a in timeline.attempts[::97]})
    print(f"attempts, plain:        {len(base.attempts):,}")
    print(f"attempts, with rules:   {len(timeline.attempts):,} (expired {len(timeline.expired):,})")
    print(f"zone sets seen:         {groups}")
    print(f"plain median:           {plain_median:.3f} s")
    print(f"with rules, warm:       {ruled_median:.3f} s")
    print(f"ratio warm/plain:       {ruled_median / plain_median:.2f} (target <= 2.0)")
    print(f"with rules, cold:       {cold:.3f} s")
    print(f"ratio cold/plain:       {cold / plain_median:.2f}")


if __name__ == "__main__":
    main()
