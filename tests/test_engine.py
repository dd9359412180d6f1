"""The live engine: what a dialer is told to start, when, and what happens after each call.

Scenarios of the README's Semantics, driven through the engine's
public calls and pinned to exact instants. Unless a test says otherwise the
campaign calls New York, 09:00-17:00 on weekdays; 2026-01-05 is a Monday on
EST (UTC-05:00), so 09:00 local is 14:00Z and 17:00 local is 22:00Z. Calls
start 30 s apart (``even``), on up to 5 lines; ``No Answer`` is retried
twice, 1 h after the call ended.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cases import ended_by

from scheduler import Campaign, Decision, DueAttempt, Engine, EngineError, replay
from scheduler.outcomes import OutcomeSource, always, scripted

BASE: dict[str, Any] = {
    "name": "live",
    "timezone": "America/New_York",
    "startTime": "09:00",
    "endTime": "17:00",
    "activeDays": [0, 1, 2, 3, 4],
    "callRetries": 2,
    "retryDelaySeconds": 3600,
    "retryDelayMode": "fixed",
    "schedulingMode": "even",
    "callIntervalSeconds": 30,
    "maxConcurrency": 5,
}
P1, P2, P3, P4, P5 = (f"+1415555{i:04d}" for i in range(1, 6))
MONDAY_0900 = datetime(2026, 1, 5, 14, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)


def campaign(phones: list[str] | None = None, **overrides: Any) -> Campaign:
    """The New York campaign of the module docstring, with ``overrides`` (camelCase)."""
    listed = [P1, P2, P3] if phones is None else phones
    return Campaign.model_validate({**BASE, "phoneList": listed, **overrides})


def utc(text: str) -> datetime:
    """An aware UTC instant from ``2026-01-05T14:00:30Z``."""
    return datetime.fromisoformat(text)


def ids(attempts: list[DueAttempt]) -> list[str]:
    return [a.id for a in attempts]


def saved(engine: Engine) -> dict[str, Any]:
    """The engine's state as it would be written to disk and read back."""
    result: dict[str, Any] = json.loads(json.dumps(engine.snapshot()))
    return result


def run(
    engine: Engine,
    source: OutcomeSource,
    *,
    until: datetime | None = None,
) -> tuple[list[tuple[str, datetime]], list[Decision]]:
    """Drive ``engine`` as a dialer would, with the outcomes of ``source``.

    The host wakes at the earlier of ``next_wakeup()`` and the end of a call
    it placed, records the calls ended by then, and starts what ``due``
    hands out; it stops when neither is left, or (with ``until``) before
    waking after ``until``, calls still in progress. Returns every attempt
    handed out, as (id, start), and every decision, in order. Calls handed
    out before the drive began must be recorded by the caller.
    """
    started: list[tuple[str, datetime]] = []
    decisions: list[Decision] = []
    in_progress: dict[str, tuple[datetime, str]] = {}
    for _ in range(1000):
        ends = [end for end, _ in in_progress.values()]
        wakeups = (engine.next_wakeup(), min(ends, default=None))
        candidates = [t for t in wakeups if t is not None]
        if not candidates or (until is not None and min(candidates) > until):
            return started, decisions
        t = min(candidates)
        for attempt_id, end, outcome in ended_by(in_progress, t):
            decisions.append(engine.record(attempt_id, outcome, end))
        for a in engine.due(t):
            outcome, seconds = source(a.phone, a.number)
            in_progress[a.id] = (a.start + seconds * SECOND, outcome)
            started.append((a.id, a.start))
    raise AssertionError("the campaign did not finish")


# -- due ---------------------------------------------------------------------------


def test_an_attempt_is_handed_out_once_even_when_due_is_asked_twice() -> None:
    engine = Engine(campaign(), now=MONDAY_0900)
    first = engine.due(MONDAY_0900)
    assert ids(first) == [f"{P1}#1"]
    assert engine.due(MONDAY_0900) == []
    assert engine.next_wakeup() == utc("2026-01-05T14:00:30Z")
    assert ids(engine.due(utc("2026-01-05T14:00:30Z"))) == [f"{P2}#1"]
    assert engine.due(utc("2026-01-05T14:00:30Z")) == []
    assert engine.due(utc("2026-01-05T14:00:45Z")) == []


def test_asap_hands_out_a_call_per_free_line_at_once_and_then_nothing() -> None:
    engine = Engine(campaign(schedulingMode="asap", maxConcurrency=2), now=MONDAY_0900)
    assert ids(engine.due(MONDAY_0900)) == [f"{P1}#1", f"{P2}#1"]
    assert engine.due(MONDAY_0900) == []
    assert engine.next_wakeup() is None  # both lines busy, ends unknown


def test_a_due_attempt_says_who_which_attempt_when_and_why() -> None:
    # Sunday 20:00 New York: the first call waits for Monday's opening.
    engine = Engine(campaign([P1]), now=utc("2026-01-05T01:00:00Z"))
    assert engine.due(utc("2026-01-05T13:59:59Z")) == []
    assert engine.next_wakeup() == MONDAY_0900
    [attempt] = engine.due(MONDAY_0900)
    assert (attempt.id, attempt.phone, attempt.number) == (f"{P1}#1", P1, 1)
    assert attempt.start == MONDAY_0900
    assert attempt.due == utc("2026-01-05T01:00:00Z")
    assert isinstance(attempt.reason, str)
    assert attempt.reason


# -- record ------------------------------------------------------------------------


def test_a_retry_due_after_closing_time_is_scheduled_at_the_next_opening() -> None:
    # A call at 16:58 ends at 16:59; 1 h later is 17:59, after the window:
    # the retry is scheduled at Tuesday's 09:00 opening, not at 17:59.
    engine = Engine(campaign([P1]), now=utc("2026-01-05T21:58:00Z"))
    [attempt] = engine.due(utc("2026-01-05T21:58:00Z"))
    decision = engine.record(attempt.id, "No Answer", utc("2026-01-05T21:59:00Z"))
    assert decision.attempt_id == f"{P1}#1"
    assert decision.phone == P1
    assert decision.attempt_number == 1
    assert decision.outcome == "No Answer"
    assert decision.started_at == utc("2026-01-05T21:58:00Z")
    assert decision.ended_at == utc("2026-01-05T21:59:00Z")
    assert decision.will_retry is True
    assert decision.retry_scheduled_at == utc("2026-01-06T14:00:00Z")
    assert decision.retries_remaining == 1
    assert engine.next_wakeup() == utc("2026-01-06T14:00:00Z")
    [retry] = engine.due(utc("2026-01-06T14:00:00Z"))
    assert (retry.id, retry.number, retry.start) == (f"{P1}#2", 2, utc("2026-01-06T14:00:00Z"))
    assert retry.due == utc("2026-01-05T22:59:00Z")


def test_the_decision_dumps_with_the_webhooks_camel_case_names() -> None:
    engine = Engine(campaign([P1]), now=utc("2026-01-05T21:58:00Z"))
    [attempt] = engine.due(utc("2026-01-05T21:58:00Z"))
    decision = engine.record(attempt.id, "No Answer", utc("2026-01-05T21:59:00Z"))
    dumped = decision.model_dump(by_alias=True)
    assert dumped["attemptNumber"] == 1
    assert dumped["willRetry"] is True
    assert dumped["retryScheduledAt"] == utc("2026-01-06T14:00:00Z")
    assert dumped["retriesRemaining"] == 1
    assert {"attempt_number", "will_retry", "retry_scheduled_at"}.isdisjoint(dumped)
    as_json = decision.model_dump(mode="json", by_alias=True)
    assert as_json["retryScheduledAt"] == "2026-01-06T14:00:00Z"
    assert json.loads(json.dumps(as_json)) == as_json
    plain = decision.model_dump()
    assert plain["will_retry"] is True
    assert plain["retries_remaining"] == 1


def test_retries_count_down_to_the_last_attempt() -> None:
    engine = Engine(campaign([P1]), now=MONDAY_0900)
    engine.due(MONDAY_0900)
    first = engine.record(f"{P1}#1", "No Answer", utc("2026-01-05T14:00:30Z"))
    assert (first.will_retry, first.retries_remaining) == (True, 1)
    assert first.retry_scheduled_at == utc("2026-01-05T15:00:30Z")
    assert engine.status()["customers"]["retry scheduled"] == 1
    assert ids(engine.due(utc("2026-01-05T15:00:30Z"))) == [f"{P1}#2"]
    second = engine.record(f"{P1}#2", "Busy", utc("2026-01-05T15:01:00Z"))
    assert (second.will_retry, second.retries_remaining) == (True, 0)
    assert second.retry_scheduled_at == utc("2026-01-05T16:01:00Z")
    assert ids(engine.due(utc("2026-01-05T16:01:00Z"))) == [f"{P1}#3"]
    last = engine.record(f"{P1}#3", "No Answer", utc("2026-01-05T16:02:00Z"))
    assert (last.attempt_number, last.will_retry) == (3, False)
    assert (last.retry_scheduled_at, last.retries_remaining) == (None, 0)
    assert engine.status() == {
        "campaign": "completed",
        "customers": {
            "pending": 0,
            "in progress": 0,
            "retry scheduled": 0,
            "done": 0,
            "exhausted": 1,
            "expired": 0,
            "removed": 0,
            "cancelled": 0,
        },
    }
    assert engine.next_wakeup() is None


@pytest.mark.parametrize(
    "outcome",
    ["success", "api_error", "Rejected", "Invalid"],
    ids=["success", "api_error", "not_a_retry_condition", "invalid_number"],
)
def test_an_outcome_outside_the_retry_conditions_finishes_the_customer(outcome: str) -> None:
    engine = Engine(campaign([P1]), now=MONDAY_0900)
    engine.due(MONDAY_0900)
    decision = engine.record(f"{P1}#1", outcome, utc("2026-01-05T14:02:00Z"))
    assert (decision.will_retry, decision.retry_scheduled_at, decision.retries_remaining) == (
        False,
        None,
        0,
    )
    assert engine.status()["customers"]["done"] == 1
    assert engine.status()["campaign"] == "completed"


def test_next_day_retry_waits_for_the_next_active_days_opening() -> None:
    # Friday 2026-01-09, 09:00 New York; the weekend has no window.
    friday = utc("2026-01-09T14:00:00Z")
    engine = Engine(campaign([P1], retryDelayMode="next_day", retryDelaySeconds=0), now=friday)
    engine.due(friday)
    decision = engine.record(f"{P1}#1", "Busy", utc("2026-01-09T14:01:00Z"))
    assert decision.retry_scheduled_at == utc("2026-01-12T14:00:00Z")
    assert engine.next_wakeup() == utc("2026-01-12T14:00:00Z")


def test_next_day_retry_still_waits_the_delay_when_it_is_longer() -> None:
    engine = Engine(
        campaign([P1], retryDelayMode="next_day", retryDelaySeconds=86_400), now=MONDAY_0900
    )
    engine.due(MONDAY_0900)
    decision = engine.record(f"{P1}#1", "Busy", utc("2026-01-05T15:01:00Z"))
    assert decision.retry_scheduled_at == utc("2026-01-06T15:01:00Z")


def test_the_end_of_a_call_is_rounded_up_and_a_call_lasts_at_least_a_second() -> None:
    engine = Engine(campaign(schedulingMode="asap"), now=MONDAY_0900)
    engine.due(MONDAY_0900)
    late = engine.record(f"{P1}#1", "No Answer", utc("2026-01-05T14:00:30.200000Z"))
    assert late.ended_at == utc("2026-01-05T14:00:31Z")
    assert late.retry_scheduled_at == utc("2026-01-05T15:00:31Z")
    instant = engine.record(f"{P2}#1", "No Answer", MONDAY_0900)
    assert instant.ended_at == utc("2026-01-05T14:00:01Z")
    assert instant.retry_scheduled_at == utc("2026-01-05T15:00:01Z")


def test_recording_the_same_result_twice_gives_the_same_decision() -> None:
    engine = Engine(campaign(), now=MONDAY_0900)
    engine.due(MONDAY_0900)
    first = engine.record(f"{P1}#1", "Busy", utc("2026-01-05T14:00:20Z"))
    before = saved(engine)
    again = engine.record(f"{P1}#1", "Busy", utc("2026-01-05T14:00:20Z"))
    assert again == first
    assert again.model_dump(by_alias=True) == first.model_dump(by_alias=True)
    assert saved(engine) == before
    # Another result for the same call is refused.
    with pytest.raises(EngineError, match="already recorded"):
        engine.record(f"{P1}#1", "success", utc("2026-01-05T14:00:20Z"))
    with pytest.raises(EngineError, match="already recorded"):
        engine.record(f"{P1}#1", "Busy", utc("2026-01-05T14:00:25Z"))
    assert saved(engine) == before


# -- refused calls ---------------------------------------------------------------

NAIVE = datetime(2026, 1, 5, 14, 1)


def _engine_with_two_calls() -> Engine:
    """P1#1 started 14:00:00, P2#1 started 14:00:30, both in progress; clock 14:00:30."""
    engine = Engine(campaign(), now=MONDAY_0900)
    engine.due(MONDAY_0900)
    engine.due(utc("2026-01-05T14:00:30Z"))
    return engine


BAD_CALLS: list[tuple[str, Callable[[Engine], object], str]] = [
    (
        "unknown_id",
        lambda e: e.record("+14155559999#1", "Busy", utc("2026-01-05T14:01:00Z")),
        "unknown attempt id",
    ),
    (
        "id_not_handed_out_yet",
        lambda e: e.record(f"{P3}#1", "Busy", utc("2026-01-05T14:01:00Z")),
        "unknown attempt id",
    ),
    (
        "retry_not_handed_out",
        lambda e: e.record(f"{P1}#2", "Busy", utc("2026-01-05T14:01:00Z")),
        "unknown attempt id",
    ),
    (
        "outcome_Voicemail",
        lambda e: e.record(f"{P1}#1", "Voicemail", utc("2026-01-05T14:01:00Z")),
        "unknown outcome 'Voicemail'",
    ),
    (
        "outcome_lowercase_no_answer",
        lambda e: e.record(f"{P1}#1", "no answer", utc("2026-01-05T14:01:00Z")),
        "unknown outcome",
    ),
    (
        "ended_before_start",
        lambda e: e.record(f"{P2}#1", "Busy", utc("2026-01-05T14:00:10Z")),
        "before the attempt started",
    ),
    (
        "ended_in_the_future_of_now",
        lambda e: e.record(
            f"{P1}#1", "Busy", utc("2026-01-05T14:05:00Z"), now=utc("2026-01-05T14:01:00Z")
        ),
        "in the future of now",
    ),
    (
        "naive_ended_at",
        lambda e: e.record(f"{P1}#1", "Busy", NAIVE),
        "timezone-aware",
    ),
    ("naive_now_in_due", lambda e: e.due(NAIVE), "timezone-aware"),
    ("naive_now_in_pause", lambda e: e.pause(NAIVE), "timezone-aware"),
    (
        "naive_now_in_add_customers",
        lambda e: e.add_customers([P4], now=NAIVE),
        "timezone-aware",
    ),
    ("now_backwards_in_due", lambda e: e.due(MONDAY_0900), "time does not go back"),
    ("now_backwards_in_pause", lambda e: e.pause(MONDAY_0900), "time does not go back"),
    ("now_backwards_in_cancel", lambda e: e.cancel(MONDAY_0900), "time does not go back"),
    (
        "now_backwards_in_add_customers",
        lambda e: e.add_customers([P4], now=MONDAY_0900),
        "time does not go back",
    ),
    (
        "resume_when_not_paused",
        lambda e: e.resume(utc("2026-01-05T15:00:00Z")),
        "resume",
    ),
    (
        "add_a_number_that_is_not_e164",
        lambda e: e.add_customers([P4, "4155550005"], now=utc("2026-01-05T15:00:00Z")),
        "E.164",
    ),
    (
        "remove_a_stranger",
        lambda e: e.remove_customer("+14155559999"),
        "not a customer",
    ),
]


@pytest.mark.parametrize(
    ("call", "fragment"),
    [(call, fragment) for _, call, fragment in BAD_CALLS],
    ids=[name for name, _, _ in BAD_CALLS],
)
def test_a_refused_call_raises_and_changes_nothing(
    call: Callable[[Engine], object], fragment: str
) -> None:
    engine = _engine_with_two_calls()
    before = saved(engine)
    wakeup = engine.next_wakeup()
    with pytest.raises(ValueError, match=fragment):
        call(engine)
    assert saved(engine) == before
    assert engine.next_wakeup() == wakeup
    # The engine goes on as if nothing had happened.
    d = engine.record(f"{P1}#1", "success", utc("2026-01-05T14:00:40Z"))
    assert d.ended_at == utc("2026-01-05T14:00:40Z")
    assert ids(engine.due(utc("2026-01-05T14:01:00Z"))) == [f"{P3}#1"]


def test_engine_errors_are_value_errors() -> None:
    assert issubclass(EngineError, ValueError)
    engine = _engine_with_two_calls()
    with pytest.raises(EngineError):
        engine.record("nope", "Busy", utc("2026-01-05T14:01:00Z"))
    with pytest.raises(ValueError, match="timezone-aware"):
        Engine(campaign(), now=NAIVE)


def test_a_snapshot_of_another_campaign_is_refused() -> None:
    engine = _engine_with_two_calls()
    state = saved(engine)
    other = campaign(callRetries=1)
    with pytest.raises(
        EngineError,
        match=r"different campaign spec: callRetries is 1 in the campaign but 2 in the snapshot$",
    ):
        Engine.restore(other, state)
    with pytest.raises(
        EngineError,
        match=r"different campaign spec: endTime is '18:00' in the campaign but '17:00' in the "
        r"snapshot; timezone is 'Europe/Prague' in the campaign but 'America/New_York' in the "
        r"snapshot$",
    ):
        Engine.restore(campaign(timezone="Europe/Prague", endTime="18:00"), state)
    assert saved(engine) == state


@pytest.mark.parametrize(
    ("damage", "fragment"),
    [
        (lambda s: {**s, "version": 1}, "snapshot version must be 2, got 1"),
        (lambda s: {k: v for k, v in s.items() if k != "version"}, "snapshot version"),
        (lambda s: {**s, "version": "2"}, "snapshot version"),
        (lambda s: {k: v for k, v in s.items() if k != "run"}, "damaged"),
        (lambda s: {**s, "run": {**s["run"], "state": s["run"]["state"][:1]}}, "damaged"),
        (lambda s: {**s, "inFlight": {}}, "damaged"),
        (lambda s: {**s, "status": "running"}, "damaged"),
    ],
    ids=[
        "version_1",
        "no_version",
        "version_as_text",
        "no_run",
        "customers_cut",
        "calls_in_progress_lost",
        "unknown_status",
    ],
)
def test_a_damaged_or_foreign_snapshot_is_refused(
    damage: Callable[[dict[str, Any]], dict[str, Any]], fragment: str
) -> None:
    engine = _engine_with_two_calls()
    state = saved(engine)
    with pytest.raises(EngineError, match=fragment):
        Engine.restore(campaign(), damage(state))
    assert saved(engine) == state


# -- lines -------------------------------------------------------------------------


def test_no_wakeup_while_every_line_is_busy_with_unrecorded_calls() -> None:
    engine = Engine(campaign(maxConcurrency=2), now=MONDAY_0900)
    engine.due(MONDAY_0900)
    engine.due(utc("2026-01-05T14:00:30Z"))
    assert engine.next_wakeup() is None
    assert engine.status()["customers"]["in progress"] == 2
    assert engine.due(utc("2026-01-05T14:01:30Z")) == []
    # A line comes free when its call is recorded; the host is told to wake then.
    engine.record(f"{P1}#1", "success", utc("2026-01-05T14:02:00Z"))
    assert engine.next_wakeup() == utc("2026-01-05T14:02:00Z")
    [third] = engine.due(utc("2026-01-05T14:02:00Z"))
    assert (third.id, third.start) == (f"{P3}#1", utc("2026-01-05T14:02:00Z"))


def test_a_recorded_end_is_when_the_line_comes_free() -> None:
    # One line; the call's end has sub-second precision and counts to the next second.
    engine = Engine(campaign(maxConcurrency=1), now=MONDAY_0900)
    engine.due(MONDAY_0900)
    assert engine.next_wakeup() is None
    engine.record(f"{P1}#1", "success", utc("2026-01-05T14:03:20.500000Z"))
    assert engine.next_wakeup() == utc("2026-01-05T14:03:21Z")


def test_a_call_recorded_before_the_pacing_interval_waits_for_it() -> None:
    engine = Engine(campaign(maxConcurrency=1), now=MONDAY_0900)
    engine.due(MONDAY_0900)
    engine.record(f"{P1}#1", "success", utc("2026-01-05T14:00:05Z"))
    assert engine.next_wakeup() == utc("2026-01-05T14:00:30Z")


# -- pause, resume, cancel -------------------------------------------------------


def test_pause_stops_new_calls_and_resume_goes_on_in_the_same_order() -> None:
    engine = Engine(campaign(retryDelaySeconds=60), now=MONDAY_0900)
    assert ids(engine.due(MONDAY_0900)) == [f"{P1}#1"]
    engine.pause(utc("2026-01-05T14:00:10Z"))
    assert engine.status()["campaign"] == "paused"
    assert engine.next_wakeup() is None
    assert engine.due(utc("2026-01-05T14:00:30Z")) == []
    assert engine.due(utc("2026-01-05T14:10:00Z")) == []
    # The call in progress still records, and its retry is decided.
    decision = engine.record(f"{P1}#1", "No Answer", utc("2026-01-05T14:00:40Z"))
    assert decision.will_retry is True
    assert decision.retry_scheduled_at == utc("2026-01-05T14:01:40Z")
    assert engine.due(utc("2026-01-05T14:20:00Z")) == []
    assert engine.status()["campaign"] == "paused"
    engine.resume(utc("2026-01-05T14:30:00Z"))
    assert engine.status()["campaign"] == "active"
    assert engine.next_wakeup() == utc("2026-01-05T14:30:00Z")
    started, _ = run(engine, always("success", 10))
    # The retry became due while paused, and due retries go before first attempts.
    assert started == [
        (f"{P1}#2", utc("2026-01-05T14:30:00Z")),
        (f"{P2}#1", utc("2026-01-05T14:30:30Z")),
        (f"{P3}#1", utc("2026-01-05T14:31:00Z")),
    ]
    assert engine.status()["campaign"] == "completed"


def test_pause_and_resume_keep_the_queue_order_of_first_attempts() -> None:
    phones = [P1, P2, P3, P4, P5]
    engine = Engine(campaign(phones), now=MONDAY_0900)
    engine.due(MONDAY_0900)
    engine.pause(utc("2026-01-05T14:00:05Z"))
    engine.record(f"{P1}#1", "success", utc("2026-01-05T14:00:20Z"))
    engine.resume(utc("2026-01-05T16:00:00Z"))
    started, _ = run(engine, always("success", 10))
    assert [i for i, _ in started] == [f"{p}#1" for p in phones[1:]]
    assert started[0][1] == utc("2026-01-05T16:00:00Z")
    assert started[-1][1] == utc("2026-01-05T16:01:30Z")


def test_a_paused_engine_cannot_be_paused_again_nor_resumed_twice() -> None:
    engine = Engine(campaign(), now=MONDAY_0900)
    engine.pause(MONDAY_0900)
    before = saved(engine)
    with pytest.raises(EngineError, match="pause"):
        engine.pause(utc("2026-01-05T14:05:00Z"))
    assert saved(engine) == before
    engine.resume(utc("2026-01-05T14:10:00Z"))
    # Nothing had started: the campaign has not begun yet.
    assert engine.status()["campaign"] == "scheduled"
    before = saved(engine)
    with pytest.raises(EngineError, match="resume"):
        engine.resume(utc("2026-01-05T14:15:00Z"))
    assert saved(engine) == before


def test_cancel_starts_nothing_more_and_calls_in_progress_record_without_retry() -> None:
    engine = Engine(campaign(), now=MONDAY_0900)
    engine.due(MONDAY_0900)
    engine.cancel(utc("2026-01-05T14:00:10Z"))
    assert engine.status()["campaign"] == "cancelled"
    assert engine.next_wakeup() is None
    assert engine.due(utc("2026-01-05T14:00:30Z")) == []
    assert engine.due(utc("2026-01-06T14:00:00Z")) == []
    decision = engine.record(f"{P1}#1", "No Answer", utc("2026-01-05T14:00:40Z"))
    assert (decision.will_retry, decision.retry_scheduled_at, decision.retries_remaining) == (
        False,
        None,
        0,
    )
    status = engine.status()
    assert status["campaign"] == "cancelled"
    counts = status["customers"]
    assert counts["pending"] == counts["in progress"] == counts["retry scheduled"] == 0
    # P1's call ran and its No Answer would have been retried; P2 and P3 were never called.
    assert counts["cancelled"] == 3
    assert engine.due(utc("2026-01-07T14:00:00Z")) == []
    for refused in (
        lambda: engine.pause(utc("2026-01-07T14:00:00Z")),
        lambda: engine.resume(utc("2026-01-07T14:00:00Z")),
        lambda: engine.add_customers([P4], now=utc("2026-01-07T14:00:00Z")),
    ):
        before = saved(engine)
        with pytest.raises(EngineError, match="cancelled"):
            refused()
        assert saved(engine) == before


def test_cancel_drops_a_scheduled_retry() -> None:
    engine = Engine(campaign([P1]), now=MONDAY_0900)
    engine.due(MONDAY_0900)
    engine.record(f"{P1}#1", "Busy", utc("2026-01-05T14:00:30Z"))
    engine.cancel(utc("2026-01-05T14:10:00Z"))
    assert engine.next_wakeup() is None
    assert engine.due(utc("2026-01-05T15:00:30Z")) == []
    assert engine.status()["customers"]["retry scheduled"] == 0
    assert engine.status()["customers"]["cancelled"] == 1


# -- customers -------------------------------------------------------------------


def test_customers_added_mid_campaign_queue_after_the_existing_ones() -> None:
    engine = Engine(campaign(), now=MONDAY_0900)
    assert ids(engine.due(MONDAY_0900)) == [f"{P1}#1"]
    added = engine.add_customers([P4, P2, P4, P5], now=utc("2026-01-05T14:00:10Z"))
    assert added == [P4, P5]
    assert engine.status()["customers"]["pending"] == 4
    engine.record(f"{P1}#1", "success", utc("2026-01-05T14:00:20Z"))
    started, _ = run(engine, always("success", 10))
    assert started == [
        (f"{P2}#1", utc("2026-01-05T14:00:30Z")),
        (f"{P3}#1", utc("2026-01-05T14:01:00Z")),
        (f"{P4}#1", utc("2026-01-05T14:01:30Z")),
        (f"{P5}#1", utc("2026-01-05T14:02:00Z")),
    ]
    assert engine.status()["customers"]["done"] == 5


def test_added_customers_wait_behind_a_due_retry() -> None:
    engine = Engine(campaign([P1], retryDelaySeconds=0), now=MONDAY_0900)
    engine.due(MONDAY_0900)
    engine.record(f"{P1}#1", "Busy", utc("2026-01-05T14:00:05Z"))
    assert engine.add_customers([P2], now=utc("2026-01-05T14:00:10Z")) == [P2]
    started, _ = run(engine, always("success", 10))
    assert started == [
        (f"{P1}#2", utc("2026-01-05T14:00:30Z")),
        (f"{P2}#1", utc("2026-01-05T14:01:00Z")),
    ]


def test_adding_to_a_completed_campaign_goes_on_with_the_new_customers() -> None:
    engine = Engine(campaign([P1]), now=MONDAY_0900)
    engine.due(MONDAY_0900)
    engine.record(f"{P1}#1", "success", utc("2026-01-05T14:00:20Z"))
    assert engine.status()["campaign"] == "completed"
    assert engine.add_customers([P1, P2], now=utc("2026-01-05T15:00:00Z")) == [P2]
    assert engine.status()["campaign"] == "active"
    assert engine.next_wakeup() == utc("2026-01-05T15:00:00Z")
    assert ids(engine.due(utc("2026-01-05T15:00:00Z"))) == [f"{P2}#1"]


def test_a_campaign_without_customers_waits_for_them() -> None:
    engine = Engine(campaign([]), now=MONDAY_0900)
    assert engine.status()["campaign"] == "scheduled"
    assert engine.next_wakeup() is None
    assert engine.add_customers([P1], now=utc("2026-01-05T14:10:00Z")) == [P1]
    assert ids(engine.due(utc("2026-01-05T14:10:00Z"))) == [f"{P1}#1"]


def test_adding_to_a_cancelled_campaign_is_refused() -> None:
    engine = Engine(campaign([P1]), now=MONDAY_0900)
    engine.cancel(utc("2026-01-05T14:00:20Z"))
    before = saved(engine)
    with pytest.raises(EngineError, match="cancelled"):
        engine.add_customers([P2], now=utc("2026-01-05T15:00:00Z"))
    assert saved(engine) == before


def test_a_removed_customer_is_never_called_again_even_with_a_retry_scheduled() -> None:
    engine = Engine(campaign([P1, P2], retryDelaySeconds=60), now=MONDAY_0900)
    engine.due(MONDAY_0900)
    decision = engine.record(f"{P1}#1", "No Answer", utc("2026-01-05T14:00:20Z"))
    assert decision.retry_scheduled_at == utc("2026-01-05T14:01:20Z")
    engine.remove_customer(P1)
    assert engine.status()["customers"]["removed"] == 1
    assert engine.status()["customers"]["retry scheduled"] == 0
    # Adding the number again does not bring it back.
    assert engine.add_customers([P1], now=utc("2026-01-05T14:00:25Z")) == []
    started, _ = run(engine, always("No Answer", 10))
    assert [i for i, _ in started] == [f"{P2}#1", f"{P2}#2", f"{P2}#3"]
    assert engine.status()["campaign"] == "completed"
    assert engine.status()["customers"]["removed"] == 1


def test_a_customer_removed_during_a_call_is_not_retried() -> None:
    engine = Engine(campaign([P1, P2]), now=MONDAY_0900)
    engine.due(MONDAY_0900)
    engine.remove_customer(P1)
    decision = engine.record(f"{P1}#1", "No Answer", utc("2026-01-05T14:00:20Z"))
    assert (decision.will_retry, decision.retry_scheduled_at) == (False, None)
    assert engine.add_customers([P1], now=utc("2026-01-05T14:00:25Z")) == []
    started, _ = run(engine, always("success", 10))
    assert [i for i, _ in started] == [f"{P2}#1"]
    counts = engine.status()["customers"]
    assert (counts["removed"], counts["done"]) == (1, 1)


def test_a_removed_customer_not_yet_called_is_skipped() -> None:
    engine = Engine(campaign(), now=MONDAY_0900)
    engine.remove_customer(P2)
    started, _ = run(engine, always("success", 10))
    assert started == [
        (f"{P1}#1", utc("2026-01-05T14:00:00Z")),
        (f"{P3}#1", utc("2026-01-05T14:00:30Z")),
    ]


# -- status and expiry -------------------------------------------------------------


def test_status_follows_the_campaign_from_scheduled_to_completed() -> None:
    engine = Engine(campaign([P1, P2], maxConcurrency=1, callRetries=1), now=MONDAY_0900)

    def counts() -> tuple[str, list[int]]:
        s = engine.status()
        return s["campaign"], list(s["customers"].values())

    # pending, in progress, retry scheduled, done, exhausted, expired, removed, cancelled
    assert counts() == ("scheduled", [2, 0, 0, 0, 0, 0, 0, 0])
    engine.due(MONDAY_0900)
    assert counts() == ("active", [1, 1, 0, 0, 0, 0, 0, 0])
    engine.record(f"{P1}#1", "Busy", utc("2026-01-05T14:01:00Z"))
    assert counts() == ("active", [1, 0, 1, 0, 0, 0, 0, 0])
    engine.due(utc("2026-01-05T14:01:00Z"))
    assert counts() == ("active", [0, 1, 1, 0, 0, 0, 0, 0])
    engine.record(f"{P2}#1", "success", utc("2026-01-05T14:02:00Z"))
    assert counts() == ("active", [0, 0, 1, 1, 0, 0, 0, 0])
    assert engine.next_wakeup() == utc("2026-01-05T15:01:00Z")
    engine.due(utc("2026-01-05T15:01:00Z"))
    assert counts() == ("active", [0, 1, 0, 1, 0, 0, 0, 0])
    engine.record(f"{P1}#2", "Busy", utc("2026-01-05T15:02:00Z"))
    assert counts() == ("completed", [0, 0, 0, 1, 1, 0, 0, 0])
    assert engine.next_wakeup() is None
    assert engine.due(utc("2026-01-06T15:00:00Z")) == []


def test_what_cannot_start_before_the_end_date_expires_with_a_reason() -> None:
    # One line, 3 h calls, last day Monday: P4 would start at 18:00, after closing,
    # and P1's retry, 6 h after its call ended at 12:00, would be due at 18:00 too.
    phones = [P1, P2, P3, P4]
    engine = Engine(
        campaign(
            phones,
            maxConcurrency=1,
            callRetries=1,
            retryDelaySeconds=6 * 3600,
            endDate="2026-01-05",
        ),
        now=MONDAY_0900,
    )
    started, decisions = run(engine, scripted({P1: [("Busy", 3 * 3600)]}, always("success", 10800)))
    assert started == [
        (f"{P1}#1", utc("2026-01-05T14:00:00Z")),
        (f"{P2}#1", utc("2026-01-05T17:00:00Z")),
        (f"{P3}#1", utc("2026-01-05T20:00:00Z")),
    ]
    assert decisions[0].attempt_id == f"{P1}#1"
    assert decisions[0].will_retry is False
    expired = {(e.phone, e.number): e for e in engine.expired}
    assert set(expired) == {(P1, 2), (P4, 1)}
    assert expired[(P4, 1)].due == MONDAY_0900
    assert "attempt 1" in expired[(P4, 1)].reason
    assert expired[(P1, 2)].due == utc("2026-01-05T23:00:00Z")
    assert expired[(P1, 2)].reason
    status = engine.status()
    assert status["campaign"] == "completed"
    assert status["customers"]["expired"] == 2
    assert status["customers"]["done"] == 2


def test_a_campaign_whose_last_window_has_passed_expires_everyone_at_once() -> None:
    engine = Engine(campaign([P1, P2], endDate="2026-01-02"), now=MONDAY_0900)
    assert engine.next_wakeup() is None
    assert engine.due(MONDAY_0900) == []
    assert {(e.phone, e.number) for e in engine.expired} == {(P1, 1), (P2, 1)}
    assert engine.status()["campaign"] == "completed"


# -- saved state -------------------------------------------------------------------


def _scripted_outcomes() -> OutcomeSource:
    return scripted(
        {
            P1: [("No Answer", 40), ("Busy", 20), ("success", 300)],
            P2: [("voicemail", 25), ("Rejected", 10)],
            P3: [("success", 200)],
            P4: [("No Answer", 30), ("No Answer", 30), ("No Answer", 30)],
        }
    )


def test_snapshot_and_restore_in_the_middle_continues_identically() -> None:
    def fresh() -> Engine:
        return Engine(
            campaign([P1, P2, P3, P4], maxConcurrency=2, retryDelaySeconds=600),
            now=MONDAY_0900,
        )

    source = _scripted_outcomes()
    straight, straight_decisions = run(fresh(), source)
    assert straight[:4] == [
        (f"{P1}#1", utc("2026-01-05T14:00:00Z")),
        (f"{P2}#1", utc("2026-01-05T14:00:30Z")),
        (f"{P3}#1", utc("2026-01-05T14:01:00Z")),
        (f"{P4}#1", utc("2026-01-05T14:01:30Z")),
    ]

    # The same campaign, saved and restored while two calls are in progress.
    engine = fresh()
    first, first_decisions = run(engine, source, until=utc("2026-01-05T14:00:35Z"))
    assert engine.status()["customers"]["in progress"] == 2
    assert engine.next_wakeup() is None
    state = saved(engine)
    restored = Engine.restore(
        campaign([P1, P2, P3, P4], maxConcurrency=2, retryDelaySeconds=600), state
    )
    assert saved(restored) == state
    assert restored.status() == engine.status()
    # The restored engine does not hand the calls in progress out again, and records them.
    assert restored.due(utc("2026-01-05T14:00:35Z")) == []
    d1 = restored.record(f"{P1}#1", "No Answer", utc("2026-01-05T14:00:40Z"))
    d2 = restored.record(f"{P2}#1", "voicemail", utc("2026-01-05T14:00:55Z"))
    rest, rest_decisions = run(restored, source)
    assert first + rest == straight
    assert [*first_decisions, d1, d2, *rest_decisions] == straight_decisions
    assert restored.status()["campaign"] == "completed"


def test_a_snapshot_keeps_opt_outs_pauses_and_late_additions() -> None:
    def morning() -> Engine:
        engine = Engine(campaign(retryDelaySeconds=60), now=MONDAY_0900)
        engine.due(MONDAY_0900)
        engine.due(utc("2026-01-05T14:00:30Z"))
        engine.record(f"{P2}#1", "No Answer", utc("2026-01-05T14:00:40Z"))
        engine.record(f"{P1}#1", "No Answer", utc("2026-01-05T14:00:50Z"))
        # P1 opts out while its retry (14:01:50) waits behind P2's (14:01:40).
        engine.remove_customer(P1)
        engine.pause(utc("2026-01-05T14:01:00Z"))
        engine.add_customers([P4], now=utc("2026-01-05T14:01:10Z"))
        return engine

    straight = morning()
    restored = Engine.restore(campaign(retryDelaySeconds=60), saved(morning()))
    assert restored.status() == straight.status()
    assert restored.status()["campaign"] == "paused"
    assert restored.next_wakeup() is None
    assert run(restored, always("success", 10)) == ([], [])  # paused: nothing starts
    for engine in (straight, restored):
        engine.resume(utc("2026-01-05T14:02:00Z"))
    started, decisions = run(restored, always("success", 10))
    assert started == [
        (f"{P2}#2", utc("2026-01-05T14:02:00Z")),
        (f"{P3}#1", utc("2026-01-05T14:02:30Z")),
        (f"{P4}#1", utc("2026-01-05T14:03:00Z")),
    ]
    assert run(straight, always("success", 10)) == (started, decisions)
    assert restored.status() == straight.status()
    assert restored.status()["customers"]["removed"] == 1


def test_a_restored_engine_answers_a_repeated_record_with_the_saved_decision() -> None:
    engine = Engine(campaign(), now=MONDAY_0900)
    engine.due(MONDAY_0900)
    decision = engine.record(f"{P1}#1", "Busy", utc("2026-01-05T14:00:20Z"))
    restored = Engine.restore(campaign(), saved(engine))
    assert restored.record(f"{P1}#1", "Busy", utc("2026-01-05T14:00:20Z")) == decision
    with pytest.raises(EngineError, match="already recorded"):
        restored.record(f"{P1}#1", "success", utc("2026-01-05T14:00:20Z"))


def _journalled_run(journal: list[dict[str, Any]]) -> Engine:
    """A morning with pauses, an opt-out, late additions and retries, journalled."""
    engine = Engine(campaign([P1, P2, P3], retryDelaySeconds=120), now=MONDAY_0900, journal=journal)
    engine.due(MONDAY_0900)
    engine.due(utc("2026-01-05T14:00:30Z"))
    engine.record(f"{P1}#1", "No Answer", utc("2026-01-05T14:00:50.300000Z"))
    engine.pause(utc("2026-01-05T14:01:00Z"))
    engine.record(f"{P2}#1", "success", utc("2026-01-05T14:01:10Z"))
    engine.add_customers([P4, P1], now=utc("2026-01-05T14:02:00Z"))
    engine.resume(utc("2026-01-05T14:05:00Z"))
    engine.remove_customer(P3)
    run(engine, always("Busy", 15))
    return engine


def test_a_journal_saved_as_json_lines_replays_to_the_same_decisions(tmp_path: Path) -> None:
    journal: list[dict[str, Any]] = []
    engine = _journalled_run(journal)
    assert engine.status()["campaign"] == "completed"
    ops = [entry["op"] for entry in journal]
    assert {"due", "record", "pause", "resume", "add", "remove"} <= set(ops)

    path = tmp_path / "journal.jsonl"
    path.write_text("".join(json.dumps(entry) + "\n" for entry in journal))
    entries = [json.loads(line) for line in path.read_text().splitlines()]
    replayed = replay(campaign([P1, P2, P3], retryDelaySeconds=120), MONDAY_0900, entries)
    assert saved(replayed) == saved(engine)
    assert replayed.status() == engine.status()
    recorded = [e["result"] for e in entries if e["op"] == "record"]
    assert recorded[0]["attemptId"] == f"{P1}#1"
    assert recorded[0]["endedAt"] == "2026-01-05T14:00:51Z"
    assert recorded[0]["retryScheduledAt"] == "2026-01-05T14:02:51Z"
    assert recorded[0]["willRetry"] is True


@pytest.mark.parametrize(
    "tamper",
    ["decision", "outcome", "start"],
    ids=["retry_time_of_a_decision", "outcome_of_a_call", "start_of_a_due_call"],
)
def test_a_tampered_journal_does_not_replay(tamper: str, tmp_path: Path) -> None:
    journal: list[dict[str, Any]] = []
    _journalled_run(journal)
    path = tmp_path / "journal.jsonl"
    path.write_text("".join(json.dumps(entry) + "\n" for entry in journal))
    entries = [json.loads(line) for line in path.read_text().splitlines()]
    records = [i for i, e in enumerate(entries) if e["op"] == "record"]
    dues = [i for i, e in enumerate(entries) if e["op"] == "due" and e["result"]]
    if tamper == "decision":
        line = records[0]
        entries[line]["result"]["retryScheduledAt"] = "2026-01-05T14:02:52Z"
    elif tamper == "outcome":
        line = records[1]
        entries[line]["outcome"] = "Busy"
    else:
        line = dues[1]
        entries[line]["result"][0]["start"] = "2026-01-05T14:00:31Z"
    with pytest.raises(EngineError, match=f"line {line + 1}"):
        replay(campaign([P1, P2, P3], retryDelaySeconds=120), MONDAY_0900, entries)


# -- record's own checks -----------------------------------------------------------


def test_a_naive_now_in_record_is_refused_as_a_value_error() -> None:
    engine = _engine_with_two_calls()
    before = saved(engine)
    with pytest.raises(ValueError, match="timezone-aware"):
        engine.record(f"{P1}#1", "Busy", utc("2026-01-05T14:00:50Z"), now=NAIVE)
    assert saved(engine) == before


def test_an_end_a_fraction_of_a_second_before_the_start_is_refused() -> None:
    engine = _engine_with_two_calls()
    before = saved(engine)
    with pytest.raises(EngineError, match="before the attempt started"):
        engine.record(f"{P2}#1", "Busy", utc("2026-01-05T14:00:29.500000Z"))
    assert saved(engine) == before


def test_a_now_going_back_in_record_is_refused() -> None:
    engine = _engine_with_two_calls()  # the clock is at 14:00:30
    before = saved(engine)
    with pytest.raises(EngineError, match="time does not go back"):
        engine.record(
            f"{P1}#1", "Busy", utc("2026-01-05T14:00:10Z"), now=utc("2026-01-05T14:00:20Z")
        )
    assert saved(engine) == before


def test_restore_ignores_the_platforms_bookkeeping_fields() -> None:
    engine = Engine(campaign(), now=MONDAY_0900)
    engine.due(MONDAY_0900)
    state = json.loads(json.dumps(engine.snapshot()))
    updated = campaign(status="active", updatedAt="2026-01-05T14:05:00Z", callIds=["c1"])
    restored = Engine.restore(updated, state)
    assert restored.next_wakeup() == engine.next_wakeup()


def test_restore_refuses_another_tzdata_unless_told_to_go_on() -> None:
    engine = Engine(campaign(), now=MONDAY_0900)
    state = json.loads(json.dumps(engine.snapshot()))
    state["tzdataVersion"] = "1999a"
    with pytest.raises(EngineError, match="taken with tzdata 1999a"):
        Engine.restore(campaign(), state)
    restored = Engine.restore(campaign(), state, allow_tzdata_change=True)
    assert restored.next_wakeup() == MONDAY_0900


def test_an_end_past_the_supported_range_is_refused() -> None:
    engine = _engine_with_two_calls()
    before = saved(engine)
    with pytest.raises(EngineError, match="ended_at must be between 1900-01-01 and 9000-01-01"):
        engine.record(f"{P1}#1", "Busy", datetime(9999, 12, 31, 23, tzinfo=UTC))
    assert saved(engine) == before


def test_a_decisions_journal_json_is_its_pydantic_json() -> None:
    """The journal writes decisions with ``as_json``: the very dict pydantic gives."""
    campaign = Campaign(
        name="x",
        timezone="Europe/Prague",
        start_time="09:00",
        end_time="17:00",
        phone_list=("+420601000001", "+420601000002"),
        call_retries=1,
    )
    engine = Engine(campaign, now="2026-03-27T08:00:00Z")
    (first,) = engine.due("2026-03-27T08:00:00Z")
    retried = engine.record(first.id, "Busy", "2026-03-27T08:01:00.250000Z")
    wakeup = engine.next_wakeup()
    assert wakeup is not None
    (second,) = engine.due(wakeup)
    done = engine.record(second.id, "success", wakeup + timedelta(seconds=90))
    assert retried.retry_scheduled_at is not None and done.retry_scheduled_at is None
    for decision in (retried, done):
        assert decision.as_json() == decision.model_dump(mode="json", by_alias=True)
