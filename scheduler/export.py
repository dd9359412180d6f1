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
from datetime import date, datetime
from typing import IO, Any

from scheduler.outcomes import OutcomeSource
from scheduler.plan import PlannedCall, Timeline, plan
from scheduler.spec import Campaign
from scheduler.times import DAY, iso_utc

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

_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_HH_MM_SS = [f"{h:02d}:{m:02d}" for h in range(24) for m in range(60)]


class _Clock:
    """ISO 8601 text of epoch seconds, fast: the date part is looked up once per day."""

    __slots__ = ("_dates", "_offsets")

    def __init__(self) -> None:
        self._dates: dict[int, str] = {}
        self._offsets: dict[int, str] = {}

    def _date(self, day: int) -> str:
        text = self._dates.get(day)
        if text is None:
            text = self._dates[day] = date.fromordinal(day + _EPOCH_ORDINAL).isoformat()
        return text

    def utc(self, ts: int) -> str:
        """``2026-03-09T13:00:20Z``."""
        day, clock = divmod(ts, DAY)
        return f"{self._date(day)}T{_HH_MM_SS[clock // 60]}:{clock % 60:02d}Z"

    def local(self, ts: int, offset: int) -> str:
        """``2026-03-09T09:00:20-04:00``: the wall clock at ``offset`` seconds from UTC."""
        text = self._offsets.get(offset)
        if text is None:
            sign = "-" if offset < 0 else "+"
            hours, rest = divmod(abs(offset), 3600)
            minutes, seconds = divmod(rest, 60)
            text = f"{sign}{hours:02d}:{minutes:02d}" + (f":{seconds:02d}" if seconds else "")
            self._offsets[offset] = text
        day, clock = divmod(ts + offset, DAY)
        return f"{self._date(day)}T{_HH_MM_SS[clock // 60]}:{clock % 60:02d}{text}"


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
    clock = _Clock()
    write = out.write
    written = [0]
    if form == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(COLUMNS)
        row = writer.writerow

        def sink(call: PlannedCall) -> None:
            if written[0] == limit:
                return
            written[0] += 1
            offset = call.context.offset_at(call.start_ts)
            row(
                (
                    "attempt",
                    call.phone,
                    call.number,
                    clock.utc(call.start_ts),
                    clock.utc(call.end_ts),
                    clock.local(call.start_ts, offset),
                    call.outcome,
                    clock.utc(call.due_ts),
                    call.reason,
                )
            )

    else:
        dumps = json.JSONEncoder(ensure_ascii=False).encode

        def sink(call: PlannedCall) -> None:
            if written[0] == limit:
                return
            written[0] += 1
            offset = call.context.offset_at(call.start_ts)
            record: dict[str, Any] = {
                "phone": call.phone,
                "attemptNumber": call.number,
                "start": clock.utc(call.start_ts),
                "end": clock.utc(call.end_ts),
                "localStart": clock.local(call.start_ts, offset),
                "due": clock.utc(call.due_ts),
                "outcome": call.outcome,
                "reason": call.reason,
            }
            write(dumps(record) + "\n")

    timeline = plan(
        campaign, now=now, outcomes=outcomes, history=history, on_attempt=sink, progress=progress
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
