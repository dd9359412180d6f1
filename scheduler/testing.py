"""Hypothesis strategies for your own tests: campaigns, their bodies, instants, outcomes and
call logs, with one rule broken on purpose when you ask.

Install with ``pip install 'scheduler[testing]'``. Importing this module
registers ``st.from_type(Campaign)``.

>>> from hypothesis import given
>>> from scheduler import audit, testing
>>> @given(testing.campaigns(), testing.st.data())
... def test_my_dialer(campaign, data):
...     calls = data.draw(testing.call_logs(campaign))
...     assert audit(campaign, calls) == []

Every keyword of ``specs`` / ``campaigns`` pins a field (a plain value) or
narrows it (a strategy); what is not given is drawn. Examples shrink
towards one customer, UTC, 09:00-17:00 every day, no retries.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import Any

from hypothesis import reject
from hypothesis import strategies as st

from scheduler import outcomes as outcome_sources
from scheduler.audit import CODES
from scheduler.outcomes import OutcomeSource
from scheduler.plan import plan
from scheduler.rules import PRESETS
from scheduler.run import Run
from scheduler.spec import FAILURE_OUTCOMES, OUTCOMES, Campaign
from scheduler.times import DAY, clock_text, epoch_seconds, from_epoch, iso_utc
from scheduler.tz import available_zones, zone_table

__all__ = [
    "ODD_ZONES",
    "PHONES",
    "call_logs",
    "campaigns",
    "instants",
    "outcome_scripts",
    "specs",
    "st",
    "zones",
]

#: Zones whose rules are the easiest to get wrong; ``zones()`` draws them half the time.
ODD_ZONES = (
    "UTC",
    "Etc/GMT+5",  # UTC-05:00 all year (the IANA sign convention)
    "America/New_York",
    "America/Santiago",  # transitions at midnight
    "America/Havana",  # transitions at midnight
    "America/St_Johns",  # -03:30
    "Europe/Prague",
    "Europe/Dublin",  # negative DST
    "Asia/Kathmandu",  # +05:45
    "Asia/Kolkata",  # +05:30, no DST
    "Australia/Lord_Howe",  # half-hour DST
    "Antarctica/Troll",  # two-hour DST
    "Pacific/Chatham",  # +12:45 / +13:45
    "Pacific/Apia",  # far east of UTC; skipped 2011-12-30
    "Pacific/Kiritimati",  # +14:00
    "Africa/Casablanca",  # DST suspended for Ramadan
)

#: Numbers from many places: US area codes (one with two zones, Florida, Utah,
#: Oklahoma, Maryland), Canada, a toll-free number, France, Australia, a Russian
#: mobile (16 zones), the UK and Germany.
PHONES = (
    "+14155550101",
    "+12125550102",
    "+16052220103",
    "+18505550104",
    "+18015550105",
    "+14055550106",
    "+13015550107",
    "+14165550108",
    "+18005550109",
    "+33142685300",
    "+61293744000",
    "+79161234567",
    "+442071234567",
    "+493012345678",
)

_FIRST_YEAR, _LAST_YEAR = 1900, 2099
_FIRST = epoch_seconds(datetime(_FIRST_YEAR, 1, 1, tzinfo=UTC))
_LAST = epoch_seconds(datetime(_LAST_YEAR + 1, 1, 1, tzinfo=UTC))


def _pin(value: Any, default: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """``default`` when ``value`` is None, ``value`` when it is a strategy, else just it."""
    if value is None:
        return default
    if isinstance(value, st.SearchStrategy):
        return value
    return st.just(value)


def _known(key: str) -> bool:
    return key in available_zones()


@cache
def zones() -> st.SearchStrategy[str]:
    """A zone key of the pinned tzdata: one of ``ODD_ZONES`` half the time, else any key."""
    every_zone = st.timezone_keys(allow_prefix=False).filter(_known)
    return st.one_of(st.sampled_from(ODD_ZONES), every_zone)


@cache
def _transitions(zone: str, year: int | None) -> tuple[int, ...]:
    if year is None:
        lo, hi = _FIRST, _LAST
    else:
        lo = epoch_seconds(datetime(year, 1, 1, tzinfo=UTC))
        hi = epoch_seconds(datetime(year + 1, 1, 1, tzinfo=UTC))
    return tuple(start for start, _, _ in zone_table(zone).segments(lo, hi) if start > lo)


@st.composite
def instants(
    draw: st.DrawFn,
    zone: str = "UTC",
    *,
    years: tuple[int, int] = (_FIRST_YEAR, _LAST_YEAR),
    before: int = 3 * DAY,
    after: int = 3 * DAY,
) -> datetime:
    """A whole-second aware UTC instant: in 2026 half the time, any year of ``years``
    otherwise; and half the time from ``before`` seconds before to ``after`` seconds after
    one of ``zone``'s offset changes, where windows and delays are easiest to get wrong (a
    change of another year when the zone has none in the year drawn)."""
    first, last = years
    this_year = [2026] if first <= 2026 <= last else []
    # sampled_from, not integers: integers favour their bounds, and 1900 is not that special.
    year = draw(st.sampled_from([*this_year, *range(first, last + 1)]))
    lo = epoch_seconds(datetime(year, 1, 1, tzinfo=UTC))
    hi = epoch_seconds(datetime(year + 1, 1, 1, tzinfo=UTC))
    changes = _transitions(zone, year) or tuple(
        t for t in _transitions(zone, None) if _year_start(first) <= t < _year_start(last + 1)
    )
    near_a_change: bool = draw(st.booleans())
    if changes and near_a_change:
        ts = draw(st.sampled_from(changes)) + draw(st.integers(-before, after))
        return from_epoch(min(max(ts, _year_start(first)), _year_start(last + 1) - 1))
    return from_epoch(lo + draw(st.integers(0, hi - lo - 1)))


def _year_start(year: int) -> int:
    return epoch_seconds(datetime(year, 1, 1, tzinfo=UTC))


@st.composite
def _window(draw: st.DrawFn) -> tuple[int, int]:
    """Start and end seconds after midnight; end < start is overnight, 86400 is 24:00."""
    if draw(st.booleans()):
        return draw(st.sampled_from([(9 * 3600, 17 * 3600), (0, DAY), (22 * 3600, 6 * 3600)]))
    step = draw(st.sampled_from([3600, 1800, 900, 60, 1]))
    start = draw(st.integers(0, DAY // step - 1)) * step
    end = draw(st.integers(1, DAY // step).filter(lambda n: n * step != start)) * step
    return start, end


def _rule_objects() -> st.SearchStrategy[dict[str, Any]]:
    interval = st.tuples(st.integers(0, 23), st.integers(1, 24)).filter(lambda p: p[0] < p[1])
    hours = st.dictionaries(
        st.sampled_from([str(d) for d in range(7)]),
        st.lists(interval, max_size=2).map(
            lambda pairs: [[clock_text(a * 3600), clock_text(b * 3600)] for a, b in pairs]
        ),
        max_size=3,
    )
    cap = st.one_of(
        st.none(),
        st.builds(
            lambda calls, seconds: {"calls": calls, "seconds": seconds},
            st.integers(1, 3),
            st.sampled_from([600, 3600, 86_400]),
        ),
    )
    return st.builds(
        lambda n, regions, h, holidays, c: {
            "name": f"rule-{n}",
            "regions": regions,
            "hours": h,
            "holidays": holidays,
            **({"cap": c} if c else {}),
        },
        st.integers(0, 999),
        st.sampled_from([[], ["US"], ["US-FL"], ["CA"], ["FR"]]),
        hours,
        st.sampled_from([False, "country", "region"]),
        cap,
    )


@st.composite
def specs(
    draw: st.DrawFn,
    *,
    timezone: Any = None,
    window: Any = None,
    active_days: Any = None,
    day_schedules: Any = None,
    start_date: Any = None,
    end_date: Any = None,
    call_retries: Any = None,
    retry_delay_seconds: Any = None,
    retry_delay_mode: Any = None,
    retry_conditions: Any = None,
    scheduling_mode: Any = None,
    call_interval_seconds: Any = None,
    max_concurrency: Any = None,
    customers: Any = None,
    recipient_local_time: Any = None,
    calling_rules: Any = None,
    blackout_dates: Any = None,
    customer_zones: Any = None,
) -> dict[str, Any]:
    """The JSON body of a valid campaign (camelCase, as the API takes it).

    Pin a field with a value (``call_retries=2``) or narrow it with a
    strategy (``timezone=st.sampled_from(["Europe/Prague"])``). ``window`` is
    ``(start, end)`` in seconds after midnight; ``customers`` is a list of
    phone numbers (or a strategy of such lists); ``calling_rules`` a list of
    preset names or rule objects; ``customer_zones`` whether customers get
    their own ``timezone`` (drawn per customer when True).
    """
    zone = draw(_pin(timezone, zones()))
    start, end = draw(_pin(window, _window()))
    body: dict[str, Any] = {
        "name": "drawn",
        "timezone": zone,
        "startTime": clock_text(start),
        "endTime": clock_text(end),
        "activeDays": sorted(
            draw(_pin(active_days, st.sets(st.integers(0, 6), min_size=1).map(sorted)))
        ),
        "callRetries": draw(_pin(call_retries, st.integers(0, 3))),
        "retryDelaySeconds": draw(
            _pin(
                retry_delay_seconds,
                st.one_of(st.sampled_from([300, 0, 60, 3600, 86_400]), st.integers(0, 86_400)),
            )
        ),
        "retryDelayMode": draw(_pin(retry_delay_mode, st.sampled_from(["fixed", "next_day"]))),
        "schedulingMode": draw(_pin(scheduling_mode, st.sampled_from(["even", "asap"]))),
        "callIntervalSeconds": draw(_pin(call_interval_seconds, st.integers(0, 120))),
        "maxConcurrency": draw(_pin(max_concurrency, st.integers(1, 4))),
    }
    if day_schedules is not None or draw(st.integers(0, 3)) == 0:
        body["daySchedules"] = draw(
            _pin(
                day_schedules,
                st.dictionaries(
                    st.sampled_from([str(d) for d in range(7)]),
                    _window().map(
                        lambda w: {"startTime": clock_text(w[0]), "endTime": clock_text(w[1])}
                    ),
                    max_size=2,
                ),
            )
        )
    if retry_conditions is not None or draw(st.booleans()):
        body["retryConditions"] = draw(
            _pin(
                retry_conditions,
                st.lists(st.sampled_from(FAILURE_OUTCOMES), unique=True, max_size=6),
            )
        )
    # Dates, now and then, in 2026 (where call_logs plans from): a first day, a last day, or
    # both; a pinned or narrowed one as given. A range ends no earlier than it starts.
    top = date(2026, 12, 31)
    if end_date is not None and not isinstance(end_date, st.SearchStrategy):
        top = min(top, date.fromisoformat(str(end_date)))  # a drawn start before a pinned end
    first_day = st.dates(min(date(2026, 1, 1), top), top)
    first = draw(_pin(start_date, st.one_of(st.none(), first_day)))
    if first is not None:
        body["startDate"] = str(first)
    floor = date.fromisoformat(str(first)) if first is not None else date(2026, 1, 1)
    last = draw(_pin(end_date, st.one_of(st.none(), st.dates(floor, date(2026, 12, 31)))))
    if last is not None:
        body["endDate"] = str(last)
    phones = draw(
        _pin(
            customers,
            st.lists(st.sampled_from(PHONES), min_size=1, max_size=6, unique=True),
        )
    )
    own_zones = draw(_pin(customer_zones, st.booleans()))
    people = []
    for phone in phones:
        person: dict[str, Any] = {"phoneNumber": phone}
        if own_zones and draw(st.booleans()):
            person["timezone"] = draw(zones())
        people.append(person)
    body["customers"] = people
    rlt = draw(_pin(recipient_local_time, st.booleans()))
    if rlt:
        body["recipientLocalTime"] = True
    rules = draw(
        _pin(
            calling_rules,
            st.one_of(
                st.just([]),
                st.lists(
                    st.one_of(st.sampled_from(sorted(PRESETS)), _rule_objects()),
                    max_size=3,
                    unique_by=lambda r: r if isinstance(r, str) else r["name"],
                ),
            ),
        )
    )
    if rules:
        body["callingRules"] = rules
    days = st.dates(date(2026, 1, 1), date(2026, 12, 31)).map(date.isoformat)
    ranges = st.tuples(days, st.integers(0, 3)).map(
        lambda pair: {
            "start": pair[0],
            "end": (date.fromisoformat(pair[0]) + timedelta(days=pair[1])).isoformat(),
        }
    )
    if blackout_dates is not None or draw(st.integers(0, 3)) == 0:
        body["blackoutDates"] = draw(
            _pin(blackout_dates, st.lists(st.one_of(days, ranges), max_size=3))
        )
    return body


def campaigns(**narrowing: Any) -> st.SearchStrategy[Campaign]:
    """Valid ``Campaign`` objects; the keywords are those of ``specs``."""
    return specs(**narrowing).map(Campaign.model_validate)


@st.composite
def outcome_scripts(draw: st.DrawFn, campaign: Campaign) -> OutcomeSource:
    """An outcome source: per customer a short script of (outcome, seconds), the rest one
    default result."""
    results = st.tuples(st.sampled_from(OUTCOMES), st.integers(1, 600))
    scripts = {
        phone: draw(st.lists(results, max_size=4))
        for phone in campaign.unique_phones()
        if draw(st.booleans())
    }
    default = draw(st.one_of(st.just(("No Answer", 30)), results))
    return outcome_sources.scripted(scripts, default=outcome_sources.always(*default))


@st.composite
def call_logs(
    draw: st.DrawFn,
    campaign: Campaign,
    *,
    now: Any = None,
    outcomes: Any = None,
    broken: str | None = None,
) -> list[dict[str, Any]]:
    """A call log as a dialer would write it (``phone``, ``start``, ``end``, ``outcome``,
    ISO 8601 text), made from ``plan``: clean, or with the rule of code ``broken`` (one
    of ``scheduler.audit.CODES``) broken on purpose."""
    if broken is not None and broken not in CODES:
        raise ValueError(f"broken: one of {', '.join(CODES)}, got {broken!r}")
    at = draw(_pin(now, instants(campaign.timezone, years=(2026, 2026))))
    source = draw(_pin(outcomes, outcome_scripts(campaign)))
    timeline = plan(campaign, now=at, outcomes=source)
    rows = [(a.phone, a.start_ts, a.end_ts, a.outcome) for a in timeline.attempts]
    if broken is not None:
        rows = _break(draw, campaign, rows, broken)
    return [
        {"phone": p, "start": iso_utc(from_epoch(s)), "end": iso_utc(from_epoch(e)), "outcome": o}
        for p, s, e, o in sorted(rows, key=lambda row: row[1])
    ]


_Row = tuple[str, int, int, str]


def _successors(rows: Sequence[_Row]) -> list[tuple[int, int]]:
    """Pairs (i, j): row j is the same customer's next call after row i."""
    last: dict[str, int] = {}
    pairs = []
    for j, row in sorted(enumerate(rows), key=lambda item: item[1][1]):
        if row[0] in last:
            pairs.append((last[row[0]], j))
        last[row[0]] = j
    return pairs


def _break(draw: st.DrawFn, campaign: Campaign, rows: list[_Row], code: str) -> list[_Row]:
    """``rows`` with one change that breaks the rule of ``code``."""
    rows = list(rows)
    if not rows:
        reject()
    pick = draw(st.integers(0, len(rows) - 1))
    phone, start, end, outcome = rows[pick]
    length = end - start
    if code == "unknown-customer":
        known = set(campaign.unique_phones())
        stranger = next(p for p in ("+19995550100", "+19995550101") if p not in known)
        rows.append((stranger, start, end, outcome))
    elif code == "too-many-attempts":
        made = sum(1 for r in rows if r[0] == phone)
        last_end = max(r[2] for r in rows if r[0] == phone)
        for n in range(made, campaign.call_retries + 2):  # one attempt past the last allowed
            at = last_end + (n + 1) * 7 * DAY
            rows.append((phone, at, at + 30, "Busy"))
    elif code in ("not-retryable", "retry-too-early", "overlap"):
        pairs = _successors(rows)
        if not pairs:
            reject()
        i, j = draw(st.sampled_from(pairs))
        before, after = rows[i], rows[j]
        if code == "not-retryable":
            rows[i] = (before[0], before[1], before[2], "success")
        elif code == "overlap":
            rows[j] = (after[0], before[1], before[1] + (after[2] - after[1]), after[3])
        else:
            due = before[2] + campaign.retry_delay_seconds
            if campaign.retry_delay_mode == "fixed" and due <= before[2]:
                reject()  # no delay: a retry can never be early
            moved = before[2] if campaign.retry_delay_mode == "next_day" else due - 1
            if moved < before[2]:
                reject()
            rows[j] = (after[0], moved, moved + (after[2] - after[1]), after[3])
    elif code == "concurrency":
        others = [r for r in rows if r[0] != phone][: campaign.max_concurrency]
        if len(others) < campaign.max_concurrency:
            reject()
        rows += [(r[0], start, start + max(length, 60), r[3]) for r in others]
    elif code == "pacing":
        if campaign.scheduling_mode != "even" or campaign.call_interval_seconds < 2:
            reject()
        rows.append((phone, start + 1, start + 2, outcome))
    elif code == "outside-window":
        rows[pick] = _moved(draw, campaign, rows[pick])
    elif code in ("rule-hours", "holiday", "cap"):
        rows = _break_rule(draw, campaign, rows, pick, code)
    return rows


def _moved(draw: st.DrawFn, campaign: Campaign, row: _Row) -> _Row:
    """``row`` moved to the first instant after its start outside the campaign's window."""
    phone, start, end, outcome = row
    run = Run(campaign, clock=start)
    run.add([phone], start)
    clocks = run.context(0).clocks
    window = campaign.calendar() if clocks is None else clocks.window
    for ts in range(start, start + 14 * DAY, 900):
        if not window.contains_ts(ts):
            return (phone, ts, ts + (end - start), outcome)
    reject()


def _break_rule(
    draw: st.DrawFn, campaign: Campaign, rows: list[_Row], pick: int, code: str
) -> list[_Row]:
    """Break a calling rule (its hours, its holidays or its cap) with one call."""
    phone, start, end, outcome = rows[pick]
    run = Run(campaign, clock=start)
    run.add([phone], start)
    clocks = run.context(0).clocks
    if clocks is None or (not clocks.filters and code != "cap"):
        reject()
    assert clocks is not None
    if code == "cap":
        caps = run.caps[0]
        if not caps:
            reject()
        calls = caps[0][1]
        rows += [(phone, start + k, start + k + 1, "Busy") for k in range(1, calls + 1)]
        return rows
    horizon = start + (400 if code == "holiday" else 14) * DAY
    windows = (clocks.window, *clocks.other_windows)
    for ts in range(start - start % 3600, horizon, 3600):
        if not all(window.contains_ts(ts) for window in windows):
            continue
        blocked = clocks.blocking(ts)
        if blocked is None or not blocked[0]:  # not a rule: the window on another clock
            continue
        is_holiday = ": holiday " in blocked[1]
        if is_holiday == (code == "holiday"):
            rows[pick] = (phone, ts, ts + (end - start), outcome)
            return rows
    reject()


st.register_type_strategy(Campaign, campaigns())
