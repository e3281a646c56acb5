"""Send pacing in SQLite (see :mod:`tutorbot.storage.pacing`): read, compute, write under
the write lock, so two processes never reserve the same moment."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta

from tutorbot.storage.pacing import Pacing, next_moments
from tutorbot.storage.sqlite.connection import Database, from_ts, transaction, ts


def _reserve(
    conn: sqlite3.Connection, bucket: str, now: datetime, interval: timedelta, burst: int
) -> datetime:
    with transaction(conn):
        row = conn.execute("SELECT tat FROM pacing WHERE bucket = ?", (bucket,)).fetchone()
        tat, send_at = next_moments(None if row is None else from_ts(row[0]), now, interval, burst)
        conn.execute(
            "INSERT INTO pacing (bucket, tat) VALUES (?, ?) "
            "ON CONFLICT (bucket) DO UPDATE SET tat = excluded.tat",
            (bucket, ts(tat)),
        )
    return send_at


def _forget(conn: sqlite3.Connection, older_than: datetime) -> int:
    return conn.execute("DELETE FROM pacing WHERE tat < ?", (ts(older_than),)).rowcount


class SQLitePacing(Pacing):
    """:class:`Pacing` in the ``pacing`` table."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def reserve(
        self, bucket: str, now: datetime, interval: timedelta, burst: int = 1
    ) -> datetime:
        return await self._db.run(_reserve, bucket, now, interval, burst)

    async def forget(self, older_than: datetime) -> int:
        return await self._db.run(_forget, older_than)
