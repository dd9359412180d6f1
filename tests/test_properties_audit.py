"""Auditing a call log (the README's Semantics) on the campaigns ``scheduler.testing`` draws.

Two invariants hold on every campaign ``campaigns()`` draws: a log that
``plan`` made, or that a host driving ``Engine`` made, has no violation;
and a log with one rule broken on purpose (``call_logs(..., broken=code)``)
gives that rule's code, naming the rule where one is broken. The strategies
themselves are tested in test_testing.py.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from cases import ended_by
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from scheduler import Campaign, Engine, audit, plan
from scheduler.audit import CODES
from scheduler.outcomes import OutcomeSource
from scheduler.testing import (
    PHONES,
    call_logs,
    campaigns,
    instants,
    outcome_scripts,
    zones,
)

MAX_STEPS = 5_000
SLOW = [HealthCheck.too_slow, HealthCheck.filter_too_much]
#: Each of the 11 codes gets a third of the profile's budget (50 in ci, 1,666 in long).
PER_CODE = max(settings().max_examples // 3, 10)
#: ``zones()`` built once: the draws of ``campaigns()``, without listing every zone file
#: of the host again for each campaign (``st.timezone_keys`` does that when built).
ZONES = zones()

# -- clean logs ------------------------------------------------------------------


@settings(deadline=None, suppress_health_check=SLOW)
@given(campaign=campaigns(timezone=ZONES), data=st.data())
def test_a_log_made_by_plan_has_no_violation(campaign: Campaign, data: st.DataObject) -> None:
    now = data.draw(instants(campaign.timezone), label="now")
    source = data.draw(outcome_scripts(campaign), label="outcomes")
    timeline = plan(campaign, now=now, outcomes=source)
    # The timeline's attempts are objects with phone, start, end and outcome: a log as is.
    assert audit(campaign, timeline.attempts) == []
    event(f"calls: {min(len(timeline.attempts), 20) // 5 * 5}+")


def drive(campaign: Campaign, now: datetime, source: OutcomeSource) -> list[dict[str, Any]]:
    """The calls a host makes driving ``Engine`` with ``source``'s outcomes and lengths.

    The host wakes at ``next_wakeup()`` or when a call it placed ends, records
    every call that has ended by then, and starts what ``due`` hands out.
    """
    engine = Engine(campaign, now=now)
    in_progress: dict[str, tuple[datetime, str]] = {}  # id -> end, outcome
    log: list[dict[str, Any]] = []
    for _ in range(MAX_STEPS):
        wakeup = engine.next_wakeup()
        ends = [end for end, _ in in_progress.values()]
        candidates = [t for t in (wakeup, min(ends, default=None)) if t is not None]
        if not candidates:
            return log
        t = min(candidates)
        for attempt_id, end, outcome in ended_by(in_progress, t):
            engine.record(attempt_id, outcome, end, now=t)
        for attempt in engine.due(t):
            outcome, seconds = source(attempt.phone, attempt.number)
            end = attempt.start + timedelta(seconds=seconds)
            in_progress[attempt.id] = (end, outcome)
            log.append(
                {"phone": attempt.phone, "start": attempt.start, "end": end, "outcome": outcome}
            )
    raise AssertionError(f"the campaign did not finish in {MAX_STEPS} steps")


@settings(deadline=None, suppress_health_check=SLOW)
@given(campaign=campaigns(timezone=ZONES), data=st.data())
def test_a_log_made_by_a_host_driving_the_engine_has_no_violation(
    campaign: Campaign, data: st.DataObject
) -> None:
    now = data.draw(instants(campaign.timezone), label="now")
    source = data.draw(outcome_scripts(campaign), label="outcomes")
    log = drive(campaign, now, source)
    assert audit(campaign, log) == []
    event(f"calls: {min(len(log), 20) // 5 * 5}+")


# -- broken logs ------------------------------------------------------------------

#: Per code, the campaigns on which ``call_logs`` can break that rule without
#: rejecting most draws; every other field is drawn as ``campaigns()`` draws it.
NARROWING: dict[str, dict[str, Any]] = {
    "unknown-customer": {},
    "outside-window": {},
    "rule-hours": {
        "calling_rules": st.lists(
            st.sampled_from(["US-TCPA", "US-FL", "US-UT", "CA-CRTC", "FR", "AU"]),
            min_size=1,
            max_size=2,
            unique=True,
        ),
        "customers": st.lists(st.sampled_from(PHONES), min_size=1, max_size=4, unique=True),
    },
    "holiday": {
        "calling_rules": st.sampled_from([["US-UT"], ["FR"], ["AU"]]),
        "customers": st.sampled_from([["+18015550105"], ["+33142685300"], ["+61293744000"]]),
        "active_days": st.sets(st.integers(0, 4), min_size=3).map(sorted),
        "window": (9 * 3600, 17 * 3600),
        "blackout_dates": [],
    },
    "cap": {
        "calling_rules": st.sampled_from([["US-FL"], ["US-REGF"], ["FR"], ["US-OK", "US-MD"]]),
        "customers": st.lists(
            st.sampled_from(["+18505550104", "+14055550106", "+13015550107", "+12125550102"]),
            min_size=1,
            max_size=3,
            unique=True,
        ),
    },
    "too-many-attempts": {},
    "not-retryable": {"call_retries": st.integers(1, 3)},
    "retry-too-early": {
        "call_retries": st.integers(1, 3),
        "retry_delay_seconds": st.integers(60, 86_400),
    },
    "overlap": {"call_retries": st.integers(1, 3)},
    "concurrency": {
        "max_concurrency": st.integers(1, 2),
        "customers": st.lists(st.sampled_from(PHONES), min_size=3, max_size=6, unique=True),
    },
    "pacing": {"scheduling_mode": "even", "call_interval_seconds": st.integers(2, 120)},
}


@pytest.mark.parametrize("code", CODES, ids=CODES)
@settings(max_examples=PER_CODE, deadline=None, suppress_health_check=SLOW)
@given(data=st.data())
def test_a_log_with_one_rule_broken_gives_its_code(code: str, data: st.DataObject) -> None:
    campaign = data.draw(campaigns(timezone=ZONES, **NARROWING[code]), label="campaign")
    log = data.draw(call_logs(campaign, broken=code), label="log")
    violations = audit(campaign, log)
    found = [v for v in violations if v.code == code]
    assert found, f"no {code!r} in {[v.code for v in violations]}"
    if code in ("rule-hours", "holiday", "cap"):
        names = {rule.name for rule in campaign.calling_rules}
        assert all(v.rule in names for v in found), (found, names)
    else:
        assert all(v.rule is None for v in found)
