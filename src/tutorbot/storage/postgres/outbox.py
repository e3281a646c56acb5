"""The outbox in PostgreSQL: replies kept until sent, claimed per session under a lease; live buttons.

A claim locks the session's entries (``FOR UPDATE``) before it looks at their
leases, so a second process claiming the same session waits for the first
to commit, then sees its lease and takes nothing: one sender per session.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from tutorbot.storage.interfaces import Outbox
from tutorbot.storage.postgres.connection import Connection, Database, aware, rows_changed
from tutorbot.storage.records import LiveButtons, OutboxEntry, SessionKey

_COLUMNS = (
    "id, chat_id, thread_id, user_id, version, body, sent_parts, attempts, due, "
    "created_at, last_error, lease_owner, lease_until"
)
_KEY = "chat_id = $1 AND thread_id = $2 AND user_id = $3"


async def add_entry(
    conn: Connection, key: SessionKey, version: int, body: str, at: datetime
) -> int:
    """Keep a reply inside the caller's transaction (due at once); its id."""
    entry_id = await conn.fetchval(
        "INSERT INTO outbox (chat_id, thread_id, user_id, version, body, due, created_at) "
        "VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id",
        *_key(key),
        version,
        body,
        at,
    )
    return int(entry_id)


async def _pending(conn: Connection, key: SessionKey) -> list[OutboxEntry]:
    rows = await conn.fetch(f"SELECT {_COLUMNS} FROM outbox WHERE {_KEY} ORDER BY id", *_key(key))
    return [_entry(row) for row in rows]


async def _claim(
    conn: Connection, key: SessionKey, owner: str, now: datetime, lease: timedelta
) -> list[OutboxEntry]:
    aware(now, "now")
    if await conn.fetchval(f"SELECT 1 FROM outbox WHERE {_KEY} LIMIT 1", *_key(key)) is None:
        return []  # the usual case once a reply went out: no lock taken
    async with conn.transaction():
        rows = await conn.fetch(
            f"SELECT {_COLUMNS} FROM outbox WHERE {_KEY} ORDER BY id FOR UPDATE", *_key(key)
        )
        if any(row[11] not in (None, owner) and row[12] >= now for row in rows):
            return []  # another owner holds them and its lease runs: it sends them
        await conn.execute(
            "UPDATE outbox SET lease_owner = $1, lease_until = $2 WHERE id = ANY($3::bigint[])",
            owner,
            now + lease,
            [row[0] for row in rows],
        )
    return [_entry(row) for row in rows]


async def _due(
    conn: Connection, now: datetime, limit: int, by: datetime | None
) -> list[SessionKey]:
    rows = await conn.fetch(
        "SELECT head.chat_id, head.thread_id, head.user_id FROM outbox AS head "
        "WHERE head.due <= $3 AND head.id = (SELECT MIN(o.id) FROM outbox AS o "
        "  WHERE o.chat_id = head.chat_id AND o.thread_id = head.thread_id "
        "  AND o.user_id = head.user_id) "
        "AND NOT EXISTS (SELECT 1 FROM outbox AS o WHERE o.chat_id = head.chat_id "
        "  AND o.thread_id = head.thread_id AND o.user_id = head.user_id "
        "  AND o.lease_owner IS NOT NULL AND o.lease_until >= $1) "
        "ORDER BY head.due, head.id LIMIT $2",
        aware(now, "now"),
        limit,
        now if by is None else aware(by, "by"),
    )
    return [SessionKey(*row) for row in rows]


async def _progress(
    conn: Connection, entry_id: int, owner: str, sent_parts: int, buttons: Sequence[int]
) -> bool:
    async with conn.transaction():
        row = await conn.fetchrow(
            "UPDATE outbox SET sent_parts = $1 WHERE id = $2 AND lease_owner = $3 "
            "RETURNING chat_id, thread_id, user_id, version",
            sent_parts,
            entry_id,
            owner,
        )
        if row is None:
            return False
        await _remember(conn, SessionKey(row[0], row[1], row[2]), row[3], entry_id, buttons)
    return True


async def _delivered(conn: Connection, entry_id: int, owner: str, buttons: Sequence[int]) -> bool:
    async with conn.transaction():
        row = await conn.fetchrow(
            "DELETE FROM outbox WHERE id = $1 AND lease_owner = $2 "
            "RETURNING chat_id, thread_id, user_id, version",
            entry_id,
            owner,
        )
        if row is None:
            return False
        await _remember(conn, SessionKey(row[0], row[1], row[2]), row[3], entry_id, buttons)
    return True


async def _remember(
    conn: Connection, key: SessionKey, version: int, entry_id: int, buttons: Sequence[int]
) -> None:
    if not buttons:
        return
    await conn.execute(
        "INSERT INTO live_buttons (chat_id, thread_id, user_id, message_id, version, outbox_id) "
        "SELECT $1, $2, $3, message_id, $5, $6 FROM unnest($4::bigint[]) AS message_id "
        "ON CONFLICT (chat_id, thread_id, user_id, message_id) DO UPDATE SET "
        "version = excluded.version, outbox_id = excluded.outbox_id",
        *_key(key),
        list(buttons),
        version,
        entry_id,
    )


async def _reschedule(
    conn: Connection,
    entry_id: int,
    owner: str,
    due: datetime,
    error: str,
    body: str | None,
) -> bool:
    async with conn.transaction():
        row = await conn.fetchrow(
            "UPDATE outbox SET attempts = attempts + 1, due = $1, last_error = $2, "
            "lease_owner = NULL, lease_until = NULL, body = COALESCE($3, body), "
            "sent_parts = CASE WHEN $3::text IS NULL THEN sent_parts ELSE 0 END "
            "WHERE id = $4 AND lease_owner = $5 RETURNING chat_id, thread_id, user_id",
            aware(due, "due"),
            error,
            body,
            entry_id,
            owner,
        )
        if row is None:
            return False
        # The sender stops at this entry: the later ones wait behind it, unclaimed.
        await conn.execute(
            f"UPDATE outbox SET lease_owner = NULL, lease_until = NULL "
            f"WHERE {_KEY} AND lease_owner = $4",
            row[0],
            row[1],
            row[2],
            owner,
        )
    return True


async def _drop(conn: Connection, key: SessionKey) -> int:
    async with conn.transaction():
        await conn.execute(f"DELETE FROM live_buttons WHERE {_KEY}", *_key(key))
        return rows_changed(await conn.execute(f"DELETE FROM outbox WHERE {_KEY}", *_key(key)))


async def _live_buttons(conn: Connection, key: SessionKey) -> list[LiveButtons]:
    rows = await conn.fetch(
        f"SELECT message_id, version, outbox_id FROM live_buttons WHERE {_KEY} "
        "ORDER BY outbox_id, message_id",
        *_key(key),
    )
    return [LiveButtons(key, row[0], row[1], row[2]) for row in rows]


async def _buttons_removed(conn: Connection, key: SessionKey, message_ids: Sequence[int]) -> None:
    await conn.execute(
        f"DELETE FROM live_buttons WHERE {_KEY} AND message_id = ANY($4::bigint[])",
        *_key(key),
        list(message_ids),
    )


async def _owners(conn: Connection) -> list[str]:
    rows = await conn.fetch(
        "SELECT DISTINCT lease_owner FROM outbox WHERE lease_owner IS NOT NULL ORDER BY 1"
    )
    return [row[0] for row in rows]


async def _release(conn: Connection, owner: str) -> int:
    status = await conn.execute(
        "UPDATE outbox SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = $1", owner
    )
    return rows_changed(status)


def _key(key: SessionKey) -> tuple[int, int, int]:
    return key.chat_id, key.thread_id, key.user_id


def _entry(row: Any) -> OutboxEntry:
    return OutboxEntry(
        id=row[0],
        key=SessionKey(row[1], row[2], row[3]),
        version=row[4],
        body=row[5],
        sent_parts=row[6],
        attempts=row[7],
        due=row[8],
        created_at=row[9],
        last_error=row[10],
    )


class PostgresOutbox(Outbox):
    """:class:`Outbox` in the ``outbox`` and ``live_buttons`` tables."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def pending(self, key: SessionKey) -> list[OutboxEntry]:
        return await self._db.run(_pending, key)

    async def claim(
        self, key: SessionKey, owner: str, now: datetime, lease: timedelta
    ) -> list[OutboxEntry]:
        return await self._db.run(_claim, key, owner, now, lease)

    async def due(
        self, now: datetime, limit: int = 100, *, by: datetime | None = None
    ) -> list[SessionKey]:
        return await self._db.run(_due, now, limit, by)

    async def progress(
        self, entry_id: int, owner: str, sent_parts: int, buttons: Sequence[int] = ()
    ) -> bool:
        return await self._db.run(_progress, entry_id, owner, sent_parts, buttons)

    async def delivered(self, entry_id: int, owner: str, buttons: Sequence[int] = ()) -> bool:
        return await self._db.run(_delivered, entry_id, owner, buttons)

    async def reschedule(
        self,
        entry_id: int,
        owner: str,
        due: datetime,
        error: str,
        *,
        body: str | None = None,
    ) -> bool:
        return await self._db.run(_reschedule, entry_id, owner, due, error, body)

    async def drop(self, key: SessionKey) -> int:
        return await self._db.run(_drop, key)

    async def live_buttons(self, key: SessionKey) -> list[LiveButtons]:
        return await self._db.run(_live_buttons, key)

    async def buttons_removed(self, key: SessionKey, message_ids: Sequence[int]) -> None:
        await self._db.run(_buttons_removed, key, message_ids)

    async def owners(self) -> list[str]:
        return await self._db.run(_owners)

    async def release(self, owner: str) -> int:
        return await self._db.run(_release, owner)
