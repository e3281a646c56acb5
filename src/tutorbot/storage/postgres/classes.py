"""Instructors and classes in PostgreSQL (see :mod:`tutorbot.storage.classes`).

Members and class groups are in :mod:`.class_members`. Where the SQLite
backend reads then writes inside its single-writer transaction, this one lets
a constraint decide between two processes (``ON CONFLICT``) or locks the row
it read (``FOR UPDATE``).
"""

from __future__ import annotations

import builtins
from datetime import datetime
from typing import Any

from tutorbot.storage.classes import Classes, ClassRecord, Instructor, Instructors
from tutorbot.storage.postgres.connection import Connection, Database, rows_changed

# -- instructors ----------------------------------------------------------------------------


async def _add_instructor(conn: Connection, user_id: int, added_by: int, at: datetime) -> bool:
    status = await conn.execute(
        "INSERT INTO instructors (user_id, added_by, added_at) VALUES ($1, $2, $3) "
        "ON CONFLICT (user_id) DO NOTHING",
        user_id,
        added_by,
        at,
    )
    return rows_changed(status) == 1


async def _remove_instructor(conn: Connection, user_id: int) -> bool:
    status = await conn.execute("DELETE FROM instructors WHERE user_id = $1", user_id)
    return rows_changed(status) == 1


async def _instructors(conn: Connection, user_id: int | None) -> list[Instructor]:
    rows = await conn.fetch(
        "SELECT user_id, added_by, added_at FROM instructors "
        "WHERE $1::bigint IS NULL OR user_id = $1 ORDER BY added_at, user_id",
        user_id,
    )
    return [Instructor(r[0], r[1], r[2]) for r in rows]


class PostgresInstructors(Instructors):
    """:class:`Instructors` in the ``instructors`` table."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(self, user_id: int, added_by: int, now: datetime) -> bool:
        return await self._db.run(_add_instructor, user_id, added_by, now)

    async def remove(self, user_id: int) -> bool:
        return await self._db.run(_remove_instructor, user_id)

    async def get(self, user_id: int) -> Instructor | None:
        found = await self._db.run(_instructors, user_id)
        return found[0] if found else None

    async def list(self) -> builtins.list[Instructor]:
        return await self._db.run(_instructors, None)


# -- classes --------------------------------------------------------------------------------

# Each class with its instructors, oldest first, in one statement.
_CLASS = (
    "SELECT c.id, c.name, c.archived, c.created_at, "
    "ARRAY(SELECT t.user_id FROM class_instructors t WHERE t.class_id = c.id "
    "ORDER BY t.added_at, t.user_id) FROM classes c"
)


def _class(row: Any) -> ClassRecord:
    return ClassRecord(
        id=row[0], name=row[1], archived=row[2], created_at=row[3], instructors=tuple(row[4])
    )


async def _classes(conn: Connection, where: str, *args: object) -> list[ClassRecord]:
    return [_class(row) for row in await conn.fetch(f"{_CLASS} {where} ORDER BY c.id", *args)]


async def _create_class(
    conn: Connection, name: str, instructor: int, at: datetime, origin: str | None
) -> ClassRecord:
    async with conn.transaction():
        class_id = await conn.fetchval(
            "INSERT INTO classes (name, created_at, origin) VALUES ($1, $2, $3) "
            "ON CONFLICT (origin) DO NOTHING RETURNING id",
            name,
            at,
            origin,
        )
        if class_id is None:  # this request made its class before (here or elsewhere)
            class_id = await conn.fetchval("SELECT id FROM classes WHERE origin = $1", origin)
        else:
            await conn.execute(
                "INSERT INTO class_instructors (class_id, user_id, added_at) VALUES ($1, $2, $3)",
                class_id,
                instructor,
                at,
            )
    return (await _classes(conn, "WHERE c.id = $1", class_id))[0]


async def _set_name(conn: Connection, class_id: int, name: str) -> bool:
    status = await conn.execute("UPDATE classes SET name = $1 WHERE id = $2", name, class_id)
    return rows_changed(status) == 1


async def _set_archived(conn: Connection, class_id: int, archived: bool) -> bool:
    status = await conn.execute(
        "UPDATE classes SET archived = $1 WHERE id = $2", archived, class_id
    )
    return rows_changed(status) == 1


async def _add_teacher(conn: Connection, class_id: int, user_id: int, at: datetime) -> bool:
    status = await conn.execute(
        "INSERT INTO class_instructors (class_id, user_id, added_at) "
        "SELECT id, $2, $3 FROM classes WHERE id = $1 "
        "ON CONFLICT (class_id, user_id) DO NOTHING",
        class_id,
        user_id,
        at,
    )
    return rows_changed(status) == 1


async def _remove_teacher(conn: Connection, class_id: int, user_id: int) -> bool:
    status = await conn.execute(
        "DELETE FROM class_instructors WHERE class_id = $1 AND user_id = $2", class_id, user_id
    )
    return rows_changed(status) == 1


async def _hand_over(conn: Connection, from_user: int, to_user: int, at: datetime) -> list[int]:
    async with conn.transaction():
        rows = await conn.fetch(
            "SELECT class_id FROM class_instructors WHERE user_id = $1 ORDER BY class_id "
            "FOR UPDATE",
            from_user,
        )
        ids = [int(r[0]) for r in rows]
        await conn.execute(
            "INSERT INTO class_instructors (class_id, user_id, added_at) "
            "SELECT class_id, $2, $3 FROM unnest($1::bigint[]) AS class_id "
            "ON CONFLICT (class_id, user_id) DO NOTHING",
            ids,
            to_user,
            at,
        )
        if from_user != to_user:
            await conn.execute("DELETE FROM class_instructors WHERE user_id = $1", from_user)
    return ids


class PostgresClasses(Classes):
    """:class:`Classes` in the ``classes`` and ``class_instructors`` tables."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def create(
        self, name: str, instructor: int, now: datetime, *, origin: str | None = None
    ) -> ClassRecord:
        return await self._db.run(_create_class, name, instructor, now, origin)

    async def get(self, class_id: int) -> ClassRecord | None:
        found = await self._db.run(_classes, "WHERE c.id = $1", class_id)
        return found[0] if found else None

    async def list(self, *, archived: bool = False) -> builtins.list[ClassRecord]:
        return await self._db.run(_classes, "" if archived else "WHERE NOT c.archived")

    async def of_instructor(
        self, user_id: int, *, archived: bool = False
    ) -> builtins.list[ClassRecord]:
        where = "WHERE c.id IN (SELECT class_id FROM class_instructors WHERE user_id = $1)"
        if not archived:
            where += " AND NOT c.archived"
        return await self._db.run(_classes, where, user_id)

    async def rename(self, class_id: int, name: str) -> bool:
        return await self._db.run(_set_name, class_id, name)

    async def set_archived(self, class_id: int, archived: bool) -> bool:
        return await self._db.run(_set_archived, class_id, archived)

    async def add_instructor(self, class_id: int, user_id: int, now: datetime) -> bool:
        return await self._db.run(_add_teacher, class_id, user_id, now)

    async def remove_instructor(self, class_id: int, user_id: int) -> bool:
        return await self._db.run(_remove_teacher, class_id, user_id)

    async def hand_over(self, from_user: int, to_user: int, now: datetime) -> builtins.list[int]:
        return await self._db.run(_hand_over, from_user, to_user, now)
