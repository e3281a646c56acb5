"""The media cache in SQLite: Telegram ``file_id``s per bot and file hash."""

from __future__ import annotations

import sqlite3

from tutorbot.storage.interfaces import Media
from tutorbot.storage.sqlite.connection import Database, ts


def _get(conn: sqlite3.Connection, bot_id: int, sha256: str) -> str | None:
    row = conn.execute(
        "SELECT file_id FROM media_cache WHERE bot_id = ? AND sha256 = ?", (bot_id, sha256)
    ).fetchone()
    return None if row is None else str(row[0])


def _put(conn: sqlite3.Connection, bot_id: int, sha256: str, file_id: str) -> None:
    conn.execute(
        "INSERT INTO media_cache (bot_id, sha256, file_id, stored_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (bot_id, sha256) DO UPDATE SET file_id = excluded.file_id, "
        "stored_at = excluded.stored_at",
        (bot_id, sha256, file_id, ts()),
    )


def _forget(conn: sqlite3.Connection, bot_id: int, sha256: str) -> None:
    conn.execute("DELETE FROM media_cache WHERE bot_id = ? AND sha256 = ?", (bot_id, sha256))


class SQLiteMedia(Media):
    """:class:`Media` in the ``media_cache`` table."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, bot_id: int, sha256: str) -> str | None:
        return await self._db.run(_get, bot_id, sha256)

    async def put(self, bot_id: int, sha256: str, file_id: str) -> None:
        await self._db.run(_put, bot_id, sha256, file_id)

    async def forget(self, bot_id: int, sha256: str) -> None:
        await self._db.run(_forget, bot_id, sha256)
