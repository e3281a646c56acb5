"""Users in SQLite: whether each learner still talks to the bot."""

from __future__ import annotations

import sqlite3

from tutorbot.storage.interfaces import Users
from tutorbot.storage.sqlite.connection import Database, ts


def mark_seen(conn: sqlite3.Connection, user_id: int, at: str) -> None:
    """The user wrote to the bot (inside the caller's transaction): active again."""
    conn.execute(
        "INSERT INTO users (user_id, active, first_seen, last_seen) "
        "VALUES (?, 1, ?, ?) ON CONFLICT (user_id) "
        "DO UPDATE SET active = 1, last_seen = excluded.last_seen",
        (user_id, at, at),
    )


def _set_active(conn: sqlite3.Connection, user_id: int, active: bool) -> None:
    at = ts()
    conn.execute(
        "INSERT INTO users (user_id, active, first_seen, last_seen) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (user_id) DO UPDATE SET active = excluded.active",
        (user_id, int(active), at, at),
    )


def _active(conn: sqlite3.Connection, user_id: int) -> bool | None:
    row = conn.execute("SELECT active FROM users WHERE user_id = ?", (user_id,)).fetchone()
    return None if row is None else bool(row[0])


class SQLiteUsers(Users):
    """:class:`Users` in the ``users`` table."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def set_active(self, user_id: int, active: bool) -> None:
        await self._db.run(_set_active, user_id, active)

    async def active(self, user_id: int) -> bool | None:
        return await self._db.run(_active, user_id)
