"""The live engine and the preview agree (the README's Semantics), on random campaigns.

Hypothesis draws small campaigns (any zone of the pinned tzdata, often one
with odd rules; a ``now`` from 1900 to 2100, often in 2026 or days around a
clock change; windows that may run overnight, both retry modes, both
scheduling modes, sometimes an ``endDate``) and a script of outcomes per
customer. ``plan`` gives the preview; a host then drives ``Engine`` with
the same outcomes and call lengths, waking at ``next_wakeup()`` or when a
call it placed ends, as a real dialer would. The engine must start every
call at the preview's instant, in the preview's order, expire the same
attempts, and hand out no attempt twice. Saving its state to JSON and
restoring it, at any step and with calls in progress, must change nothing.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from cases import Case, ended_by, instants, wake_at, zones
from hypothesis import event, given, settings
from hypothesis import strategies as st

from scheduler import Campaign, Engine, plan
from scheduler.outcomes import OutcomeSource
from scheduler.spec import FAILURE_OUTCOMES, OUTCOMES
from scheduler.times import clock_text
from scheduler.tz import load_zone

DAY = timedelta(days=1)
POOL = [f"+1415555{n:04d}" for n in range(1, 13)]
MAX_STEPS = 5_000


@st.composite
def window_times(draw: st.DrawFn) -> tuple[int, int]:
    """A window's start and end in seconds after midnight; end < start is overnight."""
    step = draw(st.sampled_from([3600, 1800, 900, 60, 1]))
    slots = 86_400 // step
    first = draw(st.integers(0, slots - 1))
    last = (first + draw(st.integers(1, slots - 1))) % slots
    return first * step, (last or slots) * step


@st.composite
def cases(draw: st.DrawFn) -> Case:
    zone = draw(zones())
    start, end = draw(window_times())
    now = draw(instants(zone))
    size = draw(st.one_of(st.integers(1, 10), st.just(10)))
    listed = draw(st.lists(st.sampled_from(POOL), min_size=size, max_size=size))
    body: dict[str, Any] = {
        "name": "engine property",
        "timezone": zone,
        "startTime": clock_text(start),
        "endTime": clock_text(end),
        "activeDays": sorted(draw(st.sets(st.integers(0, 6), min_size=1))),
        "callRetries": draw(st.sampled_from([0, 1, 2, 3, 3])),
        "retryDelaySeconds": draw(
            st.one_of(st.sampled_from([0, 1, 60, 3600, 20_000]), st.integers(0, 20_000))
        ),
        "retryDelayMode": draw(st.sampled_from(["fixed", "next_day"])),
        "schedulingMode": draw(st.sampled_from(["even", "asap"])),
        "callIntervalSeconds": draw(st.integers(0, 120)),
        "maxConcurrency": draw(st.integers(1, 4)),
        "phoneList": listed,
    }
    if draw(st.integers(0, 3)) == 0:
        day = draw(st.sampled_from(body["activeDays"]))
        other_start, other_end = draw(window_times())
        body["daySchedules"] = {
            str(day): {"startTime": clock_text(other_start), "endTime": clock_text(other_end)}
        }
    if draw(st.booleans()):
        local_today = now.astimezone(load_zone(zone)).date()
        body["endDate"] = (local_today + draw(st.integers(0, 4)) * DAY).isoformat()
    if draw(st.integers(0, 3)) == 0:
        body["retryConditions"] = draw(
            st.lists(st.sampled_from(FAILURE_OUTCOMES), unique=True, max_size=6)
        )
    # Half the outcomes are the common retryable ones, so retries are frequent.
    outcome = st.one_of(
        st.sampled_from(["No Answer", "Busy", "voicemail"]), st.sampled_from(OUTCOMES)
    )
    results = st.tuples(outcome, st.integers(1, 900))
    scripts = {
        phone: draw(st.lists(results, min_size=1, max_size=4))
        for phone in dict.fromkeys(listed)
        if draw(st.booleans())
    }
    return Case(body, now, scripts, draw(results))


# -- the host ------------------------------------------------------------------


@dataclass
class History:
    """Everything a host sees of a campaign, in the order it saw it."""

    started: list[tuple[str, int, datetime]] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    decisions: list[dict[str, Any]] = field(default_factory=list)
    expired: set[tuple[str, int]] = field(default_factory=set)
    status: dict[str, Any] = field(default_factory=dict)


def restarted(engine: Engine, campaign: Campaign) -> Engine:
    """The engine as a host gets it back after saving its state to JSON and restarting."""
    state = json.loads(json.dumps(engine.snapshot()))
    again = Engine.restore(campaign, state)
    assert again.snapshot() == state, "a restored engine saves a different state"
    return again


def drive(
    campaign: Campaign,
    now: datetime,
    source: OutcomeSource,
    restarts: frozenset[tuple[int, bool]] = frozenset(),
) -> History:
    """Run the campaign to its end as a dialer would, with the outcomes of ``source``.

    At each step the host wakes at the earlier of ``next_wakeup()`` and the
    end of a call it placed, records the calls that ended by then, and
    starts what ``due`` hands out. ``restarts`` holds ``(step, after_due)``
    pairs at which the engine is saved and restored.
    """
    engine = Engine(campaign, now=now)
    history = History()
    in_progress: dict[str, tuple[datetime, str]] = {}  # id -> end, outcome
    handed: set[str] = set()
    t = now
    for step in range(MAX_STEPS):
        if (step, False) in restarts:
            engine = restarted(engine, campaign)
        wakeup = engine.next_wakeup()
        woken = wake_at(wakeup, (end for end, _ in in_progress.values()))
        if woken is None:
            break
        t = woken
        for attempt_id, end, outcome in ended_by(in_progress, t):
            decision = engine.record(attempt_id, outcome, end, now=t)
            history.decisions.append(decision.model_dump(mode="json", by_alias=True))
        for attempt in engine.due(t):
            assert attempt.id not in handed, f"{attempt.id} handed out twice"
            handed.add(attempt.id)
            assert attempt.id == f"{attempt.phone}#{attempt.number}"
            assert attempt.start == t, "due(t) hands out a call that does not start at t"
            assert attempt.due <= attempt.start
            outcome, seconds = source(attempt.phone, attempt.number)
            in_progress[attempt.id] = (attempt.start + timedelta(seconds=seconds), outcome)
            history.started.append((attempt.phone, attempt.number, attempt.start))
            history.reasons.append(attempt.reason)
        if (step, True) in restarts:
            engine = restarted(engine, campaign)
    else:
        raise AssertionError(f"the campaign did not finish in {MAX_STEPS} steps")
    assert engine.next_wakeup() is None
    assert engine.due(t) == []
    history.expired = {(e.phone, e.number) for e in engine.expired}
    assert len(history.expired) == len(engine.expired), "an attempt expired twice"
    history.status = engine.status()
    return history


def check_against_plan(case: Case, campaign: Campaign, history: History) -> None:
    timeline = plan(campaign, now=case.now, outcomes=case.source())
    expected = [(a.phone, a.number, a.start) for a in timeline.attempts]
    assert history.started == expected
    # A host that asks at each wake-up hears the plan's reason for every call.
    assert history.reasons == [a.reason for a in timeline.attempts]
    assert history.expired == {(e.phone, e.number) for e in timeline.expired}

    # Every handed-out call was recorded, and the decisions are those of the plan.
    retries = campaign.call_retries
    starts = {(a.phone, a.number): a.start for a in timeline.attempts}
    recorded = [(d["phone"], d["attemptNumber"]) for d in history.decisions]
    assert sorted(recorded) == sorted(starts)
    for d in history.decisions:
        phone, number = d["phone"], d["attemptNumber"]
        follow = (phone, number + 1)
        if d["willRetry"]:
            assert d["retriesRemaining"] == retries - number
            assert follow in starts or follow in history.expired
            if follow in starts:
                retry_at = datetime.fromisoformat(d["retryScheduledAt"])
                assert retry_at <= starts[follow]
        else:
            assert d["retryScheduledAt"] is None
            assert d["retriesRemaining"] == 0
            assert follow not in starts

    # The campaign ends completed, every customer in the state the plan gives it.
    assert history.status["campaign"] == "completed"
    counts = history.status["customers"]
    assert counts == {
        "pending": 0,
        "in progress": 0,
        "retry scheduled": 0,
        "removed": 0,
        "cancelled": 0,
        "done": 0,
        "exhausted": 0,
        "expired": 0,
        **{state.value: n for state, n in Counter(timeline.final_states.values()).items()},
    }


@settings(deadline=None)
@given(case=cases())
def test_engine_starts_every_call_at_the_plans_instant(case: Case) -> None:
    campaign = Campaign.model_validate(case.body)
    history = drive(campaign, case.now, case.source())
    check_against_plan(case, campaign, history)
    event(f"calls: {min(len(history.started), 20) // 5 * 5}+")
    event(f"retries: {any(number > 1 for _, number, _ in history.started)}")
    event(f"expired: {bool(history.expired)}")


@st.composite
def restart_points(draw: st.DrawFn) -> frozenset[tuple[int, bool]]:
    """Steps at which the host saves and restores the engine: a few, or every k-th."""
    every = draw(st.sampled_from([0, 0, 1, 2, 3, 5]))
    if every:
        points = {(step, after) for step in range(0, 400, every) for after in (False, True)}
    else:
        points = set(draw(st.sets(st.tuples(st.integers(0, 80), st.booleans()), max_size=10)))
    return frozenset(points)


@settings(deadline=None)
@given(case=cases(), restarts=restart_points())
def test_saving_and_restoring_changes_nothing(
    case: Case, restarts: frozenset[tuple[int, bool]]
) -> None:
    campaign = Campaign.model_validate(case.body)
    straight = drive(campaign, case.now, case.source())
    with_restarts = drive(campaign, case.now, case.source(), restarts)
    assert with_restarts == straight
    check_against_plan(case, campaign, with_restarts)


def test_a_restart_in_the_middle_of_a_busy_day_is_seamless() -> None:
    """A fixed case, so the restart path runs even if hypothesis is told to skip."""
    case = Case(
        body={
            "name": "busy",
            "timezone": "Europe/Prague",
            "startTime": "22:00",
            "endTime": "02:00",
            "activeDays": [0, 2, 4, 6],
            "callRetries": 3,
            "retryDelaySeconds": 600,
            "schedulingMode": "asap",
            "maxConcurrency": 2,
            "phoneList": POOL[:6],
            "endDate": date(2026, 3, 31).isoformat(),
        },
        now=datetime(2026, 3, 28, 20, 0, tzinfo=UTC),
        scripts={POOL[0]: [("Busy", 400), ("success", 90)], POOL[3]: [("api_error", 5)]},
        default=("No Answer", 45),
    )
    campaign = Campaign.model_validate(case.body)
    straight = drive(campaign, case.now, case.source())
    assert len(straight.started) > 10
    every = frozenset((step, after) for step in range(200) for after in (False, True))
    assert drive(campaign, case.now, case.source(), every) == straight
    check_against_plan(case, campaign, straight)
