"""Processed update ids in PostgreSQL: how :meth:`Store.apply` spots a redelivered update."""

from __future__ import annotations

from datetime import datetime, timedelta

from tutorbot.storage.interfaces import ProcessedUpdates
from tutorbot.storage.postgres.connection import Connection, Database, aware, rows_changed


async def is_processed(conn: Connection, update_id: int) -> bool:
    found = await conn.fetchval("SELECT 1 FROM processed_updates WHERE update_id = $1", update_id)
    return found is not None


async def mark_processed(conn: Connection, update_id: int) -> bool:
    """Record ``update_id`` inside the caller's transaction; ``False`` if it was already."""
    status = await conn.execute(
        "INSERT INTO processed_updates (update_id) VALUES ($1) ON CONFLICT (update_id) DO NOTHING",
        update_id,
    )
    return rows_changed(status) == 1


async def _prune(conn: Connection, now: datetime, keep: timedelta) -> int:
    now = aware(now, "now")
    async with conn.transaction():
        await conn.execute(
            "INSERT INTO update_watermarks (noted_at, update_id) "
            "SELECT $1, MAX(update_id) FROM processed_updates HAVING COUNT(*) > 0 "
            "ON CONFLICT (noted_at) DO NOTHING",
            now,
        )
        row = await conn.fetchrow(
            "SELECT noted_at, update_id FROM update_watermarks WHERE noted_at <= $1 "
            "ORDER BY noted_at DESC LIMIT 1",
            now - keep,
        )
        if row is None:
            return 0
        await conn.execute("DELETE FROM update_watermarks WHERE noted_at < $1", row["noted_at"])
        status = await conn.execute(
            "DELETE FROM processed_updates WHERE update_id <= $1", row["update_id"]
        )
        return rows_changed(status)


class PostgresProcessedUpdates(ProcessedUpdates):
    """:class:`ProcessedUpdates` in the ``processed_updates`` table, with its watermarks in
    ``update_watermarks``."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def is_processed(self, update_id: int) -> bool:
        return await self._db.run(is_processed, update_id)

    async def prune(self, now: datetime, keep: timedelta) -> int:
        return await self._db.run(_prune, now, keep)
