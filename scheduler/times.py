"""Instants at the library's edge: aware datetimes or ISO 8601 text in, epoch seconds inside.

Inside, every instant is an integer count of epoch seconds (UTC); datetimes
and text appear only where a user passes or reads one. Each conversion is
written here once, so ``now``, ``ended_at`` and every instant the library
prints follow the same rules.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

__all__ = [
    "DAY",
    "FIRST_SECOND",
    "HH_MM",
    "LAST_SECOND",
    "SS",
    "check_now",
    "clock_text",
    "date_of_day",
    "day_number",
    "epoch_seconds",
    "from_epoch",
    "iso_utc",
    "parse_instant",
]

DAY = 86_400
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_SECOND = timedelta(seconds=1)
# Plans and engines run from a `now` in this range, far enough from datetime's
# year-1 and year-9999 limits that every window and retry stays representable.
_FIRST_NOW = datetime(1900, 1, 1, tzinfo=UTC)
_LAST_NOW = datetime(9000, 1, 1, tzinfo=UTC)
#: The same range in epoch seconds: ``FIRST_SECOND <= ts < LAST_SECOND``.
FIRST_SECOND = (_FIRST_NOW - _EPOCH) // _SECOND
LAST_SECOND = (_LAST_NOW - _EPOCH) // _SECOND
#: ``"HH:MM"`` of every minute of a day, for times formatted by the hundred thousand.
HH_MM = tuple(f"{m // 60:02d}:{m % 60:02d}" for m in range(24 * 60))
#: ``"SS"`` of every second of a minute.
SS = tuple(f"{s:02d}" for s in range(60))


def parse_instant(value: object, name: str) -> datetime:
    """An aware datetime from ``value``: an aware datetime, or ISO 8601 text with an offset.

    >>> parse_instant("2026-03-09T13:00:20Z", "ended_at")
    datetime.datetime(2026, 3, 9, 13, 0, 20, tzinfo=datetime.timezone.utc)

    Anything else raises: ``TypeError`` for another kind of value,
    ``ValueError`` for naive or unreadable text, both naming ``name``.
    """
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise ValueError(
                f"{name} must be an ISO 8601 instant with an offset, such as "
                f"'2026-03-09T13:00:00Z', got {value!r}"
            ) from None
        if parsed.utcoffset() is None:
            raise ValueError(
                f"{name} must carry an offset ('Z' or '+01:00'), got {value!r}: "
                "a time without one names no instant"
            )
        return parsed
    if isinstance(value, datetime):
        if value.utcoffset() is None:
            raise ValueError(
                f"{name} must be a timezone-aware datetime (such as "
                f"datetime(2026, 3, 8, 9, 0, tzinfo=UTC)), got naive {value.isoformat()}"
            )
        return value
    raise TypeError(
        f"{name} must be an aware datetime or an ISO 8601 string with an offset, got {value!r}"
    )


def epoch_seconds(t: datetime, name: str = "t") -> int:
    """Whole epoch seconds of aware datetime ``t``, rounded down."""
    if t.tzinfo is None or t.utcoffset() is None:
        raise ValueError(
            f"{name} must be a timezone-aware datetime (such as "
            f"datetime(2026, 3, 8, 9, 0, tzinfo=UTC)), got naive {t.isoformat()}"
        )
    return (t - _EPOCH) // _SECOND


def check_now(value: object, name: str = "now") -> int:
    """Epoch seconds of ``value``, rounded up: calls start on whole seconds, never before it.

    ``value`` is an aware datetime or ISO 8601 text with an offset, between
    1900 and 9000.
    """
    now = parse_instant(value, name)
    if not _FIRST_NOW <= now < _LAST_NOW:
        raise ValueError(
            f"{name} must be between 1900-01-01 and 9000-01-01 UTC, got {now.isoformat()}"
        )
    return epoch_seconds(now, name) + (1 if now.microsecond else 0)


def iso_utc(t: datetime) -> str:
    """ISO 8601 text of an aware instant in UTC, ``Z`` for the offset: ``2026-03-08T07:00:00Z``."""
    return t.astimezone(UTC).isoformat().replace("+00:00", "Z")


def from_epoch(ts: int) -> datetime:
    """Aware UTC datetime of epoch second ``ts``."""
    if ts >= 0:
        return datetime.fromtimestamp(ts, UTC)  # the fast way, where every platform has it
    return _EPOCH + timedelta(seconds=ts)


def day_number(day: date) -> int:
    """Days since 1970-01-01 of a local date."""
    return day.toordinal() - _EPOCH_ORDINAL


def date_of_day(n: int) -> date:
    """The local date of day number ``n`` (days since 1970-01-01)."""
    return date.fromordinal(n + _EPOCH_ORDINAL)


def clock_text(seconds: int) -> str:
    """Seconds after midnight as ``HH:MM``, or ``HH:MM:SS`` when the seconds are not zero;
    86400 is ``24:00``."""
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours:02d}:{minutes:02d}" + (f":{secs:02d}" if secs else "")
