"""The inbox in SQLite: updates received and not yet handled, by update id."""

from __future__ import annotations

import sqlite3
from datetime import datetime

from tutorbot.storage.interfaces import Inbox
from tutorbot.storage.records import InboxEntry
from tutorbot.storage.sqlite.connection import Database, from_ts, ts

_COLUMNS = "update_id, body, owner, received_at, deliveries"


def _add(conn: sqlite3.Connection, update_id: int, body: str, owner: str, now: datetime) -> bool:
    cursor = conn.execute(
        "INSERT INTO inbox (update_id, body, owner, received_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (update_id) DO NOTHING",
        (update_id, body, owner, ts(now)),
    )
    return cursor.rowcount == 1


def _done(conn: sqlite3.Connection, update_id: int) -> None:
    conn.execute("DELETE FROM inbox WHERE update_id = ?", (update_id,))


def _waiting(conn: sqlite3.Connection) -> list[InboxEntry]:
    rows = conn.execute(f"SELECT {_COLUMNS} FROM inbox ORDER BY update_id").fetchall()
    return [InboxEntry(row[0], row[1], row[2], from_ts(row[3]), row[4]) for row in rows]


def _take(conn: sqlite3.Connection, update_id: int, owner: str) -> InboxEntry | None:
    rows = conn.execute(
        "UPDATE inbox SET owner = ?, deliveries = deliveries + 1 WHERE update_id = ? "
        f"RETURNING {_COLUMNS}",
        (owner, update_id),
    ).fetchall()
    if not rows:
        return None
    row = rows[0]
    return InboxEntry(row[0], row[1], row[2], from_ts(row[3]), row[4])


class SQLiteInbox(Inbox):
    """:class:`Inbox` in the ``inbox`` table."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(self, update_id: int, body: str, owner: str, now: datetime) -> bool:
        return await self._db.run(_add, update_id, body, owner, now)

    async def done(self, update_id: int) -> None:
        await self._db.run(_done, update_id)

    async def waiting(self) -> list[InboxEntry]:
        return await self._db.run(_waiting)

    async def take(self, update_id: int, owner: str) -> InboxEntry | None:
        return await self._db.run(_take, update_id, owner)
