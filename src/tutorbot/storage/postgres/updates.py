"""Processed update ids in PostgreSQL: how :meth:`Store.apply` spots a redelivered update."""

from __future__ import annotations

from datetime import datetime

from tutorbot.storage.interfaces import ProcessedUpdates
from tutorbot.storage.postgres.connection import Connection, Database, aware, rows_changed


async def is_processed(conn: Connection, update_id: int) -> bool:
    found = await conn.fetchval("SELECT 1 FROM processed_updates WHERE update_id = $1", update_id)
    return found is not None


async def mark_processed(conn: Connection, update_id: int, at: datetime) -> bool:
    """Record ``update_id`` inside the caller's transaction; ``False`` if it was already."""
    status = await conn.execute(
        "INSERT INTO processed_updates (update_id, processed_at) VALUES ($1, $2) "
        "ON CONFLICT (update_id) DO NOTHING",
        update_id,
        at,
    )
    return rows_changed(status) == 1


async def _prune(conn: Connection, older_than: datetime) -> int:
    status = await conn.execute(
        "DELETE FROM processed_updates WHERE processed_at < $1", aware(older_than, "older_than")
    )
    return rows_changed(status)


class PostgresProcessedUpdates(ProcessedUpdates):
    """:class:`ProcessedUpdates` in the ``processed_updates`` table."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def is_processed(self, update_id: int) -> bool:
        return await self._db.run(is_processed, update_id)

    async def prune(self, older_than: datetime) -> int:
        return await self._db.run(_prune, older_than)
