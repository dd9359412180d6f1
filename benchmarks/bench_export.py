"""Time a streamed CSV export of a plan against ``plan`` alone, and measure peak memory.

The campaign of ``bench_plan`` (100,000 customers x 4 attempts by default;
``--customers 1000000`` for the million): every attempt a 30 s ``No
Answer``, ``asap`` on 50 lines. The export writes every row, reasons
included, to ``/dev/null`` as it is planned (``scheduler preview --format csv
--limit 0`` does the same). Each is run in a fresh process, interleaved,
so that its peak resident memory is its own.

    python benchmarks/bench_export.py [--customers N] [--rounds R]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time

from bench_plan import NOW, campaign

from scheduler import plan
from scheduler.export import write_rows


def one(kind: str, customers: int) -> tuple[float, float]:
    """Seconds and peak MB of one run of ``kind`` (``plan`` or ``export``), in this process."""
    spec = campaign(customers)
    t0 = time.perf_counter()
    if kind == "plan":
        timeline = plan(spec, now=NOW)
        assert len(timeline.attempts) == 4 * customers
    else:
        with open(os.devnull, "w", encoding="utf-8") as out:
            write_rows(out, spec, now=NOW, form="csv")
    seconds = time.perf_counter() - t0
    return seconds, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--child", choices=("plan", "export"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(one(args.child, args.customers)))
        return

    results: dict[str, list[tuple[float, float]]] = {"plan": [], "export": []}
    for _ in range(args.rounds):
        for kind in ("plan", "export"):
            done = subprocess.run(
                [sys.executable, __file__, "--child", kind, "--customers", str(args.customers)],
                capture_output=True,
                text=True,
                check=True,
            )
            seconds, peak = json.loads(done.stdout)
            results[kind].append((seconds, peak))
    plan_s = statistics.median(s for s, _ in results["plan"])
    export_s = statistics.median(s for s, _ in results["export"])
    print(f"attempts:            {4 * args.customers:,}")
    print(f"plan median:         {plan_s:.2f} s, peak {max(m for _, m in results['plan']):.0f} MB")
    print(
        f"csv export median:   {export_s:.2f} s, peak "
        f"{max(m for _, m in results['export']):.0f} MB (target < 600 MB at 1,000,000)"
    )
    print(f"ratio export/plan:   {export_s / plan_s:.2f} (target <= 2.0)")


if __name__ == "__main__":
    main()
