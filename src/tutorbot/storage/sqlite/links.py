"""Links in SQLite: the tokens behind the deep links the bot posts."""

from __future__ import annotations

import sqlite3
from datetime import datetime

from tutorbot.storage.classes import LINK_KINDS, Link, LinkKind, Links
from tutorbot.storage.errors import StoreError
from tutorbot.storage.sqlite.connection import Database, from_ts, transaction, ts

_LINK = (
    "SELECT token, kind, class_id, created_by, created_at, one_time, revoked_at, used_by FROM links"
)


def _link(row: sqlite3.Row) -> Link:
    kind = next((k for k in LINK_KINDS if k == row[1]), None)
    if kind is None:
        raise StoreError(f"the link {row[0]} has an unknown kind {row[1]!r}.")
    return Link(
        token=str(row[0]),
        kind=kind,
        class_id=None if row[2] is None else int(row[2]),
        created_by=int(row[3]),
        created_at=from_ts(row[4]),
        one_time=bool(row[5]),
        revoked=row[6] is not None,
        used_by=None if row[7] is None else int(row[7]),
    )


def _get(conn: sqlite3.Connection, token: str) -> Link | None:
    row = conn.execute(f"{_LINK} WHERE token = ?", (token,)).fetchone()
    return None if row is None else _link(row)


def _add(
    conn: sqlite3.Connection,
    token: str,
    kind: str,
    class_id: int | None,
    created_by: int,
    at: str,
    one_time: bool,
) -> Link:
    try:
        conn.execute(
            "INSERT INTO links (token, kind, class_id, created_by, created_at, one_time) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (token, kind, class_id, created_by, at, int(one_time)),
        )
    except sqlite3.IntegrityError:
        raise StoreError(f"the link token {token} is taken.") from None
    link = _get(conn, token)
    assert link is not None
    return link


def _use(conn: sqlite3.Connection, token: str, user_id: int, at: str) -> bool:
    with transaction(conn):
        link = _get(conn, token)
        if link is None or link.revoked:
            return False
        if not link.one_time:
            return True
        if link.used_by is not None:
            return link.used_by == user_id
        conn.execute(
            "UPDATE links SET used_by = ?, used_at = ? WHERE token = ?", (user_id, at, token)
        )
        return True


def _revoke(conn: sqlite3.Connection, token: str, at: str) -> bool:
    cursor = conn.execute(
        "UPDATE links SET revoked_at = ? WHERE token = ? AND revoked_at IS NULL", (at, token)
    )
    return cursor.rowcount == 1


def _of_class(conn: sqlite3.Connection, class_id: int, kind: str) -> list[Link]:
    rows = conn.execute(
        f"{_LINK} WHERE class_id = ? AND kind = ? AND revoked_at IS NULL "
        "AND NOT (one_time = 1 AND used_by IS NOT NULL) ORDER BY created_at DESC, token",
        (class_id, kind),
    ).fetchall()
    return [_link(r) for r in rows]


class SQLiteLinks(Links):
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
        return await self._db.run(_add, token, kind, class_id, created_by, ts(now), one_time)

    async def get(self, token: str) -> Link | None:
        return await self._db.run(_get, token)

    async def use(self, token: str, user_id: int, now: datetime) -> bool:
        return await self._db.run(_use, token, user_id, ts(now))

    async def revoke(self, token: str, now: datetime) -> bool:
        return await self._db.run(_revoke, token, ts(now))

    async def of_class(self, class_id: int, kind: LinkKind) -> list[Link]:
        return await self._db.run(_of_class, class_id, kind)
