"""Stores for the store's tests: each scenario on a SQLite file and on a real PostgreSQL.

``store_target`` is where a store is kept, ``("sqlite", file)`` or
``("postgres", dsn)`` (a fresh database of ``postgres.py``'s server);
``opener`` opens as many stores on it as a test wants (one per worker) and
closes them after.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from store_worker import open_store

from scheduler.store import Store

Opener = Callable[[], Store]


@pytest.fixture(params=["sqlite", "postgres"])
def store_target(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, str]:
    """Where a store is kept: ``("sqlite", file)`` or ``("postgres", dsn)``."""
    if request.param == "sqlite":
        return "sqlite", str(tmp_path / "calls.db")
    return "postgres", str(request.getfixturevalue("postgres_db"))


@pytest.fixture
def opener(store_target: tuple[str, str]) -> Iterator[Opener]:
    """Opens stores on one database, as many as a test wants; closes them after."""
    opened: list[Store] = []

    def open_one() -> Store:
        store = open_store(*store_target)
        opened.append(store)
        return store

    yield open_one
    for store in opened:
        store.close()
