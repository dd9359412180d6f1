"""Time zones from the pinned ``tzdata`` package, never from the host.

Hosts disagree: one machine's ``/usr/share/zoneinfo`` said 2025b while the
package said 2026f, and the two differ on 16 zones in 2026. A campaign must
be planned the same way everywhere, so every zone is read from the files the
``tzdata`` package ships, and the version of those files is recorded.

Besides the ``ZoneInfo`` object, each zone gets a table of its UTC offset
changes as integer epoch seconds. The calendar works on that table: a window
becomes a handful of integer comparisons instead of datetime arithmetic.
"""

from __future__ import annotations

import bisect
import difflib
import importlib.resources
import struct
import threading
from datetime import UTC, datetime
from functools import cache
from zoneinfo import ZoneInfo

import tzdata

__all__ = [
    "TZDATA_VERSION",
    "UnknownTimeZone",
    "ZoneTable",
    "abbreviation_points",
    "available_zones",
    "check_zone_key",
    "load_zone",
    "zone_table",
]

#: The IANA release of the zone rules in use, such as ``"2026f"``.
TZDATA_VERSION: str = tzdata.IANA_VERSION

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_DAY = 86_400
# After the last transition written in a TZif file, zoneinfo follows the
# file's POSIX rule. Those rules change the offset twice a year at most, with
# months between changes, so probing once a week and bisecting to the second
# finds every change (tests/test_tz.py checks this against daily probing).
_PROBE = 7 * _DAY
_CHUNK_YEARS = 8
_MAX_TS = int((datetime(9999, 12, 30, tzinfo=UTC) - _EPOCH).total_seconds())


class UnknownTimeZone(ValueError):
    """The name is not an IANA time zone key of the installed tzdata."""


@cache
def available_zones() -> frozenset[str]:
    """Every zone key the pinned tzdata knows, link names such as ``US/Eastern`` included."""
    text = importlib.resources.files("tzdata").joinpath("zones").read_text(encoding="utf-8")
    return frozenset(text.split())


@cache
def _zones_by_folded_name() -> dict[str, str]:
    return {key.casefold(): key for key in available_zones()}


def check_zone_key(key: str) -> str:
    """Return ``key`` if it names a zone of the pinned tzdata, else raise ``UnknownTimeZone``.

    The check is exact: ``america/new_york`` is refused with a suggestion,
    and so are the host-only trees ``posix/...`` and ``right/...``.
    """
    if key in available_zones():
        return key
    if key.startswith(("posix/", "right/")):
        raise UnknownTimeZone(
            f"{key!r} is a host-only zone tree; use the plain IANA name {key.split('/', 1)[1]!r}"
        )
    hint = ""
    folded = _zones_by_folded_name().get(key.casefold())
    if folded is not None:
        hint = f"; did you mean {folded!r}? (names are case-sensitive)"
    else:
        close = difflib.get_close_matches(key, sorted(available_zones()), n=1)
        if close:
            hint = f"; did you mean {close[0]!r}?"
    raise UnknownTimeZone(
        f"unknown IANA time zone {key!r}{hint} (tzdata {TZDATA_VERSION} knows "
        f"{len(available_zones())} keys such as 'Europe/Prague' or 'America/New_York')"
    )


@cache
def load_zone(key: str) -> ZoneInfo:
    """The ``ZoneInfo`` for ``key``, read from the tzdata package's own file."""
    check_zone_key(key)
    ref = importlib.resources.files("tzdata.zoneinfo").joinpath(key)
    with ref.open("rb") as handle:
        return ZoneInfo.from_file(handle, key=key)


def _tzif_transitions(key: str) -> tuple[list[int], bool]:
    """The transition instants written in the zone's TZif file (RFC 8536, version 2+),
    and whether its POSIX footer has a DST rule (changes after the last one)."""
    data = importlib.resources.files("tzdata.zoneinfo").joinpath(key).read_bytes()
    header = struct.Struct(">4sc15x6l")
    magic, version, isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt = header.unpack_from(data)
    if magic != b"TZif" or version == b"\x00":
        raise UnknownTimeZone(f"{key!r}: the tzdata file is not a TZif file of version 2+")
    # Skip the 32-bit block; the 64-bit block after it is complete.
    block = header.size + timecnt * 5 + typecnt * 6 + charcnt + leapcnt * 8 + isstdcnt + isutcnt
    isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt = header.unpack_from(data, block)[2:]
    times = list(struct.unpack_from(f">{timecnt}q", data, block + header.size))
    footer_at = block + header.size + timecnt * 9 + typecnt * 6 + charcnt + leapcnt * 12
    footer = data[footer_at + isstdcnt + isutcnt :].strip(b"\n")
    return times, b"," in footer


# What a ZoneTable knows at one moment: (times, offsets, covered, min_offset,
# max_offset). ``times`` are the instants of the offset changes, strictly
# increasing; ``offsets[i]`` holds from ``times[i]`` on; every change before
# ``covered`` is listed. A plain tuple, not a NamedTuple: readers unpack it, and
# exact tuples unpack and index faster on the hot path.
_State = tuple[tuple[int, ...], tuple[int, ...], int, int, int]


@cache
def abbreviation_points(key: str) -> tuple[int, ...]:
    """Every instant the zone's TZif file lists a change at, abbreviation-only changes
    included (New York's EWT became EPT on 1945-08-14 at the same offset). Past the last
    one, the file's rule changes the abbreviation only with the offset."""
    return tuple(_tzif_transitions(key)[0])


class ZoneTable:
    """A zone's UTC offsets as a step function of integer epoch seconds.

    ``offset_at(t)`` is ``utcoffset`` in seconds at instant ``t``; the
    changes are exact to the second, taken from the TZif file where it lists
    them and found by bisection where zoneinfo follows the POSIX rule.

    One table may be shared by many threads (``zone_table`` hands out one per
    zone): it grows under a lock and is read without one.
    """

    __slots__ = ("_lock", "_offsets_before", "_state", "_zone", "key")

    def __init__(self, key: str) -> None:
        self.key = key
        self._zone = load_zone(key)
        times: list[int] = []
        offsets: list[int] = []
        first, has_rule = _tzif_transitions(key)
        current = self._probe(first[0] - 1) if first else self._probe(0)
        self._offsets_before = current
        for t in first:
            if not -(2**40) < t < _MAX_TS:
                continue
            new = self._probe(t)
            if new != current:
                times.append(t)
                offsets.append(new)
                current = new
        # With no DST rule in the footer, the last offset holds for ever.
        covered = (first[-1] if first else 0) if has_rule else _MAX_TS
        everything = [self._offsets_before, *offsets]
        self._lock = threading.Lock()
        # The whole state is one immutable tuple, replaced by a single assignment
        # when the table grows (copy on extend): a reader in another thread reads
        # it once and never sees half an extension, such as a change time without
        # its offset, or a coverage mark ahead of the changes it promises.
        self._state: _State = (
            tuple(times),
            tuple(offsets),
            covered,
            min(everything),
            max(everything),
        )

    @property
    def min_offset(self) -> int:
        """The lowest offset of the zone found so far (it may fall as the table grows)."""
        return self._state[3]

    @property
    def max_offset(self) -> int:
        """The highest offset of the zone found so far (it may rise as the table grows)."""
        return self._state[4]

    def _probe(self, t: int) -> int:
        offset = datetime.fromtimestamp(t, self._zone).utcoffset()
        assert offset is not None
        return int(offset.total_seconds())

    def _extend(self, until: int) -> _State:
        """Follow the POSIX rule past the TZif data, in chunks of years, up to ``until``.

        Returns a state that covers ``until`` (or reaches the end of time).
        """
        state = self._state
        if state[2] >= _MAX_TS:
            return state
        with self._lock:
            # Another thread may have extended the table while this one waited.
            state = self._state
            old_times, old_offsets, covered, min_offset, max_offset = state
            if covered >= until:
                return state
            times = list(old_times)
            offsets = list(old_offsets)
            while covered < until and covered < _MAX_TS:
                end = min(covered + _CHUNK_YEARS * 366 * _DAY, _MAX_TS)
                t = covered
                current = self._probe(t)
                while t < end:
                    step = min(t + _PROBE, end)
                    new = self._probe(step)
                    if new != current:
                        lo, hi = t, step  # offset(lo) == current, offset(hi) == new
                        while hi - lo > 1:
                            mid = (lo + hi) // 2
                            if self._probe(mid) == current:
                                lo = mid
                            else:
                                hi = mid
                        times.append(hi)
                        offsets.append(new)
                        current = new
                    t = step
                covered = end
            found = offsets[len(old_offsets) :]
            state = (
                tuple(times),
                tuple(offsets),
                covered,
                min([min_offset, *found]),
                max([max_offset, *found]),
            )
            self._state = state  # published whole, see __init__
            return state

    def offset_at(self, t: int) -> int:
        """UTC offset in seconds at epoch second ``t``."""
        times, offsets, covered, _, _ = self._state  # read once: a consistent snapshot
        if t >= covered:
            times, offsets, _, _, _ = self._extend(t + _DAY)
        i = bisect.bisect_right(times, t) - 1
        return offsets[i] if i >= 0 else self._offsets_before

    def stretch(self, t: int) -> tuple[int, int, int]:
        """``(start, end, offset)``: the stretch of constant offset around epoch second ``t``
        (its ends as far as the table reaches now)."""
        times, offsets, covered, _, _ = self._state
        if t >= covered:
            times, offsets, covered, _, _ = self._extend(t + _DAY)
        i = bisect.bisect_right(times, t) - 1
        start = times[i] if i >= 0 else -(2**62)
        end = times[i + 1] if i + 1 < len(times) else covered
        return start, end, offsets[i] if i >= 0 else self._offsets_before

    def segments(self, lo: int, hi: int) -> list[tuple[int, int, int]]:
        """The pieces ``(start, end, offset)`` of constant offset that cover ``[lo, hi)``."""
        times, offsets, covered, _, _ = self._state  # read once: a consistent snapshot
        if hi >= covered:
            times, offsets, _, _, _ = self._extend(hi + _DAY)
        i = bisect.bisect_right(times, lo) - 1
        pieces: list[tuple[int, int, int]] = []
        start = lo
        while True:
            offset = offsets[i] if i >= 0 else self._offsets_before
            nxt = times[i + 1] if i + 1 < len(times) else hi
            end = min(nxt, hi)
            pieces.append((start, end, offset))
            if end >= hi:
                return pieces
            start = end
            i += 1


_tables: dict[str, ZoneTable] = {}
_tables_lock = threading.Lock()


def zone_table(key: str) -> ZoneTable:
    """The shared, lazily extended offset table of zone ``key``: one per key per process."""
    table = _tables.get(key)
    if table is None:
        # Double-checked under the lock, so threads asking for a new zone at the
        # same time all get the same table (and build it once).
        with _tables_lock:
            table = _tables.get(key)
            if table is None:
                table = _tables[key] = ZoneTable(key)
    return table
