"""The inbox in PostgreSQL: updates received and not yet handled, by update id."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tutorbot.storage.interfaces import Inbox
from tutorbot.storage.postgres.connection import Connection, Database, aware, rows_changed
from tutorbot.storage.records import InboxEntry

_COLUMNS = "update_id, body, owner, received_at, deliveries"


async def _add(conn: Connection, update_id: int, body: str, owner: str, now: datetime) -> bool:
    status = await conn.execute(
        "INSERT INTO inbox (update_id, body, owner, received_at) VALUES ($1, $2, $3, $4) "
        "ON CONFLICT (update_id) DO NOTHING",
        update_id,
        body,
        owner,
        aware(now, "now"),
    )
    return rows_changed(status) == 1


async def _done(conn: Connection, update_id: int) -> None:
    await conn.execute("DELETE FROM inbox WHERE update_id = $1", update_id)


async def _waiting(conn: Connection) -> list[InboxEntry]:
    rows = await conn.fetch(f"SELECT {_COLUMNS} FROM inbox ORDER BY update_id")
    return [_entry(row) for row in rows]


async def _take(conn: Connection, update_id: int, owner: str) -> InboxEntry | None:
    row = await conn.fetchrow(
        "UPDATE inbox SET owner = $1, deliveries = deliveries + 1 WHERE update_id = $2 "
        f"RETURNING {_COLUMNS}",
        owner,
        update_id,
    )
    return None if row is None else _entry(row)


def _entry(row: Any) -> InboxEntry:
    return InboxEntry(row[0], row[1], row[2], row[3], row[4])


class PostgresInbox(Inbox):
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
