"""The outbox in SQLite: replies kept until sent, claimed per session under a lease; live buttons.

A claim reads the session's entries and leases them all inside ``BEGIN
IMMEDIATE`` (SQLite lets one writer in at a time), so two processes never
both hold a session's entries; a session with nothing waiting costs one
read and no write lock.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from tutorbot.storage.interfaces import Outbox
from tutorbot.storage.records import LiveButtons, OutboxEntry, SessionKey
from tutorbot.storage.sqlite.connection import Database, from_ts, transaction, ts

_COLUMNS = (
    "id, chat_id, thread_id, user_id, version, body, sent_parts, attempts, due, "
    "created_at, last_error, lease_owner, lease_until"
)
_KEY = "chat_id = ? AND thread_id = ? AND user_id = ?"


def add_entry(conn: sqlite3.Connection, key: SessionKey, version: int, body: str, at: str) -> int:
    """Keep a reply inside the caller's transaction (due at once); its id."""
    (entry_id,) = conn.execute(
        "INSERT INTO outbox (chat_id, thread_id, user_id, version, body, due, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
        (*_key(key), version, body, at, at),
    ).fetchall()[0]
    return int(entry_id)


def _pending(conn: sqlite3.Connection, key: SessionKey) -> list[OutboxEntry]:
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM outbox WHERE {_KEY} ORDER BY id", _key(key)
    ).fetchall()
    return [_entry(row) for row in rows]


def _claim(
    conn: sqlite3.Connection, key: SessionKey, owner: str, now: datetime, lease: timedelta
) -> list[OutboxEntry]:
    if not conn.execute(f"SELECT 1 FROM outbox WHERE {_KEY} LIMIT 1", _key(key)).fetchone():
        return []  # the usual case once a reply went out: no write lock taken
    at = ts(_aware(now))
    with transaction(conn):
        rows = conn.execute(
            f"SELECT {_COLUMNS} FROM outbox WHERE {_KEY} ORDER BY id", _key(key)
        ).fetchall()
        if any(row[11] not in (None, owner) and row[12] >= at for row in rows):
            return []  # another owner holds them and its lease runs: it sends them
        conn.execute(
            f"UPDATE outbox SET lease_owner = ?, lease_until = ? WHERE {_KEY}",
            (owner, ts(now + lease), *_key(key)),
        )
    return [_entry(row) for row in rows]


def _due(
    conn: sqlite3.Connection, now: datetime, limit: int, by: datetime | None
) -> list[SessionKey]:
    at = ts(_aware(now))
    rows = conn.execute(
        "SELECT head.chat_id, head.thread_id, head.user_id FROM outbox AS head "
        "WHERE head.due <= ?3 AND head.id = (SELECT MIN(o.id) FROM outbox AS o "
        "  WHERE o.chat_id = head.chat_id AND o.thread_id = head.thread_id "
        "  AND o.user_id = head.user_id) "
        "AND NOT EXISTS (SELECT 1 FROM outbox AS o WHERE o.chat_id = head.chat_id "
        "  AND o.thread_id = head.thread_id AND o.user_id = head.user_id "
        "  AND o.lease_owner IS NOT NULL AND o.lease_until >= ?1) "
        "ORDER BY head.due, head.id LIMIT ?2",
        (at, limit, at if by is None else ts(_aware(by))),
    ).fetchall()
    return [SessionKey(*row) for row in rows]


def _progress(
    conn: sqlite3.Connection, entry_id: int, owner: str, sent_parts: int, buttons: Sequence[int]
) -> bool:
    with transaction(conn):
        row = conn.execute(
            "UPDATE outbox SET sent_parts = ? WHERE id = ? AND lease_owner = ? "
            "RETURNING chat_id, thread_id, user_id, version",
            (sent_parts, entry_id, owner),
        ).fetchall()
        if not row:
            return False
        _remember(conn, SessionKey(*row[0][:3]), row[0][3], entry_id, buttons)
    return True


def _delivered(conn: sqlite3.Connection, entry_id: int, owner: str, buttons: Sequence[int]) -> bool:
    with transaction(conn):
        row = conn.execute(
            "DELETE FROM outbox WHERE id = ? AND lease_owner = ? "
            "RETURNING chat_id, thread_id, user_id, version",
            (entry_id, owner),
        ).fetchall()
        if not row:
            return False
        _remember(conn, SessionKey(*row[0][:3]), row[0][3], entry_id, buttons)
    return True


def _remember(
    conn: sqlite3.Connection, key: SessionKey, version: int, entry_id: int, buttons: Sequence[int]
) -> None:
    conn.executemany(
        "INSERT INTO live_buttons (chat_id, thread_id, user_id, message_id, version, outbox_id) "
        "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (chat_id, thread_id, user_id, message_id) "
        "DO UPDATE SET "
        "version = excluded.version, outbox_id = excluded.outbox_id",
        [(*_key(key), message_id, version, entry_id) for message_id in buttons],
    )


def _reschedule(
    conn: sqlite3.Connection,
    entry_id: int,
    owner: str,
    due: datetime,
    error: str,
    body: str | None,
) -> bool:
    with transaction(conn):
        rows = conn.execute(
            "UPDATE outbox SET attempts = attempts + 1, due = ?, last_error = ?, "
            "lease_owner = NULL, lease_until = NULL, body = COALESCE(?, body), "
            "sent_parts = CASE WHEN ? IS NULL THEN sent_parts ELSE 0 END "
            "WHERE id = ? AND lease_owner = ? RETURNING chat_id, thread_id, user_id",
            (ts(_aware(due)), error, body, body, entry_id, owner),
        ).fetchall()
        if not rows:
            return False
        # The sender stops at this entry: the later ones wait behind it, unclaimed.
        conn.execute(
            f"UPDATE outbox SET lease_owner = NULL, lease_until = NULL "
            f"WHERE {_KEY} AND lease_owner = ?",
            (*rows[0], owner),
        )
    return True


def _drop(conn: sqlite3.Connection, key: SessionKey) -> int:
    with transaction(conn):
        conn.execute(f"DELETE FROM live_buttons WHERE {_KEY}", _key(key))
        return conn.execute(f"DELETE FROM outbox WHERE {_KEY}", _key(key)).rowcount


def _live_buttons(conn: sqlite3.Connection, key: SessionKey) -> list[LiveButtons]:
    rows = conn.execute(
        f"SELECT message_id, version, outbox_id FROM live_buttons WHERE {_KEY} "
        "ORDER BY outbox_id, message_id",
        _key(key),
    ).fetchall()
    return [
        LiveButtons(key, message_id, version, outbox_id) for message_id, version, outbox_id in rows
    ]


def _buttons_removed(conn: sqlite3.Connection, key: SessionKey, message_ids: Sequence[int]) -> None:
    conn.executemany(
        f"DELETE FROM live_buttons WHERE {_KEY} AND message_id = ?",
        [(*_key(key), message_id) for message_id in message_ids],
    )


def _owners(conn: sqlite3.Connection) -> list[str]:
    rows = conn.execute(
        "SELECT DISTINCT lease_owner FROM outbox WHERE lease_owner IS NOT NULL ORDER BY 1"
    ).fetchall()
    return [row[0] for row in rows]


def _release(conn: sqlite3.Connection, owner: str) -> int:
    cursor = conn.execute(
        "UPDATE outbox SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = ?", (owner,)
    )
    return cursor.rowcount


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
        due=from_ts(row[8]),
        created_at=from_ts(row[9]),
        last_error=row[10],
    )


def _aware(moment: datetime) -> datetime:
    # Times are compared as UTC text: a naive one would compare wrongly, silently.
    if moment.tzinfo is None:
        raise ValueError(f"outbox times must be timezone-aware, not {moment}")
    return moment


class SQLiteOutbox(Outbox):
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
