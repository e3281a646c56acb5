"""Links in PostgreSQL: the tokens behind the deep links the bot posts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import asyncpg

from tutorbot.storage.classes import LINK_KINDS, Link, LinkKind, Links
from tutorbot.storage.errors import StoreError
from tutorbot.storage.postgres.connection import Connection, Database, rows_changed

_LINK = (
    "SELECT token, kind, class_id, created_by, created_at, one_time, revoked_at, used_by FROM links"
)


def _link(row: Any) -> Link:
    kind = next((k for k in LINK_KINDS if k == row[1]), None)
    if kind is None:
        raise StoreError(f"the link {row[0]} has an unknown kind {row[1]!r}.")
    return Link(
        token=row[0],
        kind=kind,
        class_id=row[2],
        created_by=row[3],
        created_at=row[4],
        one_time=row[5],
        revoked=row[6] is not None,
        used_by=row[7],
    )


async def _get(conn: Connection, token: str, lock: str = "") -> Link | None:
    row = await conn.fetchrow(f"{_LINK} WHERE token = $1 {lock}", token)
    return None if row is None else _link(row)


async def _add(
    conn: Connection,
    token: str,
    kind: str,
    class_id: int | None,
    created_by: int,
    at: datetime,
    one_time: bool,
) -> Link:
    try:
        row = await conn.fetchrow(
            "INSERT INTO links (token, kind, class_id, created_by, created_at, one_time) "
            "VALUES ($1, $2, $3, $4, $5, $6) "
            "RETURNING token, kind, class_id, created_by, created_at, one_time, revoked_at, used_by",
            token,
            kind,
            class_id,
            created_by,
            at,
            one_time,
        )
    except asyncpg.UniqueViolationError:
        raise StoreError(f"the link token {token} is taken.") from None
    return _link(row)


async def _use(conn: Connection, token: str, user_id: int, at: datetime) -> bool:
    async with conn.transaction():
        link = await _get(conn, token, "FOR UPDATE")  # two users taking one one-time link
        if link is None or link.revoked:
            return False
        if not link.one_time:
            return True
        if link.used_by is not None:
            return link.used_by == user_id
        await conn.execute(
            "UPDATE links SET used_by = $1, used_at = $2 WHERE token = $3", user_id, at, token
        )
        return True


async def _revoke(conn: Connection, token: str, at: datetime) -> bool:
    status = await conn.execute(
        "UPDATE links SET revoked_at = $1 WHERE token = $2 AND revoked_at IS NULL", at, token
    )
    return rows_changed(status) == 1


async def _of_class(conn: Connection, class_id: int, kind: str) -> list[Link]:
    rows = await conn.fetch(
        f"{_LINK} WHERE class_id = $1 AND kind = $2 AND revoked_at IS NULL "
        "AND NOT (one_time AND used_by IS NOT NULL) ORDER BY created_at DESC, token",
        class_id,
        kind,
    )
    return [_link(r) for r in rows]


class PostgresLinks(Links):
    """:class:`Links` in the ``links`` table."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(
        self,
        token: str,
        kind: LinkKind,
        *,
        class_id: int | None,
        created_by: int,
        now: datetime,
        one_time: bool = False,
    ) -> Link:
        return await self._db.run(_add, token, kind, class_id, created_by, now, one_time)

    async def get(self, token: str) -> Link | None:
        return await self._db.run(_get, token)

    async def use(self, token: str, user_id: int, now: datetime) -> bool:
        return await self._db.run(_use, token, user_id, now)

    async def revoke(self, token: str, now: datetime) -> bool:
        return await self._db.run(_revoke, token, now)

    async def of_class(self, class_id: int, kind: LinkKind) -> list[Link]:
        return await self._db.run(_of_class, class_id, kind)
