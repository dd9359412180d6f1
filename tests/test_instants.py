"""Instants at the edge, and bugs reported against the previous version, pinned.

Before 1970 an epoch second is negative, and the old engine read a negative
instant as "no instant": ``next_wakeup()`` said None and a customer due at
23:59:58Z on 1969-12-31 expired. Every instant argument (``now``,
``ended_at``) takes an aware datetime or ISO 8601 text with an offset, and
refuses anything else with an error that names the argument. The decision of
``record`` is a pydantic model with the webhook's camelCase names; a refused
restore says which fields changed; a snapshot grows with the customers, not
the calls.

Unless a test says otherwise the campaign calls two numbers in UTC, all day,
with the defaults: calls 30 s apart (``even``), 5 lines, a retry 300 s
after a ``No Answer`` ends, one retry.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pydantic import BaseModel

from scheduler import Campaign, Decision, Engine, EngineError, plan
from scheduler.times import iso_utc

P1, P2 = "+14155550001", "+14155550002"
BODY: dict[str, Any] = {
    "name": "instants",
    "timezone": "UTC",
    "phoneList": [P1, P2],
    "callRetries": 1,
}
RING = timedelta(seconds=30)


def campaign(**overrides: Any) -> Campaign:
    """The campaign of the module docstring, with ``overrides`` (camelCase)."""
    return Campaign.model_validate({**BODY, **overrides})


def utc(text: str) -> datetime:
    """An aware instant from ISO text such as ``1969-12-31T23:59:30Z``."""
    return datetime.fromisoformat(text)


def z(t: datetime) -> str:
    """``t`` as ISO text in UTC with ``Z``, as the tests pin instants (written independently
    of ``scheduler.times.iso_utc``, which is under test below)."""
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def host(
    engine: Engine,
    now: datetime,
    on_record: Callable[[str, datetime, Decision], None] | None = None,
) -> tuple[list[tuple[str, str]], list[Decision]]:
    """Drive ``engine`` from ``now`` to the end as a dialer would: every call is a
    ``No Answer`` recorded 30 s after it started. The host wakes at the earlier of
    ``next_wakeup()`` and the end of a call in progress; ``on_record(id, end,
    decision)`` runs after each record. Returns every attempt started, as (id,
    start as ISO text), and every decision, in order."""
    started: list[tuple[str, str]] = []
    decisions: list[Decision] = []
    in_progress: dict[str, datetime] = {}
    for _ in range(100_000):
        wakeup = engine.next_wakeup()
        candidates = [c for c in (wakeup, min(in_progress.values(), default=None)) if c is not None]
        if not candidates:
            return started, decisions
        t = min(candidates)
        for attempt_id, end in sorted(in_progress.items(), key=lambda item: item[1]):
            if end <= t:
                del in_progress[attempt_id]
                decision = engine.record(attempt_id, "No Answer", end)
                decisions.append(decision)
                if on_record is not None:
                    on_record(attempt_id, end, decision)
        for attempt in engine.due(t):
            assert attempt.start == t
            in_progress[attempt.id] = attempt.start + RING
            started.append((attempt.id, z(attempt.start)))
    raise AssertionError("the campaign did not finish")


# -- before 1970, across 1900 and in 2100 ----------------------------------------------


# now -> the starts of P1#1, P2#1, P1#2, P2#2: 30 s pacing, then each retry 30 s + 300 s
# after its first call started.
EPOCH_EDGES = {
    "a_minute_before_1970": (
        "1969-12-31T23:59:00Z",
        [
            "1969-12-31T23:59:00Z",
            "1969-12-31T23:59:30Z",
            "1970-01-01T00:04:30Z",
            "1970-01-01T00:05:00Z",
        ],
    ),
    "second_call_two_seconds_before_1970": (
        "1969-12-31T23:59:28Z",
        [
            "1969-12-31T23:59:28Z",
            "1969-12-31T23:59:58Z",
            "1970-01-01T00:04:58Z",
            "1970-01-01T00:05:28Z",
        ],
    ),
    "first_instant_of_1900": (
        "1900-01-01T00:00:00Z",
        [
            "1900-01-01T00:00:00Z",
            "1900-01-01T00:00:30Z",
            "1900-01-01T00:05:30Z",
            "1900-01-01T00:06:00Z",
        ],
    ),
    # 2100 is not a leap year: the day after 2100-02-28 is 2100-03-01.
    "end_of_february_2100": (
        "2100-02-28T23:59:45Z",
        [
            "2100-02-28T23:59:45Z",
            "2100-03-01T00:00:15Z",
            "2100-03-01T00:05:15Z",
            "2100-03-01T00:05:45Z",
        ],
    ),
}
EDGE_IDS = list(EPOCH_EDGES)


# The attempts of every edge case, in start order.
IDS = [f"{P1}#1", f"{P2}#1", f"{P1}#2", f"{P2}#2"]


@pytest.mark.parametrize("edge", EDGE_IDS, ids=EDGE_IDS)
def test_plan_calls_every_attempt_at_its_instant_near_the_epoch_and_the_century_ends(
    edge: str,
) -> None:
    now, starts = EPOCH_EDGES[edge]
    timeline = plan(campaign(), now=utc(now))
    assert [(f"{a.phone}#{a.number}", z(a.start)) for a in timeline.attempts] == list(
        zip(IDS, starts, strict=True)
    )
    assert timeline.expired == []
    assert set(timeline.final_states.values()) == {"exhausted"}


@pytest.mark.parametrize("edge", EDGE_IDS, ids=EDGE_IDS)
def test_the_engine_wakes_for_the_second_customer_even_before_1970(edge: str) -> None:
    now, starts = EPOCH_EDGES[edge]
    engine = Engine(campaign(), now=utc(now))
    assert [(a.id, z(a.start)) for a in engine.due(utc(now))] == [(f"{P1}#1", starts[0])]
    wakeup = engine.next_wakeup()
    assert wakeup is not None, "the old engine said None before 1970"
    assert z(wakeup) == starts[1]
    assert engine.expired == []
    assert engine.status()["customers"]["expired"] == 0


@pytest.mark.parametrize("edge", EDGE_IDS, ids=EDGE_IDS)
def test_a_host_driving_the_engine_starts_every_call_at_the_plans_instant(edge: str) -> None:
    now, starts = EPOCH_EDGES[edge]
    spec = campaign()
    engine = Engine(spec, now=utc(now))
    started, decisions = host(engine, utc(now))
    assert started == list(zip(IDS, starts, strict=True))
    assert started == [
        (f"{a.phone}#{a.number}", z(a.start)) for a in plan(spec, now=utc(now)).attempts
    ]
    # The first calls are retried at their plan's instants; the retries are the last.
    assert [(d.attempt_id, d.will_retry) for d in decisions] == [
        (f"{P1}#1", True),
        (f"{P2}#1", True),
        (f"{P1}#2", False),
        (f"{P2}#2", False),
    ]
    assert [z(d.retry_scheduled_at) for d in decisions if d.retry_scheduled_at] == starts[2:]
    assert engine.expired == []
    assert engine.status() == {
        "campaign": "completed",
        "customers": {
            "pending": 0,
            "in progress": 0,
            "retry scheduled": 0,
            "done": 0,
            "exhausted": 2,
            "expired": 0,
            "removed": 0,
            "cancelled": 0,
        },
    }


def test_a_window_that_closes_before_1970_expires_what_cannot_start_with_a_reason() -> None:
    """Before 1970 a window's end is a negative second like any other: what cannot start
    before it expires, with its reason, in the plan and in the engine alike."""
    spec = campaign(startTime="09:00", endTime="17:00", endDate="1969-07-20")
    now = utc("1969-07-20T16:59:45Z")
    timeline = plan(spec, now=now)
    assert [(a.phone, z(a.start)) for a in timeline.attempts] == [(P1, "1969-07-20T16:59:45Z")]
    assert [(e.phone, e.number) for e in timeline.expired] == [(P1, 2), (P2, 1)]
    engine = Engine(spec, now=now)
    started, _ = host(engine, now)
    assert started == [(f"{P1}#1", "1969-07-20T16:59:45Z")]
    # The same attempts expire for the same reasons (each list in the order it found them).
    assert sorted((e.phone, e.number, e.reason) for e in engine.expired) == sorted(
        (e.phone, e.number, e.reason) for e in timeline.expired
    )
    assert [e.reason for e in sorted(engine.expired, key=lambda e: e.phone)] == [
        "retry 1 of 1: No Answer at Sun 17:00:15 UTC, due Sun 17:05:15 UTC, "
        "but the last window closed at Sun 17:00 UTC on 1969-07-20",
        "attempt 1 of 2: still queued when the last window closed at Sun 17:00 UTC "
        "on 1969-07-20 (the list did not fit)",
    ]


# -- instant arguments: aware datetimes or ISO 8601 text with an offset --------------------


def test_record_takes_iso_text_and_answers_as_for_the_datetime() -> None:
    now = utc("2026-03-09T13:00:00Z")
    by_text, by_datetime = Engine(campaign(), now=now), Engine(campaign(), now=now)
    by_text.due(now)
    by_datetime.due(now)
    decision = by_text.record(f"{P1}#1", "Busy", "2026-03-09T13:00:20Z")
    assert decision == by_datetime.record(f"{P1}#1", "Busy", utc("2026-03-09T13:00:20Z"))
    assert z(decision.ended_at) == "2026-03-09T13:00:20Z"
    assert decision.retry_scheduled_at is not None
    assert z(decision.retry_scheduled_at) == "2026-03-09T13:05:20Z"
    assert by_text.snapshot() == by_datetime.snapshot()


def test_every_instant_argument_takes_iso_text_with_any_offset() -> None:
    """The same calls, once with text in +01:00 and Z, once with datetimes, end the same."""
    texts, datetimes = (
        Engine(campaign(), now="2026-03-09T13:00:00+01:00"),
        Engine(campaign(), now=utc("2026-03-09T12:00:00Z")),
    )
    first = texts.due("2026-03-09T12:00:00Z")
    assert [(a.id, z(a.start)) for a in first] == [(f"{P1}#1", "2026-03-09T12:00:00Z")]
    assert [(a.id, z(a.start)) for a in datetimes.due(utc("2026-03-09T12:00:00Z"))] == [
        (f"{P1}#1", "2026-03-09T12:00:00Z")
    ]
    texts.pause("2026-03-09T12:00:10Z")
    datetimes.pause(utc("2026-03-09T12:00:10Z"))
    texts.resume("2026-03-09T13:00:20+01:00")
    datetimes.resume(utc("2026-03-09T12:00:20Z"))
    assert texts.add_customers(["+14155550003"], now="2026-03-09T12:00:25Z") == ["+14155550003"]
    datetimes.add_customers(["+14155550003"], now=utc("2026-03-09T12:00:25Z"))
    assert texts.snapshot() == datetimes.snapshot()
    assert texts.next_wakeup() == utc("2026-03-09T12:00:30Z")
    texts.cancel("2026-03-09T12:00:40Z")
    datetimes.cancel(utc("2026-03-09T12:00:40Z"))
    assert texts.snapshot() == datetimes.snapshot()
    assert texts.status()["campaign"] == "cancelled"

    by_text = plan(campaign(), now="2026-03-09T13:00:00+01:00")
    by_datetime = plan(campaign(), now=utc("2026-03-09T12:00:00Z"))
    assert [z(a.start) for a in by_text.attempts] == [
        "2026-03-09T12:00:00Z",
        "2026-03-09T12:00:30Z",
        "2026-03-09T12:05:30Z",
        "2026-03-09T12:06:00Z",
    ]
    assert list(by_text.attempts) == list(by_datetime.attempts)


NAIVE_TEXT = "2026-03-09T13:00:20"
# value -> (exception, words the message must hold besides the argument's name)
BAD_INSTANTS: dict[str, tuple[object, type[Exception], tuple[str, ...]]] = {
    "naive_text": (NAIVE_TEXT, ValueError, ("offset",)),
    "not_iso": ("yesterday", ValueError, ("ISO 8601",)),
    "epoch_int": (1773061220, TypeError, ("aware datetime or an ISO 8601 string",)),
    "none": (None, TypeError, ("aware datetime or an ISO 8601 string",)),
    "naive_datetime": (datetime(2026, 3, 9, 13, 0, 20), ValueError, ("naive",)),
}

# Each call that takes an instant, given a live engine (a call in progress, or paused for
# resume) and the bad value; with the name the error must give the argument.
Call = Callable[[Engine, Any], object]
ENGINE_CALLS: dict[str, tuple[Call, str]] = {
    "record_ended_at": (lambda e, bad: e.record(f"{P1}#1", "Busy", bad), "ended_at"),
    "record_now": (
        lambda e, bad: e.record(f"{P1}#1", "Busy", "2026-03-09T13:00:20Z", now=bad),
        "now",
    ),
    "due": (lambda e, bad: e.due(bad), "now"),
    "pause": (lambda e, bad: e.pause(bad), "now"),
    "resume": (lambda e, bad: e.resume(bad), "now"),
    "cancel": (lambda e, bad: e.cancel(bad), "now"),
    "add_customers": (lambda e, bad: e.add_customers(["+14155550003"], now=bad), "now"),
}


def live_engine(paused: bool) -> Engine:
    """The campaign with P1#1 in progress since 13:00Z (and paused at 13:00:10Z, if asked)."""
    engine = Engine(campaign(), now=utc("2026-03-09T13:00:00Z"))
    engine.due(utc("2026-03-09T13:00:00Z"))
    if paused:
        engine.pause(utc("2026-03-09T13:00:10Z"))
    return engine


# record's ``now`` is optional: None is its default, "not given", and is not refused.
REFUSALS = [
    pytest.param(call, bad, id=f"{call}-{bad}")
    for call in ENGINE_CALLS
    for bad in BAD_INSTANTS
    if (call, bad) != ("record_now", "none")
]


@pytest.mark.parametrize(("call", "bad"), REFUSALS)
def test_a_bad_instant_is_refused_naming_the_argument_and_changes_nothing(
    call: str, bad: str
) -> None:
    value, error, words = BAD_INSTANTS[bad]
    operation, name = ENGINE_CALLS[call]
    engine = live_engine(paused=call == "resume")
    before = json.dumps(engine.snapshot())
    with pytest.raises(error) as raised:
        operation(engine, value)
    message = str(raised.value)
    assert message.startswith(name) or f" {name} " in f" {message}", message
    for word in words:
        assert word in message
    assert json.dumps(engine.snapshot()) == before
    # And the engine goes on: the call in progress still records.
    assert engine.record(f"{P1}#1", "Busy", "2026-03-09T13:00:20Z").will_retry


@pytest.mark.parametrize("bad", list(BAD_INSTANTS), ids=list(BAD_INSTANTS))
@pytest.mark.parametrize("where", ["Engine", "plan"])
def test_a_bad_now_is_refused_by_engine_and_plan(where: str, bad: str) -> None:
    value, error, words = BAD_INSTANTS[bad]
    start: Callable[[], object] = (
        (lambda: Engine(campaign(), now=value))  # type: ignore[arg-type]
        if where == "Engine"
        else (lambda: plan(campaign(), now=value))  # type: ignore[arg-type]
    )
    with pytest.raises(error) as raised:
        start()
    message = str(raised.value)
    assert message.startswith("now "), message
    for word in words:
        assert word in message


def test_a_refused_instant_is_a_plain_value_or_type_error_not_an_engine_error() -> None:
    """A host catches ``ValueError`` for every refusal (``EngineError`` is one too)."""
    engine = live_engine(paused=False)
    with pytest.raises(ValueError) as raised:
        engine.record(f"{P1}#1", "Busy", NAIVE_TEXT)
    assert str(raised.value) == (
        "ended_at must carry an offset ('Z' or '+01:00'), got '2026-03-09T13:00:20': "
        "a time without one names no instant"
    )


# -- the decision and the rows: pydantic, camelCase, attemptNumber ------------------------


def a_decision() -> Decision:
    engine = live_engine(paused=False)
    return engine.record(f"{P1}#1", "Busy", "2026-03-09T13:00:20Z")


def test_the_decision_is_a_pydantic_model_whose_model_dump_is_pydantics_own() -> None:
    decision = a_decision()
    assert isinstance(decision, BaseModel)
    assert type(decision).model_dump is BaseModel.model_dump

    # An unknown mode gets whatever pydantic itself gives any model: pydantic 2.14 takes any
    # string (custom serializers may read it) and dumps as in "python" mode; a pydantic
    # that refuses one raises its own error, and so must the decision.
    class Probe(BaseModel):
        at: datetime

    probe = Probe(at=decision.started_at)
    try:
        probe.model_dump(mode="jsn")
    except Exception as error:  # pydantic's own error, whatever its type
        with pytest.raises(type(error)):
            decision.model_dump(mode="jsn")
    else:
        assert decision.model_dump(mode="jsn") == decision.model_dump()


def test_the_decision_dumps_to_the_webhooks_camel_case_json() -> None:
    decision = a_decision()
    dumped = json.loads(decision.model_dump_json(by_alias=True))
    assert list(dumped) == [
        "attemptId",
        "phone",
        "attemptNumber",
        "outcome",
        "startedAt",
        "endedAt",
        "willRetry",
        "retryScheduledAt",
        "retriesRemaining",
    ]
    assert dumped == {
        "attemptId": f"{P1}#1",
        "phone": P1,
        "attemptNumber": 1,
        "outcome": "Busy",
        "startedAt": "2026-03-09T13:00:00Z",
        "endedAt": "2026-03-09T13:00:20Z",
        "willRetry": True,
        "retryScheduledAt": "2026-03-09T13:05:20Z",
        "retriesRemaining": 0,
    }
    assert decision.model_dump(mode="json", by_alias=True) == dumped


def test_every_row_names_the_attempt_number_attempt_number() -> None:
    spec = campaign(startTime="09:00", endTime="17:00", endDate="2026-03-09")
    now = utc("2026-03-09T16:59:45Z")
    timeline = plan(spec, now=now)
    engine = Engine(spec, now=now)
    [due] = engine.due(now)
    engine.record(due.id, "No Answer", now + RING)
    [p2_expired] = [e for e in engine.expired if e.phone == P2]
    rows = {
        "Attempt": (timeline.attempts[0].as_dict(), 1),
        "Expired in the plan": (timeline.expired[0].as_dict(), 2),
        "DueAttempt": (due.as_dict(), 1),
        "Expired in the engine": (p2_expired.as_dict(), 1),
    }
    for kind, (row, number) in rows.items():
        assert row["attemptNumber"] == number, kind
        assert "attempt" not in row, kind
    assert rows["Attempt"][0]["start"] == rows["DueAttempt"][0]["start"] == "2026-03-09T16:59:45Z"
    assert rows["Expired in the plan"][0]["phone"] == P1


# -- iso_utc ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("t", "text"),
    [
        (datetime(2026, 3, 9, 14, 0, tzinfo=timezone(timedelta(hours=1))), "2026-03-09T13:00:00Z"),
        (
            datetime(2026, 3, 9, 7, 30, tzinfo=timezone(timedelta(hours=-5, minutes=-30))),
            "2026-03-09T13:00:00Z",
        ),
        (
            datetime(2026, 11, 1, 1, 30, fold=1, tzinfo=ZoneInfo("America/New_York")),
            "2026-11-01T06:30:00Z",
        ),
        (datetime(1969, 12, 31, 23, 59, 58, tzinfo=UTC), "1969-12-31T23:59:58Z"),
    ],
    ids=["plus_one_hour", "minus_five_thirty", "second_one_thirty_of_fall_back", "before_1970"],
)
def test_iso_utc_writes_the_instant_in_utc(t: datetime, text: str) -> None:
    assert iso_utc(t) == text


# -- restore under a changed spec ------------------------------------------------------------


def test_a_refused_restore_names_each_changed_field_with_both_values() -> None:
    engine = Engine(campaign(callRetries=2), now=utc("2026-03-09T13:00:00Z"))
    state = json.loads(json.dumps(engine.snapshot()))
    changed = campaign(callRetries=1, maxConcurrency=3, timezone="Europe/Prague")
    with pytest.raises(EngineError) as raised:
        Engine.restore(changed, state)
    message = str(raised.value)
    assert message.startswith("restore: this snapshot was taken under a different campaign spec")
    assert "callRetries is 1 in the campaign but 2 in the snapshot" in message
    assert "maxConcurrency is 3 in the campaign but 5 in the snapshot" in message
    assert "timezone is 'Europe/Prague' in the campaign but 'UTC' in the snapshot" in message
    for same in ("retryDelaySeconds", "schedulingMode", "callIntervalSeconds"):
        assert same not in message


# -- the snapshot grows with customers, not with calls ----------------------------------------


def test_a_snapshot_stays_small_through_a_campaign_of_2000_customers() -> None:
    customers = 2_000
    spec = Campaign.model_validate(
        {
            "name": "size",
            "timezone": "UTC",
            "phoneList": [f"+1415{n:07d}" for n in range(customers)],
            "callRetries": 3,
            "schedulingMode": "asap",
            "maxConcurrency": 50,
        }
    )
    now = utc("2026-03-09T13:00:00Z")
    calls = 4 * customers  # every call a No Answer: 1 + callRetries each
    marks = {calls // 4: "25%", calls // 2: "50%", calls * 9 // 10: "90%"}
    engine = Engine(spec, now=now)
    sizes = {"start": len(json.dumps(engine.snapshot()))}
    recorded = 0

    def measure(attempt_id: str, end: datetime, decision: Decision) -> None:
        nonlocal recorded
        recorded += 1
        if recorded not in marks:
            return
        state = json.loads(json.dumps(engine.snapshot()))
        sizes[marks[recorded]] = len(json.dumps(state))
        # The latest result again, after the snapshot: the same decision, from the engine
        # and from one restored from the snapshot.
        assert engine.record(attempt_id, "No Answer", end) == decision
        assert Engine.restore(spec, state).record(attempt_id, "No Answer", end) == decision

    started, _ = host(engine, now, measure)
    sizes["end"] = len(json.dumps(engine.snapshot()))
    assert len(started) == recorded == calls
    assert engine.status()["customers"]["exhausted"] == customers
    assert list(sizes) == ["start", "25%", "50%", "90%", "end"]
    for when, size in sizes.items():
        assert size <= 120 * customers, f"{size / customers:.1f} bytes a customer at {when}"
