"""Shared pytest fixtures.

``tests`` is a package (every folder has an ``__init__.py``), so every test module has
one unambiguous name (``tests.telegram.test_bot_behaviour``) for pytest and mypy alike,
and shared helpers are imported by their full name: ``from tests.auxil.botapi import ...``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
import pytest_asyncio

from tests.auxil.botapi import BotApiEmulator
from tests.auxil.postgres import (
    RunDatabase,
    create_test_database,
    drop_test_database,
    fresh_schema,
)


@pytest_asyncio.fixture
async def botapi() -> AsyncIterator[BotApiEmulator]:
    """A Telegram Bot API emulator on ``127.0.0.1:<ephemeral port>`` (see auxil/botapi.py).

    Fails the test at teardown if any call contradicted the official api.json or crashed
    the emulator; tests that provoke violations on purpose must clear ``botapi.violations``.
    """
    emulator = BotApiEmulator()
    await emulator.start()
    try:
        yield emulator
    finally:
        await emulator.stop()
    problems = emulator.violations + emulator.errors
    assert not problems, "Bot API emulator recorded problems:\n" + "\n".join(problems)


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[RunDatabase | str]:
    """This run's own PostgreSQL database (random name, dropped at the end), or why the
    server could not be reached (see auxil/postgres.py)."""
    database = create_test_database()
    yield database
    if isinstance(database, RunDatabase):
        drop_test_database(database)


@pytest_asyncio.fixture
async def postgres_url(postgres_database: RunDatabase | str) -> str:
    """The URL of an empty PostgreSQL schema for this test alone; skips (fails under CI)
    when the server is unreachable."""
    return await fresh_schema(postgres_database)
