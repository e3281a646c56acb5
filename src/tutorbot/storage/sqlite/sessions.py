"""Sessions in SQLite: reads, the compare-and-set write and the ended row.

The ``reply_pending`` column (migration 2) is no longer used: migration 4 turned
the flags into outbox entries, and nothing sets it since.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime

from tutorbot.storage.errors import ConflictError
from tutorbot.storage.interfaces import Sessions
from tutorbot.storage.records import SessionKey, SessionRecord, check_key
from tutorbot.storage.sqlite.connection import Database, from_ts, now, transaction, ts


def read_session(conn: sqlite3.Connection, key: SessionKey) -> SessionRecord | None:
    row = conn.execute(
        "SELECT case_id, case_version, state, version, updated_at "
        "FROM sessions WHERE chat_id = ? AND thread_id = ? AND user_id = ?",
        (key.chat_id, key.thread_id, key.user_id),
    ).fetchone()
    if row is None or row[2] == "":  # no session, or an ended one (see end_session)
        return None
    return SessionRecord(key, row[0], row[1], row[2], row[3], from_ts(row[4]))


def cas_write(
    conn: sqlite3.Connection,
    key: SessionKey,
    case_id: str,
    case_version: str,
    state: str,
    expected: int,
) -> SessionRecord:
    """Compare-and-set inside the caller's transaction; raises ConflictError."""
    written = now()
    if expected == 0:
        # A stopped session leaves an empty row behind (see ``end_session``) so that a new
        # one continues its version numbers and no old button matches the new one.
        cursor = conn.execute(
            "INSERT INTO sessions (chat_id, thread_id, user_id, case_id, case_version, "
            "state, version, updated_at) VALUES (?, ?, ?, ?, ?, ?, 1, ?) "
            "ON CONFLICT (chat_id, thread_id, user_id) DO UPDATE SET "
            "case_id = excluded.case_id, case_version = excluded.case_version, "
            "state = excluded.state, version = sessions.version + 1, "
            "updated_at = excluded.updated_at "
            "WHERE sessions.state = '' "
            "RETURNING version",
            (key.chat_id, key.thread_id, key.user_id, case_id, case_version, state, ts(written)),
        )
    else:
        cursor = conn.execute(
            "UPDATE sessions SET case_id = ?, case_version = ?, state = ?, "
            "version = version + 1, updated_at = ? "
            "WHERE chat_id = ? AND thread_id = ? AND user_id = ? AND version = ? "
            "RETURNING version",
            (
                case_id,
                case_version,
                state,
                ts(written),
                key.chat_id,
                key.thread_id,
                key.user_id,
                expected,
            ),
        )
    rows = cursor.fetchall()  # all of them: no statement left running at COMMIT
    if len(rows) != 1:
        raise ConflictError(f"session {key} moved past version {expected} before this write")
    return SessionRecord(key, case_id, case_version, state, rows[0][0], written)


def end_session(conn: sqlite3.Connection, key: SessionKey, expected: int, exists: bool) -> None:
    """End the session at version ``expected`` inside the caller's transaction.

    Ended, not deleted: the empty row keeps the version counting.
    """
    cursor = conn.execute(
        "UPDATE sessions SET case_id = '', case_version = '', state = '', "
        "version = version + 1, updated_at = ? "
        "WHERE chat_id = ? AND thread_id = ? AND user_id = ? AND version = ?",
        (ts(), key.chat_id, key.thread_id, key.user_id, expected),
    )
    if exists and cursor.rowcount != 1:
        raise ConflictError(f"session {key} moved before it was deleted")


def _write(
    conn: sqlite3.Connection,
    key: SessionKey,
    case_id: str,
    case_version: str,
    state: str,
    expected: int,
) -> SessionRecord:
    with transaction(conn):
        return cas_write(conn, key, case_id, case_version, state, expected)


class SQLiteSessions(Sessions):
    """:class:`Sessions` in the ``sessions`` table."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, key: SessionKey) -> SessionRecord | None:
        return await self._db.run(read_session, key)

    async def write(
        self,
        key: SessionKey,
        *,
        case_id: str,
        case_version: str,
        state: str,
        expected_version: int,
    ) -> SessionRecord:
        check_key(key)
        return await self._db.run(_write, key, case_id, case_version, state, expected_version)

    async def active(self, since: datetime) -> int:
        return await self._db.run(_active, since)


def _active(conn: sqlite3.Connection, since: datetime) -> int:
    (count,) = conn.execute(
        "SELECT count(*) FROM sessions WHERE state != '' AND updated_at >= ?", (ts(since),)
    ).fetchone()
    return int(count)
