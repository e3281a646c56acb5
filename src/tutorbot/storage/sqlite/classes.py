"""Instructors, classes, members and class groups in SQLite (see :mod:`tutorbot.storage.classes`)."""

from __future__ import annotations

import builtins
import sqlite3
from datetime import datetime

from tutorbot.storage.classes import (
    Classes,
    ClassGroup,
    ClassGroups,
    ClassRecord,
    Instructor,
    Instructors,
    Member,
    Members,
)
from tutorbot.storage.sqlite.connection import Database, from_ts, transaction, ts

# -- instructors ----------------------------------------------------------------------------


def _add_instructor(conn: sqlite3.Connection, user_id: int, added_by: int, at: str) -> bool:
    cursor = conn.execute(
        "INSERT INTO instructors (user_id, added_by, added_at) VALUES (?, ?, ?) "
        "ON CONFLICT (user_id) DO NOTHING",
        (user_id, added_by, at),
    )
    return cursor.rowcount == 1


def _remove_instructor(conn: sqlite3.Connection, user_id: int) -> bool:
    return conn.execute("DELETE FROM instructors WHERE user_id = ?", (user_id,)).rowcount == 1


def _instructors(conn: sqlite3.Connection, user_id: int | None) -> list[Instructor]:
    sql = "SELECT user_id, added_by, added_at FROM instructors"
    rows = (
        conn.execute(sql + " ORDER BY added_at, user_id").fetchall()
        if user_id is None
        else conn.execute(sql + " WHERE user_id = ?", (user_id,)).fetchall()
    )
    return [Instructor(int(r[0]), int(r[1]), from_ts(r[2])) for r in rows]


class SQLiteInstructors(Instructors):
    """:class:`Instructors` in the ``instructors`` table."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(self, user_id: int, added_by: int, now: datetime) -> bool:
        return await self._db.run(_add_instructor, user_id, added_by, ts(now))

    async def remove(self, user_id: int) -> bool:
        return await self._db.run(_remove_instructor, user_id)

    async def get(self, user_id: int) -> Instructor | None:
        found = await self._db.run(_instructors, user_id)
        return found[0] if found else None

    async def list(self) -> builtins.list[Instructor]:
        return await self._db.run(_instructors, None)


# -- classes --------------------------------------------------------------------------------

_CLASS = "SELECT id, name, archived, created_at FROM classes"


def _class_rows(conn: sqlite3.Connection, rows: list[sqlite3.Row]) -> list[ClassRecord]:
    found = []
    for row in rows:
        teachers = conn.execute(
            "SELECT user_id FROM class_instructors WHERE class_id = ? ORDER BY added_at, user_id",
            (row[0],),
        ).fetchall()
        found.append(
            ClassRecord(
                id=int(row[0]),
                name=str(row[1]),
                archived=bool(row[2]),
                created_at=from_ts(row[3]),
                instructors=tuple(int(t[0]) for t in teachers),
            )
        )
    return found


def _create_class(
    conn: sqlite3.Connection, name: str, instructor: int, at: str, origin: str | None
) -> ClassRecord:
    with transaction(conn):
        if origin is not None:
            row = conn.execute("SELECT id FROM classes WHERE origin = ?", (origin,)).fetchone()
            if row is not None:
                return _classes(conn, "WHERE id = ?", (row[0],))[0]
        cursor = conn.execute(
            "INSERT INTO classes (name, created_at, origin) VALUES (?, ?, ?)", (name, at, origin)
        )
        class_id = int(cursor.lastrowid or 0)
        conn.execute(
            "INSERT INTO class_instructors (class_id, user_id, added_at) VALUES (?, ?, ?)",
            (class_id, instructor, at),
        )
    return _classes(conn, "WHERE id = ?", (class_id,))[0]


def _classes(conn: sqlite3.Connection, where: str, args: tuple[object, ...]) -> list[ClassRecord]:
    return _class_rows(conn, conn.execute(f"{_CLASS} {where} ORDER BY id", args).fetchall())


def _of_instructor(conn: sqlite3.Connection, user_id: int, archived: bool) -> list[ClassRecord]:
    where = "WHERE id IN (SELECT class_id FROM class_instructors WHERE user_id = ?)"
    if not archived:
        where += " AND archived = 0"
    return _classes(conn, where, (user_id,))


def _update_class(conn: sqlite3.Connection, class_id: int, column: str, value: object) -> bool:
    # ``column`` is one of ours, never user input.
    sql = f"UPDATE classes SET {column} = ? WHERE id = ?"
    return conn.execute(sql, (value, class_id)).rowcount == 1


def _add_teacher(conn: sqlite3.Connection, class_id: int, user_id: int, at: str) -> bool:
    if conn.execute("SELECT 1 FROM classes WHERE id = ?", (class_id,)).fetchone() is None:
        return False
    cursor = conn.execute(
        "INSERT INTO class_instructors (class_id, user_id, added_at) VALUES (?, ?, ?) "
        "ON CONFLICT (class_id, user_id) DO NOTHING",
        (class_id, user_id, at),
    )
    return cursor.rowcount == 1


def _remove_teacher(conn: sqlite3.Connection, class_id: int, user_id: int) -> bool:
    cursor = conn.execute(
        "DELETE FROM class_instructors WHERE class_id = ? AND user_id = ?", (class_id, user_id)
    )
    return cursor.rowcount == 1


def _hand_over(conn: sqlite3.Connection, from_user: int, to_user: int, at: str) -> list[int]:
    with transaction(conn):
        ids = [
            int(r[0])
            for r in conn.execute(
                "SELECT class_id FROM class_instructors WHERE user_id = ? ORDER BY class_id",
                (from_user,),
            ).fetchall()
        ]
        for class_id in ids:
            conn.execute(
                "INSERT INTO class_instructors (class_id, user_id, added_at) VALUES (?, ?, ?) "
                "ON CONFLICT (class_id, user_id) DO NOTHING",
                (class_id, to_user, at),
            )
        if from_user != to_user:
            conn.execute("DELETE FROM class_instructors WHERE user_id = ?", (from_user,))
    return ids


class SQLiteClasses(Classes):
    """:class:`Classes` in the ``classes`` and ``class_instructors`` tables."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def create(
        self, name: str, instructor: int, now: datetime, *, origin: str | None = None
    ) -> ClassRecord:
        return await self._db.run(_create_class, name, instructor, ts(now), origin)

    async def get(self, class_id: int) -> ClassRecord | None:
        found = await self._db.run(_classes, "WHERE id = ?", (class_id,))
        return found[0] if found else None

    async def list(self, *, archived: bool = False) -> builtins.list[ClassRecord]:
        return await self._db.run(_classes, "" if archived else "WHERE archived = 0", ())

    async def of_instructor(
        self, user_id: int, *, archived: bool = False
    ) -> builtins.list[ClassRecord]:
        return await self._db.run(_of_instructor, user_id, archived)

    async def rename(self, class_id: int, name: str) -> bool:
        return await self._db.run(_update_class, class_id, "name", name)

    async def set_archived(self, class_id: int, archived: bool) -> bool:
        return await self._db.run(_update_class, class_id, "archived", int(archived))

    async def add_instructor(self, class_id: int, user_id: int, now: datetime) -> bool:
        return await self._db.run(_add_teacher, class_id, user_id, ts(now))

    async def remove_instructor(self, class_id: int, user_id: int) -> bool:
        return await self._db.run(_remove_teacher, class_id, user_id)

    async def hand_over(self, from_user: int, to_user: int, now: datetime) -> builtins.list[int]:
        return await self._db.run(_hand_over, from_user, to_user, ts(now))


# -- members --------------------------------------------------------------------------------

# A user the bot never met (added by a tool) counts as reachable until a send says otherwise.
_MEMBER = (
    "SELECT m.class_id, m.user_id, m.name, m.joined_at, m.left_at, m.muted, "
    "COALESCE(u.active, 1) FROM class_members m LEFT JOIN users u ON u.user_id = m.user_id"
)


def _member(row: sqlite3.Row) -> Member:
    return Member(
        class_id=int(row[0]),
        user_id=int(row[1]),
        name=str(row[2]),
        joined_at=from_ts(row[3]),
        left_at=None if row[4] is None else from_ts(row[4]),
        muted=bool(row[5]),
        reachable=bool(row[6]),
    )


def _members(conn: sqlite3.Connection, where: str, args: tuple[object, ...]) -> list[Member]:
    rows = conn.execute(f"{_MEMBER} {where} ORDER BY m.joined_at, m.user_id", args).fetchall()
    return [_member(r) for r in rows]


def _join(conn: sqlite3.Connection, class_id: int, user_id: int, name: str, at: str) -> bool:
    with transaction(conn):
        row = conn.execute(
            "SELECT left_at FROM class_members WHERE class_id = ? AND user_id = ?",
            (class_id, user_id),
        ).fetchone()
        if row is None:
            conn.execute(
                "INSERT INTO class_members (class_id, user_id, name, joined_at) "
                "VALUES (?, ?, ?, ?)",
                (class_id, user_id, name, at),
            )
            return True
        if row[0] is None:
            conn.execute(
                "UPDATE class_members SET name = ? WHERE class_id = ? AND user_id = ?",
                (name, class_id, user_id),
            )
            return False
        conn.execute(
            "UPDATE class_members SET name = ?, joined_at = ?, left_at = NULL, muted = 0 "
            "WHERE class_id = ? AND user_id = ?",
            (name, at, class_id, user_id),
        )
        return True


def _leave(conn: sqlite3.Connection, class_id: int, user_id: int, at: str) -> bool:
    cursor = conn.execute(
        "UPDATE class_members SET left_at = ? "
        "WHERE class_id = ? AND user_id = ? AND left_at IS NULL",
        (at, class_id, user_id),
    )
    return cursor.rowcount == 1


def _mute(conn: sqlite3.Connection, class_id: int, user_id: int, muted: bool) -> bool:
    cursor = conn.execute(
        "UPDATE class_members SET muted = ? WHERE class_id = ? AND user_id = ? AND left_at IS NULL",
        (int(muted), class_id, user_id),
    )
    return cursor.rowcount == 1


class SQLiteMembers(Members):
    """:class:`Members` in the ``class_members`` table (reachability from ``users``)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def join(self, class_id: int, user_id: int, name: str, now: datetime) -> bool:
        return await self._db.run(_join, class_id, user_id, name, ts(now))

    async def leave(self, class_id: int, user_id: int, now: datetime) -> bool:
        return await self._db.run(_leave, class_id, user_id, ts(now))

    async def set_muted(self, class_id: int, user_id: int, muted: bool) -> bool:
        return await self._db.run(_mute, class_id, user_id, muted)

    async def get(self, class_id: int, user_id: int) -> Member | None:
        where = "WHERE m.class_id = ? AND m.user_id = ?"
        found = await self._db.run(_members, where, (class_id, user_id))
        return found[0] if found else None

    async def of_class(self, class_id: int, *, former: bool = False) -> list[Member]:
        where = "WHERE m.class_id = ?" + ("" if former else " AND m.left_at IS NULL")
        return await self._db.run(_members, where, (class_id,))

    async def recipients(self, class_id: int) -> list[Member]:
        where = (
            "WHERE m.class_id = ? AND m.left_at IS NULL AND m.muted = 0 "
            "AND COALESCE(u.active, 1) = 1"
        )
        return await self._db.run(_members, where, (class_id,))

    async def of_user(self, user_id: int) -> list[Member]:
        where = "WHERE m.user_id = ? AND m.left_at IS NULL"
        return await self._db.run(_members, where, (user_id,))


# -- class groups ---------------------------------------------------------------------------

_GROUP = (
    "SELECT class_id, chat_id, title, added_by, added_at, confirmed_by, removed, migrated_from "
    "FROM class_groups"
)


def _groups(conn: sqlite3.Connection, where: str, args: tuple[object, ...]) -> list[ClassGroup]:
    rows = conn.execute(f"{_GROUP} {where} ORDER BY added_at, chat_id", args).fetchall()
    return [
        ClassGroup(
            class_id=int(r[0]),
            chat_id=int(r[1]),
            title=str(r[2]),
            added_by=int(r[3]),
            added_at=from_ts(r[4]),
            confirmed_by=None if r[5] is None else int(r[5]),
            removed=bool(r[6]),
            migrated_from=None if r[7] is None else int(r[7]),
        )
        for r in rows
    ]


def _add_group(
    conn: sqlite3.Connection, class_id: int, chat_id: int, title: str, added_by: int, at: str
) -> ClassGroup:
    with transaction(conn):
        conn.execute(
            "INSERT INTO class_groups (class_id, chat_id, title, added_by, added_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (class_id, chat_id) "
            "DO UPDATE SET title = excluded.title, removed = 0",
            (class_id, chat_id, title, added_by, at),
        )
    return _groups(conn, "WHERE class_id = ? AND chat_id = ?", (class_id, chat_id))[0]


def _confirm_group(conn: sqlite3.Connection, class_id: int, chat_id: int, by: int) -> bool:
    cursor = conn.execute(
        "UPDATE class_groups SET confirmed_by = ? WHERE class_id = ? AND chat_id = ?",
        (by, class_id, chat_id),
    )
    return cursor.rowcount == 1


def _bot_removed(conn: sqlite3.Connection, chat_id: int, removed: bool) -> int:
    cursor = conn.execute(
        "UPDATE class_groups SET removed = ? WHERE chat_id = ? AND removed != ?",
        (int(removed), chat_id, int(removed)),
    )
    return cursor.rowcount


def _migrate(conn: sqlite3.Connection, old: int, new: int) -> int:
    with transaction(conn):
        # A class the new chat is already in keeps that row; the old one goes.
        conn.execute(
            "DELETE FROM class_groups WHERE chat_id = ? AND class_id IN "
            "(SELECT class_id FROM class_groups WHERE chat_id = ?)",
            (old, new),
        )
        cursor = conn.execute(
            "UPDATE class_groups SET chat_id = ?, migrated_from = ? WHERE chat_id = ?",
            (new, old, old),
        )
    return cursor.rowcount


class SQLiteClassGroups(ClassGroups):
    """:class:`ClassGroups` in the ``class_groups`` table."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(
        self, class_id: int, chat_id: int, title: str, added_by: int, now: datetime
    ) -> ClassGroup:
        return await self._db.run(_add_group, class_id, chat_id, title, added_by, ts(now))

    async def confirm(self, class_id: int, chat_id: int, by: int) -> bool:
        return await self._db.run(_confirm_group, class_id, chat_id, by)

    async def get(self, class_id: int, chat_id: int) -> ClassGroup | None:
        found = await self._db.run(
            _groups, "WHERE class_id = ? AND chat_id = ?", (class_id, chat_id)
        )
        return found[0] if found else None

    async def of_class(self, class_id: int, *, all: bool = False) -> list[ClassGroup]:
        where = "WHERE class_id = ?"
        if not all:
            where += " AND confirmed_by IS NOT NULL AND removed = 0"
        return await self._db.run(_groups, where, (class_id,))

    async def of_chat(self, chat_id: int) -> list[ClassGroup]:
        return await self._db.run(_groups, "WHERE chat_id = ?", (chat_id,))

    async def bot_removed(self, chat_id: int, removed: bool = True) -> int:
        return await self._db.run(_bot_removed, chat_id, removed)

    async def migrate(self, old_chat_id: int, new_chat_id: int) -> int:
        return await self._db.run(_migrate, old_chat_id, new_chat_id)
