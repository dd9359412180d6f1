"""A store answers exactly as the in-memory engine fed the same calls, on random campaigns.

Hypothesis draws the engine property tests' campaigns (any zone, ``now`` from
1900 to 2100, overnight windows, both retry and scheduling modes, scripted
outcomes) and a host's choices: which of two workers (two ``SQLiteStore``
objects on one file) makes each call, and now and then a pause and resume, an
opt-out or a new customer. The same calls go to an ``Engine``; every answer
must be the same: the calls handed out (id, start, reason), each decision,
each refusal, the next wake-up and the counts by state. Checkpoints come
every operation, every few, or rarely, so workers start from checkpoints and
catch up from journals of every length.
"""

from __future__ import annotations

import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from unittest.mock import patch

from cases import Case, ended_by, wake_at
from hypothesis import event, given, settings
from hypothesis import strategies as st
from test_properties_engine import cases

from scheduler import Campaign, Engine, EngineError
from scheduler.store import SQLiteStore, Store, StoreError, base

MAX_STEPS = 3_000
KEY = "c"


def local(attempts: list[Any]) -> list[tuple[str, datetime, str]]:
    """A store's calls as the engine names them: (engine id, start, reason)."""
    return [(a.id.removeprefix(f"{KEY}/"), a.start, a.reason) for a in attempts]


def same_answer(store: Store, engine: Engine, op: str, *args: Any, **kwargs: Any) -> Any:
    """Call ``op`` on both (the store with the campaign's key first): the engine's result,
    which the store must give too, or None when both refuse with the same words."""
    try:
        expected = getattr(engine, op)(*args, **kwargs)
    except EngineError as error:
        try:
            getattr(store, op)(KEY, *args, **kwargs)
        except StoreError as refused:
            assert str(refused) == f"campaign {KEY!r}: {error}"
            return None
        raise AssertionError(f"{op}: the engine refused ({error}), the store did not") from None
    assert getattr(store, op)(KEY, *args, **kwargs) == expected
    return expected


@settings(deadline=None, max_examples=max(10, settings().max_examples // 5))
@given(case=cases(), data=st.data())
def test_a_store_answers_as_the_engine_fed_the_same_calls(case: Case, data: st.DataObject) -> None:
    campaign = Campaign.model_validate(case.body)
    source = case.source()
    ratio = data.draw(st.sampled_from([0, 1, 4]), label="checkpoint ratio")
    with (
        tempfile.TemporaryDirectory() as folder,
        patch.object(base, "MIN_CHECKPOINT_BYTES", 1),
        patch.object(base, "CHECKPOINT_RATIO", ratio),
        SQLiteStore(Path(folder) / "calls.db") as first,
        SQLiteStore(Path(folder) / "calls.db") as second,
    ):
        workers = (first, second)
        engine = Engine(campaign, now=case.now)
        assert first.add(campaign, now=case.now, key=KEY) == KEY
        in_progress: dict[str, tuple[datetime, str]] = {}  # engine id -> end, outcome
        added = 0
        t = case.now
        for _ in range(MAX_STEPS):
            worker = workers[data.draw(st.integers(0, 1), label="worker")]
            wakeup = engine.next_wakeup()
            assert worker.next_wakeup() == wakeup
            woken = wake_at(wakeup, (end for end, _ in in_progress.values()))
            if woken is None:
                break
            t = woken
            for attempt_id, end, outcome in ended_by(in_progress, t):
                worker = workers[data.draw(st.integers(0, 1), label="recorder")]
                decision = engine.record(attempt_id, outcome, end)
                got = worker.record(f"{KEY}/{attempt_id}", outcome, end)
                assert got == decision.model_copy(update={"attempt_id": f"{KEY}/{attempt_id}"})
            happening = data.draw(st.sampled_from(["call"] * 8 + ["pause", "opt-out", "add"]))
            if happening == "pause":
                same_answer(worker, engine, "pause", t)
                same_answer(worker, engine, "resume", t)
            elif happening == "opt-out":
                phone = data.draw(st.sampled_from(campaign.unique_phones()))
                same_answer(worker, engine, "remove_customer", phone)
            elif happening == "add":
                added += 1
                same_answer(worker, engine, "add_customers", [f"+1202555{added:04d}"], now=t)
            expected = engine.due(t)
            handed = worker.due(t)
            assert local(handed) == [(a.id, a.start, a.reason) for a in expected]
            for attempt in expected:
                outcome, seconds = source(attempt.phone, attempt.number)
                in_progress[attempt.id] = (attempt.start + timedelta(seconds=seconds), outcome)
            assert len(worker.in_progress(KEY)) == len(in_progress)
        else:
            raise AssertionError(f"the campaign did not finish in {MAX_STEPS} steps")
        calls = len(first.calls(KEY))
        event(f"calls: {'none' if calls == 0 else '1-9' if calls < 10 else '10 or more'}")
        assert first.status(KEY) == second.status(KEY) == engine.status()
        assert first.next_wakeup() is None and second.in_progress() == []
