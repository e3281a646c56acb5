"""Pushes and their deliveries in PostgreSQL (tables ``pushes`` and ``deliveries``).

A push with the same origin created by two processes at once: the unique origin
decides (``ON CONFLICT DO NOTHING``), and the loser reads the winner's push.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from tutorbot.storage.postgres.connection import Connection, Database, rows_changed
from tutorbot.storage.postgres.jobs import add_job
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

_PUSH = (
    "id, class_id, case_id, title, class_name, token, by_user, origin, schedule_id, status, "
    "progress_message, created_at, finished_at"
)
_DELIVERY = "push_id, chat_id, name, status, attempts, due, last_error, sent_at, held_since"


def _push(row: Any) -> PushRecord:
    return PushRecord(*row)


def _delivery(row: Any) -> Delivery:
    return Delivery(*row)


async def _one_push(conn: Connection, where: str, value: object) -> PushRecord | None:
    row = await conn.fetchrow(f"SELECT {_PUSH} FROM pushes WHERE {where} = $1", value)
    return None if row is None else _push(row)


async def _create(
    conn: Connection,
    push: NewPush,
    recipients: Sequence[Recipient],
    job_kind: str,
    now: datetime,
) -> tuple[PushRecord, bool]:
    async with conn.transaction():
        push_id = await conn.fetchval(
            "INSERT INTO pushes (class_id, case_id, title, class_name, token, by_user, origin, "
            "schedule_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) "
            "ON CONFLICT (origin) DO NOTHING RETURNING id",
            push.class_id,
            push.case_id,
            push.title,
            push.class_name,
            push.token,
            push.by,
            push.origin,
            push.schedule_id,
            now,
        )
        if push_id is None:  # the origin pushed already (this process or another)
            existing = await _one_push(conn, "origin", push.origin)
            assert existing is not None
            return existing, False
        await conn.executemany(
            "INSERT INTO deliveries (push_id, chat_id, name, due) VALUES ($1, $2, $3, $4) "
            "ON CONFLICT (push_id, chat_id) DO NOTHING",
            [(push_id, r.chat_id, r.name, now) for r in recipients],
        )
        job = NewJob(job_kind, {"push": push_id}, now, key=f"{job_kind}:{push_id}")
        await add_job(conn, job, now)
        created = await _one_push(conn, "id", push_id)
    assert created is not None
    return created, True


async def _of_class(conn: Connection, class_id: int) -> list[PushRecord]:
    rows = await conn.fetch(f"SELECT {_PUSH} FROM pushes WHERE class_id = $1 ORDER BY id", class_id)
    return [_push(row) for row in rows]


async def _set_progress(conn: Connection, push_id: int, message_id: int) -> None:
    await conn.execute("UPDATE pushes SET progress_message = $1 WHERE id = $2", message_id, push_id)


async def _finish(conn: Connection, push_id: int, now: datetime) -> bool:
    status = await conn.execute(
        "UPDATE pushes SET status = 'done', finished_at = $1 WHERE id = $2 AND status != 'done'",
        now,
        push_id,
    )
    return rows_changed(status) == 1


async def _due(conn: Connection, push_id: int, now: datetime, limit: int) -> list[Delivery]:
    rows = await conn.fetch(
        f"SELECT {_DELIVERY} FROM deliveries WHERE push_id = $1 AND status = 'pending' "
        "AND due <= $2 ORDER BY due, chat_id LIMIT $3",
        push_id,
        now,
        limit,
    )
    return [_delivery(row) for row in rows]


async def _requeue(conn: Connection, push_id: int) -> int:
    status = await conn.execute(
        "UPDATE deliveries SET status = 'pending' WHERE push_id = $1 AND status = 'sending'",
        push_id,
    )
    return rows_changed(status)


async def _start(conn: Connection, push_id: int, chat_id: int) -> bool:
    status = await conn.execute(
        "UPDATE deliveries SET status = 'sending' "
        "WHERE push_id = $1 AND chat_id = $2 AND status = 'pending'",
        push_id,
        chat_id,
    )
    return rows_changed(status) == 1


async def _settle(
    conn: Connection,
    push_id: int,
    chat_id: int,
    status: DeliveryStatus,
    now: datetime,
    error: str | None,
) -> None:
    await conn.execute(
        "UPDATE deliveries SET status = $1, last_error = COALESCE($2, last_error), "
        "sent_at = CASE WHEN $1 = 'sent' THEN $3 ELSE sent_at END "
        "WHERE push_id = $4 AND chat_id = $5",
        status,
        error,
        now,
        push_id,
        chat_id,
    )


async def _retry(conn: Connection, push_id: int, chat_id: int, due: datetime, error: str) -> None:
    await conn.execute(
        "UPDATE deliveries SET status = 'pending', attempts = attempts + 1, due = $1, "
        "last_error = $2 WHERE push_id = $3 AND chat_id = $4",
        due,
        error,
        push_id,
        chat_id,
    )


async def _hold(conn: Connection, push_id: int, chat_id: int, due: datetime, now: datetime) -> None:
    await conn.execute(
        "UPDATE deliveries SET status = 'pending', due = $1, "
        "held_since = COALESCE(held_since, $2) WHERE push_id = $3 AND chat_id = $4",
        due,
        now,
        push_id,
        chat_id,
    )


async def _counts(conn: Connection, push_id: int) -> DeliveryCounts:
    rows = await conn.fetch(
        "SELECT status, COUNT(*), COUNT(held_since) FROM deliveries "
        "WHERE push_id = $1 GROUP BY status",
        push_id,
    )
    by_status = {row[0]: int(row[1]) for row in rows}
    held = sum(int(row[2]) for row in rows if row[0] == "pending")
    return DeliveryCounts(**by_status, held=held)


async def _list(conn: Connection, push_id: int, status: DeliveryStatus | None) -> list[Delivery]:
    rows = await conn.fetch(
        f"SELECT {_DELIVERY} FROM deliveries WHERE push_id = $1 "
        "AND ($2::text IS NULL OR status = $2) ORDER BY chat_id",
        push_id,
        status,
    )
    return [_delivery(row) for row in rows]


async def _next_due(conn: Connection, push_id: int) -> datetime | None:
    due: datetime | None = await conn.fetchval(
        "SELECT MIN(due) FROM deliveries WHERE push_id = $1 AND status = 'pending'", push_id
    )
    return due


class PostgresPushes(Pushes):
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


class PostgresPushDeliveries(PushDeliveries):
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
