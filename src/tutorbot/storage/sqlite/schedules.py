"""Schedules in SQLite (table ``schedules``), each added with its job."""

from __future__ import annotations

import builtins
import json
import sqlite3
from datetime import datetime
from typing import Any

from tutorbot.storage.records import NewJob
from tutorbot.storage.schedules import NewSchedule, ScheduleRecord, Schedules, ScheduleStatus
from tutorbot.storage.sqlite.connection import Database, from_ts, transaction, ts
from tutorbot.storage.sqlite.jobs import add_job

_COLUMNS = "id, class_id, by_user, rule, playlist, status, skip_next, created_at"


def _schedule(row: Any) -> ScheduleRecord:
    return ScheduleRecord(
        id=row[0],
        class_id=row[1],
        by=row[2],
        rule=row[3],
        playlist=tuple(json.loads(row[4])),
        status=row[5],
        skip_next=bool(row[6]),
        created_at=from_ts(row[7]),
    )


def _get(conn: sqlite3.Connection, schedule_id: int) -> ScheduleRecord | None:
    row = conn.execute(f"SELECT {_COLUMNS} FROM schedules WHERE id = ?", (schedule_id,)).fetchone()
    return None if row is None else _schedule(row)


def _add(
    conn: sqlite3.Connection,
    schedule: NewSchedule,
    job_kind: str,
    first_due: datetime,
    now: datetime,
) -> ScheduleRecord:
    with transaction(conn):
        (schedule_id,) = conn.execute(
            "INSERT INTO schedules (class_id, by_user, rule, playlist, created_at) "
            "VALUES (?, ?, ?, ?, ?) RETURNING id",
            (
                schedule.class_id,
                schedule.by,
                schedule.rule,
                json.dumps(list(schedule.playlist)),
                ts(now),
            ),
        ).fetchone()
        job = NewJob(
            job_kind, {"schedule": schedule_id}, first_due, key=f"{job_kind}:{schedule_id}"
        )
        add_job(conn, job, ts(now))
        added = _get(conn, schedule_id)
    assert added is not None
    return added


def _of_class(conn: sqlite3.Connection, class_id: int) -> list[ScheduleRecord]:
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM schedules WHERE class_id = ? AND status != 'deleted' ORDER BY id",
        (class_id,),
    ).fetchall()
    return [_schedule(row) for row in rows]


def _set_status(conn: sqlite3.Connection, schedule_id: int, status: ScheduleStatus) -> bool:
    cursor = conn.execute(
        "UPDATE schedules SET status = ? WHERE id = ? AND status != 'deleted'",
        (status, schedule_id),
    )
    return cursor.rowcount == 1


def _set_skip(conn: sqlite3.Connection, schedule_id: int, skip: bool) -> bool:
    cursor = conn.execute(
        "UPDATE schedules SET skip_next = ? WHERE id = ?", (int(skip), schedule_id)
    )
    return cursor.rowcount == 1


class SQLiteSchedules(Schedules):
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
