"""The campaign spec: pydantic models of the campaign-create body, and their validation.

The body is camelCase JSON (``startTime``, ``activeDays``, ...); the
snake_case names are accepted too. A saved campaign from the API's response
(with ``id``, ``status``, ``createdAt``, ...) validates as well, so it can be
planned again. Fields the API may add later are kept, never rejected, and
listed in ``Campaign.warnings``.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Sequence
from datetime import date
from functools import cached_property, lru_cache
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.alias_generators import to_camel

from scheduler.rules import CallingRule, parse_region
from scheduler.rules import resolve_rule as rule_of
from scheduler.times import DAY, day_number
from scheduler.tz import UnknownTimeZone, check_zone_key
from scheduler.windows import Calendar, DayRule

__all__ = [
    "DEFAULT_RETRY_CONDITIONS",
    "FAILURE_OUTCOMES",
    "OUTCOMES",
    "Campaign",
    "Customer",
    "DateRange",
    "DaySchedule",
    "RetryCondition",
    "check_phone",
    "field_path",
    "parse_clock",
]

RetryCondition = Literal[
    "Rejected",
    "Unreachable",
    "Busy",
    "No Answer",
    "Network Error",
    "Invalid",
    "Timeout",
    "Cancelled",
    "Resource Unavailable",
    "Service Unavailable",
    "Protocol Error",
    "Unspecified",
    "voicemail",
    "exceeded-max-duration",
]
FAILURE_OUTCOMES: tuple[str, ...] = RetryCondition.__args__  # type: ignore[attr-defined]
#: Every outcome an attempt can end with: success, a failure category, or api_error.
OUTCOMES: tuple[str, ...] = ("success", *FAILURE_OUTCOMES, "api_error")

DEFAULT_RETRY_CONDITIONS: tuple[RetryCondition, ...] = (
    "No Answer",
    "Busy",
    "Timeout",
    "Unreachable",
    "Network Error",
    "Resource Unavailable",
    "Service Unavailable",
    "voicemail",
)

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

# ASCII digits only, and the whole string: "09:00\n" or Arabic-Indic digits are not times.
_CLOCK = re.compile(r"([0-9]{2}):([0-9]{2})(?::([0-9]{2}))?")
_E164 = re.compile(r"\+[1-9][0-9]{7,14}")


def parse_clock(value: str, *, end: bool) -> int:
    """Seconds after midnight of ``HH:MM`` or ``HH:MM:SS``; ``24:00`` only as an end."""
    match = _CLOCK.fullmatch(value)
    if match is None:
        raise ValueError(f"time must be HH:MM or HH:MM:SS, got {value!r}")
    hours, minutes, seconds = (int(part) if part else 0 for part in match.groups())
    if hours == 24 and minutes == 0 and seconds == 0:
        if not end:
            raise ValueError(f"24:00 is allowed only as an end time, got start {value!r}")
        return DAY
    if hours > 23 or minutes > 59 or seconds > 59:
        raise ValueError(
            f"time out of range, got {value!r}: hours 00-23 (or 24:00 as an end), "
            "minutes and seconds 00-59"
        )
    return hours * 3600 + minutes * 60 + seconds


def field_path(loc: Sequence[int | str]) -> str:
    """A validation error's location as the spec names the field: ``customers[2].phoneNumber``,
    ``daySchedules['7'].startTime``; empty for the spec as a whole."""
    out = ""
    for part in loc:
        if part == "[key]":  # pydantic's mark of a bad dict key; the key is already in the path
            continue
        if isinstance(part, int):
            out += f"[{part}]"
        elif out and loc[0] == "daySchedules" and part.isdigit():
            out += f"[{part!r}]"
        else:
            out += f".{part}" if out else part
    return out


def check_phone(value: str) -> str:
    """Return ``value`` if it is an E.164 number, else a ``ValueError`` saying what is allowed."""
    if not _E164.fullmatch(value):
        raise ValueError(
            f"phone number must be E.164: '+' then 8 to 15 digits, the first not 0 "
            f"(such as '+14155559001'), got {value!r}"
        )
    return value


class _GivenTwice:
    """Stands for a field given in both spellings, until its validator reports it."""

    __slots__ = ("alias", "name")

    def __init__(self, alias: str, name: str) -> None:
        self.alias = alias
        self.name = name


class _Model(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        frozen=True,
        extra="allow",
    )

    @model_validator(mode="before")
    @classmethod
    def _one_spelling(cls, data: Any) -> Any:
        # Both spellings of one field would make one of them win silently. Mark the
        # field, so that the error is raised by the field itself and located there.
        if isinstance(data, dict):
            for name, field in cls.model_fields.items():
                alias = field.alias
                if alias and alias != name and name in data and alias in data:
                    data = {k: v for k, v in data.items() if k != name}
                    data[alias] = _GivenTwice(alias, name)
        return data

    @field_validator("*", mode="before")
    @classmethod
    def _not_twice(cls, value: Any) -> Any:
        if isinstance(value, _GivenTwice):
            raise ValueError(
                f"{value.alias} is given twice, as {value.alias!r} and as {value.name!r}; "
                "give it once"
            )
        return value


def _check_window(start: str | None, end: str | None) -> None:
    if (
        start is not None
        and end is not None
        and parse_clock(start, end=False) == parse_clock(end, end=True)
    ):
        raise ValueError(
            f"start {start!r} and end {end!r} are the same time: the window would be empty "
            "(write 00:00-24:00 for all day)"
        )


class DaySchedule(_Model):
    """The window of one weekday, overriding the campaign's ``startTime``/``endTime``.

    A field left out falls back to the campaign's own.
    """

    start_time: str | None = None
    end_time: str | None = None

    @field_validator("start_time")
    @classmethod
    def _start(cls, value: str | None) -> str | None:
        if value is not None:
            parse_clock(value, end=False)
        return value

    @field_validator("end_time")
    @classmethod
    def _end(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None:
            parse_clock(value, end=True)
            _check_window(info.data.get("start_time"), value)
        return value


def _suggest(name: str, model: type[BaseModel]) -> str:
    """``; did you mean 'timezone'?`` for a field name close to one of ``model``'s."""
    known: dict[str, str] = {}
    for field_name, field in model.model_fields.items():
        spelling = field.alias or field_name
        known[field_name.casefold()] = spelling
        known[spelling.casefold()] = spelling
        known[field_name.replace("_", "").casefold()] = spelling
    folded = name.replace("_", "").replace("-", "").casefold()
    if folded in known:
        return f"; did you mean {known[folded]!r}?"
    close = difflib.get_close_matches(folded, list(known), n=1, cutoff=0.75)
    return f"; did you mean {known[close[0]]!r}?" if close else ""


def _zone_key(value: str) -> str:
    try:
        return check_zone_key(value)
    except UnknownTimeZone as error:
        raise ValueError(str(error)) from None


class Customer(_Model):
    """One person to call, identified by phone number; ``properties`` travel along.

    ``timezone`` is the customer's own IANA zone (else the zones of the
    number): with ``recipientLocalTime`` the campaign's window is read on
    that clock, and calling rules always are. ``region`` says which rules
    apply (else the number's country, state or province).
    """

    phone_number: Annotated[
        str, AfterValidator(check_phone), Field(json_schema_extra={"pattern": f"^{_E164.pattern}$"})
    ]
    properties: dict[str, Any] = Field(default_factory=dict)
    timezone: Annotated[str, AfterValidator(_zone_key)] | None = None
    #: ISO 3166 country or subdivision (``US``, ``US-FL``, ``CA-ON``), for calling rules.
    region: Annotated[str, AfterValidator(parse_region)] | None = None


def _range_schema(low: int, high: int | None) -> Any:
    bounds: dict[str, int] = {"minimum": low}
    if high is not None:
        bounds["maximum"] = high
    return Field(strict=True, json_schema_extra=bounds)  # type: ignore[arg-type]


def _in_range(low: int, high: int | None) -> AfterValidator:
    allowed = f"{low} to {high}" if high is not None else f"{low} or more"

    def check(value: int) -> int:
        if value < low or (high is not None and value > high):
            raise ValueError(f"must be {allowed}, got {value}")
        return value

    return AfterValidator(check)


def _weekday(value: int) -> int:
    if not 0 <= value <= 6:
        raise ValueError(f"day must be 0 (Monday) to 6 (Sunday), got {value}")
    return value


def _day_key(value: str) -> str:
    if value not in {"0", "1", "2", "3", "4", "5", "6"}:
        raise ValueError(
            f"daySchedules[{value!r}]: day must be 0 (Monday) to 6 (Sunday), got {value!r}"
        )
    return value


class DateRange(_Model):
    """The local days from ``start`` to ``end``, both included."""

    start: date
    end: date

    @field_validator("end")
    @classmethod
    def _end(cls, value: date, info: ValidationInfo) -> date:
        start = info.data.get("start")
        if start is not None and value < start:
            raise ValueError(
                f"end {value.isoformat()} is before start {start.isoformat()}; "
                "a range runs from start to end, both included"
            )
        return value


@lru_cache(maxsize=1024)
def _calendar(
    zone: str,
    rules: tuple[DayRule, ...],
    first: date | None,
    last: date | None,
    blackout: frozenset[int],
) -> Calendar:
    # Shared by equal specs: a calendar caches only what these inputs determine.
    return Calendar(zone, rules, first, last, skip=blackout)


def _blackout_dates(value: Any) -> Any:
    if not isinstance(value, list | tuple):
        return value  # pydantic reports the type
    days: list[date | DateRange] = []
    for i, item in enumerate(value):
        where = f"blackoutDates[{i}]"
        if isinstance(item, dict):
            try:
                days.append(DateRange.model_validate(item))
            except ValidationError as error:
                raise ValueError(
                    f"{where}: {error.errors()[0]['msg'].removeprefix('Value error, ')}"
                ) from None
            continue
        try:
            days.append(date.fromisoformat(item) if isinstance(item, str) else item)
        except ValueError:
            raise ValueError(
                f'{where}: a day is \'YYYY-MM-DD\' or {{"start": ..., "end": ...}}, got {item!r}'
            ) from None
    return tuple(days)


def _calling_rules(value: Any) -> Any:
    if not isinstance(value, list | tuple):
        return value  # pydantic reports the type
    rules = [rule_of(item, f"callingRules[{i}]") for i, item in enumerate(value)]
    seen: set[str] = set()
    for rule in rules:
        if rule.name in seen:
            raise ValueError(f"rule name {rule.name!r} is given twice; give each rule its own")
        seen.add(rule.name)
    return tuple(rules)


_Strict = Field(strict=True)
_Phone = Annotated[
    str, AfterValidator(check_phone), Field(json_schema_extra={"pattern": f"^{_E164.pattern}$"})
]
_Clock = Annotated[str, Field(json_schema_extra={"pattern": r"^\d{2}:\d{2}(:\d{2})?$"})]


class Campaign(_Model):
    """A campaign as the API's create body describes it (or as its response returns it).

    >>> c = Campaign.model_validate({"name": "Q1", "timezone": "Europe/Prague",
    ...                              "startTime": "09:00", "endTime": "17:00"})
    >>> c.call_retries, c.max_concurrency, c.scheduling_mode
    (0, 5, 'even')
    """

    name: str
    assistant_id: str | None = None
    assistant_name: str | None = None
    description: str | None = None
    start_date: date | None = None
    end_date: date | None = None
    start_time: _Clock | None = None
    end_time: _Clock | None = None
    timezone: str = "UTC"
    active_days: tuple[Annotated[int, _Strict, AfterValidator(_weekday)], ...] = tuple(range(7))
    day_schedules: dict[Annotated[str, AfterValidator(_day_key)], DaySchedule] = Field(
        default_factory=dict
    )
    phone_number: _Phone | None = None
    call_retries: Annotated[int, _range_schema(0, 10), _in_range(0, 10)] = 0
    retry_delay_seconds: Annotated[int, _range_schema(0, 86_400), _in_range(0, 86_400)] = 300
    retry_delay_mode: Literal["fixed", "next_day"] = "fixed"
    retry_conditions: tuple[RetryCondition, ...] = DEFAULT_RETRY_CONDITIONS
    scheduling_mode: Literal["even", "asap"] = "even"
    # At most a day between two call starts: a longer interval would let a
    # campaign place one call a month and report the rest as expired.
    call_interval_seconds: Annotated[int, _range_schema(0, 86_400), _in_range(0, 86_400)] = 30
    max_concurrency: Annotated[int, _range_schema(1, None), _in_range(1, None)] = 5
    webhook_url: str | None = None
    #: Local days with no window: ``"2026-12-24"`` or ``{"start": ..., "end": ...}``.
    blackout_dates: Annotated[tuple[date | DateRange, ...], BeforeValidator(_blackout_dates)] = ()
    #: Calling rules: preset names (``"US-TCPA"``) or rule objects, read on the customer's clock.
    calling_rules: Annotated[tuple[CallingRule, ...], BeforeValidator(_calling_rules)] = ()
    #: Read the campaign's window on each customer's own clock (``customers[].timezone``).
    recipient_local_time: Annotated[bool, _Strict] = False
    customers: tuple[Customer, ...] = ()
    phone_list: tuple[_Phone, ...] = ()
    # Fields of a saved campaign (the API's response); carried, not used.
    id: str | None = None
    workspace_id: str | None = None
    phone_number_id: str | None = None
    status: str | None = None
    created_at: str | None = None
    updated_at: str | None = None
    call_ids: tuple[Any, ...] = ()
    room_names: tuple[Any, ...] = ()
    events: tuple[Any, ...] = ()
    version: str | None = None

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not value.strip():
            raise ValueError(f"name must not be empty, got {value!r}")
        return value

    @field_validator("start_time")
    @classmethod
    def _start_time(cls, value: str | None) -> str | None:
        if value is not None:
            parse_clock(value, end=False)
        return value

    @field_validator("end_time")
    @classmethod
    def _end_time(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None:
            parse_clock(value, end=True)
            if "start_time" in info.data:  # else startTime is invalid, and reported already
                # A missing startTime means 00:00, so endTime 00:00 alone is empty too.
                _check_window(info.data["start_time"] or "00:00", value)
        return value

    @field_validator("end_date")
    @classmethod
    def _end_date(cls, value: date | None, info: ValidationInfo) -> date | None:
        start = info.data.get("start_date")
        if value is not None and start is not None and value < start:
            raise ValueError(
                f"endDate {value.isoformat()} is before startDate {start.isoformat()}; "
                "endDate must be on or after startDate"
            )
        return value

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        return _zone_key(value)

    @field_validator("active_days")
    @classmethod
    def _active_days(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        for i, day in enumerate(value):
            if day in value[:i]:
                raise ValueError(f"day {day} ({WEEKDAYS[day]}) is listed twice")
        return value

    @field_validator("day_schedules")
    @classmethod
    def _day_schedules(
        cls, value: dict[str, DaySchedule], info: ValidationInfo
    ) -> dict[str, DaySchedule]:
        if "start_time" not in info.data or "end_time" not in info.data:
            return value  # a global time is invalid and reported; no fallback to judge by
        active = info.data.get("active_days", ())
        empty = []
        for key, schedule in sorted(value.items()):
            if int(key) not in active:
                continue  # never used: a warning (see warnings), not an error
            # A field left out falls back to the campaign's, which may leave the day empty.
            start = schedule.start_time or info.data["start_time"] or "00:00"
            end = schedule.end_time or info.data["end_time"] or "24:00"
            try:
                _check_window(start, end)
            except ValueError as error:
                empty.append(f"daySchedules[{key!r}]: {error}")
        if empty:
            raise ValueError("; ".join(empty))
        return value

    @property
    def warnings(self) -> tuple[str, ...]:
        """What is suspicious but valid in the spec, one sentence each."""
        warnings: list[str] = []
        active = set(self.active_days)
        if not self.active_days:
            warnings.append("activeDays is empty: the campaign has no calling window at all")
        for key in sorted(self.day_schedules):
            if int(key) not in active:
                warnings.append(
                    f"daySchedules[{key!r}] is set but {WEEKDAYS[int(key)]} is not in "
                    "activeDays, so that day has no window"
                )
        phones = self.phones_in_order()
        counts = Counter(phones)
        if len(counts) != len(phones):  # a number listed twice (a million listed once is quick)
            warnings.extend(
                f"{phone} is listed {count} times; it is called once"
                for phone, count in counts.items()
                if count > 1
            )
        if len(set(self.retry_conditions)) != len(self.retry_conditions):
            warnings.append("retryConditions lists an outcome more than once")
        unknown = [
            (f"{name!r}", _suggest(name, Campaign)) for name in sorted(self.model_extra or {})
        ]
        for key, schedule in sorted(self.day_schedules.items()):
            unknown += [
                (f"'daySchedules[{key!r}].{name}'", _suggest(name, DaySchedule))
                for name in sorted(schedule.model_extra or {})
            ]
        for i, customer in enumerate(self.customers):
            unknown += [
                (f"'customers[{i}].{name}'", _suggest(name, Customer))
                for name in sorted(customer.model_extra or {})
            ]
        warnings.extend(
            f"unknown field {name} is kept but not used{hint}" for name, hint in unknown
        )
        # An end before the start is an overnight window: right for a night shift, a
        # surprise for someone who swapped the two.
        times = [("", self.start_time, self.end_time)] + [
            (f"daySchedules[{key!r}].", schedule.start_time, schedule.end_time)
            for key, schedule in sorted(self.day_schedules.items())
        ]
        for where, start, end in times:
            if (
                start is not None
                and end is not None
                and end not in ("00:00", "00:00:00")
                and parse_clock(end, end=True) < parse_clock(start, end=False)
            ):
                warnings.append(
                    f"{where}startTime {start} is after {where}endTime {end}: an overnight "
                    f"window from {start} to {end} the next morning"
                )
        return tuple(warnings)

    # -- derived views --------------------------------------------------------

    def phones_in_order(self) -> list[str]:
        """Every listed number, ``customers`` first then ``phoneList``, duplicates included."""
        return [c.phone_number for c in self.customers] + list(self.phone_list)

    def unique_phones(self) -> list[str]:
        """The numbers to call, each once, in the order first listed."""
        return list(dict.fromkeys(self.phones_in_order()))

    def day_rule(self, weekday: int) -> DayRule:
        """The window of ``weekday`` (0 = Monday) as seconds after local midnight, or None."""
        if weekday not in self.active_days:
            return None
        schedule = self.day_schedules.get(str(weekday))
        start_text = (schedule.start_time if schedule else None) or self.start_time or "00:00"
        end_text = (schedule.end_time if schedule else None) or self.end_time or "24:00"
        start = parse_clock(start_text, end=False)
        end = parse_clock(end_text, end=True)
        if end <= start:  # overnight: it ends on the next day
            end += DAY
        return (start, end)

    @cached_property
    def _day_rules(self) -> tuple[DayRule, ...]:
        return tuple(self.day_rule(weekday) for weekday in range(7))

    def calendar(self, zone: str | None = None) -> Calendar:
        """The campaign's calling windows: ``next_open``, ``contains`` and ``windows``.

        With ``zone``, the same days and hours read on that zone's clock (how
        ``recipientLocalTime`` calls a customer on their own clock).
        """
        return _calendar(
            self.timezone if zone is None else zone,
            self._day_rules,
            self.start_date,
            self.end_date,
            self._blackout_days,
        )

    @cached_property
    def _blackout_days(self) -> frozenset[int]:
        days: set[int] = set()
        for item in self.blackout_dates:
            if isinstance(item, DateRange):
                days.update(range(day_number(item.start), day_number(item.end) + 1))
            else:
                days.add(day_number(item))
        return frozenset(days)

    @property
    def uses_callee_rules(self) -> bool:
        """Whether any customer may be called on a clock or under rules of its own."""
        return self.recipient_local_time or bool(self.calling_rules)
