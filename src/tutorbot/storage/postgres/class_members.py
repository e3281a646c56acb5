"""Class members and class groups in PostgreSQL (see :mod:`tutorbot.storage.classes`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tutorbot.storage.classes import ClassGroup, ClassGroups, Member, Members
from tutorbot.storage.postgres.connection import Connection, Database, rows_changed

# -- members --------------------------------------------------------------------------------

# A user the bot never met (added by a tool) counts as reachable until a send says otherwise.
_MEMBER = (
    "SELECT m.class_id, m.user_id, m.name, m.joined_at, m.left_at, m.muted, "
    "COALESCE(u.active, true) FROM class_members m LEFT JOIN users u ON u.user_id = m.user_id"
)


def _member(row: Any) -> Member:
    return Member(
        class_id=row[0],
        user_id=row[1],
        name=row[2],
        joined_at=row[3],
        left_at=row[4],
        muted=row[5],
        reachable=row[6],
    )


async def _members(conn: Connection, where: str, *args: object) -> list[Member]:
    rows = await conn.fetch(f"{_MEMBER} {where} ORDER BY m.joined_at, m.user_id", *args)
    return [_member(r) for r in rows]


async def _join(conn: Connection, class_id: int, user_id: int, name: str, at: datetime) -> bool:
    async with conn.transaction():
        # A new member is inserted; one who is there (or left) is locked, then updated.
        inserted = await conn.execute(
            "INSERT INTO class_members (class_id, user_id, name, joined_at) "
            "VALUES ($1, $2, $3, $4) ON CONFLICT (class_id, user_id) DO NOTHING",
            class_id,
            user_id,
            name,
            at,
        )
        if rows_changed(inserted) == 1:
            return True
        left_at = await conn.fetchval(
            "SELECT left_at FROM class_members WHERE class_id = $1 AND user_id = $2 FOR UPDATE",
            class_id,
            user_id,
        )
        if left_at is None:
            await conn.execute(
                "UPDATE class_members SET name = $1 WHERE class_id = $2 AND user_id = $3",
                name,
                class_id,
                user_id,
            )
            return False
        await conn.execute(
            "UPDATE class_members SET name = $1, joined_at = $2, left_at = NULL, muted = false "
            "WHERE class_id = $3 AND user_id = $4",
            name,
            at,
            class_id,
            user_id,
        )
        return True


async def _leave(conn: Connection, class_id: int, user_id: int, at: datetime) -> bool:
    status = await conn.execute(
        "UPDATE class_members SET left_at = $1 "
        "WHERE class_id = $2 AND user_id = $3 AND left_at IS NULL",
        at,
        class_id,
        user_id,
    )
    return rows_changed(status) == 1


async def _mute(conn: Connection, class_id: int, user_id: int, muted: bool) -> bool:
    status = await conn.execute(
        "UPDATE class_members SET muted = $1 "
        "WHERE class_id = $2 AND user_id = $3 AND left_at IS NULL",
        muted,
        class_id,
        user_id,
    )
    return rows_changed(status) == 1


class PostgresMembers(Members):
    """:class:`Members` in the ``class_members`` table (reachability from ``users``)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def join(self, class_id: int, user_id: int, name: str, now: datetime) -> bool:
        return await self._db.run(_join, class_id, user_id, name, now)

    async def leave(self, class_id: int, user_id: int, now: datetime) -> bool:
        return await self._db.run(_leave, class_id, user_id, now)

    async def set_muted(self, class_id: int, user_id: int, muted: bool) -> bool:
        return await self._db.run(_mute, class_id, user_id, muted)

    async def get(self, class_id: int, user_id: int) -> Member | None:
        where = "WHERE m.class_id = $1 AND m.user_id = $2"
        found = await self._db.run(_members, where, class_id, user_id)
        return found[0] if found else None

    async def of_class(self, class_id: int, *, former: bool = False) -> list[Member]:
        where = "WHERE m.class_id = $1" + ("" if former else " AND m.left_at IS NULL")
        return await self._db.run(_members, where, class_id)

    async def recipients(self, class_id: int) -> list[Member]:
        where = (
            "WHERE m.class_id = $1 AND m.left_at IS NULL AND NOT m.muted "
            "AND COALESCE(u.active, true)"
        )
        return await self._db.run(_members, where, class_id)

    async def of_user(self, user_id: int) -> list[Member]:
        return await self._db.run(_members, "WHERE m.user_id = $1 AND m.left_at IS NULL", user_id)


# -- class groups ---------------------------------------------------------------------------

_GROUP = (
    "SELECT class_id, chat_id, title, added_by, added_at, confirmed_by, removed, migrated_from "
    "FROM class_groups"
)


async def _groups(conn: Connection, where: str, *args: object) -> list[ClassGroup]:
    rows = await conn.fetch(f"{_GROUP} {where} ORDER BY added_at, chat_id", *args)
    return [ClassGroup(*row) for row in rows]


async def _add_group(
    conn: Connection, class_id: int, chat_id: int, title: str, added_by: int, at: datetime
) -> ClassGroup:
    row = await conn.fetchrow(
        "INSERT INTO class_groups (class_id, chat_id, title, added_by, added_at) "
        "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (class_id, chat_id) "
        "DO UPDATE SET title = excluded.title, removed = false "
        "RETURNING class_id, chat_id, title, added_by, added_at, confirmed_by, removed, "
        "migrated_from",
        class_id,
        chat_id,
        title,
        added_by,
        at,
    )
    if row is None:  # pragma: no cover: an upsert always returns its row
        raise RuntimeError("the class group upsert returned no row")
    return ClassGroup(*row)


async def _confirm_group(conn: Connection, class_id: int, chat_id: int, by: int) -> bool:
    status = await conn.execute(
        "UPDATE class_groups SET confirmed_by = $1 WHERE class_id = $2 AND chat_id = $3",
        by,
        class_id,
        chat_id,
    )
    return rows_changed(status) == 1


async def _bot_removed(conn: Connection, chat_id: int, removed: bool) -> int:
    status = await conn.execute(
        "UPDATE class_groups SET removed = $1 WHERE chat_id = $2 AND removed <> $1",
        removed,
        chat_id,
    )
    return rows_changed(status)


async def _migrate(conn: Connection, old: int, new: int) -> int:
    async with conn.transaction():
        # A class the new chat is already in keeps that row; the old one goes.
        await conn.execute(
            "DELETE FROM class_groups WHERE chat_id = $1 AND class_id IN "
            "(SELECT class_id FROM class_groups WHERE chat_id = $2)",
            old,
            new,
        )
        status = await conn.execute(
            "UPDATE class_groups SET chat_id = $1, migrated_from = $2 WHERE chat_id = $2",
            new,
            old,
        )
    return rows_changed(status)


class PostgresClassGroups(ClassGroups):
    """:class:`ClassGroups` in the ``class_groups`` table."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(
        self, class_id: int, chat_id: int, title: str, added_by: int, now: datetime
    ) -> ClassGroup:
        return await self._db.run(_add_group, class_id, chat_id, title, added_by, now)

    async def confirm(self, class_id: int, chat_id: int, by: int) -> bool:
        return await self._db.run(_confirm_group, class_id, chat_id, by)

    async def get(self, class_id: int, chat_id: int) -> ClassGroup | None:
        found = await self._db.run(
            _groups, "WHERE class_id = $1 AND chat_id = $2", class_id, chat_id
        )
        return found[0] if found else None

    async def of_class(self, class_id: int, *, all: bool = False) -> list[ClassGroup]:
        where = "WHERE class_id = $1"
        if not all:
            where += " AND confirmed_by IS NOT NULL AND NOT removed"
        return await self._db.run(_groups, where, class_id)

    async def of_chat(self, chat_id: int) -> list[ClassGroup]:
        return await self._db.run(_groups, "WHERE chat_id = $1", chat_id)

    async def bot_removed(self, chat_id: int, removed: bool = True) -> int:
        return await self._db.run(_bot_removed, chat_id, removed)

    async def migrate(self, old_chat_id: int, new_chat_id: int) -> int:
        return await self._db.run(_migrate, old_chat_id, new_chat_id)
