"""Exports that stream: every attempt written as it is planned, as CSV or JSON Lines.

A million customers' plan does not fit in a terminal, and need not fit in
memory either: ``write_rows`` runs ``plan`` with a sink and writes each row
as soon as its attempt is planned, then the expired attempts. The rows have
the keys of ``Attempt.as_dict`` (``phone``, ``attemptNumber``, ``start``,
``end``, ``localStart``, ``due``, ``outcome``, ``reason``), instants as ISO
8601 text.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import IO, Any

from scheduler.outcomes import OutcomeSource
from scheduler.plan import PlannedCall, Timeline, plan
from scheduler.reasons import ReasonContext
from scheduler.spec import Campaign
from scheduler.times import HH_MM, SS, date_of_day, iso_utc

__all__ = ["COLUMNS", "write_rows"]

#: The CSV header: ``kind`` is ``attempt`` or ``expired``.
COLUMNS = (
    "kind",
    "phone",
    "attemptNumber",
    "start",
    "end",
    "localStart",
    "outcome",
    "due",
    "reason",
)


class _MinuteText(dict[int, str]):
    """``2026-03-09T13:00:`` by minutes since 1970-01-01 00:00, each made once when first
    asked for: the ISO 8601 text of an instant is its minute's text and two digits of
    seconds. Bounded: a plan's instants come in runs, so a fresh memo refills quickly."""

    __slots__ = ()

    def __missing__(self, minute: int) -> str:
        if len(self) >= _MINUTES_KEPT:
            self.clear()
        day, clock = divmod(minute, 24 * 60)
        text = self[minute] = f"{date_of_day(day).isoformat()}T{HH_MM[clock]}:"
        return text


# How many minutes' text an export remembers (some 400 kB).
_MINUTES_KEPT = 4096


def _offset_text(offset: int) -> str:
    """``-04:00`` of a UTC offset in seconds (``+00:19:32`` when it has seconds), as
    ``datetime.isoformat`` writes it."""
    sign = "-" if offset < 0 else "+"
    hours, rest = divmod(abs(offset), 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{sign}{hours:02d}:{minutes:02d}" + (f":{seconds:02d}" if seconds else "")


def _first(limit: int, sink: Callable[[PlannedCall], None]) -> Callable[[PlannedCall], None]:
    """``sink`` for the first ``limit`` calls, then nothing."""
    left = limit

    def first(call: PlannedCall) -> None:
        nonlocal left
        if left:
            left -= 1
            sink(call)

    return first


def write_rows(
    out: IO[str],
    campaign: Campaign,
    *,
    now: datetime | str,
    outcomes: OutcomeSource | None = None,
    history: Mapping[str, Iterable[datetime | str]] | None = None,
    form: str = "csv",
    limit: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> Timeline:
    """Plan ``campaign`` and write every attempt to ``out`` as it is planned (``form`` is
    ``"csv"`` or ``"jsonl"``; only the first ``limit`` when given), then the expired
    attempts. Returns the timeline, which keeps no attempts."""
    if form not in ("csv", "jsonl"):
        raise ValueError(f"form: 'csv' or 'jsonl', got {form!r}")
    minutes = _MinuteText()
    write = out.write
    # The stretch of one UTC offset around the last start, on the last start's clock.
    last: ReasonContext | None = None
    lo = hi = offset = 0
    suffix = ""

    def utc(ts: int) -> str:
        minute = ts // 60
        return f"{minutes[minute]}{SS[ts - minute * 60]}Z"

    def local(ts: int, context: ReasonContext) -> str:
        nonlocal last, lo, hi, offset, suffix
        if context is not last or not lo <= ts < hi:
            lo, hi, offset = context.stretch(ts)
            suffix = _offset_text(offset)
            last = context
        wall = ts + offset
        minute = wall // 60
        return f"{minutes[minute]}{SS[wall - minute * 60]}{suffix}"

    if form == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(COLUMNS)
        row = writer.writerow

        def sink(call: PlannedCall) -> None:
            phone, number, start, end, due, why, outcome, before, before_end, context, _, cap = call
            reason = context.sentence(number, why, start, due, before, before_end, cap)
            # Quoted as the csv module quotes it.
            if '"' in reason:
                reason, quote = reason.replace('"', '""'), '"'
            else:
                quote = '"' if "," in reason or "\n" in reason or "\r" in reason else ""
            # The line as the csv module would write it, built directly: a million of them.
            # Phones (E.164) and outcomes (the vocabulary) never need quoting. The UTC
            # instants are utc(), inlined.
            m_start, m_end, m_due = start // 60, end // 60, due // 60
            write(
                f"attempt,{phone},{number},{minutes[m_start]}{SS[start - m_start * 60]}Z,"
                f"{minutes[m_end]}{SS[end - m_end * 60]}Z,{local(start, context)},{outcome},"
                f"{minutes[m_due]}{SS[due - m_due * 60]}Z,{quote}{reason}{quote}\n"
            )

    else:
        dumps = json.JSONEncoder(ensure_ascii=False).encode

        def sink(call: PlannedCall) -> None:
            record: dict[str, Any] = {
                "phone": call.phone,
                "attemptNumber": call.number,
                "start": utc(call.start_ts),
                "end": utc(call.end_ts),
                "localStart": local(call.start_ts, call.context),
                "due": utc(call.due_ts),
                "outcome": call.outcome,
                "reason": call.reason,
            }
            if call.callee is not None:  # the keys of Attempt.as_dict
                record["zones"] = list(call.callee.zones)
                record["region"] = call.callee.region
            write(dumps(record) + "\n")

    timeline = plan(
        campaign,
        now=now,
        outcomes=outcomes,
        history=history,
        on_attempt=sink if limit is None else _first(limit, sink),
        progress=progress,
    )
    for expired in timeline.expired:
        if form == "csv":
            row(
                (
                    "expired",
                    expired.phone,
                    expired.number,
                    "",
                    "",
                    "",
                    "",
                    iso_utc(expired.due),
                    expired.reason,
                )
            )
        else:
            write(json.dumps({"kind": "expired", **expired.as_dict()}, ensure_ascii=False) + "\n")
    return timeline
