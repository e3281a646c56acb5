"""Processed update ids in SQLite: how :meth:`Store.apply` spots a redelivered update."""

from __future__ import annotations

import sqlite3
from datetime import datetime

from tutorbot.storage.interfaces import ProcessedUpdates
from tutorbot.storage.sqlite.connection import Database, ts


def is_processed(conn: sqlite3.Connection, update_id: int) -> bool:
    row = conn.execute(
        "SELECT 1 FROM processed_updates WHERE update_id = ?", (update_id,)
    ).fetchone()
    return row is not None


def mark_processed(conn: sqlite3.Connection, update_id: int, at: str) -> bool:
    """Record ``update_id`` inside the caller's transaction; ``False`` if it was already."""
    cursor = conn.execute(
        "INSERT INTO processed_updates (update_id, processed_at) "
        "VALUES (?, ?) ON CONFLICT (update_id) DO NOTHING",
        (update_id, at),
    )
    return cursor.rowcount == 1


def _prune(conn: sqlite3.Connection, older_than: datetime) -> int:
    cursor = conn.execute("DELETE FROM processed_updates WHERE processed_at < ?", (ts(older_than),))
    return cursor.rowcount


class SQLiteProcessedUpdates(ProcessedUpdates):
    """:class:`ProcessedUpdates` in the ``processed_updates`` table."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def is_processed(self, update_id: int) -> bool:
        return await self._db.run(is_processed, update_id)

    async def prune(self, older_than: datetime) -> int:
        return await self._db.run(_prune, older_than)
