"""The engine's operations, written as a journal and replayed: one table, both directions.

Each entry is one call to the engine (``op`` and its arguments, as JSON)
and the result it gave. ``OPERATIONS`` says, per operation, which arguments
it has, how to call it again and how its result reads as JSON; writing
(``entry``) and replay (``replay_into``) both read that table, so what is
written is exactly what can be replayed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["OPERATIONS", "JournalError", "Operation", "entry", "replay_into"]


class JournalError(ValueError):
    """A journal entry that cannot be replayed, or whose result differs from the one saved."""


@dataclass(frozen=True, slots=True)
class Operation:
    """One engine call as the journal keeps it."""

    #: The JSON keys of the call's arguments, in the order the engine takes them.
    args: tuple[str, ...]
    #: Call it again: ``(engine, entry) -> result``.
    call: Callable[[Any, Mapping[str, Any]], Any]
    #: The result as JSON.
    result: Callable[[Any], Any]
    #: Keys an entry has only when the call was given them.
    optional: tuple[str, ...] = ()


def _none(result: Any) -> None:
    return None


OPERATIONS: dict[str, Operation] = {
    "due": Operation(
        ("now",),
        lambda engine, e: engine.due(e["now"], limit=e.get("limit")),
        lambda attempts: [a.as_dict() for a in attempts],
        ("limit",),
    ),
    "record": Operation(
        ("id", "outcome", "endedAt"),
        lambda engine, e: engine.record(e["id"], e["outcome"], e["endedAt"]),
        lambda decision: decision.as_json(),
    ),
    "add": Operation(
        ("phones", "now"),
        lambda engine, e: engine.add_customers(e["phones"], now=e["now"]),
        list,
    ),
    "remove": Operation(("phone",), lambda engine, e: engine.remove_customer(e["phone"]), _none),
    "pause": Operation(("now",), lambda engine, e: engine.pause(e["now"]), _none),
    "resume": Operation(("now",), lambda engine, e: engine.resume(e["now"]), _none),
    "cancel": Operation(("now",), lambda engine, e: engine.cancel(e["now"]), _none),
}


def entry(op: str, args: Mapping[str, Any], result: Any) -> dict[str, Any]:
    """The journal entry of call ``op`` with JSON ``args`` that gave ``result``."""
    operation = OPERATIONS[op]
    return {
        "op": op,
        **{key: args[key] for key in operation.args},
        **{key: args[key] for key in operation.optional if key in args},
        "result": operation.result(result),
    }


def replay_into(engine: Any, entries: Iterable[Mapping[str, Any]]) -> Any:
    """Make every call of ``entries`` on ``engine`` again; raise where a result differs."""
    for line, saved in enumerate(entries, 1):
        if not isinstance(saved, Mapping):
            raise JournalError(f"replay: line {line}: an entry is a JSON object, got {saved!r}")
        op = saved.get("op")
        operation = OPERATIONS.get(op) if isinstance(op, str) else None
        if operation is None:
            raise JournalError(
                f"replay: line {line}: unknown op {op!r}; known: {', '.join(OPERATIONS)}"
            )
        missing = [key for key in operation.args if key not in saved]
        if missing:
            raise JournalError(f"replay: line {line} ({op}): missing {', '.join(missing)}")
        got = operation.result(operation.call(engine, saved))
        if got != saved.get("result"):
            raise JournalError(
                f"replay: line {line} ({op}) gave {got!r}, the journal says {saved.get('result')!r}"
            )
    return engine
