"""The schema's migrations on every backend: one numbered list, run once, all or nothing.

The first test looks inside both databases (the one place this suite does):
each migration is written twice, and both texts must leave the same tables
and columns, or a feature would work on one backend only.
"""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import asyncpg
import pytest

from tests.storage.storage_helpers import KEY, Opener, put
from tutorbot.storage import StoreError, open_store
from tutorbot.storage import migrations as schema
from tutorbot.storage.migrations import MIGRATIONS, Migration


def sqlite_columns(path: Path) -> set[tuple[str, str]]:
    conn = sqlite3.connect(path)
    try:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return {
            (table, row[1])
            for table in tables
            for row in conn.execute(f"PRAGMA table_info({table})")
        }
    finally:
        conn.close()


async def postgres_columns(url: str) -> set[tuple[str, str]]:
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema()"
        )
    finally:
        await conn.close()
    return {(row[0], row[1]) for row in rows}


async def test_both_backends_have_the_same_tables_and_columns(
    tmp_path: Path, postgres_url: str
) -> None:
    path = tmp_path / "schema.db"
    for url in (f"sqlite:///{path}", postgres_url):
        store = await open_store(url)
        assert await store.schema_version() == len(MIGRATIONS)
        await store.close()
    in_sqlite, in_postgres = sqlite_columns(path), await postgres_columns(postgres_url)
    assert ("sessions", "version") in in_sqlite  # the inspection sees the schema at all
    assert in_sqlite - in_postgres == set(), "columns SQLite has and PostgreSQL lacks"
    assert in_postgres - in_sqlite == set(), "columns PostgreSQL has and SQLite lacks"


def test_migrations_are_numbered_in_order_and_written_for_both_backends() -> None:
    assert [m.number for m in MIGRATIONS] == list(range(1, len(MIGRATIONS) + 1))
    for migration in MIGRATIONS:
        assert migration.about and migration.sqlite.strip() and migration.postgres.strip()


async def test_processes_starting_together_migrate_once(backend: Opener) -> None:
    # Each would fail ("table already exists") if two ran the same migration.
    stores = await asyncio.gather(*(backend() for _ in range(4)))
    assert [await store.schema_version() for store in stores] == [len(MIGRATIONS)] * 4
    await stores[0].apply(1, KEY, put("x"))
    assert await stores[3].sessions.get(KEY) is not None


HALF_DONE = "CREATE TABLE half_done (id INTEGER NOT NULL)"


def appended(text: str) -> tuple[Migration, ...]:
    number = len(MIGRATIONS) + 1
    return (*MIGRATIONS, Migration(number, "a test's migration", sqlite=text, postgres=text))


async def test_a_migration_that_fails_half_way_changes_nothing(
    backend: Opener, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = await backend()
    await first.apply(1, KEY, put("kept"))
    await first.close()
    monkeypatch.setattr(schema, "MIGRATIONS", appended(f"{HALF_DONE}; SELECT * FROM no_such_table"))
    with pytest.raises(StoreError) as refused:
        await backend()
    message = str(refused.value)
    assert f"migration {len(MIGRATIONS) + 1} (a test's migration) failed" in message
    assert "no_such_table" in message and f"stays at version {len(MIGRATIONS)}" in message
    assert "\n" not in message
    # Had half_done been left behind, creating it again would fail.
    monkeypatch.setattr(schema, "MIGRATIONS", appended(HALF_DONE))
    store = await backend()
    assert await store.schema_version() == len(MIGRATIONS) + 1
    session = await store.sessions.get(KEY)
    assert session is not None and session.state == "kept"


async def test_without_migrating_a_database_behind_is_refused(backend: Opener) -> None:
    with pytest.raises(StoreError, match=r"schema version 0 .* run `tutorbot db migrate`"):
        await open_store(backend.url, migrate=False)
    await backend()  # migrates
    current = await open_store(backend.url, migrate=False)
    try:
        assert await current.schema_version() == len(MIGRATIONS)
    finally:
        await current.close()


async def test_a_database_newer_than_this_tutorbot_is_refused(
    backend: Opener, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(schema, "MIGRATIONS", appended(HALF_DONE))
    await backend()
    monkeypatch.setattr(schema, "MIGRATIONS", MIGRATIONS)
    with pytest.raises(StoreError, match="newer than this tutorbot knows"):
        await open_store(backend.url)
