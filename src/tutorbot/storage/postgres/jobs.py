"""Jobs in PostgreSQL: due work claimed with ``FOR UPDATE SKIP LOCKED`` under a lease.

A claim locks the due rows it picks and skips those another runner is
claiming at that moment, so runners in several processes claim disjoint jobs
at once instead of queueing behind one another; the lease (owner and expiry)
then says who holds a job until it completes, as in SQLite.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from tutorbot.storage.interfaces import Jobs
from tutorbot.storage.postgres.connection import Connection, Database, aware, now, rows_changed
from tutorbot.storage.records import Job, NewJob

_COLUMNS = "id, kind, payload, due, status, attempts, lease_owner, lease_until, last_error, key"
_LIVE = "key IS NOT NULL AND status IN ('pending', 'running')"


async def add_job(conn: Connection, job: NewJob, at: datetime) -> int:
    """Add ``job`` inside the caller's transaction, unless its key names a live job.

    ``ON CONFLICT`` on the partial index of live keys: a transaction adding the
    same key at the same moment waits for ours, then finds our job.
    """
    payload = json.dumps(dict(job.payload), sort_keys=True)
    while True:
        job_id = await conn.fetchval(
            "INSERT INTO jobs (kind, payload, due, key, created_at) VALUES ($1, $2, $3, $4, $5) "
            f"ON CONFLICT (key) WHERE {_LIVE} DO NOTHING RETURNING id",
            job.kind,
            payload,
            job.due,
            job.key,
            at,
        )
        if job_id is None:
            job_id = await conn.fetchval(f"SELECT id FROM jobs WHERE key = $1 AND {_LIVE}", job.key)
        if job_id is not None:  # else the live job ended in between: add ours after all
            return int(job_id)


async def _add(conn: Connection, job: NewJob) -> int:
    async with conn.transaction():
        return await add_job(conn, job, now())


async def _counts(conn: Connection, at: datetime) -> dict[str, int]:
    row = await conn.fetchrow(
        "SELECT count(*) FILTER (WHERE status = 'pending' AND due <= $1), "
        "count(*) FILTER (WHERE status = 'running'), "
        "count(*) FILTER (WHERE status = 'failed') FROM jobs",
        aware(at, "now"),
    )
    assert row is not None  # an aggregate always gives a row
    return {"due": int(row[0]), "running": int(row[1]), "failed": int(row[2])}


async def _claim(
    conn: Connection, owner: str, at: datetime, lease: timedelta, limit: int
) -> list[Job]:
    aware(at, "now")
    rows = await conn.fetch(
        "UPDATE jobs SET status = 'running', lease_owner = $1, lease_until = $2, "
        "attempts = attempts + 1 WHERE id IN (SELECT id FROM jobs "
        "WHERE (status = 'pending' AND due <= $3) OR (status = 'running' AND lease_until < $3) "
        f"ORDER BY due, id LIMIT $4 FOR UPDATE SKIP LOCKED) RETURNING {_COLUMNS}",
        owner,
        at + lease,
        at,
        limit,
    )
    # RETURNING gives rows in no promised order.
    return sorted((_job(row) for row in rows), key=lambda job: (job.due, job.id))


async def _complete(conn: Connection, job_id: int, owner: str, next_due: datetime | None) -> bool:
    if next_due is not None:
        aware(next_due, "next_due")
    status = await conn.execute(
        "UPDATE jobs SET status = CASE WHEN $1::timestamptz IS NULL THEN 'done' ELSE 'pending' END, "
        "due = COALESCE($1, due), "
        "attempts = CASE WHEN $1::timestamptz IS NULL THEN attempts ELSE 0 END, "
        "lease_owner = NULL, lease_until = NULL "
        "WHERE id = $2 AND status = 'running' AND lease_owner = $3",
        next_due,
        job_id,
        owner,
    )
    return rows_changed(status) == 1


async def _fail(
    conn: Connection, job_id: int, owner: str, error: str, retry_at: datetime | None
) -> bool:
    if retry_at is not None:
        aware(retry_at, "retry_at")
    status = await conn.execute(
        "UPDATE jobs SET "
        "status = CASE WHEN $1::timestamptz IS NULL THEN 'failed' ELSE 'pending' END, "
        "due = COALESCE($1, due), last_error = $2, lease_owner = NULL, lease_until = NULL "
        "WHERE id = $3 AND status = 'running' AND lease_owner = $4",
        retry_at,
        error,
        job_id,
        owner,
    )
    return rows_changed(status) == 1


async def _release(conn: Connection, owner: str) -> int:
    status = await conn.execute(
        "UPDATE jobs SET status = 'pending', lease_owner = NULL, lease_until = NULL "
        "WHERE status = 'running' AND lease_owner = $1",
        owner,
    )
    return rows_changed(status)


async def _get(conn: Connection, job_id: int) -> Job | None:
    row = await conn.fetchrow(f"SELECT {_COLUMNS} FROM jobs WHERE id = $1", job_id)
    return None if row is None else _job(row)


def _job(row: Any) -> Job:
    return Job(
        id=row[0],
        kind=row[1],
        payload=json.loads(row[2]),
        due=row[3],
        status=row[4],
        attempts=row[5],
        lease_owner=row[6],
        lease_until=row[7],
        last_error=row[8],
        key=row[9],
    )


class PostgresJobs(Jobs):
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
