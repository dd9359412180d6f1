"""Outcome sources for previews: how each attempt ends, and how long the call lasts.

A preview needs to know how calls end; that is an input, never a guess made
inside the planner. A source is any callable
``source(phone, number) -> (outcome, seconds)``; three ship here:

>>> from scheduler import outcomes
>>> outcomes.always()("+14155559001", 1)
('No Answer', 30)
>>> src = outcomes.scripted({"+14155559001": [("Busy", 5), ("success", 120)]})
>>> src("+14155559001", 2), src("+14155559002", 1)
(('success', 120), ('No Answer', 30))
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial

from scheduler.retry import check_outcome
from scheduler.spec import FAILURE_OUTCOMES

__all__ = ["OutcomeSource", "always", "constant_result", "random", "scripted"]

#: ``source(phone, number) -> (outcome, seconds)``: how attempt ``number`` of ``phone`` ends.
OutcomeSource = Callable[[str, int], tuple[str, int]]


def _check_seconds(seconds: object, where: str) -> int:
    # A call holds its line for at least a second: a zero-length call would let
    # a retry start in the same second as the attempt it retries.
    if isinstance(seconds, bool) or not isinstance(seconds, int) or seconds < 1:
        raise ValueError(
            f"{where}: call length must be a whole number of seconds >= 1, got {seconds!r}"
        )
    return seconds


def always(outcome: str = "No Answer", seconds: int = 30) -> OutcomeSource:
    """Every attempt ends with ``outcome`` after ``seconds``.

    The default, every call a 30 s ``No Answer``, shows the most calls the
    campaign can make.
    """
    result = (check_outcome(outcome), _check_seconds(seconds, "seconds"))
    # A partial of a module-level function: as quick to call as a closure (a plan calls
    # it once per attempt), and it pickles, for plan_many on a process pool.
    return partial(_answer, result)


def _answer(result: tuple[str, int], phone: str, number: int) -> tuple[str, int]:
    return result


def constant_result(source: OutcomeSource) -> tuple[str, int] | None:
    """The one result ``source`` gives every attempt, when it is an ``always()`` source;
    else None. A planner then needs no call per attempt to know it."""
    if isinstance(source, partial) and source.func is _answer and not source.keywords:
        result: tuple[str, int] = source.args[0]
        return result
    return None


@dataclass(frozen=True, slots=True)
class _Scripted:
    scripts: Mapping[str, tuple[tuple[str, int], ...]]
    default: OutcomeSource

    def __call__(self, phone: str, number: int) -> tuple[str, int]:
        script = self.scripts.get(phone)
        if script is not None and number <= len(script):
            return script[number - 1]
        return self.default(phone, number)


def scripted(
    scripts: Mapping[str, Sequence[tuple[str, int]]],
    default: OutcomeSource | None = None,
) -> OutcomeSource:
    """Attempt ``n`` of ``phone`` ends as ``scripts[phone][n - 1]``.

    A phone not listed, or an attempt past the end of its script, is
    answered by ``default`` (``always()`` when not given).
    """
    checked: dict[str, tuple[tuple[str, int], ...]] = {}
    for phone, script in scripts.items():
        rows: list[tuple[str, int]] = []
        for i, row in enumerate(script):
            where = f"scripts[{phone!r}][{i}]"
            if not isinstance(row, tuple | list) or len(row) != 2:
                raise ValueError(f"{where}: expected (outcome, seconds), got {row!r}")
            rows.append((check_outcome(row[0], where), _check_seconds(row[1], where)))
        checked[phone] = tuple(rows)
    return _Scripted(checked, default if default is not None else always())


def _uniform(seed: int, phone: str, number: int, salt: str) -> float:
    """A number in [0, 1) fixed by its arguments alone, whatever the call order."""
    digest = hashlib.blake2b(f"{seed}|{phone}|{number}|{salt}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


@dataclass(frozen=True, slots=True)
class _Random:
    seed: int
    answer_rate: float
    failures: tuple[tuple[str, float], ...]
    answered_seconds: tuple[int, int]
    failed_seconds: tuple[int, int]
    _total: float = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_total", sum(weight for _, weight in self.failures))

    def __call__(self, phone: str, number: int) -> tuple[str, int]:
        if _uniform(self.seed, phone, number, "answer") < self.answer_rate:
            low, high = self.answered_seconds
            outcome = "success"
        else:
            pick = _uniform(self.seed, phone, number, "failure") * self._total
            outcome = self.failures[-1][0]
            for name, weight in self.failures:
                if pick < weight:
                    outcome = name
                    break
                pick -= weight
            low, high = self.failed_seconds
        length = low + int(_uniform(self.seed, phone, number, "length") * (high - low + 1))
        return outcome, length


def random(
    seed: int,
    *,
    answer_rate: float = 0.3,
    failures: Mapping[str, float] | None = None,
    answered_seconds: tuple[int, int] = (60, 300),
    failed_seconds: tuple[int, int] = (10, 45),
) -> OutcomeSource:
    """A seeded model: a share ``answer_rate`` of attempts succeed, the rest fail.

    Failures are drawn from ``failures`` (outcome -> weight; default mostly
    ``No Answer`` with some ``Busy``, ``voicemail`` and ``Unreachable``),
    call lengths uniformly from the given ranges in seconds. The result of
    each attempt depends only on the seed, the phone and the attempt number,
    so the same seed always gives the same preview.
    """
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ValueError(f"seed: must be an integer, got {seed!r}")
    if not 0.0 <= answer_rate <= 1.0:
        raise ValueError(f"answer_rate: must be between 0 and 1, got {answer_rate!r}")
    mix = (
        dict(failures)
        if failures is not None
        else {
            "No Answer": 0.6,
            "Busy": 0.15,
            "voicemail": 0.15,
            "Unreachable": 0.1,
        }
    )
    if not mix:
        raise ValueError("failures: give at least one failure outcome with a weight")
    for name, weight in mix.items():
        check_outcome(name, "failures")
        if name == "success":
            raise ValueError(
                "failures: 'success' is not a failure; set answer_rate instead "
                f"(failure outcomes: {', '.join(FAILURE_OUTCOMES)}, api_error)"
            )
        if not weight > 0:
            raise ValueError(f"failures[{name!r}]: weight must be > 0, got {weight!r}")
    for name, bounds in (
        ("answered_seconds", answered_seconds),
        ("failed_seconds", failed_seconds),
    ):
        low, high = bounds
        _check_seconds(low, name)
        if high < low:
            raise ValueError(f"{name}: (low, high) with low <= high, got {bounds!r}")
    return _Random(seed, answer_rate, tuple(mix.items()), answered_seconds, failed_seconds)
