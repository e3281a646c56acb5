"""Users in PostgreSQL: whether each learner still talks to the bot."""

from __future__ import annotations

from datetime import datetime

from tutorbot.storage.interfaces import Users
from tutorbot.storage.postgres.connection import Connection, Database, now


async def mark_seen(conn: Connection, user_id: int, at: datetime) -> None:
    """The user wrote to the bot (inside the caller's transaction): active again."""
    await conn.execute(
        "INSERT INTO users (user_id, active, first_seen, last_seen) VALUES ($1, true, $2, $2) "
        "ON CONFLICT (user_id) DO UPDATE SET active = true, last_seen = excluded.last_seen",
        user_id,
        at,
    )


async def _set_active(conn: Connection, user_id: int, active: bool) -> None:
    await conn.execute(
        "INSERT INTO users (user_id, active, first_seen, last_seen) VALUES ($1, $2, $3, $3) "
        "ON CONFLICT (user_id) DO UPDATE SET active = excluded.active",
        user_id,
        active,
        now(),
    )


async def _active(conn: Connection, user_id: int) -> bool | None:
    active = await conn.fetchval("SELECT active FROM users WHERE user_id = $1", user_id)
    return None if active is None else bool(active)


class PostgresUsers(Users):
    """:class:`Users` in the ``users`` table."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def set_active(self, user_id: int, active: bool) -> None:
        await self._db.run(_set_active, user_id, active)

    async def active(self, user_id: int) -> bool | None:
        return await self._db.run(_active, user_id)
