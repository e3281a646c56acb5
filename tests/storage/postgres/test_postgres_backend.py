"""What is only about the PostgreSQL backend: its lock keys, and losing the server.

Everything else a backend does is in the contract suite one folder up. Cutting
connections here uses ``pg_terminate_backend`` on this run's own database only
(the tests of a run go one at a time, so only this test's store is cut).
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import asyncpg
import pytest

from tests.auxil.postgres import RunDatabase, fresh_schema
from tests.storage.storage_helpers import KEY, put
from tutorbot.storage import Change, DatabaseUnavailable, SessionRecord, open_store
from tutorbot.storage.postgres.migrations import MIGRATION_LOCK
from tutorbot.storage.postgres.unit_of_work import chat_lock


def test_lock_keys_never_change_between_releases() -> None:
    # Two versions of tutorbot in one deploy (a rolling upgrade) must lock the same
    # chat under the same key: these numbers are part of the storage format.
    assert chat_lock(-1001234567890) == -5107325842561272247
    assert chat_lock(42) == 6661279329178256814
    assert MIGRATION_LOCK == -483276006473202602


async def _cut(database_url: str) -> int:
    conn = await asyncpg.connect(database_url)
    try:
        cut: int = await conn.fetchval(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return cut
    finally:
        await conn.close()


def cut_connections(database: RunDatabase) -> int:
    """End every other session on the run's database, from a thread (callable from the
    middle of a function ``apply`` runs); how many."""
    with ThreadPoolExecutor(1) as aside:
        return aside.submit(asyncio.run, _cut(database.url)).result()


@pytest.fixture
def database(postgres_database: RunDatabase | str) -> RunDatabase:
    if isinstance(postgres_database, str):
        pytest.skip("needs PostgreSQL")  # fresh_schema below fails under CI first
    return postgres_database


async def test_a_connection_lost_mid_update_writes_nothing_and_the_store_recovers(
    database: RunDatabase,
) -> None:
    store = await open_store(await fresh_schema(database))
    try:
        await store.apply(1, KEY, put("before"))

        def cut_then_change(current: SessionRecord | None) -> Change[str]:
            assert cut_connections(database) >= 1
            return put("lost")(current)

        with pytest.raises(DatabaseUnavailable, match="lost the connection to PostgreSQL"):
            await store.apply(2, KEY, cut_then_change)
        session = await store.sessions.get(KEY)  # a new connection, at once
        assert session is not None and session.state == "before"
        assert not await store.updates.is_processed(2)
        assert (await store.apply(2, KEY, put("after"))).session is not None  # redelivered
        session = await store.sessions.get(KEY)
        assert session is not None and session.state == "after"
    finally:
        await store.close()


async def test_after_the_server_ended_its_sessions_the_store_works_again(
    database: RunDatabase,
) -> None:
    store = await open_store(await fresh_schema(database))
    try:
        await store.apply(1, KEY, put("kept"))
        await asyncio.gather(*(store.sessions.get(KEY) for _ in range(4)))  # a few in the pool
        assert cut_connections(database) >= 1
        # A pooled connection the server ended may fail its next step (one clear
        # error); the pool then replaces it. Pools here hold at most 10.
        failures = 0
        while True:
            try:
                session = await store.sessions.get(KEY)
                break
            except DatabaseUnavailable:
                failures += 1
                assert failures <= 10
        assert session is not None and session.state == "kept"
    finally:
        await store.close()


async def test_an_unreachable_server_is_database_unavailable() -> None:
    with pytest.raises(
        DatabaseUnavailable, match=r"cannot connect to PostgreSQL at 127\.0\.0\.1:9/x"
    ):
        await open_store("postgresql://tutor:secret@127.0.0.1:9/x")
