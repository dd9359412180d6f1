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
from scheduler.spec import Campaign
from scheduler.times import HH_MM, date_of_day, iso_utc

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


class _Clock:
    """ISO 8601 text of epoch seconds, fast: each minute's text is made once."""

    __slots__ = ("_local", "_offsets", "_utc")

    def __init__(self) -> None:
        self._utc: dict[int, str] = {}
        self._local: dict[tuple[int, int], str] = {}
        self._offsets: dict[int, str] = {}

    def utc(self, ts: int) -> str:
        """``2026-03-09T13:00:20Z``."""
        minute, second = divmod(ts, 60)
        head = self._utc.get(minute)
        if head is None:
            head = self._utc[minute] = _minute_text(minute)
        return f"{head}{second:02d}Z"

    def local(self, ts: int, offset: int) -> str:
        """``2026-03-09T09:00:20-04:00``: the wall clock at ``offset`` seconds from UTC."""
        minute, second = divmod(ts + offset, 60)
        key = (minute, offset)
        head = self._local.get(key)
        if head is None:
            head = self._local[key] = _minute_text(minute)
        suffix = self._offsets.get(offset)
        if suffix is None:
            sign = "-" if offset < 0 else "+"
            hours, rest = divmod(abs(offset), 3600)
            minutes, seconds = divmod(rest, 60)
            suffix = f"{sign}{hours:02d}:{minutes:02d}" + (f":{seconds:02d}" if seconds else "")
            self._offsets[offset] = suffix
        return f"{head}{second:02d}{suffix}"


def _minute_text(minute: int) -> str:
    """``2026-03-09T13:00:`` of the minute ``minute`` minutes after 1970-01-01 00:00."""
    day, clock = divmod(minute, 24 * 60)
    return f"{date_of_day(day).isoformat()}T{HH_MM[clock]}:"


def _csv_field(text: str) -> str:
    """A CSV field as the csv module writes it (quoted when it must be)."""
    if "," in text or '"' in text or "\n" in text or "\r" in text:
        return '"' + text.replace('"', '""') + '"'
    return text


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

        utc, local = clock.utc, clock.local

        def sink(call: PlannedCall) -> None:
            if written[0] == limit:
                return
            written[0] += 1
            start = call.start_ts
            # The line as the csv module would write it, built directly: a million of them.
            # Phones (E.164) and outcomes (the vocabulary) never need quoting.
            write(
                f"attempt,{call.phone},{call.number},{utc(start)},"
                f"{utc(call.end_ts)},{local(start, call.context.offset_at(start))},"
                f"{call.outcome},{utc(call.due_ts)},{_csv_field(call.reason)}\n"
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
            if call.callee is not None:  # the keys of Attempt.as_dict
                record["zones"] = list(call.callee.zones)
                record["region"] = call.callee.region
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
