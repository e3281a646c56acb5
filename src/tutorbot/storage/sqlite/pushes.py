"""Pushes and their deliveries in SQLite (tables ``pushes`` and ``deliveries``)."""

from __future__ import annotations

import builtins
import sqlite3
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from tutorbot.storage.pushes import (
    Delivery,
    DeliveryCounts,
    DeliveryStatus,
    NewPush,
    PushDeliveries,
    Pushes,
    PushRecord,
    Recipient,
)
from tutorbot.storage.records import NewJob
from tutorbot.storage.sqlite.connection import Database, from_ts, transaction, ts
from tutorbot.storage.sqlite.jobs import add_job

_PUSH = (
    "id, class_id, case_id, title, class_name, token, by_user, origin, schedule_id, status, "
    "progress_message, created_at, finished_at"
)
_DELIVERY = "push_id, chat_id, name, status, attempts, due, last_error, sent_at, held_since"


def _push(row: Any) -> PushRecord:
    return PushRecord(
        id=row[0],
        class_id=row[1],
        case_id=row[2],
        title=row[3],
        class_name=row[4],
        token=row[5],
        by=row[6],
        origin=row[7],
        schedule_id=row[8],
        status=row[9],
        progress_message=row[10],
        created_at=from_ts(row[11]),
        finished_at=None if row[12] is None else from_ts(row[12]),
    )


def _delivery(row: Any) -> Delivery:
    return Delivery(
        push_id=row[0],
        chat_id=row[1],
        name=row[2],
        status=row[3],
        attempts=row[4],
        due=from_ts(row[5]),
        last_error=row[6],
        sent_at=None if row[7] is None else from_ts(row[7]),
        held_since=None if row[8] is None else from_ts(row[8]),
    )


def _one_push(conn: sqlite3.Connection, where: str, value: object) -> PushRecord | None:
    row = conn.execute(f"SELECT {_PUSH} FROM pushes WHERE {where} = ?", (value,)).fetchone()
    return None if row is None else _push(row)


def _create(
    conn: sqlite3.Connection,
    push: NewPush,
    recipients: Sequence[Recipient],
    job_kind: str,
    now: datetime,
) -> tuple[PushRecord, bool]:
    at = ts(now)
    with transaction(conn):
        if push.origin is not None:
            existing = _one_push(conn, "origin", push.origin)
            if existing is not None:
                return existing, False
        (push_id,) = conn.execute(
            "INSERT INTO pushes (class_id, case_id, title, class_name, token, by_user, origin, "
            "schedule_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (
                push.class_id,
                push.case_id,
                push.title,
                push.class_name,
                push.token,
                push.by,
                push.origin,
                push.schedule_id,
                at,
            ),
        ).fetchone()
        conn.executemany(
            "INSERT INTO deliveries (push_id, chat_id, name, due) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (push_id, chat_id) DO NOTHING",
            [(push_id, r.chat_id, r.name, at) for r in recipients],
        )
        add_job(conn, NewJob(job_kind, {"push": push_id}, now, key=f"{job_kind}:{push_id}"), at)
        created = _one_push(conn, "id", push_id)
    assert created is not None
    return created, True


def _of_class(conn: sqlite3.Connection, class_id: int) -> list[PushRecord]:
    rows = conn.execute(
        f"SELECT {_PUSH} FROM pushes WHERE class_id = ? ORDER BY id", (class_id,)
    ).fetchall()
    return [_push(row) for row in rows]


def _set_progress(conn: sqlite3.Connection, push_id: int, message_id: int) -> None:
    conn.execute("UPDATE pushes SET progress_message = ? WHERE id = ?", (message_id, push_id))


def _finish(conn: sqlite3.Connection, push_id: int, now: datetime) -> bool:
    cursor = conn.execute(
        "UPDATE pushes SET status = 'done', finished_at = ? WHERE id = ? AND status != 'done'",
        (ts(now), push_id),
    )
    return cursor.rowcount == 1


def _due(conn: sqlite3.Connection, push_id: int, now: datetime, limit: int) -> list[Delivery]:
    rows = conn.execute(
        f"SELECT {_DELIVERY} FROM deliveries WHERE push_id = ? AND status = 'pending' "
        "AND due <= ? ORDER BY due, chat_id LIMIT ?",
        (push_id, ts(now), limit),
    ).fetchall()
    return [_delivery(row) for row in rows]


def _requeue(conn: sqlite3.Connection, push_id: int) -> int:
    cursor = conn.execute(
        "UPDATE deliveries SET status = 'pending' WHERE push_id = ? AND status = 'sending'",
        (push_id,),
    )
    return cursor.rowcount


def _start(conn: sqlite3.Connection, push_id: int, chat_id: int) -> bool:
    cursor = conn.execute(
        "UPDATE deliveries SET status = 'sending' "
        "WHERE push_id = ? AND chat_id = ? AND status = 'pending'",
        (push_id, chat_id),
    )
    return cursor.rowcount == 1


def _settle(
    conn: sqlite3.Connection,
    push_id: int,
    chat_id: int,
    status: DeliveryStatus,
    now: datetime,
    error: str | None,
) -> None:
    conn.execute(
        "UPDATE deliveries SET status = ?, last_error = COALESCE(?, last_error), "
        "sent_at = CASE WHEN ? = 'sent' THEN ? ELSE sent_at END "
        "WHERE push_id = ? AND chat_id = ?",
        (status, error, status, ts(now), push_id, chat_id),
    )


def _retry(conn: sqlite3.Connection, push_id: int, chat_id: int, due: datetime, error: str) -> None:
    conn.execute(
        "UPDATE deliveries SET status = 'pending', attempts = attempts + 1, due = ?, "
        "last_error = ? WHERE push_id = ? AND chat_id = ?",
        (ts(due), error, push_id, chat_id),
    )


def _hold(
    conn: sqlite3.Connection, push_id: int, chat_id: int, due: datetime, now: datetime
) -> None:
    conn.execute(
        "UPDATE deliveries SET status = 'pending', due = ?, "
        "held_since = COALESCE(held_since, ?) WHERE push_id = ? AND chat_id = ?",
        (ts(due), ts(now), push_id, chat_id),
    )


def _counts(conn: sqlite3.Connection, push_id: int) -> DeliveryCounts:
    rows = conn.execute(
        "SELECT status, COUNT(*), SUM(held_since IS NOT NULL) FROM deliveries "
        "WHERE push_id = ? GROUP BY status",
        (push_id,),
    ).fetchall()
    by_status = {row[0]: int(row[1]) for row in rows}
    held = sum(int(row[2] or 0) for row in rows if row[0] == "pending")
    return DeliveryCounts(**by_status, held=held)


def _list(conn: sqlite3.Connection, push_id: int, status: DeliveryStatus | None) -> list[Delivery]:
    rows = conn.execute(
        f"SELECT {_DELIVERY} FROM deliveries WHERE push_id = ? AND (? IS NULL OR status = ?) "
        "ORDER BY chat_id",
        (push_id, status, status),
    ).fetchall()
    return [_delivery(row) for row in rows]


def _next_due(conn: sqlite3.Connection, push_id: int) -> datetime | None:
    row = conn.execute(
        "SELECT MIN(due) FROM deliveries WHERE push_id = ? AND status = 'pending'", (push_id,)
    ).fetchone()
    return None if row[0] is None else from_ts(row[0])


class SQLitePushes(Pushes):
    """:class:`Pushes` in the ``pushes`` table."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def create(
        self, push: NewPush, recipients: Sequence[Recipient], job_kind: str, now: datetime
    ) -> tuple[PushRecord, bool]:
        return await self._db.run(_create, push, recipients, job_kind, now)

    async def get(self, push_id: int) -> PushRecord | None:
        return await self._db.run(_one_push, "id", push_id)

    async def by_token(self, token: str) -> PushRecord | None:
        return await self._db.run(_one_push, "token", token)

    async def of_class(self, class_id: int) -> builtins.list[PushRecord]:
        return await self._db.run(_of_class, class_id)

    async def set_progress_message(self, push_id: int, message_id: int) -> None:
        await self._db.run(_set_progress, push_id, message_id)

    async def finish(self, push_id: int, now: datetime) -> bool:
        return await self._db.run(_finish, push_id, now)


class SQLitePushDeliveries(PushDeliveries):
    """:class:`PushDeliveries` in the ``deliveries`` table."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def due(self, push_id: int, now: datetime, limit: int) -> builtins.list[Delivery]:
        return await self._db.run(_due, push_id, now, limit)

    async def requeue_interrupted(self, push_id: int) -> int:
        return await self._db.run(_requeue, push_id)

    async def start(self, push_id: int, chat_id: int) -> bool:
        return await self._db.run(_start, push_id, chat_id)

    async def settle(
        self,
        push_id: int,
        chat_id: int,
        status: DeliveryStatus,
        now: datetime,
        error: str | None = None,
    ) -> None:
        await self._db.run(_settle, push_id, chat_id, status, now, error)

    async def retry(self, push_id: int, chat_id: int, due: datetime, error: str) -> None:
        await self._db.run(_retry, push_id, chat_id, due, error)

    async def hold(self, push_id: int, chat_id: int, due: datetime, now: datetime) -> None:
        await self._db.run(_hold, push_id, chat_id, due, now)

    async def counts(self, push_id: int) -> DeliveryCounts:
        return await self._db.run(_counts, push_id)

    async def list(
        self, push_id: int, status: DeliveryStatus | None = None
    ) -> builtins.list[Delivery]:
        return await self._db.run(_list, push_id, status)

    async def next_due(self, push_id: int) -> datetime | None:
        return await self._db.run(_next_due, push_id)
