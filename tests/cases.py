"""What the property tests of plan and of the engine draw: zones, instants, a case, clock text.

Zones come from every key the pinned tzdata knows (link names included),
with a bias towards a few whose rules are odd. Instants come from
1900-01-01 to 2100-01-01 UTC, with a bias towards 2026 and towards the days
around the drawn zone's offset changes in the drawn year, where windows
and delays are easiest to get wrong.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

from hypothesis import strategies as st

from scheduler import outcomes
from scheduler.outcomes import OutcomeSource
from scheduler.tz import available_zones, zone_table

# Zones whose rules are the easiest to get wrong; drawn half the time.
ZONES = [
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
]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
FIRST_YEAR, LAST_YEAR = 1900, 2099
#: ``now`` is drawn from [FIRST_NOW, LAST_NOW).
FIRST_NOW = datetime(FIRST_YEAR, 1, 1, tzinfo=UTC)
LAST_NOW = datetime(LAST_YEAR + 1, 1, 1, tzinfo=UTC)
DAY_SECONDS = 86_400


@dataclass(frozen=True)
class Case:
    """One drawn campaign body, the instant it starts from, and how each call ends."""

    body: dict[str, Any]
    now: datetime
    scripts: dict[str, list[tuple[str, int]]]
    default: tuple[str, int]

    def source(self) -> OutcomeSource:
        """A fresh outcome source for the case."""
        return outcomes.scripted(self.scripts, default=outcomes.always(*self.default))


def clock_text(seconds: int) -> str:
    """Seconds after midnight as ``HH:MM`` (or ``HH:MM:SS``); 86400 is ``24:00``."""
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours:02d}:{minutes:02d}" + (f":{secs:02d}" if secs else "")


def epoch(t: datetime) -> int:
    """Whole epoch seconds of aware ``t`` (negative before 1970)."""
    return (t - _EPOCH) // timedelta(seconds=1)


def instant(ts: int) -> datetime:
    """Aware UTC datetime of epoch second ``ts`` (``datetime.fromtimestamp`` is platform-bound)."""
    return _EPOCH + timedelta(seconds=ts)


def _known(key: str) -> bool:
    return key in available_zones()


def zones() -> st.SearchStrategy[str]:
    """A zone key of the pinned tzdata: one of ``ZONES`` half the time, else any key at all."""
    every_zone = st.timezone_keys(allow_prefix=False).filter(_known)
    return st.one_of(st.sampled_from(ZONES), every_zone)


@cache
def transitions(zone: str, year: int | None = None) -> tuple[int, ...]:
    """Epoch seconds at which ``zone``'s UTC offset changes during UTC year ``year``
    (from 1900 to 2100 when ``year`` is None)."""
    if year is None:
        lo, hi = epoch(FIRST_NOW), epoch(LAST_NOW)
    else:
        lo = epoch(datetime(year, 1, 1, tzinfo=UTC))
        hi = epoch(datetime(year + 1, 1, 1, tzinfo=UTC))
    return tuple(start for start, _, _ in zone_table(zone).segments(lo, hi) if start > lo)


@st.composite
def instants(
    draw: st.DrawFn,
    zone: str,
    before: int = 3 * DAY_SECONDS,
    after: int = 3 * DAY_SECONDS,
) -> datetime:
    """A whole-second instant in [1900, 2100): in 2026 half the time, any year otherwise;
    and half the time from ``before`` seconds before to ``after`` seconds after one of
    ``zone``'s offset changes of that year (of another year if it has none that year)."""
    # sampled_from, not integers: integers favour their bounds, and 1900 is not that special.
    year = draw(st.one_of(st.just(2026), st.sampled_from(range(FIRST_YEAR, LAST_YEAR + 1))))
    # A zone with no change that year (Asia/Kolkata after 1945) is still tried at its
    # changes of other years: the old ones (local mean time, war time) are the oddest.
    changes = transitions(zone, year) or transitions(zone)
    near_a_change: bool = draw(st.booleans())
    if changes and near_a_change:
        ts = draw(st.sampled_from(changes)) + draw(st.integers(-before, after))
        return instant(min(max(ts, epoch(FIRST_NOW)), epoch(LAST_NOW) - 1))
    lo = epoch(datetime(year, 1, 1, tzinfo=UTC))
    days = (epoch(datetime(year + 1, 1, 1, tzinfo=UTC)) - lo) // DAY_SECONDS
    day = draw(st.integers(0, days - 1))
    return instant(lo + day * DAY_SECONDS + draw(st.integers(0, DAY_SECONDS - 1)))
