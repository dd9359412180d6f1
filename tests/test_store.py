"""The durable store: engines kept in SQLite and in a real PostgreSQL, answering as plan does.

Every scenario runs on both stores (``store_target``): a SQLite file, and a
fresh database of the throw-away PostgreSQL server of ``postgres.py``.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cases import ended_by, wake_at
from store_worker import drive, open_store
from stores import Opener

from scheduler import Campaign, Engine, audit, outcomes, plan
from scheduler.outcomes import OutcomeSource
from scheduler.store import SCHEMA_VERSION, SQLiteStore, Store, StoreError, base

WORKER = Path(__file__).with_name("store_worker.py")
SEED = 11


def spec(key: str, zone: str, first: str, start: str, end: str, customers: int) -> dict[str, Any]:
    """A campaign of ``customers`` numbers over a zone's DST night, with retries and pacing."""
    return {
        "name": f"{key} outreach",
        "id": key,
        "timezone": zone,
        "startTime": start,
        "endTime": end,
        "activeDays": [0, 1, 2, 3, 4, 5, 6],
        "startDate": first,
        "callRetries": 2,
        "retryDelaySeconds": 900,
        "maxConcurrency": 3,
        "callIntervalSeconds": 20,
        "phoneList": [f"+1415555{n:04d}" for n in range(customers)],
    }


# Havana skips midnight on 2026-03-08 (00:00 -> 01:00, 05:00Z); Prague skips 02:00 on
# 2026-03-29 (01:00Z); Lord Howe moves 30 minutes on 2026-10-04 (02:00 -> 02:30, 10-03T15:30Z).
HAVANA = spec("havana", "America/Havana", "2026-03-07", "00:00", "02:00", 40)
PRAGUE = spec("prague", "Europe/Prague", "2026-03-28", "01:00", "03:30", 30)
LORD_HOWE = spec("lord-howe", "Australia/Lord_Howe", "2026-10-03", "01:30", "03:00", 25)
SPECS = [HAVANA, PRAGUE, LORD_HOWE]
NOW = datetime(2026, 3, 1, tzinfo=UTC)


def planned(body: dict[str, Any], source: OutcomeSource) -> list[tuple[str, int, datetime]]:
    timeline = plan(Campaign.model_validate(body), now=NOW, outcomes=source)
    return [(a.phone, a.number, a.start) for a in timeline.attempts]


def run_to_end(workers: list[Store], source: OutcomeSource) -> dict[str, list[Any]]:
    """Drive every campaign to its end, the workers taking turns; the starts by campaign."""
    started: dict[str, list[Any]] = {}
    in_progress: dict[str, tuple[datetime, str]] = {}
    for step in range(100_000):
        worker = workers[step % len(workers)]
        wakeup = worker.next_wakeup()
        t = wake_at(wakeup, (end for end, _ in in_progress.values()))
        if t is None:
            return started
        for attempt_id, end, outcome in ended_by(in_progress, t):
            workers[(step + 1) % len(workers)].record(attempt_id, outcome, end)
        for attempt in worker.due(t):
            assert attempt.id not in in_progress
            assert attempt.start == t
            outcome, seconds = source(attempt.phone, attempt.number)
            in_progress[attempt.id] = (attempt.start + timedelta(seconds=seconds), outcome)
            started.setdefault(attempt.campaign, []).append(
                (attempt.phone, attempt.number, attempt.start)
            )
    raise AssertionError("the campaigns did not finish")


def test_three_campaigns_over_dst_nights_start_every_call_at_the_plans_instant(
    opener: Opener,
) -> None:
    source = outcomes.random(SEED)
    store = opener()
    keys = [store.add(Campaign.model_validate(body), now=NOW) for body in SPECS]
    assert keys == ["havana", "prague", "lord-howe"]
    started = run_to_end([store], source)
    for body in SPECS:
        assert started[body["id"]] == planned(body, source)
    assert store.next_wakeup() is None
    assert store.in_progress() == []
    # Havana's first night: the window opens at 00:00 local = 05:00Z (EST, -05:00).
    assert started["havana"][0] == ("+14155550000", 1, datetime(2026, 3, 7, 5, 0, tzinfo=UTC))
    # Prague's 01:00 on 2026-03-28 is 00:00Z (CET, +01:00).
    assert started["prague"][0] == ("+14155550000", 1, datetime(2026, 3, 28, 0, 0, tzinfo=UTC))


def test_two_workers_taking_turns_catch_up_from_each_others_journal(opener: Opener) -> None:
    source = outcomes.random(SEED)
    first, second = opener(), opener()
    for body in SPECS:
        first.add(Campaign.model_validate(body), now=NOW)
    started = run_to_end([first, second], source)
    for body in SPECS:
        assert started[body["id"]] == planned(body, source)
    for key in ("havana", "prague", "lord-howe"):
        assert first.status(key) == second.status(key)
        assert first.status(key)["campaign"] == "completed"


def test_checkpoints_replace_the_journal_and_a_new_worker_starts_from_them(
    opener: Opener, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(base, "MIN_CHECKPOINT_BYTES", 2_000)
    source = outcomes.random(SEED)
    store = opener()
    store.add(Campaign.model_validate(HAVANA), now=NOW)
    started: list[Any] = []
    workers = [store]
    # A new worker opens the store every few steps: it starts from the latest
    # checkpoint and the journal written since.
    in_progress: dict[str, tuple[datetime, str]] = {}
    for step in range(10_000):
        if step % 7 == 6:
            workers.append(opener())
        worker = workers[-1]
        wakeup = worker.next_wakeup()
        woken = wake_at(wakeup, (end for end, _ in in_progress.values()))
        if woken is None:
            break
        t = woken
        for attempt_id, end, outcome in ended_by(in_progress, t):
            workers[0].record(attempt_id, outcome, end)  # the first worker never reopens
        for attempt in worker.due(t):
            outcome, seconds = source(attempt.phone, attempt.number)
            in_progress[attempt.id] = (attempt.start + timedelta(seconds=seconds), outcome)
            started.append((attempt.phone, attempt.number, attempt.start))
    assert started == planned(HAVANA, source)
    assert len(workers) > 10
    checkpoint_seq, seq, kept = journal_position(store, "havana")
    assert 0 < checkpoint_seq <= seq
    assert kept == seq - checkpoint_seq, "entries up to the checkpoint are dropped"


def journal_position(store: Store, key: str) -> tuple[int, int, int]:
    """The campaign's checkpoint position, journal position and journal entries kept."""
    with store._transaction(write=False):
        checkpoint_seq, seq = store._execute(
            "SELECT checkpoint_seq, seq FROM scheduler_campaigns WHERE campaign = ?", (key,)
        ).fetchone()
        (kept,) = store._execute(
            "SELECT COUNT(*) FROM scheduler_journal WHERE campaign = ?", (key,)
        ).fetchone()
    return int(checkpoint_seq), int(seq), int(kept)


def test_in_progress_lists_what_due_handed_out_until_it_is_recorded(opener: Opener) -> None:
    store = opener()
    store.add(Campaign.model_validate(PRAGUE), now=NOW)
    store.add(Campaign.model_validate(HAVANA), now=NOW)
    t = datetime(2026, 3, 7, 5, 0, tzinfo=UTC)
    handed = store.due(t)
    # One call: the next one waits callIntervalSeconds.
    assert [a.id for a in handed] == ["havana/+14155550000#1"]
    assert handed[0].reason == (
        "attempt 1 of 3: first call, next in list order; first opening is Sat 00:00 CST"
    )
    # A new process sees the same calls in progress, as due returned them.
    again = opener()
    assert again.in_progress() == handed
    assert again.in_progress("prague") == []
    decision = again.record(handed[0].id, "Busy", t + timedelta(seconds=45))
    assert decision.attempt_id == "havana/+14155550000#1"
    assert decision.will_retry
    assert decision.retry_scheduled_at == t + timedelta(seconds=45 + 900)
    assert decision.retries_remaining == 1
    assert store.in_progress() == []
    # The same result again: the same decision; another result: refused, naming the campaign.
    assert store.record(handed[0].id, "Busy", t + timedelta(seconds=45)) == decision
    with pytest.raises(
        StoreError, match=r"campaign .havana.: record: \+14155550000#1 is already recorded as Busy"
    ):
        store.record(handed[0].id, "success", t + timedelta(seconds=45))


def test_due_with_a_limit_leaves_the_rest_for_the_next_call(opener: Opener) -> None:
    body = {**HAVANA, "callIntervalSeconds": 0}
    store = opener()
    store.add(Campaign.model_validate(body), now=NOW)
    t = datetime(2026, 3, 7, 5, 0, tzinfo=UTC)
    first = store.due(t, limit=1)
    assert [a.id for a in first] == ["havana/+14155550000#1"]
    assert store.next_wakeup() == t
    # Asked 5 s later, the other two lines' calls start then: never in the past.
    later = t + timedelta(seconds=5)
    rest = store.due(later, limit=10)
    assert [(a.id, a.start) for a in rest] == [
        ("havana/+14155550001#1", later),
        ("havana/+14155550002#1", later),
    ]
    assert store.due(later) == []
    with pytest.raises(StoreError, match=r"due: limit must be a whole number >= 0 or None, got -1"):
        store.due(later, limit=-1)


def test_a_worker_whose_now_lags_finds_nothing_new_and_no_error(opener: Opener) -> None:
    ahead, behind = opener(), opener()
    ahead.add(Campaign.model_validate(HAVANA), now=NOW)
    t = datetime(2026, 3, 7, 5, 0, tzinfo=UTC)
    late = t + timedelta(seconds=30)
    assert [(a.id, a.start) for a in ahead.due(late)] == [("havana/+14155550000#1", late)]
    assert behind.due(t) == []


def test_the_host_api_answers_as_the_engine_does(opener: Opener) -> None:
    campaign = Campaign.model_validate(PRAGUE)
    store = opener()
    engine = Engine(campaign, now=NOW)
    store.add(campaign, now=NOW)
    t = datetime(2026, 3, 28, 0, 0, tzinfo=UTC)
    assert [a.id.split("/")[1] for a in store.due(t)] == [a.id for a in engine.due(t)]
    store.pause("prague", t + timedelta(seconds=10))
    engine.pause(t + timedelta(seconds=10))
    store.remove_customer("prague", "+14155550005")
    engine.remove_customer("+14155550005")
    phones = ["+14155550001", "+14155559999"]
    added = store.add_customers("prague", phones, now=t + timedelta(seconds=20))
    assert added == engine.add_customers(phones, now=t + timedelta(seconds=20)) == ["+14155559999"]
    store.resume("prague", t + timedelta(seconds=30))
    engine.resume(t + timedelta(seconds=30))
    assert store.status("prague") == engine.status()
    assert store.status("prague")["customers"]["removed"] == 1
    later = t + timedelta(minutes=5)
    assert [a.id.split("/")[1] for a in store.due(later)] == [a.id for a in engine.due(later)]
    assert store.next_wakeup() == engine.next_wakeup()
    store.cancel("prague", later)
    engine.cancel(later)
    assert store.status("prague") == engine.status()
    assert store.next_wakeup() is None
    with pytest.raises(
        StoreError, match=r"campaign 'prague': add_customers: the campaign is cancelled"
    ):
        store.add_customers("prague", ["+14155558888"], now=later)


def test_refusals_name_what_is_wrong(opener: Opener) -> None:
    store = opener()
    store.add(Campaign.model_validate(PRAGUE), now=NOW)
    with pytest.raises(
        StoreError, match=r"add: a campaign with key 'prague' is already in the store"
    ):
        store.add(Campaign.model_validate(PRAGUE), now=NOW)
    assert store.add(Campaign.model_validate(PRAGUE), now=NOW, key="prague-2") == "prague-2"
    with pytest.raises(StoreError, match=r"no campaign with key 'nowhere' in the store"):
        store.status("nowhere")
    with pytest.raises(StoreError, match=r"unknown attempt id 'x#1': a store's ids are"):
        store.record("x#1", "Busy", "2026-03-28T00:01:00Z")
    with pytest.raises(StoreError, match=r"campaign 'prague': record: unknown attempt id"):
        store.record("prague/+14155550000#1", "Busy", "2026-03-28T00:01:00Z")
    with pytest.raises(
        StoreError, match=r"campaign 'prague': pause: now 2026-02-01T00:00:00Z is before"
    ):
        store.pause("prague", "2026-02-01T00:00:00Z")
    # A refusal leaves the campaign as it was.
    assert store.status("prague")["campaign"] == "scheduled"
    assert store.campaigns() == ["prague", "prague-2"]
    store.close()
    with pytest.raises(StoreError, match="the store is closed"):
        store.campaigns()


def test_a_call_log_from_the_store_passes_the_audit(opener: Opener) -> None:
    source = outcomes.random(SEED)
    store = opener()
    store.add(Campaign.model_validate(LORD_HOWE), now=NOW)
    run_to_end([store], source)
    calls = store.calls("lord-howe")
    assert len(calls) == len(planned(LORD_HOWE, source))
    assert audit(Campaign.model_validate(LORD_HOWE), calls) == []
    # Lord Howe's 01:30 on 2026-10-03 is 2026-10-02T15:00Z (+10:30, before the 30-minute move).
    assert calls[0]["start"] == "2026-10-02T15:00:00Z"


def test_the_schema_is_versioned_and_a_newer_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "calls.db"
    with SQLiteStore(path) as store:
        assert store.schema_version == SCHEMA_VERSION == 1
    with SQLiteStore(path) as store:  # opening again creates nothing twice
        assert store.campaigns() == []
    # A database whose version table says 0 (nothing made yet) is brought to version 1.
    older = tmp_path / "older.db"
    db = sqlite3.connect(older)
    db.execute("CREATE TABLE scheduler_schema (version INTEGER NOT NULL)")
    db.execute("INSERT INTO scheduler_schema (version) VALUES (0)")
    db.commit()
    db.close()
    with SQLiteStore(older) as store:
        assert store.schema_version == 1
        assert store.add(Campaign.model_validate(PRAGUE), now=NOW) == "prague"
    db = sqlite3.connect(path)
    db.execute("UPDATE scheduler_schema SET version = 9")
    db.commit()
    db.close()
    with pytest.raises(
        StoreError,
        match=r"tables are version 9, made by a newer scheduler; this one knows versions up to 1",
    ):
        SQLiteStore(path)


def test_the_cost_of_a_record_does_not_grow_with_the_campaign(tmp_path: Path) -> None:
    """What one record writes: a journal entry and two small rows, whatever the size."""
    sizes = {}
    for customers in (10, 2_000):
        path = tmp_path / f"{customers}.db"
        with SQLiteStore(path) as store:
            store.add(
                Campaign.model_validate(
                    spec("big", "UTC", "2026-03-02", "09:00", "17:00", customers)
                ),
                now=NOW,
            )
            (attempt,) = store.due("2026-03-02T09:00:00Z", limit=1)
            db = sqlite3.connect(path)
            before = db.execute(
                "SELECT COUNT(*), SUM(LENGTH(entry)) FROM scheduler_journal"
            ).fetchone()
            store.record(attempt.id, "Busy", attempt.start + timedelta(seconds=30))
            after = db.execute(
                "SELECT COUNT(*), SUM(LENGTH(entry)) FROM scheduler_journal"
            ).fetchone()
            db.close()
            sizes[customers] = (after[0] - before[0], after[1] - before[1])
    assert sizes[10][0] == sizes[2_000][0] == 1
    assert sizes[10][1] == sizes[2_000][1]


# -- several processes ------------------------------------------------------------------


def test_worker_processes_calling_due_at_the_same_instants_hand_out_each_call_once(
    store_target: tuple[str, str],
) -> None:
    """Three worker processes share one store; at every wake-up instant all three call
    ``due`` at once. Together they start every call at the plan's instant, none twice."""
    kind, target = store_target
    source = outcomes.random(SEED)
    with open_store(kind, target) as clock:
        for body in SPECS:
            clock.add(Campaign.model_validate(body), now=NOW)
        workers = [
            subprocess.Popen(
                [sys.executable, str(WORKER), "serve", kind, target, str(SEED)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
            for _ in range(3)
        ]

        def ask(worker: subprocess.Popen[str], command: list[Any]) -> None:
            assert worker.stdin is not None
            worker.stdin.write(json.dumps(command) + "\n")
            worker.stdin.flush()

        def answer(worker: subprocess.Popen[str]) -> Any:
            assert worker.stdout is not None
            return json.loads(worker.stdout.readline())

        started: dict[str, list[Any]] = {}
        seen: set[str] = set()
        in_progress: dict[str, tuple[datetime, str, str]] = {}
        try:
            for _ in range(100_000):
                wakeup = clock.next_wakeup()
                woken = wake_at(wakeup, (end for end, _, _ in in_progress.values()))
                if woken is None:
                    break
                t = woken
                # The calls that ended by t, each campaign's in order, to one worker each.
                ended: dict[str, list[Any]] = {}
                for attempt_id, (end, outcome, key) in sorted(
                    in_progress.items(), key=lambda kv: kv[1][0]
                ):
                    if end <= t:
                        del in_progress[attempt_id]
                        ended.setdefault(key, []).append([attempt_id, outcome, end.isoformat()])
                busy = []
                for i, calls in enumerate(ended.values()):
                    worker = workers[i % len(workers)]
                    ask(worker, ["record", calls])
                    busy.append(worker)
                for worker in busy:
                    answer(worker)
                for worker in workers:
                    ask(worker, ["due", t.isoformat()])
                for worker in workers:
                    for attempt_id, key, phone, number, start in answer(worker):
                        assert attempt_id not in seen, f"{attempt_id} handed out twice"
                        seen.add(attempt_id)
                        outcome, seconds = source(phone, number)
                        begun = datetime.fromisoformat(start)
                        in_progress[attempt_id] = (begun + timedelta(seconds=seconds), outcome, key)
                        started.setdefault(key, []).append((phone, number, begun))
            else:
                raise AssertionError("the campaigns did not finish")
        finally:
            for worker in workers:
                ask(worker, ["stop"])
                worker.wait(timeout=30)
    for body in SPECS:
        # Workers answer in parallel, so within one instant the order is the merge of theirs.
        assert sorted(started[body["id"]]) == sorted(planned(body, source))


def test_a_worker_killed_at_random_instants_loses_nothing_and_repeats_nothing(
    store_target: tuple[str, str], tmp_path: Path
) -> None:
    kind, target = store_target
    source = outcomes.random(SEED)
    bodies = [
        spec(f"crash-{i}", "Europe/Prague", "2026-03-28", "01:00", "03:30", 500) for i in range(4)
    ]
    with open_store(kind, target) as store:
        for body in bodies:
            store.add(Campaign.model_validate(body), now=NOW)
    log = tmp_path / "handed.log"
    chance = random.Random(20261130)
    command = [sys.executable, str(WORKER), "drive", kind, target, str(SEED), str(log)]
    kills = 0
    for _ in range(10):
        # Each life hands out 100-300 calls (about 4,400 in all), then dies a random
        # few milliseconds later: between transactions or inside one.
        before = handed_count(log)
        goal = before + chance.randint(100, 300)
        worker = subprocess.Popen(command)
        deadline = time.monotonic() + 120
        while handed_count(log) < goal and worker.poll() is None:
            assert time.monotonic() < deadline, "the worker made no progress"
            time.sleep(0.005)
        time.sleep(chance.uniform(0, 0.03))
        assert worker.poll() is None, "the worker finished before it could be killed"
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait()
        kills += 1
        with open_store(kind, target) as store:
            # Every call handed out is recorded or still in progress.
            handed = set(log.read_text().split()) if log.exists() else set()
            open_now = {a.id for a in store.in_progress()}
            recorded = {c["id"] for key in store.campaigns() for c in store.calls(key)}
            assert not open_now & recorded
            assert handed <= open_now | recorded
    assert kills == 10
    assert subprocess.run(command, timeout=600).returncode == 0
    with open_store(kind, target) as store:
        assert store.in_progress() == []
        assert store.next_wakeup() is None
        for body in bodies:
            calls = store.calls(body["id"])
            starts = [
                (c["phone"], c["attemptNumber"], datetime.fromisoformat(c["start"])) for c in calls
            ]
            assert starts == planned(body, source)
            assert [c["outcome"] for c in calls] == [
                source(c["phone"], c["attemptNumber"])[0] for c in calls
            ]
            assert store.status(body["id"])["campaign"] == "completed"
    handed_ids = log.read_text().split()
    assert len(handed_ids) == len(set(handed_ids)), "an attempt was handed out twice"


def handed_count(log: Path) -> int:
    return log.read_text().count("\n") if log.exists() else 0


def test_the_driving_worker_alone_reaches_the_plan(tmp_path: Path) -> None:
    source = outcomes.random(SEED)
    with SQLiteStore(tmp_path / "calls.db") as store:
        store.add(Campaign.model_validate(PRAGUE), now=NOW)
        drive(store, source)
        starts = [
            (c["phone"], c["attemptNumber"], datetime.fromisoformat(c["start"]))
            for c in store.calls("prague")
        ]
    assert starts == planned(PRAGUE, source)
