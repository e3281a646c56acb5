"""The media cache in PostgreSQL: Telegram ``file_id``s per bot and file hash."""

from __future__ import annotations

from tutorbot.storage.interfaces import Media
from tutorbot.storage.postgres.connection import Connection, Database, now


async def _get(conn: Connection, bot_id: int, sha256: str) -> str | None:
    file_id = await conn.fetchval(
        "SELECT file_id FROM media_cache WHERE bot_id = $1 AND sha256 = $2", bot_id, sha256
    )
    return None if file_id is None else str(file_id)


async def _put(conn: Connection, bot_id: int, sha256: str, file_id: str) -> None:
    await conn.execute(
        "INSERT INTO media_cache (bot_id, sha256, file_id, stored_at) VALUES ($1, $2, $3, $4) "
        "ON CONFLICT (bot_id, sha256) DO UPDATE SET file_id = excluded.file_id, "
        "stored_at = excluded.stored_at",
        bot_id,
        sha256,
        file_id,
        now(),
    )


async def _forget(conn: Connection, bot_id: int, sha256: str) -> None:
    await conn.execute("DELETE FROM media_cache WHERE bot_id = $1 AND sha256 = $2", bot_id, sha256)


class PostgresMedia(Media):
    """:class:`Media` in the ``media_cache`` table."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, bot_id: int, sha256: str) -> str | None:
        return await self._db.run(_get, bot_id, sha256)

    async def put(self, bot_id: int, sha256: str, file_id: str) -> None:
        await self._db.run(_put, bot_id, sha256, file_id)

    async def forget(self, bot_id: int, sha256: str) -> None:
        await self._db.run(_forget, bot_id, sha256)
