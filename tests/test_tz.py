"""Time zones come from the pinned tzdata package, never from the host.

The host's ``/usr/share/zoneinfo`` may be older than the package (2025b
against 2026f on one machine seen); the two disagree on America/Vancouver
after 2026-11-01, which is how these tests tell which one was read.
"""

from __future__ import annotations

import importlib
import importlib.resources
import itertools
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scheduler import TZDATA_VERSION
from scheduler.tz import (
    UnknownTimeZone,
    ZoneTable,
    available_zones,
    check_zone_key,
    load_zone,
    zone_table,
)

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
GRID_FROM = int((datetime(1900, 1, 1, tzinfo=UTC) - EPOCH).total_seconds())
GRID_TO = int((datetime(2100, 1, 1, tzinfo=UTC) - EPOCH).total_seconds())
# A day and an hour and a bit: the grid drifts through every hour of the day
# and still lands in every DST period (the shortest lasts weeks).
GRID_STEP = 86_400 + 3_607

ZONES_WITH_ODD_RULES = [
    "America/New_York",
    "Europe/Dublin",  # negative DST: winter is the "daylight" time
    "Australia/Lord_Howe",  # half-hour DST
    "Antarctica/Troll",  # two-hour DST
    "Pacific/Chatham",  # +12:45 / +13:45
    "Africa/Casablanca",  # DST suspended for Ramadan, listed year by year to 2087
]


def package_zone(key: str) -> ZoneInfo:
    """The zone read straight from the tzdata package's file, bypassing every cache."""
    ref = importlib.resources.files("tzdata.zoneinfo").joinpath(key)
    with ref.open("rb") as handle:
        return ZoneInfo.from_file(handle, key=key)


def utc_offset(zone: ZoneInfo, ts: int) -> int:
    offset = datetime.fromtimestamp(ts, zone).utcoffset()
    assert offset is not None
    return int(offset.total_seconds())


# -- the package, not the host ---------------------------------------------------


def test_vancouver_keeps_minus_seven_after_2026_11_01() -> None:
    # tzdata 2026f: British Columbia stays on -07:00 all year from 2026-11-01.
    # A host with 2025b would say -08:00 here.
    instant = datetime(2026, 11, 10, 12, 0, tzinfo=UTC)
    local = instant.astimezone(load_zone("America/Vancouver"))
    assert local.utcoffset() == timedelta(hours=-7)
    assert local.isoformat() == "2026-11-10T05:00:00-07:00"
    # New York still falls back that year.
    assert instant.astimezone(load_zone("America/New_York")).isoformat() == (
        "2026-11-10T07:00:00-05:00"
    )


def test_vancouver_table_agrees() -> None:
    ts = int((datetime(2026, 11, 10, 12, 0, tzinfo=UTC) - EPOCH).total_seconds())
    assert zone_table("America/Vancouver").offset_at(ts) == -7 * 3600


def test_load_zone_is_the_package_file() -> None:
    zone = load_zone("America/Vancouver")
    assert zone.key == "America/Vancouver"
    reference = package_zone("America/Vancouver")
    for ts in range(GRID_FROM, GRID_TO, 30 * GRID_STEP):
        assert utc_offset(zone, ts) == utc_offset(reference, ts)


def test_tzdata_version_is_the_packages() -> None:
    tzdata = importlib.import_module("tzdata")
    assert tzdata.IANA_VERSION == TZDATA_VERSION
    # The zone files say the same version in their own header.
    text = importlib.resources.files("tzdata.zoneinfo").joinpath("tzdata.zi").read_text()
    assert text.splitlines()[0] == f"# version {TZDATA_VERSION}"
    # The pinned minimum (tzdata>=2026.6) is IANA 2026f.
    assert TZDATA_VERSION >= "2026f"


# -- which names are zones ---------------------------------------------------------


def test_available_zones_include_link_names() -> None:
    zones = available_zones()
    assert {"US/Eastern", "US/Pacific", "Etc/GMT+5", "UTC", "America/New_York"} <= zones
    assert "Asia/Calcutta" in zones  # a backward link to Asia/Kolkata
    assert len(zones) > 500


def test_available_zones_exclude_host_trees_and_data_files() -> None:
    zones = available_zones()
    assert not [key for key in zones if key.startswith(("posix/", "right/"))]
    assert not {"posixrules", "zone.tab", "tzdata.zi", "leapseconds", "Factory/"} & zones


def test_every_available_zone_loads() -> None:
    for key in available_zones():
        assert load_zone(key).key == key


@pytest.mark.parametrize(
    "key", ["US/Eastern", "Etc/GMT+5", "UTC", "Europe/Prague"], ids=lambda key: key
)
def test_check_zone_key_returns_known_keys(key: str) -> None:
    assert check_zone_key(key) == key


@pytest.mark.parametrize(
    ("key", "message"),
    [
        (
            "Mars/Olympus",
            "unknown IANA time zone 'Mars/Olympus' (tzdata "
            f"{TZDATA_VERSION} knows {len(available_zones())} keys such as "
            "'Europe/Prague' or 'America/New_York')",
        ),
        (
            "america/new_york",
            "unknown IANA time zone 'america/new_york'; did you mean 'America/New_York'? "
            "(names are case-sensitive)",
        ),
        ("US/eastern", "did you mean 'US/Eastern'? (names are case-sensitive)"),
        (
            "posix/Europe/Prague",
            "'posix/Europe/Prague' is a host-only zone tree; use the plain IANA name "
            "'Europe/Prague'",
        ),
        ("right/UTC", "'right/UTC' is a host-only zone tree; use the plain IANA name 'UTC'"),
        ("Etc/Unknown", "unknown IANA time zone 'Etc/Unknown'"),
        ("", "unknown IANA time zone ''"),
        ("UTC ", "unknown IANA time zone 'UTC '; did you mean 'UTC'?"),
        ("../zoneinfo/UTC", "unknown IANA time zone '../zoneinfo/UTC'"),
        ("tzdata.zi", "unknown IANA time zone 'tzdata.zi'"),
    ],
    ids=[
        "mars",
        "lowercase",
        "lowercase_link",
        "posix_tree",
        "right_tree",
        "etc_unknown",
        "empty",
        "trailing_space",
        "path_traversal",
        "data_file",
    ],
)
def test_check_zone_key_refuses_with_a_clear_message(key: str, message: str) -> None:
    with pytest.raises(UnknownTimeZone) as caught:
        check_zone_key(key)
    assert message in str(caught.value)
    assert isinstance(caught.value, ValueError)
    with pytest.raises(UnknownTimeZone):
        load_zone(key)


# -- offsets -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "hours"),
    [("Etc/GMT+5", -5), ("Etc/GMT-14", 14), ("Etc/GMT+12", -12), ("Etc/GMT", 0)],
    ids=["gmt_plus_5", "gmt_minus_14", "gmt_plus_12", "gmt"],
)
def test_etc_gmt_uses_the_iana_sign(key: str, hours: int) -> None:
    instant = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
    assert instant.astimezone(load_zone(key)).utcoffset() == timedelta(hours=hours)
    ts = int((instant - EPOCH).total_seconds())
    assert zone_table(key).offset_at(ts) == hours * 3600
    assert zone_table(key).offset_at(GRID_TO) == hours * 3600


def test_etc_gmt_plus_5_reads_minus_05_00() -> None:
    local = datetime(2026, 1, 15, 12, 0, tzinfo=UTC).astimezone(load_zone("Etc/GMT+5"))
    assert local.isoformat() == "2026-01-15T07:00:00-05:00"


def check_table_against_zoneinfo(table: ZoneTable, zone: ZoneInfo) -> None:
    """Offsets agree on the grid, and on both sides of every change zoneinfo makes."""
    previous_ts = GRID_FROM
    previous = utc_offset(zone, GRID_FROM)
    changes = 0
    for ts in range(GRID_FROM, GRID_TO, GRID_STEP):
        offset = utc_offset(zone, ts)
        assert table.offset_at(ts) == offset, (table.key, ts)
        if offset != previous:
            # Find the exact second of the change by bisection on zoneinfo alone.
            lo, hi = previous_ts, ts
            while hi - lo > 1:
                mid = (lo + hi) // 2
                if utc_offset(zone, mid) == previous:
                    lo = mid
                else:
                    hi = mid
            assert table.offset_at(hi - 1) == utc_offset(zone, hi - 1), (table.key, hi - 1)
            assert table.offset_at(hi) == utc_offset(zone, hi), (table.key, hi)
            changes += 1
        previous_ts, previous = ts, offset
    assert changes > 0


@pytest.mark.parametrize("key", ZONES_WITH_ODD_RULES, ids=lambda key: key)
def test_offset_table_agrees_with_zoneinfo_1900_2100(key: str) -> None:
    check_table_against_zoneinfo(ZoneTable(key), package_zone(key))


@pytest.mark.parametrize("key", ZONES_WITH_ODD_RULES, ids=lambda key: key)
def test_offset_table_agrees_when_first_asked_about_2100(key: str) -> None:
    # The table follows the POSIX rule lazily; a far-future question first must
    # not leave holes in the years between.
    table = ZoneTable(key)
    zone = package_zone(key)
    assert table.offset_at(GRID_TO) == utc_offset(zone, GRID_TO)
    check_table_against_zoneinfo(table, zone)


@pytest.mark.parametrize("key", ZONES_WITH_ODD_RULES, ids=lambda key: key)
def test_segment_edges_are_the_changes_of_zoneinfo(key: str) -> None:
    zone = package_zone(key)
    pieces = ZoneTable(key).segments(GRID_FROM, GRID_TO)
    assert pieces[0][0] == GRID_FROM
    assert pieces[-1][1] == GRID_TO
    for (_, end, offset), (start, _, next_offset) in itertools.pairwise(pieces):
        assert end == start
        assert offset != next_offset
        assert utc_offset(zone, start - 1) == offset, (key, start)
        assert utc_offset(zone, start) == next_offset, (key, start)


@pytest.mark.parametrize(
    ("key", "instant", "offset"),
    [
        ("Europe/Dublin", "2026-01-15T12:00:00+00:00", 0),
        ("Europe/Dublin", "2026-07-15T12:00:00+00:00", 3600),
        ("Australia/Lord_Howe", "2026-01-15T00:00:00+00:00", 11 * 3600),
        ("Australia/Lord_Howe", "2026-07-15T00:00:00+00:00", 10 * 3600 + 1800),
        ("Antarctica/Troll", "2026-01-15T00:00:00+00:00", 0),
        ("Antarctica/Troll", "2026-07-15T00:00:00+00:00", 2 * 3600),
        ("Pacific/Chatham", "2026-01-15T00:00:00+00:00", 13 * 3600 + 45 * 60),
        ("Pacific/Chatham", "2026-07-15T00:00:00+00:00", 12 * 3600 + 45 * 60),
        ("Asia/Kathmandu", "2026-07-15T00:00:00+00:00", 5 * 3600 + 45 * 60),
        # New York springs forward at 07:00Z on 2026-03-08 and falls back at 06:00Z on 11-01.
        ("America/New_York", "2026-03-08T06:59:59+00:00", -5 * 3600),
        ("America/New_York", "2026-03-08T07:00:00+00:00", -4 * 3600),
        ("America/New_York", "2026-11-01T05:59:59+00:00", -4 * 3600),
        ("America/New_York", "2026-11-01T06:00:00+00:00", -5 * 3600),
    ],
    ids=[
        "dublin_winter",
        "dublin_summer",
        "lord_howe_summer",
        "lord_howe_winter",
        "troll_summer",
        "troll_winter",
        "chatham_summer",
        "chatham_winter",
        "kathmandu",
        "new_york_before_spring_forward",
        "new_york_spring_forward",
        "new_york_before_fall_back",
        "new_york_fall_back",
    ],
)
def test_pinned_offsets(key: str, instant: str, offset: int) -> None:
    ts = int((datetime.fromisoformat(instant) - EPOCH).total_seconds())
    assert zone_table(key).offset_at(ts) == offset


PACKAGE_KEYS = st.timezone_keys(allow_prefix=False).filter(lambda key: key in available_zones())


@settings(max_examples=300, deadline=None)
@given(key=PACKAGE_KEYS, ts=st.integers(min_value=GRID_FROM, max_value=GRID_TO))
def test_offset_table_agrees_with_zoneinfo_anywhere(key: str, ts: int) -> None:
    zone = load_zone(key)
    table = zone_table(key)
    assert table.offset_at(ts) == utc_offset(zone, ts)
    # The segments around ts cover it without a hole, each with the offset of its start.
    pieces = table.segments(ts - 400 * 86_400, ts + 400 * 86_400)
    assert [p[1] for p in pieces[:-1]] == [p[0] for p in pieces[1:]]
    for start, _, offset in pieces:
        assert utc_offset(zone, start) == offset
