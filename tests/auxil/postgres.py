"""A real PostgreSQL for the tests: one database per test run, one schema per test.

The server is ``TUTORBOT_TEST_POSTGRES`` (default
``postgresql://postgres@127.0.0.1:5432``, trust auth, as on the machines the
project is built on; ``.ci/run`` starts it when it is down). Each test run
creates a database of its own with a random name and drops it at the end;
each test gets an empty schema in it (``?search_path=`` in its URL, which
asyncpg passes to the server), so tests never see each other's rows and no
test waits for a database to be created.

Unreachable server: the tests that need it are skipped with the reason, except
under CI (``CI=true``), where they fail: CI must not pass without them.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import warnings
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, NoReturn

import asyncpg
import pytest

DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432"


def server_url() -> str:
    """The server the tests use (no database in it)."""
    return (os.environ.get("TUTORBOT_TEST_POSTGRES") or DEFAULT_SERVER).rstrip("/")


def unreachable(reason: str) -> NoReturn:
    """Skip the test, or fail it under CI."""
    message = f"PostgreSQL at {server_url()} is unreachable ({reason})"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message + "; CI must run the PostgreSQL tests (see .ci/run)")
    pytest.skip(message + "; set TUTORBOT_TEST_POSTGRES or start it")


class RunDatabase:
    """A database made for this test run, and fresh schemas in it."""

    def __init__(self) -> None:
        self.name = f"tutorbot_test_{secrets.token_hex(6)}"
        self.url = f"{server_url()}/{self.name}"

    async def create(self) -> None:
        conn = await asyncpg.connect(f"{server_url()}/postgres", timeout=5)
        try:
            await conn.execute(f'CREATE DATABASE "{self.name}"')
        finally:
            await conn.close()

    async def drop(self) -> None:
        conn = await asyncpg.connect(f"{server_url()}/postgres", timeout=5)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        finally:
            await conn.close()

    async def fresh_schema(self) -> str:
        """An empty schema in the database; the URL of a store that keeps its tables there."""
        schema = f"t_{secrets.token_hex(6)}"
        conn = await asyncpg.connect(self.url, timeout=5)
        try:
            await conn.execute(f'CREATE SCHEMA "{schema}"')
        finally:
            await conn.close()
        return f"{self.url}?search_path={schema}"


async def fresh_schema(database: RunDatabase | str) -> str:
    """The URL of an empty schema in the run's database; skips (fails under CI) when
    ``database`` is why it could not be made."""
    if isinstance(database, str):
        unreachable(database)
    return await database.fresh_schema()


def _run_aside(step: Callable[[], Coroutine[Any, Any, None]], timeout: float) -> None:
    """``step()`` on an event loop of its own, in a thread: a session fixture may first be
    asked for from inside a test's running loop."""
    with ThreadPoolExecutor(1) as aside:
        aside.submit(asyncio.run, asyncio.wait_for(step(), timeout)).result()


def create_test_database() -> RunDatabase | str:
    """The run's database, or why it could not be made."""
    database = RunDatabase()
    try:
        _run_aside(database.create, 10)
    except (OSError, asyncpg.PostgresError, TimeoutError) as error:
        return f"{type(error).__name__}: {error}"
    return database


def drop_test_database(database: RunDatabase) -> None:
    """Drop the run's database. It holds a schema per test, and on a busy machine dropping
    a few thousand tables took 15 to 30 s (seen here), hence the long wait; a drop that
    still fails is reported, not made a test failure: the tests themselves passed."""
    try:
        _run_aside(database.drop, 300)
    except (OSError, asyncpg.PostgresError, TimeoutError) as error:
        warnings.warn(
            f"could not drop the test database {database.name}: {type(error).__name__} "
            f"{error}; drop it by hand",
            stacklevel=1,
        )
