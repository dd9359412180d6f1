"""The .ics export: every window and call, read back from the file, at its exact instants.

Each file is parsed back with icalendar, and its local times are turned into
instants twice: by the file's own VTIMEZONE, read the way RFC 5545 says (a
reader that knows no zone database), and by the pinned tzdata zone of the
TZID. Both must give ``Calendar.windows`` (and the plan's attempts) exactly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from icalendar import Calendar as VCalendar
from icalendar import Event, Timezone, vDDDTypes, vUTCOffset

from scheduler import Campaign, plan
from scheduler.ics import calendar_file
from scheduler.tz import load_zone, zone_table


def utc(text: str) -> datetime:
    """``"2026-11-01T05:30:00Z"`` as an aware UTC datetime."""
    return datetime.fromisoformat(text).astimezone(UTC)


def campaign(zone: str, start_time: str, end_time: str, **body: Any) -> Campaign:
    """A campaign calling every day from ``start_time`` to ``end_time`` on ``zone``'s clock."""
    return Campaign.model_validate(
        {"name": "Spring", "timezone": zone, "startTime": start_time, "endTime": end_time, **body}
    )


@dataclass(frozen=True)
class ZoneDefinition:
    """A VTIMEZONE read as RFC 5545 section 3.6.5 defines it, with no zone database.

    An observance begins at its DTSTART read on the clock of its TZOFFSETFROM;
    a local time the clock shows twice means the first showing (section 3.3.5).
    """

    tzid: str
    #: (UTC onset, offset from then on), in onset order.
    onsets: tuple[tuple[datetime, timedelta], ...]

    @classmethod
    def read(cls, component: Timezone) -> ZoneDefinition:
        onsets = []
        for observance in component.subcomponents:
            assert "RRULE" not in observance and "RDATE" not in observance
            start, offset_from, offset_to = (
                observance[name] for name in ("DTSTART", "TZOFFSETFROM", "TZOFFSETTO")
            )
            assert isinstance(start, vDDDTypes) and isinstance(start.dt, datetime)
            assert isinstance(offset_from, vUTCOffset) and isinstance(offset_to, vUTCOffset)
            onset = start.dt - offset_from.td
            onsets.append((onset.replace(tzinfo=UTC), offset_to.td))
        assert onsets == sorted(onsets), "observances in onset order"
        return cls(str(component["TZID"]), tuple(onsets))

    def offset_at(self, t: datetime) -> timedelta:
        assert t >= self.onsets[0][0], f"{t} is before the VTIMEZONE's first observance"
        return [offset for onset, offset in self.onsets if onset <= t][-1]

    def instant(self, local: datetime) -> datetime:
        """The instant the local (naive) time names."""
        candidates = sorted(
            (local - offset).replace(tzinfo=UTC)
            for offset in {offset for _, offset in self.onsets}
            if self.offset_at((local - offset).replace(tzinfo=UTC)) == offset
        )
        assert candidates, f"{local} is not a time the clock shows; the writer never uses one"
        return candidates[0]


@dataclass(frozen=True)
class Parsed:
    """One exported file, read back."""

    zone: ZoneDefinition
    vtimezone: Timezone
    events: list[Event]
    raw: bytes

    def instant(self, event: Event, name: str) -> datetime:
        """DTSTART or DTEND of ``event`` as an aware UTC instant, checked by both readers."""
        prop = event[name]
        assert isinstance(prop, vDDDTypes)
        value = prop.dt
        assert isinstance(value, datetime), f"{name} is a date-time"
        tzid = prop.params.get("TZID")
        if tzid is None:
            assert value.utcoffset() == timedelta(0), f"{name} is in UTC or has a TZID"
            return value.astimezone(UTC)
        assert tzid == self.zone.tzid
        local = value.replace(tzinfo=None)
        by_file = self.zone.instant(local)
        by_tzdata = local.replace(tzinfo=load_zone(tzid), fold=0).astimezone(UTC)
        assert by_file == by_tzdata, f"{name} {local}: the VTIMEZONE and tzdata disagree"
        return by_file

    def spans(self, prefix: str) -> list[tuple[str, datetime, datetime]]:
        """``(uid, start, end)`` of the events whose UID starts with ``prefix``, in file order."""
        return [
            (str(e["UID"]), self.instant(e, "DTSTART"), self.instant(e, "DTEND"))
            for e in self.events
            if str(e["UID"]).startswith(prefix)
        ]


def parse(data: bytes) -> Parsed:
    """Read an exported file back with icalendar."""
    calendar = VCalendar.from_ical(data)
    (vtimezone,) = calendar.walk("VTIMEZONE")
    assert isinstance(vtimezone, Timezone)
    events = [e for e in calendar.walk("VEVENT") if isinstance(e, Event)]
    return Parsed(ZoneDefinition.read(vtimezone), vtimezone, events, data)


def export(c: Campaign, start: str, end: str, **kwargs: Any) -> Parsed:
    return parse(calendar_file(c, start=utc(start), end=utc(end), **kwargs))


def window_spans(c: Campaign, start: str, end: str) -> list[tuple[date, datetime, datetime]]:
    """What the calendar says: ``(day, start, end)`` of each window meeting the stretch."""
    return [(w.day, w.start, w.end) for w in c.calendar().windows(utc(start), utc(end))]


def uid_day(uid: str) -> date:
    match = re.fullmatch(r"window-(\d{4}-\d{2}-\d{2})-\d+@[a-z0-9-]+", uid)
    assert match, uid
    return date.fromisoformat(match.group(1))


# -- windows ----------------------------------------------------------------------

# (campaign, stretch, and the events of the day the scenario is about, as UTC text)
SCENARIOS = [
    (
        campaign("America/New_York", "01:30", "05:00"),
        ("2026-03-06T00:00:00Z", "2026-03-11T00:00:00Z"),
        # 01:30-02:00 EST, then the clock jumps to 03:00 EDT: one stretch of instants.
        [("window-2026-03-08-1", "2026-03-08T06:30:00Z", "2026-03-08T09:00:00Z")],
    ),
    (
        campaign("America/New_York", "01:30", "05:00"),
        ("2026-10-30T00:00:00Z", "2026-11-04T00:00:00Z"),
        # 01:30-02:00 EDT, then 01:00-01:30 EST is outside, then 01:30-05:00 EST.
        [
            ("window-2026-11-01-1", "2026-11-01T05:30:00Z", "2026-11-01T06:00:00Z"),
            ("window-2026-11-01-2", "2026-11-01T06:30:00Z", "2026-11-01T10:00:00Z"),
        ],
    ),
    (
        campaign("America/New_York", "22:00", "06:00"),
        ("2026-03-06T00:00:00Z", "2026-11-04T00:00:00Z"),
        # Overnight: Saturday 22:00 EST to Sunday 06:00 EDT is 7 h; in the fall, 9 h.
        [
            ("window-2026-03-07-1", "2026-03-08T03:00:00Z", "2026-03-08T10:00:00Z"),
            ("window-2026-10-31-1", "2026-11-01T02:00:00Z", "2026-11-01T11:00:00Z"),
        ],
    ),
    (
        campaign("Pacific/Apia", "09:00", "17:00"),
        ("2011-12-27T00:00:00Z", "2012-01-03T00:00:00Z"),
        # Thursday 29 December on -10, Saturday 31 December on +14; Friday 30 never was.
        [
            ("window-2011-12-29-1", "2011-12-29T19:00:00Z", "2011-12-30T03:00:00Z"),
            ("window-2011-12-31-1", "2011-12-30T19:00:00Z", "2011-12-31T03:00:00Z"),
        ],
    ),
    (
        campaign("Australia/Lord_Howe", "01:45", "03:00"),
        ("2026-04-01T00:00:00Z", "2026-10-06T00:00:00Z"),
        # Half-hour changes: 01:45 is shown twice on 5 April, and 4 October skips 02:00-02:30.
        [
            ("window-2026-04-05-1", "2026-04-04T14:45:00Z", "2026-04-04T15:00:00Z"),
            ("window-2026-04-05-2", "2026-04-04T15:15:00Z", "2026-04-04T16:30:00Z"),
            ("window-2026-10-04-1", "2026-10-03T15:15:00Z", "2026-10-03T16:00:00Z"),
        ],
    ),
    (
        campaign("Africa/Abidjan", "09:00", "17:00"),
        ("1911-12-29T00:00:00Z", "1912-01-03T00:00:00Z"),
        # Local mean time, -00:16:08, until 1912; icalendar takes the zone for UTC.
        [
            ("window-1911-12-31-1", "1911-12-31T09:16:08Z", "1911-12-31T17:16:08Z"),
            ("window-1912-01-01-1", "1912-01-01T09:00:00Z", "1912-01-01T17:00:00Z"),
        ],
    ),
]
SCENARIO_IDS = [
    "new_york_spring_forward",
    "new_york_fall_back_fold",
    "new_york_overnight_both_changes",
    "apia_skipped_day",
    "lord_howe_half_hour",
    "abidjan_seconds_offset",
]


@pytest.mark.parametrize(("c", "stretch", "pinned"), SCENARIOS, ids=SCENARIO_IDS)
def test_every_window_is_one_event_at_its_exact_instants(
    c: Campaign, stretch: tuple[str, str], pinned: list[tuple[str, str, str]]
) -> None:
    parsed = export(c, *stretch)
    events = parsed.spans("window-")
    expected = window_spans(c, *stretch)
    assert expected, "the scenario has windows"
    assert [(uid_day(uid), s, e) for uid, s, e in events] == expected
    slug = events[0][0].split("@")[1]
    for uid, start, end in pinned:
        assert (f"{uid}@{slug}", utc(start), utc(end)) in events
    assert len({uid for uid, _, _ in events}) == len(events)
    assert all(str(e["SUMMARY"]) == "Calling window: Spring" for e in parsed.events)


def test_apia_has_no_event_on_the_day_that_did_not_exist() -> None:
    c = campaign("Pacific/Apia", "09:00", "17:00")
    days = [uid_day(uid) for uid, _, _ in export(c, *SCENARIOS[3][1]).spans("window-")]
    assert date(2011, 12, 30) not in days
    assert days == [date(2011, 12, d) for d in (26, 27, 28, 29, 31)] + [
        date(2012, 1, d) for d in (1, 2, 3)
    ]


def test_fold_halves_are_written_on_the_clock_where_it_can_say_them() -> None:
    # 01:30 EDT is said once in local time; 06:00Z and 06:30Z are the second showings
    # of 01:00 and 01:30, which a reader would take for the first: those are in UTC.
    c = campaign("America/New_York", "01:30", "05:00")
    text = calendar_file(c, start=utc("2026-11-01T05:00:00Z"), end=utc("2026-11-01T12:00:00Z"))
    lines = text.decode().split("BEGIN:VEVENT", 1)[1].split("\r\n")
    assert [line for line in lines if line.startswith(("DTSTART", "DTEND"))] == [
        "DTSTART;TZID=America/New_York:20261101T013000",
        "DTEND:20261101T060000Z",
        "DTSTART:20261101T063000Z",
        "DTEND;TZID=America/New_York:20261101T050000",
    ]


def test_a_window_keeps_its_uid_whichever_stretch_is_exported() -> None:
    c = campaign("America/New_York", "01:30", "05:00")
    whole = export(c, "2026-10-30T00:00:00Z", "2026-11-04T00:00:00Z").spans("window-")
    # This stretch starts after the first half of Sunday's window: the second is still -2.
    late = export(c, "2026-11-01T06:15:00Z", "2026-11-02T00:00:00Z").spans("window-")
    assert [uid.split("@")[0] for uid, _, _ in late] == ["window-2026-11-01-2"]
    assert late[0] in whole


def test_a_stretch_with_no_window_is_a_calendar_with_no_event() -> None:
    c = campaign("America/New_York", "09:00", "17:00", activeDays=[0])  # Mondays only
    parsed = export(c, "2026-03-03T00:00:00Z", "2026-03-08T00:00:00Z")
    assert parsed.events == []
    assert str(parsed.vtimezone["TZID"]) == "America/New_York"


# -- the VTIMEZONE ----------------------------------------------------------------


def _text(value: str | bytes) -> str:
    # icalendar gives some values' text as bytes, others as str.
    return value.decode() if isinstance(value, bytes) else value


def observances(parsed: Parsed) -> list[tuple[str, str, str, str, str]]:
    """(kind, DTSTART, TZOFFSETFROM, TZOFFSETTO, TZNAME) of each observance, as written."""
    return [
        (
            sub.name,
            _text(sub["DTSTART"].to_ical()),
            _text(sub["TZOFFSETFROM"].to_ical()),
            _text(sub["TZOFFSETTO"].to_ical()),
            str(sub["TZNAME"]),
        )
        for sub in parsed.vtimezone.subcomponents
    ]


@pytest.mark.parametrize(
    ("c", "stretch", "expected"),
    [
        (
            campaign("America/New_York", "09:00", "17:00"),
            ("2026-01-05T00:00:00Z", "2026-12-31T00:00:00Z"),
            [
                # From local midnight a day before the first window; RFC 5545 onsets are
                # read on the clock they end: 02:00 EST springs to 03:00 EDT, 02:00 EDT
                # falls back to 01:00 EST.
                ("STANDARD", "20260104T000000", "-0500", "-0500", "EST"),
                ("DAYLIGHT", "20260308T020000", "-0500", "-0400", "EDT"),
                ("STANDARD", "20261101T020000", "-0400", "-0500", "EST"),
            ],
        ),
        (
            campaign("Australia/Lord_Howe", "09:00", "17:00"),
            ("2026-01-05T00:00:00Z", "2026-12-31T00:00:00Z"),
            [
                ("DAYLIGHT", "20260104T000000", "+1100", "+1100", "+11"),
                ("STANDARD", "20260405T020000", "+1100", "+1030", "+1030"),
                ("DAYLIGHT", "20261004T020000", "+1030", "+1100", "+11"),
            ],
        ),
        (
            campaign("Pacific/Apia", "09:00", "17:00"),
            ("2011-12-27T00:00:00Z", "2012-01-03T00:00:00Z"),
            [
                ("DAYLIGHT", "20111225T000000", "-1000", "-1000", "-10"),
                # Midnight starting Friday 30 December on -10 is Saturday on +14.
                ("DAYLIGHT", "20111230T000000", "-1000", "+1400", "+14"),
            ],
        ),
        (
            campaign("Africa/Abidjan", "09:00", "17:00"),
            ("1911-12-29T00:00:00Z", "1912-01-03T00:00:00Z"),
            [
                ("STANDARD", "19111228T000000", "-001608", "-001608", "LMT"),
                ("STANDARD", "19120101T000000", "-001608", "+0000", "GMT"),
            ],
        ),
    ],
    ids=["new_york_2026", "lord_howe_2026", "apia_2011", "abidjan_1912"],
)
def test_vtimezone_has_the_zones_observances_of_the_period(
    c: Campaign, stretch: tuple[str, str], expected: list[tuple[str, str, str, str, str]]
) -> None:
    parsed = export(c, *stretch)
    assert str(parsed.vtimezone["TZID"]) == c.timezone
    assert observances(parsed) == expected
    assert b"BEGIN:VTIMEZONE" in parsed.raw.split(b"BEGIN:VEVENT")[0], "zone before its users"


@pytest.mark.parametrize(
    ("zone", "start", "end"),
    [
        ("America/New_York", "2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z"),
        ("Australia/Lord_Howe", "2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z"),
        ("Pacific/Apia", "2011-01-01T00:00:00Z", "2012-06-01T00:00:00Z"),
        # Four changes in 2011, two of them four weeks apart (icalendar's own
        # Timezone.from_tzinfo finds only two).
        ("Asia/Hebron", "2011-01-01T00:00:00Z", "2012-01-01T00:00:00Z"),
        # Summer time paused for Ramadan, and tzdata's negative saving in Dublin.
        ("Africa/Casablanca", "2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z"),
        ("Europe/Dublin", "2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z"),
    ],
)
def test_vtimezone_gives_the_pinned_zones_offset_at_every_instant(
    zone: str, start: str, end: str
) -> None:
    c = campaign(zone, "00:00", "24:00")
    parsed = export(c, start, end)
    events = parsed.spans("window-")
    assert [(s, e) for _, s, e in events] == [(s, e) for _, s, e in window_spans(c, start, end)]
    lo, hi = events[0][1], events[-1][2]
    tz = load_zone(zone)
    lo_s, hi_s = int(lo.timestamp()), int(hi.timestamp())
    # Every hour, and both sides of every change, as the file and as tzdata say.
    probes = set(range(lo_s, hi_s, 3600))
    for change, _, _ in zone_table(zone).segments(lo_s, hi_s)[1:]:
        probes |= {change - 1, change}
    for ts in sorted(probes):
        t = datetime.fromtimestamp(ts, UTC)
        assert parsed.zone.offset_at(t) == t.astimezone(tz).utcoffset(), t


# -- calls of a timeline ----------------------------------------------------------

A, B = "+14155550001", "+14155550002"


def test_with_a_timeline_each_attempt_is_one_event_at_its_exact_instants() -> None:
    c = campaign(
        "America/New_York",
        "01:30",
        "05:00",
        phoneList=[A, B],
        callRetries=2,
        retryDelaySeconds=1800,
    )
    timeline = plan(c, now=utc("2026-11-01T05:00:00Z"))
    parsed = export(c, "2026-11-01T05:00:00Z", "2026-11-02T05:00:00Z", timeline=timeline)
    calls = parsed.spans("call-")
    slug = calls[0][0].split("@")[1]
    assert calls == [
        (f"call-{a.phone}-{a.number}@{slug}", a.start, a.end) for a in timeline.attempts
    ]
    # The retries fall in the second 01:30, after the clocks went back.
    assert [(uid.split("@")[0], s, e) for uid, s, e in calls] == [
        (f"call-{A}-1", utc("2026-11-01T05:30:00Z"), utc("2026-11-01T05:30:30Z")),
        (f"call-{B}-1", utc("2026-11-01T05:30:30Z"), utc("2026-11-01T05:31:00Z")),
        (f"call-{A}-2", utc("2026-11-01T06:30:00Z"), utc("2026-11-01T06:30:30Z")),
        (f"call-{B}-2", utc("2026-11-01T06:30:30Z"), utc("2026-11-01T06:31:00Z")),
        (f"call-{A}-3", utc("2026-11-01T07:00:30Z"), utc("2026-11-01T07:01:00Z")),
        (f"call-{B}-3", utc("2026-11-01T07:01:00Z"), utc("2026-11-01T07:01:30Z")),
    ]
    by_uid = {str(e["UID"]): e for e in parsed.events}
    for a in timeline.attempts:
        event = by_uid[f"call-{a.phone}-{a.number}@{slug}"]
        assert str(event["SUMMARY"]) == f"Call {a.phone} (attempt {a.number})"
        assert str(event["DESCRIPTION"]) == a.reason
    assert str(by_uid[f"call-{A}-2@{slug}"]["DESCRIPTION"]) == (
        "retry 1 of 2: No Answer at Sun 01:30:30 EDT, 30 min delay ends after the window "
        "closes; first opening is Sun 01:30 EST"
    )
    # The two halves of Sunday's window are there as well.
    assert [uid.split("@")[0] for uid, _, _ in parsed.spans("window-")] == [
        "window-2026-11-01-1",
        "window-2026-11-01-2",
    ]


def test_a_timeline_of_another_campaign_is_refused() -> None:
    c = campaign("America/New_York", "09:00", "17:00", phoneList=[A])
    other = campaign("America/New_York", "09:00", "18:00", phoneList=[A])
    timeline = plan(other, now=utc("2026-01-05T14:00:00Z"))
    with pytest.raises(ValueError, match="timeline: a plan of campaign 'Spring'"):
        calendar_file(
            c, start=utc("2026-01-05T00:00:00Z"), end=utc("2026-01-06T00:00:00Z"), timeline=timeline
        )


def test_a_naive_start_is_refused_by_name() -> None:
    c = campaign("America/New_York", "09:00", "17:00")
    with pytest.raises(ValueError, match="start must be a timezone-aware datetime"):
        calendar_file(c, start=datetime(2026, 1, 5), end=utc("2026-01-06T00:00:00Z"))


# -- determinism and names --------------------------------------------------------


def test_the_same_input_gives_the_same_bytes() -> None:
    body = {
        "name": "Spring",
        "timezone": "America/New_York",
        "startTime": "01:30",
        "endTime": "05:00",
        "phoneList": [A, B],
        "callRetries": 2,
    }
    start, end = utc("2026-10-31T00:00:00.250000Z"), utc("2026-11-03T00:00:00Z")
    first = Campaign.model_validate(body)
    files = [
        calendar_file(c, start=start, end=end, timeline=plan(c, now=start))
        for c in (first, first, Campaign.model_validate(body))
    ]
    assert files[0] == files[1] == files[2]
    # DTSTAMP is the stretch's start, to the second: not the clock of the writer.
    stamps = {_text(e["DTSTAMP"].to_ical()) for e in parse(files[0]).events}
    assert stamps == {"20261031T000000Z"}


NAME = 'Q1, "Spring"; Zürich\\Basel:\n夏のキャンペーン ☎ ' + "x" * 80


def escaped(text: str) -> str:
    """``text`` as an RFC 5545 TEXT value."""
    for char, escape in (("\\", "\\\\"), (";", "\\;"), (",", "\\,"), ("\n", "\\n")):
        text = text.replace(char, escape)
    return text


def test_a_name_with_special_characters_reads_back_whole() -> None:
    c = campaign("Europe/Zurich", "09:00", "17:00", name=NAME)
    parsed = export(c, "2026-03-09T00:00:00Z", "2026-03-11T00:00:00Z")
    assert [str(e["SUMMARY"]) for e in parsed.events] == [f"Calling window: {NAME}"] * 2
    # Unfolded, the calendar's name is one line of escaped text under both names.
    unfolded = parsed.raw.decode().replace("\r\n ", "").split("\r\n")
    title = escaped(f"Calling windows: {NAME}")
    assert f"NAME:{title}" in unfolded
    assert f"X-WR-CALNAME:{title}" in unfolded
    uids = [str(e["UID"]) for e in parsed.events]
    assert all(re.fullmatch(r"window-2026-03-(09|10)-1@[a-z0-9-]+", uid) for uid in uids)
    assert uids[0].split("@")[1].startswith("q1-spring-zurich-basel-x")
    # Lines are folded at 75 octets without splitting a character.
    lines = parsed.raw.split(b"\r\n")
    assert max(len(line) for line in lines) <= 75
    assert all(line.decode("utf-8") for line in lines if line)


@pytest.mark.parametrize(
    ("one", "other"),
    [("Q1 (US)", "Q1 [US]"), ("夏のキャンペーン", "冬のキャンペーン")],
    ids=["same_words", "no_latin_words"],
)
def test_campaigns_whose_names_fold_alike_get_different_uids(one: str, other: str) -> None:
    def first_uid(name: str) -> str:
        c = campaign("Europe/Zurich", "09:00", "17:00", name=name)
        return str(export(c, "2026-03-09T00:00:00Z", "2026-03-10T00:00:00Z").events[0]["UID"])

    assert first_uid(one) != first_uid(other)
    assert first_uid(one) == first_uid(one)
