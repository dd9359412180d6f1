"""A campaign's calling windows, and its planned calls, as an iCalendar file (RFC 5545).

Each window that meets the asked stretch becomes one event on the campaign's
clock; a window that a fall-back fold splits in two is two events, as it is
two intervals. With a timeline, each planned call is one event too. The file
carries the campaign zone's VTIMEZONE, so a calendar program that knows
nothing of the zone still reads every instant right.

The file is a pure function of its inputs: the same campaign, stretch,
timeline and tzdata version give the same bytes (``DTSTAMP`` is the stretch's
start, never the clock of the machine that writes it).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar as VCalendar
from icalendar import Event, Timezone, TimezoneDaylight, TimezoneStandard, vText

from scheduler.plan import Timeline
from scheduler.spec import Campaign
from scheduler.times import DAY, epoch_seconds, from_epoch
from scheduler.tz import load_zone, zone_table
from scheduler.windows import Calendar, Window

__all__ = ["calendar_file"]

_PRODID = "-//scheduler//calling windows and calls//EN"
# All windows of one local day start within four days of each other (midnight less
# the largest offset, to two days later for an overnight window): a day's windows
# are numbered over this much more than the asked stretch, so a window keeps its
# UID whichever stretch is exported.
_REACH = timedelta(days=4)
_FIRST = datetime.min.replace(tzinfo=UTC) + _REACH
_LAST = datetime.max.replace(tzinfo=UTC) - _REACH
_SLUG_LENGTH = 40


def calendar_file(
    campaign: Campaign,
    *,
    start: datetime,
    end: datetime,
    timeline: Timeline | None = None,
) -> bytes:
    """An iCalendar file of the campaign's calling windows that meet ``[start, end)``,
    and of every call of ``timeline`` (a plan of this campaign) when given.

    ``start`` and ``end`` are aware datetimes. A window is an event "Calling
    window: <name>" with UID ``window-<local day>-<n>@<slug>`` (``n`` counts the
    day's windows from 1); a call is "Call <phone> (attempt N)", its reason as
    description, UID ``call-<phone>-<N>@<slug>``. Times are on the campaign's
    clock with its TZID, except an instant the clock shows twice whose second
    showing is meant: RFC 5545 reads a repeated local time as the first, so that
    one is written in UTC.

    >>> from datetime import datetime, UTC
    >>> from scheduler import Campaign
    >>> c = Campaign(name="Q1", timezone="Europe/Prague", start_time="09:00", end_time="17:00")
    >>> text = calendar_file(c, start=datetime(2026, 3, 9, tzinfo=UTC),
    ...                      end=datetime(2026, 3, 10, tzinfo=UTC)).decode()
    >>> print(*(line for line in text.splitlines() if line.startswith("DTSTART;")))
    DTSTART;TZID=Europe/Prague:20260309T090000
    """
    stamp = from_epoch(epoch_seconds(start, "start"))
    if timeline is not None and timeline.campaign != campaign:
        raise ValueError(
            f"timeline: a plan of campaign {timeline.campaign.name!r}, not of the campaign "
            f"given ({campaign.name!r}); pass the campaign the timeline was planned for"
        )
    calendar = campaign.calendar()
    zone = load_zone(campaign.timezone)
    slug = _slug(campaign.name)
    events: list[Event] = []
    instants: list[datetime] = []
    for window, n in _numbered_windows(calendar, start, end):
        events.append(
            _event(
                f"window-{window.day.isoformat()}-{n}@{slug}",
                f"Calling window: {campaign.name}",
                window.start,
                window.end,
                zone,
                stamp,
            )
        )
        instants += (window.start, window.end)
    if timeline is not None:
        for attempt in timeline.attempts:
            event = _event(
                f"call-{attempt.phone}-{attempt.number}@{slug}",
                f"Call {attempt.phone} (attempt {attempt.number})",
                attempt.start,
                attempt.end,
                zone,
                stamp,
            )
            event.add("DESCRIPTION", attempt.reason)
            events.append(event)
            instants += (attempt.start, attempt.end)
    file = VCalendar()
    file.add("PRODID", _PRODID)
    file.add("VERSION", "2.0")
    file.add("CALSCALE", "GREGORIAN")
    # RFC 7986's name, and the older extension most calendar programs read.
    # Given as text explicitly: icalendar 7 would write these unescaped, and a name
    # with a comma, semicolon or line break would then be misread or refused.
    file.add("NAME", vText(f"Calling windows: {campaign.name}"))
    file.add("X-WR-CALNAME", vText(f"Calling windows: {campaign.name}"))
    file.add_component(_vtimezone(campaign.timezone, zone, instants or [stamp]))
    for event in events:
        file.add_component(event)
    data: bytes = file.to_ical()  # icalendar leaves its return type unsaid
    return data


def _numbered_windows(
    calendar: Calendar, start: datetime, end: datetime
) -> list[tuple[Window, int]]:
    """The windows meeting ``[start, end)``, each with its place among its day's windows."""
    wanted = calendar.windows(start, end)
    if not wanted:
        return []
    around = calendar.windows(
        max(wanted[0].start, _FIRST) - _REACH, min(wanted[-1].end, _LAST) + _REACH
    )
    counts: dict[date, int] = {}
    place: dict[datetime, int] = {}
    for window in around:
        counts[window.day] = counts.get(window.day, 0) + 1
        place[window.start] = counts[window.day]
    return [(window, place[window.start]) for window in wanted]


def _event(
    uid: str, summary: str, start: datetime, end: datetime, zone: ZoneInfo, stamp: datetime
) -> Event:
    event = Event()
    event.add("UID", uid)
    event.add("DTSTAMP", stamp)
    event.add("SUMMARY", summary)
    _add_instant(event, "DTSTART", start, zone)
    _add_instant(event, "DTEND", end, zone)
    # A view of the campaign's times: importing it must not make its reader busy.
    event.add("TRANSP", "TRANSPARENT")
    return event


def _add_instant(event: Event, name: str, t: datetime, zone: ZoneInfo) -> None:
    """Write instant ``t`` as the zone's clock reads it, or in UTC where that reading is
    the second showing of a repeated time (a reader would take the first)."""
    local = t.astimezone(zone)
    # Compared in UTC: aware datetimes of two zones never compare equal inside a fold.
    if local.replace(fold=0).astimezone(UTC) == t:
        # The TZID is set here, not derived by icalendar: it writes a zone it deems
        # equal to UTC as UTC, wrong for Africa/Abidjan on local mean time until 1912.
        event.add(name, local.replace(tzinfo=None), parameters={"TZID": zone.key})
    else:
        event.add(name, t.astimezone(UTC))


def _vtimezone(key: str, zone: ZoneInfo, instants: Iterable[datetime]) -> Timezone:
    """The VTIMEZONE of ``key`` over the instants used, one observance per offset change.

    The changes are the exact ones of the pinned tzdata (``zone_table``).
    icalendar's ``Timezone.from_tzinfo`` is not used: it writes the onset of a
    spring-forward change on the new offset's clock (an hour late for New York),
    and its search in steps of up to 64 days misses changes a few weeks apart
    (Hebron, August 2011).
    """
    table = zone_table(key)
    seconds = [epoch_seconds(t) for t in instants]
    # From the local midnight a day before the first instant to a day after the last,
    # so a reader near either end finds an observance in force.
    lo = min(seconds) - DAY
    lo -= (lo + table.offset_at(lo)) % DAY
    hi = max(seconds) + DAY
    vtimezone = Timezone()
    vtimezone.add("TZID", key)
    before: int | None = None
    for piece_start, _, offset in table.segments(lo, hi):
        at = from_epoch(piece_start).astimezone(zone)
        # Daylight only where the clock runs ahead of standard time: tzdata's negative
        # saving (Dublin's winter) is the zone's standard time to a calendar program.
        observance: TimezoneStandard | TimezoneDaylight = (
            TimezoneDaylight() if (at.dst() or timedelta(0)) > timedelta(0) else TimezoneStandard()
        )
        offset_from = offset if before is None else before
        # RFC 5545: an onset is the local time on the clock of the offset it replaces.
        observance.add("DTSTART", from_epoch(piece_start + offset_from).replace(tzinfo=None))
        observance.add("TZNAME", at.tzname())
        observance.add("TZOFFSETFROM", timedelta(seconds=offset_from))
        observance.add("TZOFFSETTO", timedelta(seconds=offset))
        vtimezone.add_component(observance)
        before = offset
    return vtimezone


def _slug(name: str) -> str:
    """The UID domain of a campaign: its name's words in ASCII, and a digest of the
    exact name, so names that fold to the same words (or to none) stay apart.

    >>> _slug("Q1 Outreach: Zürich!")
    'q1-outreach-zurich-94a884ba'
    """
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    words = "-".join(re.findall(r"[a-z0-9]+", folded.lower()))[:_SLUG_LENGTH].strip("-")
    digest = hashlib.sha256(name.encode("utf-8")).hexdigest()[:8]
    return f"{words}-{digest}" if words else digest
