"""Time ``audit`` of a call log against ``plan`` producing that log, in one run.

The campaign: 250,000 customers with numbers over every US and Canadian
area code, callRetries 3, every attempt a 30 s ``No Answer``, 09:00-17:00
Monday-Friday on each customer's clock, ``asap`` on 50 lines, the presets
``US-TCPA`` and ``US-FL``: 1,000,000 calls. ``plan`` makes the log (the
phone numbers are read once, before either is timed); ``audit`` checks it.
The audit must find nothing.

    python benchmarks/bench_audit.py [--customers N] [--rounds R]
"""

from __future__ import annotations

import argparse
import statistics
import time

from bench_rules import NOW, body

from scheduler import Campaign, audit, plan


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=250_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    spec = body(args.customers, rules=True)
    spec["callingRules"] = ["US-TCPA", "US-FL"]
    campaign = Campaign.model_validate(spec)
    plan(campaign, now=NOW)  # reads every number once (cached for the process)

    plan_times: list[float] = []
    audit_times: list[float] = []
    calls_count = 0
    for _ in range(args.rounds):
        t0 = time.perf_counter()
        timeline = plan(campaign, now=NOW)
        plan_times.append(time.perf_counter() - t0)
        calls = [
            {"phone": a.phone, "start": a.start, "end": a.end, "outcome": a.outcome}
            for a in timeline.attempts
        ]
        t0 = time.perf_counter()
        violations = audit(campaign, calls)
        audit_times.append(time.perf_counter() - t0)
        if violations:
            raise SystemExit(f"the plan's own log has {len(violations)} violations")
        calls_count = len(calls)
        del calls, timeline

    plan_median = statistics.median(plan_times)
    audit_median = statistics.median(audit_times)
    print(f"calls:            {calls_count:,} (no violation)")
    print(f"plan median:      {plan_median:.3f} s")
    print(f"audit median:     {audit_median:.3f} s")
    print(f"ratio audit/plan: {audit_median / plan_median:.2f} (target < 2.0)")


if __name__ == "__main__":
    main()
