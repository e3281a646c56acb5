"""The database, its WAL and SHM files and a folder made for them are the bot's user's only."""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from tutorbot.storage import SQLiteStore


@pytest.fixture(autouse=True)
def permissive_umask() -> Iterator[None]:
    """A umask that leaves files readable by everyone, as most systems have it."""
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def written_store(database: Path) -> None:
    store = await SQLiteStore(str(database)).open()
    try:
        await store.users.set_active(1, True)
    finally:
        await store.close()


async def test_a_new_database_its_wal_and_shm_and_its_folder_are_private(tmp_path: Path) -> None:
    database = tmp_path / "state" / "bot.db"
    store = await SQLiteStore(str(database)).open()
    try:
        await store.users.set_active(1, True)
        files = [database, Path(f"{database}-wal"), Path(f"{database}-shm")]
        assert {path.name: mode(path) for path in files} == {path.name: 0o600 for path in files}
        assert mode(database.parent) == 0o700
    finally:
        await store.close()
    # SQLite removes the WAL and SHM files when the last connection closes and makes
    # them again on the next open: still private.
    assert not Path(f"{database}-wal").exists()
    await written_store(database)
    store = await SQLiteStore(str(database)).open()
    try:
        await store.users.set_active(2, True)
        assert mode(Path(f"{database}-wal")) == 0o600 and mode(Path(f"{database}-shm")) == 0o600
    finally:
        await store.close()
    created = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert created and all(mode(p) == 0o600 for p in created), created


async def test_an_existing_folder_is_left_alone_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = tmp_path / "shared"
    folder.mkdir(mode=0o755)
    os.chmod(folder, 0o755)
    with caplog.at_level(logging.WARNING):
        await written_store(folder / "bot.db")
    assert mode(folder) == 0o755
    assert mode(folder / "bot.db") == 0o600
    assert any("others may read the database folder" in r.getMessage() for r in caplog.records)


async def test_a_database_others_could_read_is_narrowed(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    database = tmp_path / "bot.db"
    await written_store(database)
    os.chmod(database, 0o644)
    os.chmod(tmp_path, 0o700)
    with caplog.at_level(logging.WARNING):
        await written_store(database)
    assert mode(database) == 0o600
    assert [r.getMessage() for r in caplog.records] == [
        f"{database} was readable by others (mode 644); it is now 600"
    ]
