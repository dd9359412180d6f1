"""The wall-clock rule of the README's Semantics, scenario by scenario, to the second.

Every expected instant below is written out in UTC; the local readings behind
them come from the tzdata package (2026f).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock

import pytest
import tzdata
from pydantic import ValidationError

import scheduler
from scheduler import Calendar, Campaign, Window
from scheduler.tz import ZoneTable, load_zone, zone_table

Span = tuple[datetime, datetime]


def _utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, us: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, us, tzinfo=UTC)


def _campaign(zone: str, start: str | None, end: str | None, **body: object) -> Campaign:
    """A campaign-create body in camelCase, as the API receives it."""
    spec: dict[str, object] = {"name": "windows test", "timezone": zone, **body}
    if start is not None:
        spec["startTime"] = start
    if end is not None:
        spec["endTime"] = end
    return Campaign.model_validate(spec)


def _calendar(zone: str, start: str | None, end: str | None, **body: object) -> Calendar:
    return _campaign(zone, start, end, **body).calendar()


def _windows_of_day(cal: Calendar, day: date) -> list[Span]:
    """The (start, end) spans of the windows that belong to local ``day``."""
    midnight = datetime.combine(day, clock(), UTC)
    found = cal.windows(midnight - timedelta(days=2), midnight + timedelta(days=3))
    return [(w.start, w.end) for w in found if w.day == day]


# -- the window of one local day ---------------------------------------------

DAY_CASES = [
    pytest.param(
        "America/New_York",
        "02:30",
        "05:00",
        date(2026, 3, 8),
        [(_utc(2026, 3, 8, 7), _utc(2026, 3, 8, 9))],
        id="ny_spring_gap_opens_at_0300_edt",
    ),
    pytest.param(
        "America/New_York",
        "02:05",
        "02:45",
        date(2026, 3, 8),
        [],
        id="ny_spring_window_inside_gap_is_empty",
    ),
    pytest.param(
        "America/New_York",
        "02:05",
        "02:45",
        date(2026, 3, 9),
        [(_utc(2026, 3, 9, 6, 5), _utc(2026, 3, 9, 6, 45))],
        id="ny_gap_window_exists_again_next_day",
    ),
    pytest.param(
        "America/New_York",
        "01:00",
        "03:00",
        date(2026, 11, 1),
        [(_utc(2026, 11, 1, 5), _utc(2026, 11, 1, 8))],
        id="ny_fall_fold_three_real_hours",
    ),
    pytest.param(
        "America/New_York",
        "01:30",
        "05:00",
        date(2026, 11, 1),
        [
            (_utc(2026, 11, 1, 5, 30), _utc(2026, 11, 1, 6)),
            (_utc(2026, 11, 1, 6, 30), _utc(2026, 11, 1, 10)),
        ],
        id="ny_fall_fold_splits_window_in_two",
    ),
    pytest.param(
        "America/New_York",
        "00:00",
        "24:00",
        date(2026, 3, 8),
        [(_utc(2026, 3, 8, 5), _utc(2026, 3, 9, 4))],
        id="ny_all_day_on_spring_day_is_23_hours",
    ),
    pytest.param(
        "America/New_York",
        "00:00",
        "24:00:00",
        date(2026, 11, 1),
        [(_utc(2026, 11, 1, 4), _utc(2026, 11, 2, 5))],
        id="ny_all_day_on_fall_day_is_25_hours",
    ),
    pytest.param(
        "America/New_York",
        "20:00",
        "24:00",
        date(2026, 3, 10),
        [(_utc(2026, 3, 11, 0), _utc(2026, 3, 11, 4))],
        id="end_2400_runs_to_local_midnight",
    ),
    pytest.param(
        "America/New_York",
        "22:00",
        "02:00",
        date(2026, 3, 7),
        [(_utc(2026, 3, 8, 3), _utc(2026, 3, 8, 7))],
        id="ny_overnight_spring_night_ends_at_gap_0700z",
    ),
    pytest.param(
        "America/New_York",
        "22:00",
        "02:00",
        date(2026, 10, 31),
        [(_utc(2026, 11, 1, 2), _utc(2026, 11, 1, 7))],
        id="ny_overnight_fall_night_is_five_real_hours",
    ),
    pytest.param(
        "Europe/Prague",
        "02:30",
        "04:00",
        date(2026, 3, 29),
        [(_utc(2026, 3, 29, 1), _utc(2026, 3, 29, 2))],
        id="prague_spring_gap_opens_at_0300_cest",
    ),
    pytest.param(
        "Europe/Prague",
        "01:30",
        "02:00",
        date(2026, 10, 25),
        [(_utc(2026, 10, 24, 23, 30), _utc(2026, 10, 25, 0))],
        id="prague_fall_0130_is_saturday_2330z",
    ),
    pytest.param(
        "Europe/Prague",
        "02:30",
        "04:00",
        date(2026, 10, 25),
        [
            (_utc(2026, 10, 25, 0, 30), _utc(2026, 10, 25, 1)),
            (_utc(2026, 10, 25, 1, 30), _utc(2026, 10, 25, 3)),
        ],
        id="prague_fall_0230_happens_twice",
    ),
    pytest.param(
        "Pacific/Apia",
        "09:00",
        "17:00",
        date(2011, 12, 29),
        [(_utc(2011, 12, 29, 19), _utc(2011, 12, 30, 3))],
        id="apia_thursday_before_missing_friday",
    ),
    pytest.param(
        "Pacific/Apia",
        "09:00",
        "17:00",
        date(2011, 12, 30),
        [],
        id="apia_missing_friday_has_no_window",
    ),
    pytest.param(
        "Pacific/Apia",
        "09:00",
        "17:00",
        date(2011, 12, 31),
        [(_utc(2011, 12, 30, 19), _utc(2011, 12, 31, 3))],
        id="apia_saturday_after_missing_friday",
    ),
    pytest.param(
        "Pacific/Apia",
        "22:00",
        "02:00",
        date(2011, 12, 29),
        [(_utc(2011, 12, 30, 8), _utc(2011, 12, 30, 10))],
        id="apia_thursday_overnight_ends_when_friday_vanishes",
    ),
    pytest.param(
        "Pacific/Kwajalein",
        "09:00",
        "17:00",
        date(1969, 9, 30),
        [
            (_utc(1969, 9, 29, 22), _utc(1969, 9, 30, 6)),
            (_utc(1969, 9, 30, 21), _utc(1969, 10, 1, 5)),
        ],
        id="kwajalein_doubled_tuesday_gets_both_windows",
    ),
    pytest.param(
        "America/Santiago",
        "00:00",
        "02:00",
        date(2026, 9, 6),
        [(_utc(2026, 9, 6, 4), _utc(2026, 9, 6, 5))],
        id="santiago_missing_midnight_opens_at_0100",
    ),
    pytest.param(
        "Africa/Cairo",
        "00:00",
        "02:00",
        date(2026, 4, 24),
        [(_utc(2026, 4, 23, 22), _utc(2026, 4, 23, 23))],
        id="cairo_missing_midnight_opens_at_0100",
    ),
    pytest.param(
        "Atlantic/Azores",
        "00:00",
        "00:30",
        date(2026, 10, 25),
        [
            (_utc(2026, 10, 25, 0), _utc(2026, 10, 25, 0, 30)),
            (_utc(2026, 10, 25, 1), _utc(2026, 10, 25, 1, 30)),
        ],
        id="azores_midnight_twice_gives_both",
    ),
    pytest.param(
        "Australia/Lord_Howe",
        "02:00",
        "03:00",
        date(2026, 10, 4),
        [(_utc(2026, 10, 3, 15, 30), _utc(2026, 10, 3, 16))],
        id="lord_howe_half_hour_gap_opens_at_0230",
    ),
    pytest.param(
        "Australia/Lord_Howe",
        "01:30",
        "02:00",
        date(2026, 4, 5),
        [(_utc(2026, 4, 4, 14, 30), _utc(2026, 4, 4, 15, 30))],
        id="lord_howe_half_hour_fold_runs_one_real_hour",
    ),
    pytest.param(
        "Antarctica/Troll",
        "02:00",
        "04:00",
        date(2026, 3, 29),
        [(_utc(2026, 3, 29, 1), _utc(2026, 3, 29, 2))],
        id="troll_two_hour_gap_opens_at_0300",
    ),
    pytest.param(
        "Antarctica/Troll",
        "01:30",
        "02:30",
        date(2026, 3, 29),
        [],
        id="troll_window_inside_two_hour_gap_is_empty",
    ),
    pytest.param(
        "Europe/Dublin",
        "09:00",
        "17:00",
        date(2026, 1, 15),
        [(_utc(2026, 1, 15, 9), _utc(2026, 1, 15, 17))],
        id="dublin_winter_is_gmt",
    ),
    pytest.param(
        "Europe/Dublin",
        "09:00",
        "17:00",
        date(2026, 7, 15),
        [(_utc(2026, 7, 15, 8), _utc(2026, 7, 15, 16))],
        id="dublin_summer_is_ist",
    ),
    pytest.param(
        "Europe/Dublin",
        "01:00",
        "03:00",
        date(2026, 10, 25),
        [(_utc(2026, 10, 25, 0), _utc(2026, 10, 25, 3))],
        id="dublin_fall_fold_three_real_hours",
    ),
    pytest.param(
        "Asia/Kathmandu",
        "09:00",
        "17:00",
        date(2026, 1, 15),
        [(_utc(2026, 1, 15, 3, 15), _utc(2026, 1, 15, 11, 15))],
        id="kathmandu_0900_is_0315z",
    ),
    pytest.param(
        "Pacific/Chatham",
        "09:00",
        "17:00",
        date(2026, 1, 15),
        [(_utc(2026, 1, 14, 19, 15), _utc(2026, 1, 15, 3, 15))],
        id="chatham_1345_summer_offset",
    ),
    pytest.param(
        "Etc/GMT+5",
        "09:00",
        "17:00",
        date(2026, 1, 15),
        [(_utc(2026, 1, 15, 14), _utc(2026, 1, 15, 22))],
        id="etc_gmt_plus5_is_utc_minus_5",
    ),
    pytest.param(
        "US/Eastern",
        "09:00:30",
        "17:00:15",
        date(2026, 7, 1),
        [(_utc(2026, 7, 1, 13, 0, 30), _utc(2026, 7, 1, 21, 0, 15))],
        id="link_name_and_seconds_in_clock_times",
    ),
]


@pytest.mark.parametrize(("zone", "start", "end", "day", "expected"), DAY_CASES)
def test_window_of_local_day(
    zone: str, start: str, end: str, day: date, expected: list[Span]
) -> None:
    assert _windows_of_day(_calendar(zone, start, end), day) == expected


# -- next_open -----------------------------------------------------------------

NEXT_OPEN_CASES = [
    pytest.param(
        "America/New_York",
        "02:30",
        "05:00",
        _utc(2026, 3, 8, 5),
        _utc(2026, 3, 8, 7),
        id="ny_spring_gap_opens_at_0300_edt",
    ),
    pytest.param(
        "America/New_York",
        "02:05",
        "02:45",
        _utc(2026, 3, 8, 5),
        _utc(2026, 3, 9, 6, 5),
        id="ny_gap_window_skips_to_next_day",
    ),
    pytest.param(
        "America/New_York",
        "01:30",
        "05:00",
        _utc(2026, 11, 1, 6, 10),
        _utc(2026, 11, 1, 6, 30),
        id="ny_fold_hole_waits_for_second_0130",
    ),
    pytest.param(
        "America/New_York",
        "09:00",
        "17:00",
        _utc(2026, 3, 7, 22),
        _utc(2026, 3, 8, 13),
        id="ny_saturday_close_reopens_sunday_in_edt",
    ),
    pytest.param(
        "America/Santiago",
        "00:00",
        "02:00",
        _utc(2026, 9, 6, 2),
        _utc(2026, 9, 6, 4),
        id="santiago_missing_midnight_opens_at_0100",
    ),
    pytest.param(
        "Africa/Cairo",
        "00:00",
        "02:00",
        _utc(2026, 4, 23, 20),
        _utc(2026, 4, 23, 22),
        id="cairo_missing_midnight_opens_at_0100",
    ),
    pytest.param(
        "Atlantic/Azores",
        "00:00",
        "00:30",
        _utc(2026, 10, 25, 0, 30),
        _utc(2026, 10, 25, 1),
        id="azores_second_midnight_reopens",
    ),
    pytest.param(
        "Australia/Lord_Howe",
        "02:00",
        "03:00",
        _utc(2026, 10, 3, 15),
        _utc(2026, 10, 3, 15, 30),
        id="lord_howe_half_hour_gap_opens_at_0230",
    ),
    pytest.param(
        "Antarctica/Troll",
        "02:00",
        "04:00",
        _utc(2026, 3, 29, 0, 30),
        _utc(2026, 3, 29, 1),
        id="troll_two_hour_gap_opens_at_0300",
    ),
    pytest.param(
        "Pacific/Apia",
        "09:00",
        "17:00",
        _utc(2011, 12, 30, 4),
        _utc(2011, 12, 30, 19),
        id="apia_thursday_close_reopens_saturday",
    ),
    pytest.param(
        "Asia/Kathmandu",
        "09:00",
        "17:00",
        _utc(2026, 1, 15),
        _utc(2026, 1, 15, 3, 15),
        id="kathmandu_0900_is_0315z",
    ),
    pytest.param(
        "Etc/GMT+5",
        "09:00",
        "17:00",
        _utc(2026, 1, 15),
        _utc(2026, 1, 15, 14),
        id="etc_gmt_plus5_0900_is_1400z",
    ),
]


@pytest.mark.parametrize(("zone", "start", "end", "t", "expected"), NEXT_OPEN_CASES)
def test_next_open(zone: str, start: str, end: str, t: datetime, expected: datetime) -> None:
    assert _calendar(zone, start, end).next_open(t) == expected


def test_next_open_inside_a_window_is_t_itself_to_the_microsecond() -> None:
    cal = _calendar("America/New_York", "01:30", "05:00")
    t = _utc(2026, 11, 1, 7, 15, 30, 250_000)
    assert cal.next_open(t) == t


def test_next_open_asked_in_and_out_of_a_gap_answers_as_a_fresh_calendar() -> None:
    # A dialer asks about the window its calls go out in and, between them, about
    # retries due in the gap after it. Over New York's spring-forward night (Sunday
    # 2026-03-08 09:00 EDT = 13:00Z) every answer equals a fresh calendar's.
    spec = _campaign("America/New_York", "09:00", "17:00", activeDays=[4, 6])
    cal = spec.calendar()
    questions = [
        (_utc(2026, 3, 6, 21, 59, 59), _utc(2026, 3, 6, 21, 59, 59)),  # Fri 16:59:59 EST
        (_utc(2026, 3, 6, 22, 30), _utc(2026, 3, 8, 13)),  # Fri 17:30 EST: Sunday 09:00 EDT
        (_utc(2026, 3, 6, 21), _utc(2026, 3, 6, 21)),
        (_utc(2026, 3, 8, 7, 30), _utc(2026, 3, 8, 13)),  # 03:30 EDT, after the jump
        (_utc(2026, 3, 6, 22, 0), _utc(2026, 3, 8, 13)),  # Fri 17:00 EST: the window's end
        (_utc(2026, 3, 8, 12, 59, 59), _utc(2026, 3, 8, 13)),
        (_utc(2026, 3, 8, 13), _utc(2026, 3, 8, 13)),
        (_utc(2026, 3, 6, 13, 59, 59), _utc(2026, 3, 6, 14)),  # Fri 08:59:59 EST
    ]
    for t, expected in questions:
        fresh = Calendar(spec.timezone, [spec.day_rule(d) for d in range(7)])
        assert cal.next_open(t) == fresh.next_open(t) == expected, t
        # With its piece, from one call: what the dialer reads instead of the shared hint.
        ts, opening = int(t.timestamp()), int(expected.timestamp())
        found = cal.next_open_piece_ts(ts)
        assert found is not None and found == Calendar(
            spec.timezone, [spec.day_rule(d) for d in range(7)]
        ).next_open_piece_ts(ts)
        assert found[0] == opening and found[1][0] <= opening < found[1][1], t
        assert found[1] in fresh.day_windows(fresh.local_day(opening)) + fresh.day_windows(
            fresh.local_day(opening) - 1
        ), t


def test_next_open_of_a_local_time_answers_in_utc() -> None:
    cal = _calendar("America/New_York", "02:30", "05:00")
    one_am_est = datetime(2026, 3, 8, 1, 0, tzinfo=load_zone("America/New_York"))
    found = cal.next_open(one_am_est)
    assert found == _utc(2026, 3, 8, 7)
    assert found is not None and found.utcoffset() == timedelta(0)


def test_next_open_kiritimati_monday_is_sunday_in_utc() -> None:
    cal = _calendar("Pacific/Kiritimati", "09:00", "17:00", activeDays=[0])
    assert cal.next_open(_utc(2026, 3, 1)) == _utc(2026, 3, 1, 19)
    assert cal.windows(_utc(2026, 3, 1), _utc(2026, 3, 8)) == [
        Window(_utc(2026, 3, 1, 19), _utc(2026, 3, 2, 3), date(2026, 3, 2))
    ]


# -- contains --------------------------------------------------------------------

CONTAINS_CASES = [
    pytest.param("01:30", "05:00", _utc(2026, 11, 1, 5, 29, 59), False, id="fold_before_0130"),
    pytest.param("01:30", "05:00", _utc(2026, 11, 1, 5, 30), True, id="fold_first_0130_edt"),
    pytest.param("01:30", "05:00", _utc(2026, 11, 1, 5, 59, 59), True, id="fold_last_second_edt"),
    pytest.param("01:30", "05:00", _utc(2026, 11, 1, 6), False, id="fold_0100_est_again"),
    pytest.param("01:30", "05:00", _utc(2026, 11, 1, 6, 29, 59), False, id="fold_0129_est"),
    pytest.param("01:30", "05:00", _utc(2026, 11, 1, 6, 30), True, id="fold_second_0130_est"),
    pytest.param("01:30", "05:00", _utc(2026, 11, 1, 9, 59, 59), True, id="fold_last_second"),
    pytest.param("01:30", "05:00", _utc(2026, 11, 1, 10), False, id="fold_end_is_excluded"),
    pytest.param("02:30", "05:00", _utc(2026, 3, 8, 6, 59, 59), False, id="gap_0159_est"),
    pytest.param("02:30", "05:00", _utc(2026, 3, 8, 7), True, id="gap_0300_edt_is_open"),
    pytest.param("02:30", "05:00", _utc(2026, 3, 8, 8, 59, 59), True, id="gap_last_second"),
    pytest.param("02:30", "05:00", _utc(2026, 3, 8, 9), False, id="gap_end_is_excluded"),
    pytest.param("22:00", "02:00", _utc(2026, 3, 10, 1, 59, 59), False, id="overnight_before"),
    pytest.param("22:00", "02:00", _utc(2026, 3, 10, 2), True, id="overnight_opens_2200"),
    pytest.param("22:00", "02:00", _utc(2026, 3, 10, 5, 30), True, id="overnight_tail_0130"),
    pytest.param("22:00", "02:00", _utc(2026, 3, 10, 6), False, id="overnight_end_excluded"),
]


@pytest.mark.parametrize(("start", "end", "t", "expected"), CONTAINS_CASES)
def test_contains_new_york(start: str, end: str, t: datetime, expected: bool) -> None:
    assert _calendar("America/New_York", start, end).contains(t) is expected


# -- daySchedules and activeDays ---------------------------------------------------


def test_day_schedule_overrides_one_weekday() -> None:
    cal = _calendar(
        "America/New_York",
        "09:00",
        "17:00",
        activeDays=[0, 1, 2, 3, 4],
        daySchedules={"2": {"startTime": "10:00", "endTime": "18:00"}},
    )
    # Monday 2026-03-09 to Sunday 2026-03-15, all in EDT; no weekend windows.
    assert cal.windows(_utc(2026, 3, 9), _utc(2026, 3, 16)) == [
        Window(_utc(2026, 3, 9, 13), _utc(2026, 3, 9, 21), date(2026, 3, 9)),
        Window(_utc(2026, 3, 10, 13), _utc(2026, 3, 10, 21), date(2026, 3, 10)),
        Window(_utc(2026, 3, 11, 14), _utc(2026, 3, 11, 22), date(2026, 3, 11)),
        Window(_utc(2026, 3, 12, 13), _utc(2026, 3, 12, 21), date(2026, 3, 12)),
        Window(_utc(2026, 3, 13, 13), _utc(2026, 3, 13, 21), date(2026, 3, 13)),
    ]


def test_day_schedule_missing_field_falls_back_to_campaign_time() -> None:
    cal = _calendar(
        "America/New_York", "09:00", "17:00", daySchedules={"2": {"startTime": "12:00"}}
    )
    assert _windows_of_day(cal, date(2026, 3, 11)) == [
        (_utc(2026, 3, 11, 16), _utc(2026, 3, 11, 21))
    ]


def test_inactive_day_has_no_window_even_with_a_day_schedule() -> None:
    campaign = _campaign(
        "America/New_York",
        "09:00",
        "17:00",
        activeDays=[0, 1, 2, 3, 4],
        daySchedules={"5": {"startTime": "10:00", "endTime": "14:00"}},
    )
    cal = campaign.calendar()
    assert cal.windows(_utc(2026, 3, 14), _utc(2026, 3, 16)) == []
    assert not cal.contains(_utc(2026, 3, 14, 15))
    assert cal.next_open(_utc(2026, 3, 14, 15)) == _utc(2026, 3, 16, 13)
    assert any("Saturday" in warning for warning in campaign.warnings)


def test_no_times_means_all_day_and_touching_days_stay_separate() -> None:
    cal = _calendar("America/New_York", None, None)
    assert cal.windows(_utc(2026, 3, 10, 12), _utc(2026, 3, 11, 12)) == [
        Window(_utc(2026, 3, 10, 4), _utc(2026, 3, 11, 4), date(2026, 3, 10)),
        Window(_utc(2026, 3, 11, 4), _utc(2026, 3, 12, 4), date(2026, 3, 11)),
    ]


def test_overnight_overlapping_next_day_merges_into_one_window_of_the_first_day() -> None:
    cal = _calendar(
        "America/New_York",
        "22:00",
        "02:00",
        daySchedules={"2": {"startTime": "00:00", "endTime": "06:00"}},
    )
    # Tuesday 22:00 EDT to Wednesday 02:00 overlaps Wednesday 00:00-06:00.
    assert cal.windows(_utc(2026, 3, 11), _utc(2026, 3, 11, 12)) == [
        Window(_utc(2026, 3, 11, 2), _utc(2026, 3, 11, 10), date(2026, 3, 10))
    ]
    assert cal.contains(_utc(2026, 3, 11, 9, 59, 59))
    assert not cal.contains(_utc(2026, 3, 11, 10))
    # Seen from either end, it is the same whole window.
    for start, end in [
        (_utc(2026, 3, 11, 2), _utc(2026, 3, 11, 3)),
        (_utc(2026, 3, 11, 8), _utc(2026, 3, 11, 9)),
    ]:
        assert cal.windows(start, end) == [
            Window(_utc(2026, 3, 11, 2), _utc(2026, 3, 11, 10), date(2026, 3, 10))
        ]


def test_merged_windows_starting_together_take_the_earlier_day() -> None:
    # Nuuk skips Saturday 23:00-24:00 on 2026-03-28 (01:00Z): Saturday's 23:30-02:00 window
    # and Sunday's own window both open at 01:00Z, Sunday 00:00 local.
    days = []
    variants = [("03:00", _utc(2026, 3, 29, 4)), ("01:00", _utc(2026, 3, 29, 3))]
    for sunday_end, merged_end in variants:
        cal = _calendar(
            "America/Nuuk",
            "23:30",
            "02:00",
            daySchedules={"6": {"startTime": "00:00", "endTime": sunday_end}},
        )
        [window] = cal.windows(_utc(2026, 3, 29, 1), _utc(2026, 3, 29, 2))
        assert (window.start, window.end) == (_utc(2026, 3, 29, 1), merged_end)
        days.append(window.day)
    assert days == [date(2026, 3, 28), date(2026, 3, 28)]


def test_touching_windows_of_two_days_stay_two_windows() -> None:
    cal = _calendar(
        "America/New_York",
        "20:00",
        "24:00",
        daySchedules={"2": {"startTime": "00:00", "endTime": "04:00"}},
    )
    assert cal.windows(_utc(2026, 3, 11), _utc(2026, 3, 11, 12)) == [
        Window(_utc(2026, 3, 11, 0), _utc(2026, 3, 11, 4), date(2026, 3, 10)),
        Window(_utc(2026, 3, 11, 4), _utc(2026, 3, 11, 8), date(2026, 3, 11)),
    ]


def test_apia_missing_friday_seen_from_windows() -> None:
    cal = _calendar("Pacific/Apia", "09:00", "17:00")
    assert cal.windows(_utc(2011, 12, 29, 12), _utc(2011, 12, 31, 12)) == [
        Window(_utc(2011, 12, 29, 19), _utc(2011, 12, 30, 3), date(2011, 12, 29)),
        Window(_utc(2011, 12, 30, 19), _utc(2011, 12, 31, 3), date(2011, 12, 31)),
    ]


def test_windows_are_whole_not_clipped() -> None:
    cal = _calendar("America/New_York", "09:00", "17:00")
    assert cal.windows(_utc(2026, 3, 10, 15), _utc(2026, 3, 10, 15, 0, 1)) == [
        Window(_utc(2026, 3, 10, 13), _utc(2026, 3, 10, 21), date(2026, 3, 10))
    ]
    # Half-open on both sides: a range ending at the opening, or starting at the close, misses it.
    assert cal.windows(_utc(2026, 3, 10, 12), _utc(2026, 3, 10, 13)) == []
    # ... but a range ending half a second after the opening meets it.
    assert cal.windows(_utc(2026, 3, 10, 12), _utc(2026, 3, 10, 13, 0, 0, 500_000)) == [
        Window(_utc(2026, 3, 10, 13), _utc(2026, 3, 10, 21), date(2026, 3, 10))
    ]
    assert cal.windows(_utc(2026, 3, 10, 21), _utc(2026, 3, 11, 12)) == []


def test_empty_range_at_a_fractional_instant_meets_no_window() -> None:
    cal = _calendar("America/New_York", "09:00", "17:00")
    t = _utc(2026, 3, 10, 15, 0, 0, 500_000)
    assert cal.windows(t.replace(microsecond=0), t.replace(microsecond=0)) == []
    assert cal.windows(t, t) == []


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"endTime": "00:00"}, id="campaign_end_only"),
        pytest.param({"endTime": "00:00:00"}, id="campaign_end_only_seconds"),
        pytest.param({"daySchedules": {"1": {"endTime": "00:00"}}}, id="day_schedule_end_only"),
    ],
)
def test_end_time_midnight_without_start_time_is_refused_as_empty(body: dict[str, object]) -> None:
    # A missing startTime means 00:00, so this is the empty window 00:00-00:00, not all day.
    with pytest.raises(ValidationError, match="empty"):
        Campaign.model_validate({"name": "t", "timezone": "America/New_York", **body})


# -- startDate and endDate -----------------------------------------------------------


def test_start_and_end_date_bound_the_windows() -> None:
    cal = _calendar(
        "America/New_York", "09:00", "17:00", startDate="2026-03-10", endDate="2026-03-12"
    )
    assert cal.next_open(_utc(2026, 3, 1)) == _utc(2026, 3, 10, 13)
    assert not cal.contains(_utc(2026, 3, 9, 14))
    assert not cal.contains(_utc(2026, 3, 13, 14))
    assert cal.windows(_utc(2026, 3, 1), _utc(2026, 3, 20)) == [
        Window(_utc(2026, 3, 10, 13), _utc(2026, 3, 10, 21), date(2026, 3, 10)),
        Window(_utc(2026, 3, 11, 13), _utc(2026, 3, 11, 21), date(2026, 3, 11)),
        Window(_utc(2026, 3, 12, 13), _utc(2026, 3, 12, 21), date(2026, 3, 12)),
    ]
    assert cal.next_open(_utc(2026, 3, 12, 20, 59, 59)) == _utc(2026, 3, 12, 20, 59, 59)
    assert cal.next_open(_utc(2026, 3, 12, 21)) is None
    assert cal.next_open(_utc(2027, 1, 1)) is None


def test_end_date_overnight_window_runs_into_the_next_day() -> None:
    cal = _calendar("America/New_York", "22:00", "02:00", endDate="2026-03-12")
    # Thursday 22:00 EDT to Friday 02:00 EDT is the last window.
    assert cal.next_open(_utc(2026, 3, 13, 5, 59, 59)) == _utc(2026, 3, 13, 5, 59, 59)
    assert cal.next_open(_utc(2026, 3, 13, 6)) is None


def test_day_before_start_date_does_not_spill_overnight_into_it() -> None:
    cal = _calendar("America/New_York", "22:00", "02:00", startDate="2026-03-10")
    # 01:00 EDT on the 10th would be the tail of Monday the 9th's window.
    assert not cal.contains(_utc(2026, 3, 10, 5))
    assert cal.next_open(_utc(2026, 3, 10, 5)) == _utc(2026, 3, 11, 2)


def test_end_date_in_the_past_has_nothing_left() -> None:
    cal = _calendar("America/New_York", "09:00", "17:00", endDate="2020-01-01")
    assert cal.next_open(_utc(2026, 1, 1)) is None
    assert cal.windows(_utc(2026, 1, 1), _utc(2026, 2, 1)) == []


def test_no_active_days_answers_none_quickly() -> None:
    cal = _calendar("America/New_York", "09:00", "17:00", activeDays=[])
    began = time.perf_counter()
    found = cal.next_open(_utc(2026, 1, 1))
    elapsed = time.perf_counter() - began
    assert found is None
    assert elapsed < 0.1
    assert not cal.contains(_utc(2026, 1, 1, 15))
    assert cal.windows(_utc(2026, 1, 1), _utc(2027, 1, 1)) == []


# -- naive datetimes ---------------------------------------------------------------

NAIVE = datetime(2026, 3, 8, 9, 0)
AWARE = _utc(2026, 3, 8, 9, 0)

NAIVE_CALLS: list[object] = [
    pytest.param(lambda cal: cal.next_open(NAIVE), id="next_open"),
    pytest.param(lambda cal: cal.contains(NAIVE), id="contains"),
    pytest.param(lambda cal: cal.windows(NAIVE, AWARE), id="windows_start"),
    pytest.param(lambda cal: cal.windows(AWARE - timedelta(days=1), NAIVE), id="windows_end"),
]


@pytest.mark.parametrize("call", NAIVE_CALLS)
def test_naive_datetime_is_refused(call: Callable[[Calendar], object]) -> None:
    cal = _calendar("America/New_York", "09:00", "17:00")
    with pytest.raises(ValueError, match="timezone-aware"):
        call(cal)


# -- zone data from the tzdata package -------------------------------------------


def test_zones_come_from_the_tzdata_package() -> None:
    # tzdata 2026f: Vancouver no longer falls back on 2026-11-01 and stays at -07:00
    # (a host with 2025b would open this window at 17:00Z).
    cal = _calendar("America/Vancouver", "09:00", "17:00")
    assert _windows_of_day(cal, date(2026, 11, 10)) == [
        (_utc(2026, 11, 10, 16), _utc(2026, 11, 11))
    ]
    assert cal.next_open(_utc(2026, 11, 10, 8)) == _utc(2026, 11, 10, 16)
    assert scheduler.TZDATA_VERSION == tzdata.IANA_VERSION


@pytest.mark.parametrize(
    ("zone", "change", "before", "after"),
    [
        pytest.param("America/New_York", _utc(2040, 3, 11, 7), -5 * 3600, -4 * 3600, id="ny_2040"),
        pytest.param("America/New_York", _utc(2099, 3, 8, 7), -5 * 3600, -4 * 3600, id="ny_2099"),
        pytest.param("Europe/Prague", _utc(2099, 10, 25, 1), 2 * 3600, 3600, id="prague_2099"),
    ],
)
def test_zone_table_follows_the_posix_rule_to_the_second(
    zone: str, change: datetime, before: int, after: int
) -> None:
    ts = int(change.timestamp())
    for table in (zone_table(zone), ZoneTable(zone)):
        assert table.offset_at(ts - 1) == before
        assert table.offset_at(ts) == after


PROBE_START = int(_utc(1970, 1, 1).timestamp())
PROBE_END = int(_utc(2100, 12, 31).timestamp())
# A day and an hour and a bit: successive probes drift through every time of day.
PROBE_STEP = 86_400 + 3_607


@pytest.mark.parametrize(
    "zone",
    [
        "America/New_York",
        "Europe/Prague",
        "Europe/Dublin",
        "Australia/Lord_Howe",
        "Antarctica/Troll",
        "America/Santiago",
        "Pacific/Chatham",
        "Africa/Casablanca",
        "America/Vancouver",
    ],
)
def test_zone_table_agrees_with_daily_probing_into_2100(zone: str) -> None:
    info = load_zone(zone)
    probes = range(PROBE_START, PROBE_END, PROBE_STEP)
    expected = {}
    for ts in probes:
        offset = datetime.fromtimestamp(ts, info).utcoffset()
        assert offset is not None
        expected[ts] = int(offset.total_seconds())
    shared = zone_table(zone)
    assert {ts: shared.offset_at(ts) for ts in probes} == expected
    # A fresh table asked for 2100 first extends itself correctly out of order.
    fresh = ZoneTable(zone)
    assert {ts: fresh.offset_at(ts) for ts in reversed(probes)} == expected


def test_a_day_the_clock_never_shows_has_no_overnight_window_either() -> None:
    # Apia skipped Friday 2011-12-30: Thursday 24:00 (10:00Z) became Saturday 00:00. The
    # Saturday 00:00-02:00 stretch would be Friday's overnight tail; Friday has no window.
    cal = _calendar("Pacific/Apia", "22:00", "02:00")
    assert cal.windows(_utc(2011, 12, 30), _utc(2011, 12, 31, 9)) == [
        Window(_utc(2011, 12, 30, 8), _utc(2011, 12, 30, 10), date(2011, 12, 29)),
        Window(_utc(2011, 12, 31, 8), _utc(2011, 12, 31, 12), date(2011, 12, 31)),
    ]
    assert not cal.contains(_utc(2011, 12, 30, 11))
    assert cal.next_open(_utc(2011, 12, 30, 10)) == _utc(2011, 12, 31, 8)


def test_next_open_at_the_end_of_the_calendar_is_none() -> None:
    cal = _calendar("America/New_York", "09:00", "17:00")
    assert cal.next_open(_utc(9999, 12, 31, 23)) is None
    assert cal.next_open(_utc(9999, 12, 20, 23)) == _utc(9999, 12, 21, 14)


# -- the window piece of an instant --------------------------------------------------

PIECE_CASES = [
    pytest.param("America/New_York", "09:00", "17:00", _utc(2026, 3, 6), id="ny_spring_forward"),
    pytest.param("America/New_York", "00:30", "03:30", _utc(2026, 10, 30), id="ny_fall_back_fold"),
    pytest.param("America/New_York", "20:00", "10:00", _utc(2026, 10, 30), id="ny_overnight_fold"),
    pytest.param("Europe/Dublin", "22:00", "06:00", _utc(2026, 3, 27), id="dublin_overnight_gap"),
    pytest.param("Australia/Lord_Howe", "01:00", "03:00", _utc(2026, 4, 3), id="lord_howe_half"),
    pytest.param("Pacific/Apia", "22:00", "02:00", _utc(2011, 12, 28), id="apia_missing_friday"),
    pytest.param("Pacific/Kwajalein", "09:00", "17:00", _utc(1969, 9, 28), id="kwajalein_doubled"),
    pytest.param("America/Santiago", "00:00", "02:00", _utc(2026, 9, 4), id="santiago_midnight"),
]


@pytest.mark.parametrize(("zone", "start", "end", "since"), PIECE_CASES)
def test_every_instant_of_a_window_piece_is_inside_a_window(
    zone: str, start: str, end: str, since: datetime
) -> None:
    # The dialer keeps the piece of a group's last start to answer later starts: each
    # instant of it must be one contains_ts says is callable, across the clock changes.
    cal = _calendar(zone, start, end)
    lo = int(since.timestamp())
    for t in range(lo, lo + 5 * 86_400, 600):
        piece = cal.piece_ts(t)
        assert (piece is not None) == cal.contains_ts(t), t
        if piece is not None:
            piece_start, piece_end = piece
            assert piece_start <= t < piece_end
            for u in (piece_start, piece_end - 1, *range(piece_start, piece_end, 300)):
                assert cal.contains_ts(u), (piece, u)
