"""Time the store against the in-memory engine, and PostgreSQL workers against one worker.

Part 1, ``record`` + ``due`` through ``SQLiteStore`` against ``Engine``: the
campaign of bench_plan at 1,000, 10,000 and 100,000 customers; the host loop
of bench_engine drives the first ``--attempts`` calls through each, and the
cost per call (one ``due`` share and one ``record``) is compared. Both must
start the same calls at the same instants (checked). The ratio must stay
at most 5 and flat as the campaign grows. Apart from it, the same loop with
the results of each wake-up given to ``record_many`` at once (one commit for
them all, not one each).

Part 2 (with ``--postgres``), attempts handed out per second by worker
processes sharing one PostgreSQL: 200 campaigns x 1,000 customers, all of
their first calls due at one instant; each worker takes ``due(now,
limit=50)`` and records each call, until nothing is left. 1 worker, then 4.
The server is ``--dsn`` when given, else a throw-away cluster (the tests' own).

    python benchmarks/bench_store.py [--sizes 1000 10000 100000] [--attempts N] [--rounds R]
    python benchmarks/bench_store.py --postgres [--dsn DSN] [--campaigns 200] [--customers 1000]
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from bench_engine import Host, host_loop
from bench_plan import NOW, RING, campaign

from scheduler import Campaign, Engine
from scheduler.store import PostgresStore, SQLiteStore, Store
from scheduler.times import epoch_seconds, from_epoch


def drive(host: Host, attempts: int) -> tuple[list[int], float]:
    """The first ``attempts`` starts of the host loop, and the seconds it took."""
    began = time.perf_counter()
    starts = host_loop(host, stop_after=attempts)
    return starts, time.perf_counter() - began


class Batching:
    """A host that keeps the results of a wake-up and gives them to ``record_many`` at once,
    before it next asks the store anything."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.results: list[tuple[str, str, datetime]] = []

    def record(self, attempt_id: str, outcome: str, ended_at: datetime) -> None:
        self.results.append((attempt_id, outcome, ended_at))

    def due(self, now: datetime) -> list[Any]:
        self.flush()
        return self.store.due(now)

    def next_wakeup(self) -> datetime | None:
        self.flush()
        return self.store.next_wakeup()

    def flush(self) -> None:
        if self.results:
            self.store.record_many(self.results)
            self.results = []


def part_sqlite(sizes: list[int], attempts: int, rounds: int) -> None:
    print(f"record + due per call, first {attempts:,} calls; median of {rounds} rounds")
    print(
        f"{'customers':>10} {'engine µs':>10} {'SQLite µs':>10} {'ratio':>6}"
        f"   {'record_many µs':>14} {'ratio':>6}"
    )
    for size in sizes:
        spec = campaign(size)
        times: dict[str, list[float]] = {"engine": [], "store": [], "batch": []}
        for _ in range(rounds):
            expected, seconds = drive(Engine(spec, now=NOW), attempts)
            times["engine"].append(seconds / len(expected))
            for kind in ("store", "batch"):
                with (
                    tempfile.TemporaryDirectory() as folder,
                    SQLiteStore(Path(folder) / "b.db") as store,
                ):
                    store.add(spec, now=NOW, key="bench")
                    got, seconds = drive(store if kind == "store" else Batching(store), attempts)
                    times[kind].append(seconds / len(got))
                assert got == expected, f"the store ({kind}) started other calls than the engine"
        engine_us, store_us, batch_us = (
            statistics.median(times[kind]) * 1e6 for kind in ("engine", "store", "batch")
        )
        print(
            f"{size:>10,} {engine_us:>10.1f} {store_us:>10.1f} {store_us / engine_us:>6.2f}"
            f"   {batch_us:>14.1f} {batch_us / engine_us:>6.2f}"
        )


def fleet(count: int, customers: int) -> list[Campaign]:
    """``count`` campaigns whose first calls are all due at NOW (lines for everyone)."""
    spec = campaign(customers)
    return [
        spec.model_copy(update={"id": f"c{i:04d}", "max_concurrency": customers})
        for i in range(count)
    ]


def worker(dsn: str, now: datetime, counts: Any, index: int) -> None:
    handed = 0
    with PostgresStore(dsn) as store:
        while batch := store.due(now, limit=50):
            for attempt in batch:
                store.record(attempt.id, "No Answer", from_epoch(epoch_seconds(now) + RING))
            handed += len(batch)
    counts[index] = handed


def throughput(dsn: str, workers: int, campaigns: list[Campaign]) -> tuple[int, float]:
    """Calls handed out, and seconds, by ``workers`` processes serving the fleet once."""
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as db:
        db.execute(
            "DROP TABLE IF EXISTS scheduler_schema, scheduler_campaigns, "
            "scheduler_checkpoints, scheduler_journal, scheduler_calls"
        )
    with PostgresStore(dsn) as store:
        for spec in campaigns:
            store.add(spec, now=NOW)
        at = store.next_wakeup()  # the windows' opening: every first call is due then
    assert at is not None
    context = multiprocessing.get_context("spawn")
    counts = context.Array("q", workers)
    processes = [context.Process(target=worker, args=(dsn, at, counts, i)) for i in range(workers)]
    began = time.perf_counter()
    for process in processes:
        process.start()
    for process in processes:
        process.join()
    seconds = time.perf_counter() - began
    assert all(p.exitcode == 0 for p in processes), "a worker failed"
    return sum(counts[:]), seconds


@contextmanager
def server(dsn: str | None) -> Iterator[str]:
    if dsn:
        yield dsn
        return
    sys.path.insert(0, str(Path(__file__).parent.parent / "tests"))
    from postgres import cluster, find_or_install

    binaries, why = find_or_install()
    if binaries is None:
        raise SystemExit(f"no PostgreSQL: {why}")
    with cluster(binaries) as started:
        yield started


def part_postgres(dsn: str | None, count: int, customers: int, rounds: int) -> None:
    campaigns = fleet(count, customers)
    total = count * customers
    print(f"PostgreSQL: {count} campaigns x {customers:,} customers, {total:,} calls due at once")
    with server(dsn) as target:
        rates: dict[int, list[float]] = {1: [], 4: []}
        for _ in range(rounds):
            for workers in (1, 4):
                handed, seconds = throughput(target, workers, campaigns)
                assert handed == total, f"{handed} calls handed out, {total} due"
                rates[workers].append(handed / seconds)
    one, four = statistics.median(rates[1]), statistics.median(rates[4])
    print(
        f"1 worker: {one:,.0f} calls/s; 4 workers: {four:,.0f} calls/s; scaling {four / one:.2f}x"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--attempts", type=int, default=2_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--dsn")
    parser.add_argument("--campaigns", type=int, default=200)
    parser.add_argument("--customers", type=int, default=1_000)
    args = parser.parse_args(argv)
    run: Callable[[], None]
    if args.postgres:
        run = lambda: part_postgres(args.dsn, args.campaigns, args.customers, args.rounds)  # noqa: E731
    else:
        run = lambda: part_sqlite(args.sizes, args.attempts, args.rounds)  # noqa: E731
    run()


if __name__ == "__main__":
    main()
