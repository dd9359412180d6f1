"""The customer's clock and calling rules (the README's Semantics), on random campaigns.

Hypothesis draws a few customers whose numbers come from many countries and
US and Canadian area codes (one of them, 605 222, on two clocks; toll-free
800 on none), sometimes with their own ``timezone`` or ``region``; a random
set of calling rules (presets, and rule objects with random hours per
weekday, holidays and caps); ``recipientLocalTime``; blackout dates near
``now``; a window that may run overnight; retries; and calls placed by other
campaigns (``history``).

Every attempt of the plan is then checked by brute force, without the
library's calendars: its start is inside the campaign's window on the right
clocks and not on a blackout day; on every clock of the customer, every rule
that applies allows it (no holiday of the rule, the wall time inside one of
the rule's intervals of that weekday); and no cap is exceeded. Where lines
and pacing hold nothing back, each attempt starts at the first such instant
after it falls due, and an attempt expires only when none is left. A host
driving ``Engine`` (saved and restored in the middle) starts the same calls
at the same instants, and a rule that allows everything changes nothing.
"""

from __future__ import annotations

import importlib.resources
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

import holidays
from hypothesis import event, given
from hypothesis import strategies as st

from scheduler import Campaign, Engine, outcomes, plan
from scheduler.callee import callee
from scheduler.outcomes import OutcomeSource
from scheduler.rules import PRESETS, CallingRule, applies
from scheduler.spec import Customer, DateRange
from scheduler.times import clock_text

DAY = 86_400
SECTION_7_FIELDS = ("callingRules", "blackoutDates", "recipientLocalTime")

# About forty +1 area codes: 605 (with exchange 222 on two clocks), 850 (Florida, on
# either of two clocks by exchange), 435/801 (Utah), 405 (Oklahoma), 301/410
# (Maryland), 416 (Ontario), 907 (two Alaska zones), toll-free 800/888.
AREA_CODES = (
    "201", "202", "206", "208", "212", "213", "270", "301", "303", "305",
    "312", "313", "403", "404", "405", "406", "410", "415", "416", "435",
    "503", "505", "512", "514", "602", "604", "605", "612", "615", "617",
    "701", "702", "713", "801", "808", "850", "902", "907", "800", "888",
)  # fmt: skip
# Other countries: Paris fixed line, French mobile, Sydney, Russian mobile (16 zones),
# London, Berlin, Australian mobile (8 zones), a universal freephone number (no country).
FOREIGN_PREFIXES = ("+331", "+336", "+612", "+79", "+4420", "+4930", "+614", "+800")
FOREIGN_DIGITS = {"+331": 8, "+336": 8, "+612": 8, "+79": 9, "+4420": 8, "+4930": 8}
FOREIGN_DIGITS |= {"+614": 8, "+800": 8}
CAMPAIGN_ZONES = (
    "UTC",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "Europe/Paris",
    "Australia/Sydney",
    "Asia/Tokyo",
    "America/Santiago",
    "Asia/Kathmandu",
)
CUSTOMER_ZONES = (
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Phoenix",
    "Pacific/Honolulu",
    "Europe/Paris",
    "Europe/Moscow",
    "Australia/Sydney",
    "Asia/Tokyo",
    "America/Santiago",  # changes at midnight
    "America/St_Johns",  # -03:30
    "Australia/Lord_Howe",  # half-hour DST
    "Asia/Kathmandu",  # +05:45
    "Europe/Dublin",  # negative DST
)
CUSTOMER_REGIONS = (
    "US",
    "US-FL",
    "US-UT",
    "US-OK",
    "US-MD",
    "US-CA",
    "CA",
    "CA-ON",
    "FR",
    "AU",
    "AU-NSW",
    "RU",
    "GB",
)
# A custom rule names at most one region, so "the more specific region" of section 7
# has one answer (several regions: see tests/test_rules.py).
RULE_REGIONS: tuple[tuple[str, ...], ...] = (
    (),
    (),
    ("US",),
    ("US-FL",),
    ("US-UT",),
    ("CA",),
    ("FR",),
    ("AU",),
    ("RU",),
)
# Days around which the rules and clocks are the most interesting in 2026.
SPECIAL_DAYS = (
    date(2026, 3, 8),  # US spring forward
    date(2026, 3, 29),  # EU spring forward
    date(2026, 4, 5),  # Sydney, Lord Howe and Santiago fall back
    date(2026, 9, 6),  # Santiago springs forward at midnight
    date(2026, 10, 4),  # Sydney and Lord Howe spring forward
    date(2026, 7, 3),  # Independence Day (observed)
    date(2026, 7, 14),  # French National Day
    date(2026, 7, 24),  # Pioneer Day, Utah
    date(2026, 10, 25),  # EU fall back
    date(2026, 11, 1),  # US fall back
    date(2026, 12, 25),
)
#: ``(phone, attempt number, start)`` of one call.
Start = tuple[str, int, datetime]
OUTCOME_NAMES = ("No Answer", "No Answer", "Busy", "voicemail", "success", "Rejected")


# -- drawing -------------------------------------------------------------------------


@st.composite
def phones(draw: st.DrawFn) -> str:
    """A number from a US or Canadian area code, or from another country."""
    if draw(st.integers(0, 2)):
        npa = draw(st.sampled_from(AREA_CODES))
        exchange = (
            "222" if npa == "605" and draw(st.booleans()) else str(draw(st.integers(200, 999)))
        )
        return f"+1{npa}{exchange}{draw(st.integers(0, 9999)):04d}"
    prefix = draw(st.sampled_from(FOREIGN_PREFIXES))
    digits = FOREIGN_DIGITS[prefix]
    return f"{prefix}{draw(st.integers(10 ** (digits - 1), 10**digits - 1))}"


@st.composite
def custom_rules(draw: st.DrawFn, name: str) -> dict[str, Any]:
    """A rule object: random hours on some weekdays (several intervals, or none), holidays,
    maybe a cap."""
    hours: dict[str, list[list[str]]] = {}
    # A quarter of the rules have no hours at all (all day, every day): a cap or holidays.
    days = draw(st.one_of(st.just(set()), st.sets(st.integers(0, 6), max_size=7)))
    for day in sorted(days):
        intervals = []
        for _ in range(draw(st.sampled_from([0, 1, 1, 1, 2, 3]))):
            start = draw(st.integers(0, 95))  # quarter hours
            end = draw(st.integers(start + 1, 96))
            intervals.append([clock_text(start * 900), clock_text(end * 900)])
        hours[str(day)] = intervals
    rule: dict[str, Any] = {
        "name": name,
        "hours": hours,
        "holidays": draw(st.sampled_from([False, "country", "region"])),
    }
    regions = draw(st.sampled_from(RULE_REGIONS))
    if regions:
        rule["regions"] = list(regions)
    if draw(st.booleans()):
        seconds = draw(st.one_of(st.sampled_from([3600, DAY]), st.integers(600, DAY)))
        rule["cap"] = {"calls": draw(st.integers(1, 3)), "seconds": seconds}
    return rule


@st.composite
def rule_sets(draw: st.DrawFn) -> list[Any]:
    """Zero to three rules: preset names and rule objects, each name once."""
    presets = draw(st.lists(st.sampled_from(sorted(PRESETS)), unique=True, max_size=2))
    rules: list[Any] = list(presets)
    for i in range(draw(st.integers(0, 3 - len(presets)))):
        rules.append(draw(custom_rules(f"rule {i}")))
    if draw(st.integers(0, 2)) == 0:  # a cap on everyone, all day: it binds often
        calls = draw(st.integers(1, 3))
        seconds = draw(st.one_of(st.sampled_from([3600, DAY]), st.integers(600, DAY)))
        rules.append({"name": "cap", "cap": {"calls": calls, "seconds": seconds}})
    return list(draw(st.permutations(rules)))


@st.composite
def nows(draw: st.DrawFn) -> datetime:
    """An instant of 2026, half the time within two days of a day where rules or clocks
    change."""
    if draw(st.booleans()):
        day = draw(st.sampled_from(SPECIAL_DAYS)) + timedelta(days=draw(st.integers(-2, 1)))
    else:
        day = date(2026, 1, 1) + timedelta(days=draw(st.integers(0, 364)))
    midnight = datetime(day.year, day.month, day.day, tzinfo=UTC)
    return midnight + timedelta(seconds=draw(st.integers(0, DAY - 1)))


@dataclass(frozen=True)
class RuleCase:
    """A drawn campaign body, the instant it starts from, how calls end, and the history."""

    body: dict[str, Any]
    now: datetime
    scripts: dict[str, list[tuple[str, int]]]
    history: dict[str, list[str]]

    def source(self) -> OutcomeSource:
        """A fresh outcome source for the case."""
        return outcomes.scripted(self.scripts, default=outcomes.always("No Answer", 30))


@st.composite
def rule_cases(draw: st.DrawFn, free_lines: bool = False) -> RuleCase:
    """A case; with ``free_lines``, lines and pacing never hold a call back (asap, a line per
    customer, fixed delays), so each attempt starts at the first callable instant it may."""
    now = draw(nows())
    numbers = draw(st.lists(phones(), min_size=1, max_size=6, unique=True))
    customers = []
    for number in numbers:
        customer: dict[str, Any] = {"phoneNumber": number}
        if draw(st.integers(0, 3)) == 0:
            customer["timezone"] = draw(st.sampled_from(CUSTOMER_ZONES))
        if draw(st.integers(0, 3)) == 0:
            customer["region"] = draw(st.sampled_from(CUSTOMER_REGIONS))
        customers.append(customer)
    start = draw(st.integers(0, 47)) * 1800
    if draw(st.integers(0, 4)) == 0:  # overnight: it ends on the next day
        end = draw(st.integers(0, start // 1800 - 1)) * 1800 if start else 86_400
    else:
        end = draw(st.integers(start // 1800 + 1, 48)) * 1800
    body: dict[str, Any] = {
        "name": "rules property",
        "timezone": draw(st.sampled_from(CAMPAIGN_ZONES)),
        "startTime": clock_text(start),
        "endTime": clock_text(end),
        "activeDays": sorted(draw(st.sets(st.integers(0, 6), min_size=1))),
        "callRetries": draw(st.sampled_from([0, 1, 2, 3, 4, 4])),
        "retryDelaySeconds": draw(st.sampled_from([0, 60, 600, 600, 3600, 3600, 7200, 20_000])),
        "retryDelayMode": draw(st.sampled_from(["fixed", "fixed", "next_day"])),
        "schedulingMode": draw(st.sampled_from(["even", "asap"])),
        "callIntervalSeconds": draw(st.integers(0, 120)),
        "maxConcurrency": draw(st.integers(1, 3)),
        "customers": customers,
        "recipientLocalTime": draw(st.booleans()),
        "callingRules": draw(rule_sets()),
    }
    blackout: list[Any] = []
    for _ in range(draw(st.integers(0, 3))):
        first = now.date() + timedelta(days=draw(st.integers(-1, 10)))
        length = draw(st.integers(0, 3))
        if length:
            last = first + timedelta(days=length)
            blackout.append({"start": first.isoformat(), "end": last.isoformat()})
        else:
            blackout.append(first.isoformat())
    body["blackoutDates"] = blackout
    if free_lines:
        body |= {"schedulingMode": "asap", "maxConcurrency": 6, "retryDelayMode": "fixed"}
    if draw(st.integers(0, 4)) == 0:
        body["endDate"] = (now.date() + timedelta(days=draw(st.integers(0, 10)))).isoformat()
    results = st.tuples(st.sampled_from(OUTCOME_NAMES), st.integers(1, 900))
    scripts = {
        number: draw(st.lists(results, min_size=1, max_size=5))
        for number in numbers
        if draw(st.booleans())
    }
    history = {}
    for number in numbers:
        if draw(st.integers(0, 3)) == 0:
            earlier = draw(st.lists(st.integers(1, 2 * DAY), min_size=1, max_size=3))
            history[number] = [(now - timedelta(seconds=s)).isoformat() for s in earlier]
    return RuleCase(body, now, scripts, history)


# -- the contract, by brute force ---------------------------------------------------


@cache
def zone(key: str) -> ZoneInfo:
    """The zone as the pinned tzdata package has it (never the host's files)."""
    path = importlib.resources.files("tzdata").joinpath("zoneinfo", *key.split("/"))
    with path.open("rb") as file:
        return ZoneInfo.from_file(file, key=key)


def seconds_of(text: str) -> int:
    parts = [int(p) for p in text.split(":")]
    return parts[0] * 3600 + parts[1] * 60 + (parts[2] if len(parts) > 2 else 0)


def country(region: str) -> str:
    return region.split("-", 1)[0]


def overlap(rule_region: str, region: str | None) -> bool:
    """Section 7: equal, or one is the country of the other; an unknown region overlaps all."""
    return (
        region is None
        or rule_region == region
        or rule_region == country(region)
        or country(rule_region) == region
    )


@cache
def holiday_table(land: str, subdivision: str | None, year: int) -> frozenset[date]:
    supported = holidays.list_supported_countries()
    if land not in supported:
        return frozenset()
    if subdivision not in supported[land]:
        subdivision = None
    table = holidays.country_holidays(land, subdiv=subdivision, years=year, categories=("public",))
    return frozenset(table)


def rule_holidays(rule: CallingRule, region: str | None, day: date) -> bool:
    """Whether ``day`` is a holiday of ``rule`` for a customer of ``region``: "country", the
    public holidays of the country; "region", of the more specific of the rule's region and
    the customer's."""
    if rule.holidays is False:
        return False
    known = [region] if region is not None else []
    candidates = known + [r for r in rule.regions if overlap(r, region)]
    if not candidates:
        return False  # no country is known at all
    specific = next((r for r in candidates if "-" in r), candidates[0])
    land, _, subdivision = specific.partition("-")
    if rule.holidays == "country":
        subdivision = ""
    return day in holiday_table(land, subdivision or None, day.year)


def rule_allows(rule: CallingRule, region: str | None, zones: tuple[str, ...], t: datetime) -> str:
    """Why ``rule`` forbids a call at ``t`` on one of ``zones``, or "" when it allows it."""
    for key in zones:
        local = t.astimezone(zone(key))
        if rule_holidays(rule, region, local.date()):
            return f"{rule.name}: {local.date()} is a holiday on {key}"
        intervals = rule.hours.get(str(local.weekday()))
        if intervals is None:
            continue
        wall = local.hour * 3600 + local.minute * 60 + local.second
        if not any(seconds_of(a) <= wall < seconds_of(b) for a, b in intervals):
            return f"{rule.name}: {local.isoformat()} is outside {intervals} on {key}"
    return ""


def window_days(campaign: Campaign, key: str, t: datetime) -> set[date]:
    """The local days of ``key``'s clock whose campaign window holds ``t``: a window of day D
    runs from its start on D to its end (on D + 1 when overnight); D must be active and not a
    blackout day."""
    local = t.astimezone(zone(key))
    wall = local.hour * 3600 + local.minute * 60 + local.second
    start = seconds_of(campaign.start_time or "00:00")
    end = seconds_of(campaign.end_time or "24:00")
    if end <= start:
        end += DAY
    blackout: set[date] = set()
    for item in campaign.blackout_dates:
        if isinstance(item, DateRange):
            span = (item.end - item.start).days
            blackout.update(item.start + timedelta(days=k) for k in range(span + 1))
        else:
            blackout.add(item)
    found = set()
    for back in (0, 1):
        day = local.date() - timedelta(days=back)
        if day.weekday() not in campaign.active_days or day in blackout:
            continue
        if campaign.end_date is not None and day > campaign.end_date:
            continue
        if start <= wall + back * DAY < end:
            found.add(day)
    return found


def why_not(campaign: Campaign, customer: Customer, t: datetime, earlier: list[datetime]) -> str:
    """Why ``t`` is not callable for ``customer`` (items 1-3 of section 7), or "" when it is;
    ``earlier`` holds the customer's call starts before ``t`` (history included)."""
    phone = customer.phone_number
    who = callee(phone, customer.timezone, customer.region, campaign.timezone)
    # 1. the campaign's window, less blackout days, on the campaign's clock or on every
    # clock of the customer, the same day on all of them.
    if campaign.recipient_local_time:
        days: set[date] | None = None
        for key in who.zones:
            on_clock = window_days(campaign, key, t)
            days = on_clock if days is None else days & on_clock
        if not days:
            return f"no one day's window holds it on every clock {who.zones}"
    elif not window_days(campaign, campaign.timezone, t):
        return "outside the campaign's window"
    for rule in campaign.calling_rules:
        if not applies(rule, who.region):
            continue
        # 2. the rule's holidays and hours, on every clock.
        broken = rule_allows(rule, who.region, who.zones, t)
        if broken:
            return f"({who.region}, {who.zones}) {broken}"
        # 3. its cap, over the earlier starts and the history.
        if rule.cap is not None:
            since = t - timedelta(seconds=rule.cap.seconds)
            count = sum(1 for s in earlier if since < s <= t)
            if count >= rule.cap.calls:
                return f"{rule.name} allows {rule.cap.calls} calls in {rule.cap.seconds} s"
    return ""


def history_of(case: RuleCase) -> dict[str, list[datetime]]:
    return {
        phone: sorted(datetime.fromisoformat(s) for s in times)
        for phone, times in case.history.items()
    }


def check_attempts(case: RuleCase, campaign: Campaign, starts: list[Start]) -> None:
    """Every attempt starts at an instant callable for its customer, by brute force."""
    customers = {c.phone_number: c for c in campaign.customers}
    earlier = history_of(case)
    for phone, number, start in starts:
        where = f"{phone} attempt {number} at {start.isoformat()}"
        assert start >= case.now, where
        if campaign.recipient_local_time:
            customer = customers[phone]
            who = callee(phone, customer.timezone, customer.region, campaign.timezone)
            for key in who.zones:
                assert campaign.calendar(key).contains(start), f"{where}: outside on {key}"
        else:
            assert campaign.calendar().contains(start), f"{where}: outside the window"
        broken = why_not(campaign, customers[phone], start, earlier.get(phone, []))
        assert not broken, f"{where}: {broken}"
        earlier.setdefault(phone, []).append(start)


def first_callable(
    campaign: Campaign, customer: Customer, due: datetime, until: datetime, earlier: list[datetime]
) -> datetime | None:
    """The earliest instant in ``[due, until)`` callable for ``customer``, or None.

    Windows, rule hours, days and zone offsets all change on the quarter hour of UTC
    (every offset of 2026 is a whole number of quarter hours), and a cap lets go when an
    earlier start leaves its rolling window; so the answer is ``due``, a quarter hour or
    such a release.
    """
    seconds = {r.cap.seconds for r in campaign.calling_rules if r.cap is not None}
    grid = -(-int(due.timestamp()) // 900) * 900
    candidates = {due} | {s + timedelta(seconds=k) for s in earlier for k in seconds}
    step = datetime.fromtimestamp(grid, UTC)
    while step < until:
        candidates.add(step)
        step += timedelta(seconds=900)
    for t in sorted(c for c in candidates if due <= c < until):
        if not why_not(campaign, customer, t, earlier):
            return t
    return None


# -- a host driving the engine ------------------------------------------------------


def drive(case: RuleCase, campaign: Campaign, restarts: frozenset[int]) -> list[Start]:
    """Run the campaign as a dialer would: wake at ``next_wakeup()`` or when a call ends,
    record what ended, start what ``due`` hands out; save to JSON and restore at the steps
    in ``restarts``."""
    engine = Engine(campaign, now=case.now, history=case.history)
    source = case.source()
    started: list[Start] = []
    running: dict[str, tuple[datetime, str]] = {}
    for step in range(5_000):
        if step in restarts:
            state = json.loads(json.dumps(engine.snapshot()))
            engine = Engine.restore(campaign, state)
            assert engine.snapshot() == state, "a restored engine saves another state"
        wakeup = engine.next_wakeup()
        ends = [end for end, _ in running.values()]
        candidates = [t for t in (wakeup, min(ends, default=None)) if t is not None]
        if not candidates:
            return started
        t = min(candidates)
        for attempt_id, (end, outcome) in sorted(running.items(), key=lambda kv: kv[1][0]):
            if end <= t:
                del running[attempt_id]
                engine.record(attempt_id, outcome, end, now=t)
        for attempt in engine.due(t):
            outcome, seconds = source(attempt.phone, attempt.number)
            running[attempt.id] = (attempt.start + timedelta(seconds=seconds), outcome)
            started.append((attempt.phone, attempt.number, attempt.start))
    raise AssertionError("the campaign did not finish in 5000 steps")


def planned(case: RuleCase, campaign: Campaign) -> list[Start]:
    timeline = plan(campaign, now=case.now, outcomes=case.source(), history=case.history)
    return [(a.phone, a.number, a.start) for a in timeline.attempts]


# -- the properties -----------------------------------------------------------------


@given(case=rule_cases())
def test_every_attempt_is_callable_for_its_customer(case: RuleCase) -> None:
    campaign = Campaign.model_validate(case.body)
    starts = planned(case, campaign)
    check_attempts(case, campaign, starts)
    event(f"attempts: {min(len(starts), 20) // 5 * 5}+")
    event(f"recipientLocalTime: {campaign.recipient_local_time}")


@given(case=rule_cases(free_lines=True))
def test_with_free_lines_every_attempt_starts_at_its_first_callable_instant(
    case: RuleCase,
) -> None:
    campaign = Campaign.model_validate(case.body)
    timeline = plan(campaign, now=case.now, outcomes=case.source(), history=case.history)
    customers = {c.phone_number: c for c in campaign.customers}
    earlier = history_of(case)
    ended: dict[str, datetime] = {}
    delay = timedelta(seconds=campaign.retry_delay_seconds)
    source = case.source()
    for attempt in timeline.attempts:
        phone, start = attempt.phone, attempt.start
        due = case.now if attempt.number == 1 else ended[phone] + delay
        limit = due + timedelta(days=3)
        before = earlier.setdefault(phone, [])
        found = first_callable(
            campaign, customers[phone], due, min(start + timedelta(seconds=1), limit), before
        )
        where = f"{phone} attempt {attempt.number} due {due.isoformat()}"
        assert found == (start if start < limit else None), f"{where}: starts {start}"
        before.append(start)
        ended[phone] = start + timedelta(seconds=source(phone, attempt.number)[1])
    for expired in timeline.expired:
        phone = expired.phone
        due = case.now if expired.number == 1 else ended[phone] + delay
        later = first_callable(
            campaign, customers[phone], due, due + timedelta(days=3), earlier.get(phone, [])
        )
        assert later is None, f"{phone} attempt {expired.number} expired, callable at {later}"
    event(f"expired: {bool(timeline.expired)}")


@given(case=rule_cases(), restarts=st.frozensets(st.integers(0, 12), min_size=1, max_size=3))
def test_the_engine_starts_the_plans_calls_also_across_a_restart(
    case: RuleCase, restarts: frozenset[int]
) -> None:
    campaign = Campaign.model_validate(case.body)
    expected = planned(case, campaign)
    assert drive(case, campaign, frozenset()) == expected
    assert drive(case, campaign, restarts) == expected


@given(case=rule_cases())
def test_a_rule_that_allows_everything_changes_nothing(case: RuleCase) -> None:
    body = {key: value for key, value in case.body.items() if key not in SECTION_7_FIELDS}
    body["customers"] = [{"phoneNumber": c["phoneNumber"]} for c in body["customers"]]
    plain = Campaign.model_validate(body)
    ruled = Campaign.model_validate({**body, "callingRules": [{"name": "open", "hours": {}}]})
    bare = RuleCase(body, case.now, case.scripts, {})
    assert planned(bare, ruled) == planned(bare, plain)
    plain_expired = plan(plain, now=case.now, outcomes=case.source()).expired
    ruled_expired = plan(ruled, now=case.now, outcomes=case.source()).expired
    assert [(e.phone, e.number) for e in ruled_expired] == [
        (e.phone, e.number) for e in plain_expired
    ]
