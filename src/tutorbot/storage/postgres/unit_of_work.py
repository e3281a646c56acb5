"""The unit of work in PostgreSQL: :meth:`Store.apply`, one update in one transaction.

The transaction first takes a transaction-level advisory lock on the chat
(``pg_advisory_xact_lock``), so that every process applies one chat's
updates one at a time: the session is read, the engine runs and the change
is written with no other writer of that chat in between, and the lock goes
with the commit. A redelivered update waiting behind its first delivery
finds it processed and does nothing. Compare-and-set on the session's
version stays, for writers that do not take the lock (:meth:`Sessions.write`).
"""

from __future__ import annotations

from datetime import datetime
from typing import TypeVar

from tutorbot.storage.errors import ConflictError
from tutorbot.storage.postgres.connection import Connection, Database, lock_id, now
from tutorbot.storage.postgres.jobs import add_job
from tutorbot.storage.postgres.outbox import add_entry
from tutorbot.storage.postgres.progress import add_answers, add_finished
from tutorbot.storage.postgres.sessions import cas_write, end_session, read_session
from tutorbot.storage.postgres.updates import is_processed, mark_processed
from tutorbot.storage.postgres.users import mark_seen
from tutorbot.storage.records import (
    Applied,
    ApplyFn,
    Change,
    SessionKey,
    SessionRecord,
    written_case,
)

R = TypeVar("R")


class _Duplicate(Exception):
    """The update was applied before (it rolls the transaction back)."""


def chat_lock(chat_id: int) -> int:
    """The advisory lock key that serialises one chat's updates across processes."""
    return lock_id(f"tutorbot:chat:{chat_id}")


async def apply_update(
    db: Database, update_id: int | None, key: SessionKey, fn: ApplyFn[R], attempts: int
) -> Applied[R]:
    """:meth:`Store.apply` on one pooled connection; see there."""
    with db.connection_lost():
        return await _apply(db, update_id, key, fn, attempts)


async def _apply(
    db: Database, update_id: int | None, key: SessionKey, fn: ApplyFn[R], attempts: int
) -> Applied[R]:
    async with db.pool.acquire() as conn:
        for _ in range(max(1, attempts)):
            try:
                async with conn.transaction():
                    await conn.execute("SELECT pg_advisory_xact_lock($1)", chat_lock(key.chat_id))
                    if update_id is not None and await is_processed(conn, update_id):
                        raise _Duplicate
                    current = await read_session(conn, key)
                    change = fn(current)
                    session, outboxed = await _write(conn, update_id, key, current, change)
            except _Duplicate:
                return Applied(duplicate=True, session=await read_session(conn, key))
            except ConflictError:
                continue
            return Applied(
                duplicate=False, result=change.result, session=session, outboxed=outboxed
            )
    raise ConflictError(f"session {key} kept changing; gave up after {attempts} attempts")


async def _write(
    conn: Connection,
    update_id: int | None,
    key: SessionKey,
    current: SessionRecord | None,
    change: Change[R],
) -> tuple[SessionRecord | None, int | None]:
    """Everything ``change`` asks for, inside the caller's transaction; the session after
    it, and the id of the outbox entry kept for its reply."""
    at: datetime = now()
    if update_id is not None and not await mark_processed(conn, update_id):
        raise _Duplicate
    session = current
    expected = current.version if current else 0
    if change.delete:
        await end_session(conn, key, expected, exists=current is not None)
        session = None
    elif change.state is not None:
        case_id, case_version = written_case(current, change)
        session = await cas_write(conn, key, case_id, case_version, change.state, expected)
    elif change.outbox is not None:
        # The reply's buttons carry the version read: make sure it is still the session's.
        there = await read_session(conn, key)
        if (there.version if there else 0) != expected:
            raise ConflictError(f"session {key} moved before its reply was kept")
    opened_at, source = await _opening(conn, key, change, at) if session else (None, "")
    outboxed = None
    if change.outbox is not None:
        outboxed = await add_entry(conn, key, session.version if session else 0, change.outbox, at)
    await add_answers(conn, change.answers, at, opened_at=opened_at, source=source)
    await add_finished(conn, change.finished, at)
    for job in change.jobs:
        await add_job(conn, job, at)
    await mark_seen(conn, key.user_id, at)
    return session, outboxed


async def _opening(
    conn: Connection, key: SessionKey, change: Change[R], at: datetime
) -> tuple[datetime | None, str]:
    """When the session's case was opened and where from, after ``change`` (which may
    open it now, or name its source); ``None`` for a session opened before this was kept."""
    where = "WHERE chat_id = $1 AND thread_id = $2 AND user_id = $3"
    if change.opened:
        await conn.execute(
            f"UPDATE sessions SET opened_at = $4, source = $5 {where}",
            key.chat_id,
            key.thread_id,
            key.user_id,
            at,
            change.source or "",
        )
    elif change.source is not None:
        await conn.execute(
            f"UPDATE sessions SET source = $4 {where}",
            key.chat_id,
            key.thread_id,
            key.user_id,
            change.source,
        )
    row = await conn.fetchrow(
        f"SELECT opened_at, source FROM sessions {where}", key.chat_id, key.thread_id, key.user_id
    )
    return (row[0], row[1]) if row else (None, "")
