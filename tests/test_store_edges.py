"""The store's harder cases: a campaign that cannot be served, locks held by other workers,
the database's isolation defaults, checkpoints, idle workers, threads and spec round trips.

Every scenario that applies to both databases runs on SQLite and on the throw-away
PostgreSQL of ``postgres.py`` (``store_target``).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from stores import Opener

from scheduler import Campaign, Engine
from scheduler.store import PostgresStore, Store, StoreError, base

NOW = datetime(2026, 3, 1, tzinfo=UTC)
T = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday, 09:00 UTC


def body(key: str, customers: int = 6, **extra: Any) -> dict[str, Any]:
    """A UTC campaign from Monday 2026-03-02, 09:00-17:00, with retries and pacing."""
    return {
        "name": f"{key} outreach",
        "id": key,
        "timezone": "UTC",
        "startTime": "09:00",
        "endTime": "17:00",
        "startDate": "2026-03-02",
        "callRetries": 2,
        "retryDelaySeconds": 600,
        "maxConcurrency": 2,
        "callIntervalSeconds": 30,
        "phoneList": [f"+1415555{n:04d}" for n in range(customers)],
        **extra,
    }


def campaign(key: str, customers: int = 6, **extra: Any) -> Campaign:
    return Campaign.model_validate(body(key, customers, **extra))


def ids(attempts: Sequence[Any]) -> list[str]:
    return [a.id for a in attempts]


def local(attempts: Sequence[Any]) -> list[tuple[str, datetime, str]]:
    """A store's attempts as an engine names them: (engine id, start, reason)."""
    return [(a.id.rpartition("/")[2], a.start, a.reason) for a in attempts]


def execute(store: Store, sql: str, params: Sequence[Any] = ()) -> None:
    """One write straight to the store's database, as a damaged or foreign writer would."""
    with store._transaction(write=True):
        store._execute(sql, params)


# -- bugs ---------------------------------------------------------------------------------


def test_due_returns_every_call_it_hands_out_even_when_a_later_campaign_fails(
    opener: Opener,
) -> None:
    first = opener()
    first.add(campaign("a"), now=NOW)
    first.add(campaign("b"), now=NOW)
    # Campaign b's checkpoint comes from a worker with other zone rules: this worker
    # refuses to restore it (a rolling upgrade of tzdata), a StoreError.
    execute(
        first,
        "UPDATE scheduler_checkpoints SET state = ? WHERE campaign = ?",
        (
            json.dumps({**json.loads(_checkpoint(first, "b")), "tzdataVersion": "1999a"}),
            "b",
        ),
    )
    worker = opener()  # a fresh cache: it restores b from the checkpoint
    try:
        handed = worker.due(T)
    except StoreError:
        handed = []
    # Whatever due() did with campaign b, a call it handed out reaches the host.
    assert set(ids(worker.in_progress())) <= set(ids(handed))


def _checkpoint(store: Store, key: str) -> str:
    with store._transaction(write=False):
        (state,) = store._execute(
            "SELECT state FROM scheduler_checkpoints WHERE campaign = ?", (key,)
        ).fetchone()
    return str(state)


def test_in_progress_lists_the_calls_by_start_then_campaign(opener: Opener) -> None:
    store = opener()
    # b opens at 09:00, a at 09:00:30: a due() at 09:01 serves b first.
    store.add(campaign("a", 1, startTime="09:00:30"), now=NOW)
    store.add(campaign("b", 1), now=NOW)
    handed = store.due(T + timedelta(minutes=1))
    assert ids(handed) == ["b/+14155550000#1", "a/+14155550000#1"]
    # Both start at 09:01: in_progress() lists them by campaign.
    assert store.in_progress() == [handed[1], handed[0]]


def test_a_record_in_progress_elsewhere_does_not_hide_a_campaigns_due_calls(
    postgres_db: str,
) -> None:
    with PostgresStore(postgres_db) as store, PostgresStore(postgres_db) as other:
        store.add(campaign("a"), now=NOW)
        engine = Engine(campaign("a"), now=NOW)
        assert len(store.due(T)) == len(engine.due(T)) == 1
        later = T + timedelta(minutes=1)
        # The other worker is recording a call of campaign a: it holds a's row lock
        # for its short transaction, as record() does (SELECT ... FOR UPDATE). due()
        # waits for it rather than passing the campaign by.
        locked = threading.Event()

        def hold_the_lock() -> None:
            with other._transaction(write=True):
                other._row("a", lock=True)
                locked.set()
                time.sleep(0.3)

        holder = threading.Thread(target=hold_the_lock)
        holder.start()
        assert locked.wait(10)
        handed = store.due(later)
        holder.join()
        expected = engine.due(later)
        assert expected, "the engine hands out calls at this instant"
        assert local(handed) == [(a.id, a.start, a.reason) for a in expected]


def test_one_campaign_that_does_not_load_does_not_stop_the_others(opener: Opener) -> None:
    first = opener()
    first.add(campaign("a"), now=NOW)
    first.add(campaign("b"), now=NOW)
    state = json.loads(_checkpoint(first, "a"))
    execute(
        first,
        "UPDATE scheduler_checkpoints SET state = ? WHERE campaign = ?",
        (json.dumps({**state, "tzdataVersion": "1999a"}), "a"),
    )
    worker = opener()
    # a and b open together; a cannot be served, b is: due hands out b's call.
    assert ids(worker.due(T)) == ["b/+14155550000#1"]
    # b paces its calls 30 s apart: at 09:00:10 only a, still waiting, is due.
    with pytest.raises(StoreError) as refused:
        worker.due(T + timedelta(seconds=10))
    assert str(refused.value).startswith(
        "due: campaign 'a': restore: this snapshot was taken with tzdata 1999a"
    )
    assert worker.in_progress() == first.in_progress()
    assert ids(worker.in_progress()) == ["b/+14155550000#1"]


def test_a_write_waits_for_another_workers_write_whatever_the_default_isolation(
    postgres_db: str,
) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(postgres_db, autocommit=True) as admin:
        admin.execute(
            sql.SQL(
                "ALTER DATABASE {} SET default_transaction_isolation = 'repeatable read'"
            ).format(sql.Identifier(admin.info.dbname))
        )
    with PostgresStore(postgres_db) as store, PostgresStore(postgres_db) as other:
        store.add(campaign("a"), now=NOW)
        (first,) = store.due(T)
        errors: list[BaseException] = []
        decisions: list[Any] = []

        def record() -> None:
            try:
                decisions.append(store.record(first.id, "Busy", T + timedelta(seconds=20)))
            except BaseException as error:
                errors.append(error)

        # The other worker's write on campaign a (a pause, say) holds a's row while
        # this worker's record waits for it.
        with other._transaction(write=True):
            row = other._row("a", lock=True)
            thread = threading.Thread(target=record)
            thread.start()
            _wait_for_a_lock_wait(postgres_db)  # the record waits for the row
            cached = other._load("a", row)
            cached.engine.pause(T + timedelta(seconds=10))
            other._save("a", cached, row)
        thread.join(30)
        assert errors == []
        assert decisions[0].will_retry


def _wait_for_a_lock_wait(dsn: str) -> None:
    """Return once a session of the database waits for a lock (give up after 30 s)."""
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as admin:
        for _ in range(3000):
            row = admin.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            ).fetchone()
            if row is not None and row[0]:
                return
            time.sleep(0.01)
    raise AssertionError("no session waits for a lock")


# -- behaviour worth keeping -----------------------------------------------------------------


def test_a_failed_commit_drops_the_cached_engine_and_the_call_can_be_made_again(
    opener: Opener, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = opener()
    store.add(campaign("a"), now=NOW)
    engine = Engine(campaign("a"), now=NOW)
    real = store._commit
    fail = {"left": 0, "any": 0}

    def commit(writes: Any) -> None:
        if fail["left"] and (writes or fail["any"]):
            fail["left"] -= 1
            raise OSError("the disk is full")
        real(writes)

    monkeypatch.setattr(store, "_commit", commit)
    # A due() whose commit fails hands out nothing; asked again, the same calls.
    fail["left"] = 1
    with pytest.raises(OSError, match="the disk is full"):
        store.due(T)
    assert store.in_progress() == []
    handed = store.due(T)
    assert local(handed) == [(a.id, a.start, a.reason) for a in engine.due(T)]
    # A record whose commit fails is not kept; made again, the engine's decision.
    end = T + timedelta(seconds=20)
    fail["left"] = 1
    with pytest.raises(OSError, match="the disk is full"):
        store.record(handed[0].id, "Busy", end)
    assert ids(store.in_progress()) == ids(handed)
    decision = store.record(handed[0].id, "Busy", end)
    expected = engine.record(handed[0].id.rpartition("/")[2], "Busy", end)
    assert decision.model_dump() == {**expected.model_dump(), "attempt_id": handed[0].id}
    # A pause whose commit fails leaves the campaign running.
    fail["left"] = 1
    with pytest.raises(OSError, match="the disk is full"):
        store.pause("a", end)
    assert store.status("a") == engine.status()
    assert store.next_wakeup() == engine.next_wakeup()
    # An add (its writes not queued) whose commit fails adds nothing, and can be made again.
    fail["left"] = fail["any"] = 1
    with pytest.raises(OSError, match="the disk is full"):
        store.add(campaign("b"), now=NOW)
    assert store.campaigns() == ["a"]
    assert store.add(campaign("b"), now=NOW) == "b"


def test_a_refusal_after_catching_up_keeps_the_engine_in_step(opener: Opener) -> None:
    """A StoreError keeps the cached engine: it must then be exactly the database's."""
    first, second = opener(), opener()
    first.add(campaign("a"), now=NOW)
    engine = Engine(campaign("a"), now=NOW)
    assert first.status("a") == second.status("a")  # both cache the engine at seq 0
    handed = first.due(T)
    engine.due(T)
    # second catches up on the due, then refuses a record of an unknown attempt.
    with pytest.raises(StoreError, match="unknown attempt id"):
        second.record("a/+14155559999#1", "Busy", T + timedelta(seconds=5))
    with pytest.raises(StoreError, match="is before the engine's clock"):
        second.pause("a", NOW)
    end = T + timedelta(seconds=40)
    decision = second.record(handed[0].id, "No Answer", end)
    assert decision.model_dump() == {
        **engine.record(handed[0].id.rpartition("/")[2], "No Answer", end).model_dump(),
        "attempt_id": handed[0].id,
    }
    # first catches up on that record (its engine left unsettled), then refuses two calls.
    with pytest.raises(StoreError, match="is before the engine's clock"):
        first.resume("a", NOW)
    with pytest.raises(StoreError, match="is not a customer of this campaign"):
        first.remove_customer("a", "+14155559999")
    later = T + timedelta(minutes=1)
    assert local(first.due(later)) == [(a.id, a.start, a.reason) for a in engine.due(later)]
    assert first.status("a") == second.status("a") == engine.status()
    assert first.next_wakeup() == engine.next_wakeup()


def test_a_worker_that_wrote_last_notices_another_workers_writes_before_its_next(
    opener: Opener,
) -> None:
    """A worker keeps the campaign's row it wrote; a record by another worker in between,
    and the reads the first makes meanwhile, must not leave it writing from that old row."""
    first, second = opener(), opener()
    first.add(campaign("a"), now=NOW)
    engine = Engine(campaign("a"), now=NOW)
    handed = first.due(T) + first.due(T + timedelta(seconds=30))
    engine.due(T)
    engine.due(T + timedelta(seconds=30))
    assert ids(handed) == ["a/+14155550000#1", "a/+14155550001#1"]
    ends = [T + timedelta(seconds=40), T + timedelta(seconds=50)]
    for worker, attempt, end in zip((first, second), handed, ends, strict=True):
        decision = worker.record(attempt.id, "Busy", end)
        expected = engine.record(attempt.id.rpartition("/")[2], "Busy", end)
        assert decision.model_dump() == {**expected.model_dump(), "attempt_id": attempt.id}
        assert first.next_wakeup() == engine.next_wakeup()  # a read between the writes
    # first's next writes start from the campaign's row: the one second wrote, not first's.
    later = T + timedelta(minutes=1)
    first.pause("a", later)
    engine.pause(later)
    first.resume("a", later)
    engine.resume(later)
    assert local(first.due(later)) == [(a.id, a.start, a.reason) for a in engine.due(later)]
    assert first.status("a") == second.status("a") == engine.status()
    assert ids(second.in_progress()) == ids(first.in_progress())


def test_an_idle_worker_catches_up_across_checkpoints_by_another(
    opener: Opener, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(base, "MIN_CHECKPOINT_BYTES", 1)
    monkeypatch.setattr(base, "CHECKPOINT_RATIO", 0)  # a checkpoint at every operation
    busy, idle = opener(), opener()
    busy.add(campaign("a", 20), now=NOW)
    engine = Engine(campaign("a", 20), now=NOW)
    (first, *_) = handed = idle.due(T)  # idle caches the engine, then waits
    engine.due(T)
    t = T
    in_flight = [a for a in handed if a is not first]
    for _ in range(6):  # busy checkpoints at every operation: the journal is dropped
        t += timedelta(minutes=1)
        for a in in_flight:
            local_id = a.id.rpartition("/")[2]
            assert busy.record(a.id, "Busy", t) == engine.record(local_id, "Busy", t).model_copy(
                update={"attempt_id": a.id}
            )
        in_flight = busy.due(t)
        assert local(in_flight) == [(a.id, a.start, a.reason) for a in engine.due(t)]
    with busy._transaction(write=False):
        seq, checkpoint_seq = busy._execute(
            "SELECT seq, checkpoint_seq FROM scheduler_campaigns WHERE campaign = 'a'"
        ).fetchone()
    assert seq == checkpoint_seq > 2
    # The idle worker records the call it handed out long ago, and again (the same result).
    end = t + timedelta(seconds=1)
    expected = engine.record(first.id.rpartition("/")[2], "success", end)
    assert idle.record(first.id, "success", end).ended_at == expected.ended_at
    assert idle.record(first.id, "success", end).ended_at == expected.ended_at
    assert idle.status("a") == busy.status("a") == engine.status()
    assert idle.next_wakeup() == engine.next_wakeup()


def test_the_spec_round_trip_restores_a_rich_campaign_that_answers_as_the_engine(
    opener: Opener, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Customers with zones and regions, day schedules, rules with a cap, blackout dates and
    recipient local time: each operation is made by a new worker from a fresh checkpoint."""
    monkeypatch.setattr(base, "MIN_CHECKPOINT_BYTES", 1)
    monkeypatch.setattr(base, "CHECKPOINT_RATIO", 0)  # a checkpoint at every operation
    rich = {
        "name": "rich",
        "timezone": "America/New_York",
        "startTime": "09:00",
        "endTime": "17:00",
        "activeDays": [0, 1, 2, 3, 4],
        "daySchedules": {"0": {"startTime": "10:00"}, "4": {"endTime": "12:00"}},
        "startDate": "2026-03-02",
        "endDate": "2026-03-20",
        "blackoutDates": ["2026-03-04", {"start": "2026-03-10", "end": "2026-03-11"}],
        "callRetries": 2,
        "retryDelaySeconds": 1800,
        "maxConcurrency": 2,
        "callIntervalSeconds": 60,
        "recipientLocalTime": True,
        "callingRules": ["US-TCPA", {"name": "cap", "cap": {"calls": 2, "seconds": 86400}}],
        "customers": [
            {
                "phoneNumber": "+14155550001",
                "timezone": "America/Los_Angeles",
                "region": "US-CA",
                "properties": {"tier": 1},
            },
            {"phoneNumber": "+13055550002", "region": "US-FL"},
            {"phoneNumber": "+12125550003", "timezone": "America/Chicago"},
        ],
        "phoneList": ["+14155550004"],
    }
    spec = Campaign.model_validate(rich)
    history = {"+14155550004": ["2026-03-01T20:00:00Z"]}
    engine = Engine(spec, now=NOW, history=history)
    key = opener().add(spec, now=NOW, history=history)
    assert key == "rich"  # no id: the name
    stored = opener()
    with stored._transaction(write=False):
        (text,) = stored._execute("SELECT spec FROM scheduler_checkpoints").fetchone()
    assert Campaign.model_validate_json(text) == spec
    t = NOW
    in_flight: dict[str, datetime] = {}
    for step in range(40):
        worker = opener()
        if in_flight and step % 2:
            attempt_id, started = next(iter(in_flight.items()))
            del in_flight[attempt_id]
            end = max(t, started) + timedelta(seconds=90)
            outcome = ("Busy", "No Answer", "success")[step % 3]
            got = worker.record(f"rich/{attempt_id}", outcome, end)
            assert got.model_dump() == {
                **engine.record(attempt_id, outcome, end).model_dump(),
                "attempt_id": f"rich/{attempt_id}",
            }
            continue
        wakeup = engine.next_wakeup()
        assert worker.next_wakeup() == wakeup
        if wakeup is None:
            break
        t = max(t, wakeup)
        handed = worker.due(t)
        assert local(handed) == [(a.id, a.start, a.reason) for a in engine.due(t)]
        in_flight.update((a.id.rpartition("/")[2], a.start) for a in handed)
        assert worker.status(key) == engine.status()
    assert opener().status(key) == engine.status()


def test_keys_with_a_slash_names_as_keys_and_a_refused_duplicate(opener: Opener) -> None:
    first, second = opener(), opener()
    assert first.add(campaign("a"), now=NOW, key="team/spring") == "team/spring"
    unnamed = Campaign.model_validate({k: v for k, v in body("x").items() if k != "id"})
    assert first.add(unnamed, now=NOW) == "x outreach"
    handed = first.due(T)
    assert sorted(ids(handed)) == ["team/spring/+14155550000#1", "x outreach/+14155550000#1"]
    assert second.status("team/spring")["campaign"] == "active"  # second caches it
    with pytest.raises(StoreError, match="already in the store"):
        second.add(campaign("other"), now=NOW, key="team/spring")
    with pytest.raises(StoreError, match="already in the store"):
        first.add(unnamed, now=NOW)
    # The campaign kept under the key is the first one, in both workers' caches.
    spring = next(a for a in handed if a.campaign == "team/spring")
    decision = second.record(spring.id, "Busy", T + timedelta(seconds=10))
    assert decision.attempt_id == "team/spring/+14155550000#1"
    assert decision.will_retry
    assert first.in_progress("team/spring") == []
    assert [c["id"] for c in first.calls("team/spring")] == [spring.id]
    assert first.status("team/spring") == second.status("team/spring")
    with pytest.raises(StoreError, match="key must be non-empty text"):
        first.add(campaign("a"), now=NOW, key="")


def test_due_passes_by_paused_completed_and_cancelled_campaigns_and_writes_nothing_there(
    opener: Opener,
) -> None:
    store = opener()
    for key in ("active", "paused", "done", "cancelled"):
        store.add(campaign(key, 1, callRetries=0), now=NOW)
    store.pause("paused", NOW)
    store.cancel("cancelled", NOW)
    (call,) = [a for a in store.due(T) if a.campaign == "done"]
    store.record(call.id, "success", T + timedelta(seconds=5))
    assert store.status("done")["campaign"] == "completed"
    before = {key: _seq(store, key) for key in ("paused", "done", "cancelled")}
    later = T + timedelta(hours=1)
    assert store.due(later) == []
    assert {key: _seq(store, key) for key in before} == before
    # The paused campaign resumes where it was; a worker whose now lags finds nothing new.
    store.resume("paused", later)
    lagging = opener()
    assert lagging.due(later - timedelta(seconds=1)) == []
    assert ids(lagging.due(later)) == ["paused/+14155550000#1"]


def _seq(store: Store, key: str) -> int:
    with store._transaction(write=False):
        (seq,) = store._execute(
            "SELECT seq FROM scheduler_campaigns WHERE campaign = ?", (key,)
        ).fetchone()
    return int(seq)


def test_due_with_a_limit_serves_campaigns_by_their_next_wakeup(opener: Opener) -> None:
    store = opener()
    lines = {"maxConcurrency": 3, "callIntervalSeconds": 0}
    store.add(campaign("late", 3, startTime="09:00:20", **lines), now=NOW)
    store.add(campaign("early", 3, **lines), now=NOW)
    t = T + timedelta(minutes=1)
    assert ids(store.due(t, limit=1)) == ["early/+14155550000#1"]
    # early, served at 09:01, wakes next at 09:01; late has waited since 09:00:20.
    assert ids(store.due(t, limit=2)) == ["late/+14155550000#1", "late/+14155550001#1"]


def test_due_with_a_limit_hands_out_at_most_that_many_and_leaves_the_rest_due(
    opener: Opener,
) -> None:
    store = opener()
    lines = {"maxConcurrency": 3, "callIntervalSeconds": 0}
    store.add(campaign("late", 3, startTime="09:00:20", **lines), now=NOW)
    store.add(campaign("early", 3, **lines), now=NOW)
    t = T + timedelta(minutes=1)
    handed: list[str] = []
    for limit in (1, 2, 0, 2, 5):
        got = ids(store.due(t, limit=limit))
        assert len(got) == min(limit, 6 - len(handed))
        handed += got
    assert store.due(t) == []
    assert sorted(handed) == sorted(
        f"{key}/+141555500{n:02d}#1" for key in ("early", "late") for n in range(3)
    )
    assert store.next_wakeup() is None  # every line busy until a call is recorded


def test_workers_and_threads_calling_due_at_the_same_instant_hand_out_each_call_once(
    opener: Opener,
) -> None:
    shared, other = opener(), opener()
    engines = {}
    for key in ("a", "b", "c", "d"):
        shared.add(campaign(key, 8, maxConcurrency=3, callIntervalSeconds=0), now=NOW)
        engines[key] = Engine(campaign(key, 8, maxConcurrency=3, callIntervalSeconds=0), now=NOW)
    expected = sorted(f"{k}/{a.id}" for k, e in engines.items() for a in e.due(T))
    stores = [shared, shared, shared, other, other, other]
    barrier = threading.Barrier(len(stores))
    results: list[list[str]] = [[] for _ in stores]
    errors: list[BaseException] = []

    def work(i: int) -> None:
        try:
            barrier.wait()
            results[i] = ids(stores[i].due(T))
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(stores))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    handed = [attempt_id for result in results for attempt_id in result]
    # Workers may pass a campaign another is serving: what is left is handed out next.
    handed += ids(shared.due(T))
    assert sorted(handed) == expected
    assert sorted(ids(other.in_progress())) == expected


def test_reads_neither_wait_for_a_write_in_progress_nor_see_its_half(opener: Opener) -> None:
    store, other = opener(), opener()
    store.add(campaign("a"), now=NOW)
    handed = store.due(T)
    before = (store.status("a"), store.in_progress(), store.calls("a"), store.next_wakeup())
    # Another worker is in the middle of recording the call: its row lock is held and
    # some of its writes are made, none committed.
    with other._transaction(write=True):
        row = other._row("a", lock=True)
        cached = other._load("a", row)
        cached.engine.record(handed[0].id.rpartition("/")[2], "success", T + timedelta(seconds=9))
        other._execute(
            "UPDATE scheduler_calls SET outcome = 'success', ended = 'x' WHERE id = ?",
            (handed[0].id,),
        )
        other._save("a", cached, row)
        during = (store.status("a"), store.in_progress(), store.calls("a"), store.next_wakeup())
    assert during == before
    assert store.in_progress() == []
    assert store.status("a")["customers"]["done"] == 1


def test_record_many_answers_as_record_one_by_one_across_campaigns(opener: Opener) -> None:
    store, other = opener(), opener()
    engines = {key: Engine(campaign(key), now=NOW) for key in ("a", "b")}
    for key in engines:
        store.add(campaign(key), now=NOW)
    handed = store.due(T) + store.due(T + timedelta(seconds=30))
    for engine in engines.values():
        engine.due(T)
        engine.due(T + timedelta(seconds=30))
    assert sorted(ids(handed)) == [
        "a/+14155550000#1",
        "a/+14155550001#1",
        "b/+14155550000#1",
        "b/+14155550001#1",
    ]
    results = [
        (a.id, outcome, a.start + timedelta(seconds=45))
        for a, outcome in zip(handed, ("Busy", "success", "No Answer", "Busy"), strict=True)
    ]
    # The first result twice: the same decision, kept once.
    decisions = other.record_many([*results, results[0]])
    expected = []
    for attempt_id, outcome, end in [*results, results[0]]:
        key, _, engine_id = attempt_id.rpartition("/")
        decision = engines[key].record(engine_id, outcome, end)
        expected.append({**decision.model_dump(), "attempt_id": attempt_id})
    assert [d.model_dump() for d in decisions] == expected
    assert store.in_progress() == other.in_progress() == []
    later = T + timedelta(minutes=11)
    handed_later = store.due(later)
    assert sorted(local(handed_later)) == sorted(
        (a.id, a.start, a.reason) for engine in engines.values() for a in engine.due(later)
    )
    for key, engine in engines.items():
        assert store.status(key) == other.status(key) == engine.status()
        assert [c["outcome"] for c in store.calls(key)] == [
            outcome for attempt_id, outcome, _ in results if attempt_id.startswith(f"{key}/")
        ]


def test_record_many_with_a_refused_result_keeps_none_of_them(opener: Opener) -> None:
    store = opener()
    store.add(campaign("a"), now=NOW)
    store.add(campaign("b"), now=NOW)
    engine = Engine(campaign("a"), now=NOW)
    handed = store.due(T)
    engine.due(T)
    end = T + timedelta(seconds=45)
    first = next(a for a in handed if a.campaign == "a")
    with pytest.raises(StoreError, match="unknown attempt id"):
        store.record_many(
            [(a.id, "Busy", end) for a in handed] + [("b/+14155559999#1", "Busy", end)]
        )
    assert sorted(ids(store.in_progress())) == sorted(ids(handed))
    # The batch was never taken: the call can still be recorded with another result.
    decision = store.record(first.id, "No Answer", end)
    expected = engine.record(first.id.rpartition("/")[2], "No Answer", end)
    assert decision.model_dump() == {**expected.model_dump(), "attempt_id": first.id}
    assert store.status("a") == engine.status()
