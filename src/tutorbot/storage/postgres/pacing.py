"""Send pacing in PostgreSQL (see :mod:`tutorbot.storage.pacing`): the bucket's row locked
(``FOR UPDATE``, or the insert's conflict) while its time moves, so two processes never
reserve the same moment."""

from __future__ import annotations

from datetime import datetime, timedelta

from tutorbot.storage.pacing import Pacing, next_moments
from tutorbot.storage.postgres.connection import Connection, Database, aware, rows_changed


async def _reserve(
    conn: Connection, bucket: str, now: datetime, interval: timedelta, burst: int
) -> datetime:
    async with conn.transaction():
        # A fresh bucket's row is made first, so that the row lock below serialises
        # reservations from its very first one.
        await conn.execute(
            "INSERT INTO pacing (bucket, tat) VALUES ($1, $2) ON CONFLICT (bucket) DO NOTHING",
            bucket,
            aware(now, "now"),
        )
        tat = await conn.fetchval("SELECT tat FROM pacing WHERE bucket = $1 FOR UPDATE", bucket)
        new_tat, send_at = next_moments(tat, now, interval, burst)
        await conn.execute("UPDATE pacing SET tat = $1 WHERE bucket = $2", new_tat, bucket)
    return send_at


async def _forget(conn: Connection, older_than: datetime) -> int:
    status = await conn.execute(
        "DELETE FROM pacing WHERE tat < $1", aware(older_than, "older_than")
    )
    return rows_changed(status)


class PostgresPacing(Pacing):
    """:class:`Pacing` in the ``pacing`` table."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def reserve(
        self, bucket: str, now: datetime, interval: timedelta, burst: int = 1
    ) -> datetime:
        return await self._db.run(_reserve, bucket, now, interval, burst)

    async def forget(self, older_than: datetime) -> int:
        return await self._db.run(_forget, older_than)
