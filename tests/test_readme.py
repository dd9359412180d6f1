"""The README's "verify your dialer" example runs as it is written."""

from __future__ import annotations

from pathlib import Path
from typing import Any

README = Path(__file__).resolve().parent.parent / "README.md"


def _example() -> str:
    """The example, on the lines it has in the README: tools that read a function's
    source (hypothesis does, to explain a failure) then find it there."""
    text = README.read_text(encoding="utf-8")
    start = text.index("# test_my_dialer.py")
    return "\n" * text.count("\n", 0, start) + text[start : text.index("```", start)]


def test_the_readme_dialer_example_passes_its_own_tests() -> None:
    namespace: dict[str, Any] = {"__name__": "readme_example"}
    exec(compile(_example(), "README.md", "exec"), namespace)
    tests = [name for name in namespace if name.startswith("test_")]
    assert tests == [
        "test_my_dialer_keeps_every_rule",
        "test_the_audit_catches_a_call_outside_the_window",
    ]
    for name in tests:
        namespace[name]()  # hypothesis runs each with its own examples
