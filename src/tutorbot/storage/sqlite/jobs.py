"""Jobs in SQLite: due work claimed under a lease, with compare-and-set on the owner.

A claim is one ``UPDATE … WHERE id IN (SELECT … LIMIT n) RETURNING`` inside
``BEGIN IMMEDIATE``: SQLite lets one writer in at a time, so two processes
never both claim a job. (PostgreSQL gets the same guarantee without
serialising every claim from ``FOR UPDATE SKIP LOCKED``.)
"""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timedelta
from typing import Any

from tutorbot.storage.interfaces import Jobs
from tutorbot.storage.records import Job, NewJob
from tutorbot.storage.sqlite.connection import Database, from_ts, transaction, ts

_COLUMNS = "id, kind, payload, due, status, attempts, lease_owner, lease_until, last_error, key"
_LIVE = "status IN ('pending', 'running')"


def add_job(conn: sqlite3.Connection, job: NewJob, at: str) -> int:
    """Add ``job`` inside the caller's transaction, unless its key names a live job."""
    if job.key is not None:
        row = conn.execute(f"SELECT id FROM jobs WHERE key = ? AND {_LIVE}", (job.key,)).fetchone()
        if row is not None:
            return int(row[0])
    (job_id,) = conn.execute(
        "INSERT INTO jobs (kind, payload, due, key, created_at) VALUES (?, ?, ?, ?, ?) "
        "RETURNING id",
        (job.kind, json.dumps(dict(job.payload), sort_keys=True), ts(job.due), job.key, at),
    ).fetchall()[0]
    return int(job_id)


def _add(conn: sqlite3.Connection, job: NewJob) -> int:
    with transaction(conn):
        return add_job(conn, job, ts())


def _counts(conn: sqlite3.Connection, now: datetime) -> dict[str, int]:
    (due, running, failed) = conn.execute(
        "SELECT count(*) FILTER (WHERE status = 'pending' AND due <= ?), "
        "count(*) FILTER (WHERE status = 'running'), "
        "count(*) FILTER (WHERE status = 'failed') FROM jobs",
        (ts(_aware(now, "now")),),
    ).fetchone()
    return {"due": int(due), "running": int(running), "failed": int(failed)}


def _claim(
    conn: sqlite3.Connection, owner: str, now: datetime, lease: timedelta, limit: int
) -> list[Job]:
    at = ts(_aware(now, "now"))
    with transaction(conn):
        rows = conn.execute(
            "UPDATE jobs SET status = 'running', lease_owner = ?, lease_until = ?, "
            "attempts = attempts + 1 WHERE id IN (SELECT id FROM jobs "
            "WHERE (status = 'pending' AND due <= ?) OR (status = 'running' AND lease_until < ?) "
            f"ORDER BY due, id LIMIT ?) RETURNING {_COLUMNS}",
            (owner, ts(now + lease), at, at, limit),
        ).fetchall()
    # RETURNING gives rows in no promised order.
    return sorted((_job(row) for row in rows), key=lambda job: (job.due, job.id))


def _complete(conn: sqlite3.Connection, job_id: int, owner: str, next_due: datetime | None) -> bool:
    due = None if next_due is None else ts(_aware(next_due, "next_due"))
    cursor = conn.execute(
        "UPDATE jobs SET status = CASE WHEN ?1 IS NULL THEN 'done' ELSE 'pending' END, "
        "due = COALESCE(?1, due), attempts = CASE WHEN ?1 IS NULL THEN attempts ELSE 0 END, "
        "lease_owner = NULL, lease_until = NULL "
        "WHERE id = ?2 AND status = 'running' AND lease_owner = ?3",
        (due, job_id, owner),
    )
    return cursor.rowcount == 1


def _fail(
    conn: sqlite3.Connection, job_id: int, owner: str, error: str, retry_at: datetime | None
) -> bool:
    due = None if retry_at is None else ts(_aware(retry_at, "retry_at"))
    cursor = conn.execute(
        "UPDATE jobs SET status = CASE WHEN ?1 IS NULL THEN 'failed' ELSE 'pending' END, "
        "due = COALESCE(?1, due), last_error = ?2, lease_owner = NULL, lease_until = NULL "
        "WHERE id = ?3 AND status = 'running' AND lease_owner = ?4",
        (due, error, job_id, owner),
    )
    return cursor.rowcount == 1


def _release(conn: sqlite3.Connection, owner: str) -> int:
    cursor = conn.execute(
        "UPDATE jobs SET status = 'pending', lease_owner = NULL, lease_until = NULL "
        "WHERE status = 'running' AND lease_owner = ?",
        (owner,),
    )
    return cursor.rowcount


def _get(conn: sqlite3.Connection, job_id: int) -> Job | None:
    row = conn.execute(f"SELECT {_COLUMNS} FROM jobs WHERE id = ?", (job_id,)).fetchone()
    return None if row is None else _job(row)


def _job(row: Any) -> Job:
    return Job(
        id=row[0],
        kind=row[1],
        payload=json.loads(row[2]),
        due=from_ts(row[3]),
        status=row[4],
        attempts=row[5],
        lease_owner=row[6],
        lease_until=None if row[7] is None else from_ts(row[7]),
        last_error=row[8],
        key=row[9],
    )


def _aware(moment: datetime, name: str) -> datetime:
    # Times are compared as UTC text: a naive one would compare wrongly, silently.
    if moment.tzinfo is None:
        raise ValueError(f"{name} must be timezone-aware, not {moment}")
    return moment


class SQLiteJobs(Jobs):
    """:class:`Jobs` in the ``jobs`` table."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(self, job: NewJob) -> int:
        return await self._db.run(_add, job)

    async def claim(self, owner: str, now: datetime, lease: timedelta, limit: int = 1) -> list[Job]:
        return await self._db.run(_claim, owner, now, lease, limit)

    async def complete(self, job_id: int, owner: str, *, next_due: datetime | None = None) -> bool:
        return await self._db.run(_complete, job_id, owner, next_due)

    async def fail(self, job_id: int, owner: str, error: str, *, retry_at: datetime | None) -> bool:
        return await self._db.run(_fail, job_id, owner, error, retry_at)

    async def release(self, owner: str) -> int:
        return await self._db.run(_release, owner)

    async def counts(self, now: datetime) -> dict[str, int]:
        return await self._db.run(_counts, now)

    async def get(self, job_id: int) -> Job | None:
        return await self._db.run(_get, job_id)
