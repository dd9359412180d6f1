"""A dialer worker on a store, run as its own process by the store's tests.

    python tests/store_worker.py drive KIND TARGET SEED LOG
        Serve every campaign of the store to its end, as a host would: wake at
        the earlier of ``next_wakeup()`` and the end of a call in progress,
        record the calls that ended by then (with the results of
        ``outcomes.random(SEED)``), else start what ``due`` hands out. It keeps
        nothing of its own: all it knows it reads from the store, so it can be
        killed at any instant and started again. Each id ``due`` hands out is
        appended to LOG once the call returns.

    python tests/store_worker.py serve KIND TARGET SEED
        Answer JSON commands, one per line on stdin, with one JSON line on
        stdout: ``["due", now]`` -> the calls handed out, ``["record", [[id,
        outcome, ended_at], ...]]`` -> the decisions, ``["stop"]``.

KIND is ``sqlite`` (TARGET a file) or ``postgres`` (TARGET a connection string).
"""

from __future__ import annotations

import json
import os
import sys
from datetime import timedelta
from pathlib import Path

from scheduler import outcomes
from scheduler.outcomes import OutcomeSource
from scheduler.store import PostgresStore, SQLiteStore, Store


def open_store(kind: str, target: str) -> Store:
    return SQLiteStore(target) if kind == "sqlite" else PostgresStore(target)


def drive(store: Store, source: OutcomeSource, log: Path | None = None) -> int:
    """Run every campaign in ``store`` to its end; the number of steps taken."""
    fd = None if log is None else os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
    steps = 0
    try:
        while True:
            steps += 1
            ends = [
                (a.start + timedelta(seconds=source(a.phone, a.number)[1]), a)
                for a in store.in_progress()
            ]
            ends.sort(key=lambda pair: pair[0])
            wakeup = store.next_wakeup()
            candidates = [t for t in (wakeup, ends[0][0] if ends else None) if t is not None]
            if not candidates:
                return steps
            t = min(candidates)
            ended = [(end, a) for end, a in ends if end <= t]
            for end, a in ended:
                store.record(a.id, source(a.phone, a.number)[0], end)
            if not ended:
                handed = store.due(t)
                if fd is not None and handed:
                    os.write(fd, "".join(f"{a.id}\n" for a in handed).encode())
    finally:
        if fd is not None:
            os.close(fd)


def serve(store: Store) -> None:
    for line in sys.stdin:
        command = json.loads(line)
        if command[0] == "stop":
            break
        if command[0] == "due":
            answer: object = [
                [a.id, a.campaign, a.phone, a.number, a.start.isoformat()]
                for a in store.due(command[1])
            ]
        else:
            answer = [
                store.record(*call).model_dump(mode="json", by_alias=True) for call in command[1]
            ]
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


def main(argv: list[str]) -> None:
    mode, kind, target, seed = argv[:4]
    with open_store(kind, target) as store:
        if mode == "drive":
            drive(store, outcomes.random(int(seed)), Path(argv[4]))
        else:
            serve(store)


if __name__ == "__main__":
    main(sys.argv[1:])
