"""Processed update ids in SQLite: how :meth:`Store.apply` spots a redelivered update."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta

from tutorbot.storage.interfaces import ProcessedUpdates
from tutorbot.storage.sqlite.connection import Database, transaction, ts


def is_processed(conn: sqlite3.Connection, update_id: int) -> bool:
    row = conn.execute(
        "SELECT 1 FROM processed_updates WHERE update_id = ?", (update_id,)
    ).fetchone()
    return row is not None


def mark_processed(conn: sqlite3.Connection, update_id: int) -> bool:
    """Record ``update_id`` inside the caller's transaction; ``False`` if it was already."""
    cursor = conn.execute(
        "INSERT INTO processed_updates (update_id) VALUES (?) ON CONFLICT (update_id) DO NOTHING",
        (update_id,),
    )
    return cursor.rowcount == 1


def _prune(conn: sqlite3.Connection, now: datetime, keep: timedelta) -> int:
    with transaction(conn):
        conn.execute(
            "INSERT INTO update_watermarks (noted_at, update_id) "
            "SELECT ?, MAX(update_id) FROM processed_updates HAVING COUNT(*) > 0 "
            "ON CONFLICT (noted_at) DO NOTHING",
            (ts(now),),
        )
        row = conn.execute(
            "SELECT noted_at, update_id FROM update_watermarks WHERE noted_at <= ? "
            "ORDER BY noted_at DESC LIMIT 1",
            (ts(now - keep),),
        ).fetchone()
        if row is None:
            return 0
        noted_at, watermark = row
        conn.execute("DELETE FROM update_watermarks WHERE noted_at < ?", (noted_at,))
        cursor = conn.execute("DELETE FROM processed_updates WHERE update_id <= ?", (watermark,))
        return cursor.rowcount


class SQLiteProcessedUpdates(ProcessedUpdates):
    """:class:`ProcessedUpdates` in the ``processed_updates`` table, with its watermarks in
    ``update_watermarks``."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def is_processed(self, update_id: int) -> bool:
        return await self._db.run(is_processed, update_id)

    async def prune(self, now: datetime, keep: timedelta) -> int:
        return await self._db.run(_prune, now, keep)
