"""Calling rules: the hours, holidays and caps a law (or a team) puts on calls to a customer.

A rule is read on the customer's clock, on every zone the customer may be
in. It has a ``name``, the ``regions`` it applies to (ISO 3166-1 countries
or 3166-2 subdivisions: ``US``, ``US-FL``, ``CA-ON``), the allowed
``hours`` per weekday (several intervals a day; a weekday not listed is
allowed all day, an empty list forbids the day), whether public
``holidays`` are excluded (of the ``country``, or of the ``region``), and a
rolling ``cap``: at most ``calls`` call starts in any ``seconds``.

``PRESETS`` holds rules taken from statutes, each with its source and
date. A preset is data, not legal advice: check it against the law that
binds you, and add your own rules as objects.

>>> PRESETS["US-FL"].cap
Cap(calls=3, seconds=86400)
>>> applies(PRESETS["US-FL"], "US"), applies(PRESETS["US-FL"], "US-TX")
(True, False)
"""

from __future__ import annotations

import difflib
import re
import threading
from collections.abc import Container
from functools import cache, cached_property, lru_cache
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from scheduler.times import DAY, clock_text, date_of_day, day_number
from scheduler.windows import Calendar

__all__ = [
    "PRESETS",
    "CallingRule",
    "Cap",
    "DayIntervals",
    "HolidayDays",
    "HolidaySet",
    "applies",
    "applies_to",
    "country_of",
    "holiday_days",
    "holidays_for",
    "parse_region",
    "resolve_rule",
    "rule_calendar",
]

_REGION = re.compile(r"[A-Z]{2}(?:-[A-Z0-9]{1,3})?")
_CLOCK = re.compile(r"([0-9]{2}):([0-9]{2})(?::([0-9]{2}))?")
_WEEKDAY_KEYS = ("0", "1", "2", "3", "4", "5", "6")

#: Per weekday (0 = Monday) the allowed ``(start, end)`` seconds after local midnight,
#: sorted and disjoint; None where the whole day is allowed.
DayIntervals = tuple[tuple[tuple[int, int], ...] | None, ...]


def parse_region(value: str, where: str = "region", *, check_known: bool = True) -> str:
    """Return ``value`` if it is an ISO 3166 code (``US``, ``US-FL``), else raise ``ValueError``.

    The country must be one that phone numbers are issued for, and where the
    ``holidays`` package lists a country's subdivisions, the subdivision must
    be one of them (``US-LF`` and ``UK`` are refused; ``GB`` is the UK). With
    ``check_known`` False, only the shape is checked (the presets' own codes, so that
    importing the library does not load the data of phonenumbers and holidays).
    """
    if not isinstance(value, str) or not _REGION.fullmatch(value):
        raise ValueError(
            f"{where} must be an ISO 3166-1 country or 3166-2 subdivision code in capitals, "
            f"such as 'US', 'US-FL', 'CA-ON' or 'FR', got {value!r}"
        )
    if not check_known:
        return value
    country, _, subdivision = value.partition("-")
    if country not in _countries():
        close = difflib.get_close_matches(country, sorted(_countries()), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise ValueError(f"{where}: {country!r} is not an ISO 3166-1 country code{hint}")
    known = _supported_holidays().get(country)
    if subdivision and known and subdivision not in known:
        close = difflib.get_close_matches(subdivision, known, n=1)
        hint = f"; did you mean '{country}-{close[0]}'?" if close else ""
        raise ValueError(
            f"{where}: {value!r} is not a subdivision of {country}{hint} (known: "
            f"{', '.join(f'{country}-{code}' for code in known[:8])}, ...)"
        )
    return value


@cache
def _countries() -> frozenset[str]:
    # phonenumbers' regions are ISO 3166-1 codes (the holidays package also takes
    # aliases such as UK, which ISO calls GB). Imported when first needed: phonenumbers
    # and holidays are slow to import, and a campaign without rules needs neither.
    import phonenumbers

    return frozenset(phonenumbers.SUPPORTED_REGIONS)


@cache
def _supported_holidays() -> dict[str, list[str]]:
    """Country -> its subdivisions, as the holidays package knows them."""
    import holidays

    return dict(holidays.list_supported_countries())


def country_of(region: str) -> str:
    """``US`` of ``US-FL``; a country is its own country."""
    return region.split("-", 1)[0]


def _seconds(text: str, *, end: bool, where: str) -> int:
    match = _CLOCK.fullmatch(text) if isinstance(text, str) else None
    if match is None:
        raise ValueError(f"{where}: a time is HH:MM or HH:MM:SS, got {text!r}")
    hours, minutes, seconds = (int(part) if part else 0 for part in match.groups())
    if (hours, minutes, seconds) == (24, 0, 0) and end:
        return DAY
    if hours > 23 or minutes > 59 or seconds > 59:
        allowed = "00:00 to 24:00" if end else "00:00 to 23:59:59"
        raise ValueError(f"{where}: a time from {allowed}, got {text!r}")
    return hours * 3600 + minutes * 60 + seconds


class Cap(BaseModel):
    """At most ``calls`` call starts in any ``seconds`` (a rolling window)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    calls: Annotated[int, Field(strict=True, ge=1)]
    seconds: Annotated[int, Field(strict=True, ge=1)]


class CallingRule(BaseModel):
    """One calling rule: where it applies, the hours it allows, its holidays and its cap.

    ``hours`` maps a weekday (``"0"`` = Monday ... ``"6"``) to the allowed
    ``[start, end)`` wall-clock intervals, such as ``[["10:00", "13:00"],
    ["14:00", "20:00"]]``; ``24:00`` is allowed as an end.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: Annotated[str, Field(min_length=1)]
    regions: tuple[str, ...] = ()
    hours: dict[str, tuple[tuple[str, str], ...]] = Field(default_factory=dict)
    holidays: Literal[False, "country", "region"] = False
    cap: Cap | None = None
    #: Where the rule comes from (a statute and its date, for presets).
    source: str | None = None

    @field_validator("regions")
    @classmethod
    def _regions(cls, value: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        trusted = bool(info.context and info.context.get("preset"))
        for i, region in enumerate(value):
            parse_region(region, f"regions[{i}]", check_known=not trusted)
        return value

    @field_validator("hours")
    @classmethod
    def _hours(
        cls, value: dict[str, tuple[tuple[str, str], ...]]
    ) -> dict[str, tuple[tuple[str, str], ...]]:
        for key, intervals in value.items():
            if key not in _WEEKDAY_KEYS:
                raise ValueError(f"hours[{key!r}]: a weekday is '0' (Monday) to '6' (Sunday)")
            for i, (start, end) in enumerate(intervals):
                where = f"hours[{key!r}][{i}]"
                lo = _seconds(start, end=False, where=where)
                hi = _seconds(end, end=True, where=where)
                if lo >= hi:
                    raise ValueError(
                        f"{where}: start {start!r} must be before end {end!r} "
                        "(an interval lies within one day)"
                    )
        return value

    def day_intervals(self) -> DayIntervals:
        """The allowed hours as seconds after midnight, per weekday; None for all day."""
        return self._day_intervals

    @cached_property
    def _day_intervals(self) -> DayIntervals:
        days: list[tuple[tuple[int, int], ...] | None] = []
        for key in _WEEKDAY_KEYS:
            if key not in self.hours:
                days.append(None)
                continue
            pieces = sorted(
                (_seconds(a, end=False, where=""), _seconds(b, end=True, where=""))
                for a, b in self.hours[key]
            )
            merged: list[tuple[int, int]] = []
            for lo, hi in pieces:  # the union of overlapping or touching intervals
                if merged and lo <= merged[-1][1]:
                    merged[-1] = (merged[-1][0], max(merged[-1][1], hi))
                else:
                    merged.append((lo, hi))
            days.append(tuple(merged))
        return tuple(days)

    def hours_text(self, weekday: int) -> str:
        """``08:00-21:00`` (or ``10:00-13:00, 14:00-20:00``, ``all day``, ``no calls``)."""
        intervals = self.day_intervals()[weekday]
        if intervals is None:
            return "all day"
        if not intervals:
            return "no calls"
        return ", ".join(f"{clock_text(lo)}-{clock_text(hi)}" for lo, hi in intervals)


def applies(rule: CallingRule, region: str | None) -> bool:
    """Whether ``rule`` applies to a customer in ``region`` (None: unknown, so every rule).

    A rule applies when it has no regions, or one of its regions and the
    customer's are equal or one is the country of the other: ``US-FL``
    applies to ``US-FL`` and to a customer known only as ``US``; ``US``
    applies to ``US-FL``.
    """
    return not rule.regions or any(applies_to(ours, region) for ours in rule.regions)


def _preset(name: str, regions: tuple[str, ...], hours: dict[str, Any], **rest: Any) -> CallingRule:
    return CallingRule.model_validate(
        {"name": name, "regions": regions, "hours": hours, **rest}, context={"preset": True}
    )


def _every_day(start: str, end: str) -> dict[str, Any]:
    return {key: [[start, end]] for key in _WEEKDAY_KEYS}


#: The preset rules by name. Hours are local to the customer (0 = Monday).
PRESETS: dict[str, CallingRule] = {
    rule.name: rule
    for rule in (
        _preset(
            "US-TCPA",
            ("US",),
            _every_day("08:00", "21:00"),
            source="47 CFR 64.1200(c)(1): no telephone solicitation before 8 a.m. or after "
            "9 p.m. local time at the called party's location",
        ),
        _preset(
            "US-REGF",
            ("US",),
            _every_day("08:00", "21:00"),
            cap={"calls": 7, "seconds": 604_800},
            source="12 CFR 1006.6(b)(1) (8 a.m.-9 p.m. presumed convenient) and "
            "1006.14(b)(2) (more than 7 calls within 7 days presumed harassing), Regulation F",
        ),
        _preset(
            "US-FL",
            ("US-FL",),
            _every_day("08:00", "20:00"),
            cap={"calls": 3, "seconds": 86_400},
            source="Fla. Stat. 501.616(6) as amended 2021: 8 a.m.-8 p.m., at most 3 calls "
            "in 24 hours on the same subject",
        ),
        _preset(
            "US-OK",
            ("US-OK",),
            _every_day("08:00", "20:00"),
            cap={"calls": 3, "seconds": 86_400},
            source="15 O.S. 775C.4 (Oklahoma Telephone Solicitation Act, 2022): 8 a.m.-8 p.m., "
            "at most 3 calls in 24 hours",
        ),
        _preset(
            "US-MD",
            ("US-MD",),
            _every_day("08:00", "20:00"),
            cap={"calls": 3, "seconds": 86_400},
            source="Md. Com. Law 14-4503 (Stop the Spam Calls Act, 2024): 8 a.m.-8 p.m., "
            "at most 3 calls in 24 hours",
        ),
        _preset(
            "US-UT",
            ("US-UT",),
            {**_every_day("08:00", "21:00"), "6": []},
            holidays="region",
            source="Utah Code 13-25a-103: no calls on Sundays or legal holidays, "
            "nor before 8 a.m. or after 9 p.m.",
        ),
        _preset(
            "CA-CRTC",
            ("CA",),
            {
                **{key: [["09:00", "21:30"]] for key in ("0", "1", "2", "3", "4")},
                "5": [["10:00", "18:00"]],
                "6": [["10:00", "18:00"]],
            },
            source="CRTC Unsolicited Telecommunications Rules, Part III (Telemarketing "
            "Rules): weekdays 9 a.m.-9:30 p.m., weekends 10 a.m.-6 p.m.",
        ),
        _preset(
            "FR",
            ("FR",),
            {
                **{
                    key: [["10:00", "13:00"], ["14:00", "20:00"]]
                    for key in ("0", "1", "2", "3", "4")
                },
                "5": [],
                "6": [],
            },
            holidays="country",
            cap={"calls": 4, "seconds": 2_592_000},
            source="Code de la consommation D.223-9 (decree 2022-1313, from 2023-03-01): "
            "weekdays 10h-13h and 14h-20h, not on weekends or public holidays, at most "
            "4 calls in 30 days",
        ),
        _preset(
            "AU",
            ("AU",),
            {
                **{key: [["09:00", "20:00"]] for key in ("0", "1", "2", "3", "4")},
                "5": [["09:00", "17:00"]],
                "6": [],
            },
            holidays="country",
            source="Telemarketing and Research Calls Industry Standard 2017: weekdays "
            "9 a.m.-8 p.m., Saturday 9 a.m.-5 p.m., no Sundays or national public holidays",
        ),
    )
}


class HolidayDays(Container[int]):
    """The public holidays of a country (or one of its subdivisions), as local day numbers,
    from the ``holidays`` package, a year at a time as they are asked about.

    Safe to share across threads: a year's table is built whole and then stored.
    """

    def __init__(self, country: str, subdivision: str | None) -> None:
        self.country = country
        self.subdivision = subdivision
        self._years: dict[int, dict[int, str]] = {}
        self._lock = threading.Lock()

    def _year(self, year: int) -> dict[int, str]:
        found = self._years.get(year)
        if found is None:
            import holidays

            table = holidays.country_holidays(
                self.country, subdiv=self.subdivision, years=year, categories=("public",)
            )
            found = {day_number(day): str(name) for day, name in table.items() if day.year == year}
            with self._lock:
                found = self._years.setdefault(year, found)
        return found

    def __contains__(self, n: object) -> bool:
        if not isinstance(n, int):
            return False
        return n in self._year(date_of_day(n).year)

    def name(self, n: int) -> str | None:
        """The holiday's name on day number ``n``, or None."""
        return self._year(date_of_day(n).year).get(n)

    def describe(self) -> str:
        """``US-UT`` or ``FR``: whose holidays these are."""
        return self.country if self.subdivision is None else f"{self.country}-{self.subdivision}"


@lru_cache(maxsize=512)
def holiday_days(country: str, subdivision: str | None) -> HolidayDays | None:
    """The public holidays of ``country`` (and ``subdivision``), or None where the ``holidays``
    package knows none for it."""
    supported = _supported_holidays()
    if country not in supported:
        return None
    if subdivision is not None and subdivision not in supported[country]:
        subdivision = None  # the country's own holidays, which hold in all its parts
    return HolidayDays(country, subdivision)


def holidays_for(rule: CallingRule, region: str | None) -> HolidayDays | HolidaySet | None:
    """The holidays ``rule`` keeps free of calls for a customer in ``region``.

    ``"country"``: the public holidays of the country; ``"region"``: those of
    the more specific of the rule's and the customer's regions. Where several
    of the rule's regions may be the customer's (a customer known only as
    ``US`` under a rule for ``US-FL`` and ``US-UT``, or one whose region is
    unknown), the holidays of every one of them: the stricter answer.
    """
    if rule.holidays is False:
        return None
    candidates = [r for r in rule.regions if applies_to(r, region)]
    if region is not None and (not candidates or all(len(r) <= len(region) for r in candidates)):
        candidates = [region]  # the customer's region is the more specific
    found: list[HolidayDays] = []
    for specific in dict.fromkeys(candidates):
        country = country_of(specific)
        if rule.holidays == "country" or "-" not in specific:
            days = holiday_days(country, None)
        else:
            days = holiday_days(country, specific.split("-", 1)[1])
        if days is not None and days not in found:
            found.append(days)
    if not found:
        return None
    return found[0] if len(found) == 1 else HolidaySet(tuple(found))


class HolidaySet(Container[int]):
    """The holidays of several places at once: a day is free of calls if it is a holiday
    in any of them."""

    def __init__(self, parts: tuple[HolidayDays, ...]) -> None:
        self.parts = parts

    def __contains__(self, n: object) -> bool:
        return any(n in part for part in self.parts)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, HolidaySet) and self.parts == other.parts

    def __hash__(self) -> int:
        return hash(self.parts)

    def name(self, n: int) -> str | None:
        """The holiday's name on day number ``n`` (of the first place that has one), or None."""
        for part in self.parts:
            found = part.name(n)
            if found is not None:
                return found
        return None

    def describe(self) -> str:
        """``US-FL, US-UT``: whose holidays these are."""
        return ", ".join(part.describe() for part in self.parts)


def applies_to(rule_region: str, region: str | None) -> bool:
    """Whether a rule's region and a customer's overlap (equal, or one the other's country)."""
    if region is None:
        return True
    return (
        rule_region == region
        or rule_region == country_of(region)
        or country_of(rule_region) == region
    )


@lru_cache(maxsize=4096)
def _rule_calendar(
    zone: str, intervals: DayIntervals, holidays: HolidayDays | HolidaySet | None
) -> Calendar | None:
    if holidays is None and all(day is None for day in intervals):
        return None  # it allows every instant
    days = [((0, DAY),) if day is None else day for day in intervals]
    return Calendar(zone, [None] * 7, intervals=days, skip=holidays if holidays else ())


def rule_calendar(rule: CallingRule, zone: str, region: str | None) -> Calendar | None:
    """The instants ``rule`` allows on ``zone``'s clock for a customer in ``region``
    (its hours, less its holidays), or None when it allows every instant."""
    return _rule_calendar(zone, rule.day_intervals(), holidays_for(rule, region))


def resolve_rule(value: Any, where: str) -> CallingRule:
    """A rule from a preset name or a rule object; a clear error with a suggestion otherwise."""
    if isinstance(value, CallingRule):
        return value
    if isinstance(value, str):
        preset = PRESETS.get(value)
        if preset is not None:
            return preset
        close = difflib.get_close_matches(value, list(PRESETS), n=1, cutoff=0.5)
        folded = {name.casefold(): name for name in PRESETS}.get(value.casefold())
        hint = f"; did you mean {(folded or close[0])!r}?" if folded or close else ""
        raise ValueError(
            f"{where}: unknown preset {value!r}{hint} (presets: {', '.join(PRESETS)}; "
            "or give a rule object with a name)"
        )
    if isinstance(value, dict):
        try:
            return CallingRule.model_validate(value)
        except ValidationError as error:
            problems = "; ".join(
                f"{where}{''.join(f'.{part}' for part in e['loc'])}: "
                + e["msg"].removeprefix("Value error, ")
                for e in error.errors()
            )
            raise ValueError(problems) from None
    raise ValueError(
        f"{where}: a rule is a preset name (such as 'US-TCPA') or an object with a name, "
        f"got {value!r}"
    )
