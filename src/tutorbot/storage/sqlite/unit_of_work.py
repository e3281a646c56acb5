"""The unit of work in SQLite: :meth:`Store.apply`, one update in one transaction."""

from __future__ import annotations

import sqlite3
from typing import TypeVar

from tutorbot.storage.errors import ConflictError
from tutorbot.storage.records import (
    Applied,
    ApplyFn,
    Change,
    SessionKey,
    SessionRecord,
    written_case,
)
from tutorbot.storage.sqlite.connection import transaction, ts
from tutorbot.storage.sqlite.jobs import add_job
from tutorbot.storage.sqlite.outbox import add_entry
from tutorbot.storage.sqlite.progress import add_answers, add_finished
from tutorbot.storage.sqlite.sessions import cas_write, end_session, read_session
from tutorbot.storage.sqlite.updates import is_processed, mark_processed
from tutorbot.storage.sqlite.users import mark_seen

R = TypeVar("R")


class _Duplicate(Exception):
    """The update id was recorded by someone else between our check and our write."""


def apply_update(
    conn: sqlite3.Connection,
    update_id: int | None,
    key: SessionKey,
    fn: ApplyFn[R],
    attempts: int,
) -> Applied[R]:
    """:meth:`Store.apply` on one connection; see there."""
    for _ in range(max(1, attempts)):
        if update_id is not None and is_processed(conn, update_id):
            return Applied(duplicate=True, session=read_session(conn, key))
        # Read outside the write lock and run the engine; the write below
        # checks the version, so a concurrent writer makes us go round again.
        current = read_session(conn, key)
        change = fn(current)
        try:
            with transaction(conn):
                session, outboxed = _write(conn, update_id, key, current, change)
        except _Duplicate:
            return Applied(duplicate=True, session=read_session(conn, key))
        except ConflictError:
            continue
        return Applied(duplicate=False, result=change.result, session=session, outboxed=outboxed)
    raise ConflictError(f"session {key} kept changing; gave up after {attempts} attempts")


def _write(
    conn: sqlite3.Connection,
    update_id: int | None,
    key: SessionKey,
    current: SessionRecord | None,
    change: Change[R],
) -> tuple[SessionRecord | None, int | None]:
    """Everything ``change`` asks for, inside the caller's transaction; the session after
    it, and the id of the outbox entry kept for its reply."""
    at = ts()
    if update_id is not None and not mark_processed(conn, update_id):
        raise _Duplicate
    session = current
    expected = current.version if current else 0
    if change.delete:
        end_session(conn, key, expected, exists=current is not None)
        session = None
    elif change.state is not None:
        case_id, case_version = written_case(current, change)
        session = cas_write(conn, key, case_id, case_version, change.state, expected)
    elif change.outbox is not None:
        # The reply's buttons carry the version read: make sure it is still the session's.
        there = read_session(conn, key)
        if (there.version if there else 0) != expected:
            raise ConflictError(f"session {key} moved before its reply was kept")
    opened_at, source = _opening(conn, key, change, at) if session else (None, "")
    outboxed = None
    if change.outbox is not None:
        outboxed = add_entry(conn, key, session.version if session else 0, change.outbox, at)
    add_answers(conn, change.answers, at, opened_at=opened_at, source=source)
    add_finished(conn, change.finished, at)
    for job in change.jobs:
        add_job(conn, job, at)
    mark_seen(conn, key.user_id, at)
    return session, outboxed


def _opening(
    conn: sqlite3.Connection, key: SessionKey, change: Change[R], at: str
) -> tuple[str | None, str]:
    """When the session's case was opened and where from, after ``change`` (which may
    open it now, or name its source); ``None`` for a session opened before this was kept."""
    if change.opened:
        conn.execute(
            "UPDATE sessions SET opened_at = ?, source = ? "
            "WHERE chat_id = ? AND thread_id = ? AND user_id = ?",
            (at, change.source or "", key.chat_id, key.thread_id, key.user_id),
        )
    elif change.source is not None:
        conn.execute(
            "UPDATE sessions SET source = ? WHERE chat_id = ? AND thread_id = ? AND user_id = ?",
            (change.source, key.chat_id, key.thread_id, key.user_id),
        )
    row = conn.execute(
        "SELECT opened_at, source FROM sessions "
        "WHERE chat_id = ? AND thread_id = ? AND user_id = ?",
        (key.chat_id, key.thread_id, key.user_id),
    ).fetchone()
    return (row[0], row[1]) if row else (None, "")
