"""Schedules in PostgreSQL (table ``schedules``), each added with its job."""

from __future__ import annotations

import builtins
import json
from datetime import datetime
from typing import Any

from tutorbot.storage.postgres.connection import Connection, Database, rows_changed
from tutorbot.storage.postgres.jobs import add_job
from tutorbot.storage.records import NewJob
from tutorbot.storage.schedules import NewSchedule, ScheduleRecord, Schedules, ScheduleStatus

_COLUMNS = "id, class_id, by_user, rule, playlist, status, skip_next, created_at"


def _schedule(row: Any) -> ScheduleRecord:
    return ScheduleRecord(
        id=row[0],
        class_id=row[1],
        by=row[2],
        rule=row[3],
        playlist=tuple(json.loads(row[4])),
        status=row[5],
        skip_next=row[6],
        created_at=row[7],
    )


async def _get(conn: Connection, schedule_id: int) -> ScheduleRecord | None:
    row = await conn.fetchrow(f"SELECT {_COLUMNS} FROM schedules WHERE id = $1", schedule_id)
    return None if row is None else _schedule(row)


async def _add(
    conn: Connection, schedule: NewSchedule, job_kind: str, first_due: datetime, now: datetime
) -> ScheduleRecord:
    async with conn.transaction():
        schedule_id = await conn.fetchval(
            "INSERT INTO schedules (class_id, by_user, rule, playlist, created_at) "
            "VALUES ($1, $2, $3, $4, $5) RETURNING id",
            schedule.class_id,
            schedule.by,
            schedule.rule,
            json.dumps(list(schedule.playlist)),
            now,
        )
        job = NewJob(
            job_kind, {"schedule": schedule_id}, first_due, key=f"{job_kind}:{schedule_id}"
        )
        await add_job(conn, job, now)
        added = await _get(conn, schedule_id)
    assert added is not None
    return added


async def _of_class(conn: Connection, class_id: int) -> list[ScheduleRecord]:
    rows = await conn.fetch(
        f"SELECT {_COLUMNS} FROM schedules WHERE class_id = $1 AND status != 'deleted' ORDER BY id",
        class_id,
    )
    return [_schedule(row) for row in rows]


async def _set_status(conn: Connection, schedule_id: int, status: ScheduleStatus) -> bool:
    result = await conn.execute(
        "UPDATE schedules SET status = $1 WHERE id = $2 AND status != 'deleted'",
        status,
        schedule_id,
    )
    return rows_changed(result) == 1


async def _set_skip(conn: Connection, schedule_id: int, skip: bool) -> bool:
    result = await conn.execute(
        "UPDATE schedules SET skip_next = $1 WHERE id = $2", skip, schedule_id
    )
    return rows_changed(result) == 1


class PostgresSchedules(Schedules):
    """:class:`Schedules` in the ``schedules`` table."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(
        self, schedule: NewSchedule, job_kind: str, first_due: datetime, now: datetime
    ) -> ScheduleRecord:
        return await self._db.run(_add, schedule, job_kind, first_due, now)

    async def get(self, schedule_id: int) -> ScheduleRecord | None:
        return await self._db.run(_get, schedule_id)

    async def of_class(self, class_id: int) -> builtins.list[ScheduleRecord]:
        return await self._db.run(_of_class, class_id)

    async def set_status(self, schedule_id: int, status: ScheduleStatus) -> bool:
        return await self._db.run(_set_status, schedule_id, status)

    async def set_skip_next(self, schedule_id: int, skip: bool) -> bool:
        return await self._db.run(_set_skip, schedule_id, skip)
