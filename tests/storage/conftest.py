"""Fixtures for the storage contract: one suite, run against every backend.

A backend joins by adding a param to the ``backend`` fixture that yields an
:class:`Opener` of fresh :class:`Store`\\ s on one shared database (PostgreSQL
will skip unless a URL is configured). Tests use the public interface only.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.storage.storage_helpers import Opener
from tutorbot.storage import Store


@pytest.fixture(params=["sqlite"])
async def backend(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Opener]:
    opener = Opener(f"sqlite:///{tmp_path / 'tutor.db'}")
    yield opener
    for store in opener.opened:
        await store.close()


@pytest.fixture
async def store(backend: Opener) -> Store:
    return await backend()
