"""The PostgreSQL fixtures (postgres.py): a real server, and a fresh empty database per test."""

import psycopg
import pytest

#: The databases ``postgres_db`` gave earlier tests of this module.
_given: list[str] = []


def test_server_answers_as_postgresql(postgres_dsn: str) -> None:
    with psycopg.connect(postgres_dsn) as connection:
        row = connection.execute("SELECT version()").fetchone()
    assert row is not None
    assert row[0].startswith("PostgreSQL "), row[0]


@pytest.mark.parametrize("visit", ["first", "second"])
def test_each_test_gets_a_new_empty_database(postgres_db: str, visit: str) -> None:
    with psycopg.connect(postgres_db) as connection:
        row = connection.execute("SELECT current_database()").fetchone()
        tables = connection.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
        ).fetchall()
        # Left behind on purpose: the other visit must not see it.
        connection.execute("CREATE TABLE left_behind (visit text)")
        connection.execute("INSERT INTO left_behind VALUES (%s)", (visit,))
        earlier = connection.execute(
            "SELECT datname FROM pg_database WHERE datname = ANY(%s)", (_given,)
        ).fetchall()
    assert row is not None
    assert tables == []
    assert row[0] not in _given
    assert earlier == []  # dropped after their tests
    _given.append(row[0])
