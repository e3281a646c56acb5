"""Fixtures for the storage contract: one suite, run against every backend.

A backend joins by adding a param to the ``backend`` fixture that yields an
:class:`Opener` of fresh :class:`Store`\\ s on one shared database: SQLite in
a file of the test's own, PostgreSQL in a schema of the test's own (see
tests/auxil/postgres.py; unreachable, it skips, and fails under CI). Tests
use the public interface only.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.auxil.postgres import RunDatabase, fresh_schema
from tests.storage.storage_helpers import Opener
from tutorbot.storage import Store


@pytest.fixture(params=["sqlite", "postgresql"])
async def backend(
    request: pytest.FixtureRequest, tmp_path: Path, postgres_database: RunDatabase | str
) -> AsyncIterator[Opener]:
    if request.param == "sqlite":
        opener = Opener(f"sqlite:///{tmp_path / 'tutor.db'}")
    else:
        opener = Opener(await fresh_schema(postgres_database))
    yield opener
    for store in opener.opened:
        await store.close()


@pytest.fixture
async def store(backend: Opener) -> Store:
    return await backend()
