"""Sessions in SQLite: reads, the compare-and-set write, the ended row and the outbox flag."""

from __future__ import annotations

import sqlite3

from tutorbot.storage.errors import ConflictError
from tutorbot.storage.interfaces import Sessions
from tutorbot.storage.records import SessionKey, SessionRecord, check_key
from tutorbot.storage.sqlite.connection import Database, from_ts, now, transaction, ts


def read_session(conn: sqlite3.Connection, key: SessionKey) -> SessionRecord | None:
    row = conn.execute(
        "SELECT case_id, case_version, state, version, updated_at, reply_pending "
        "FROM sessions WHERE chat_id = ? AND thread_id = ? AND user_id = ?",
        (key.chat_id, key.thread_id, key.user_id),
    ).fetchone()
    if row is None or row[2] == "":  # no session, or an ended one (see end_session)
        return None
    return SessionRecord(key, row[0], row[1], row[2], row[3], from_ts(row[4]), bool(row[5]))


def cas_write(
    conn: sqlite3.Connection,
    key: SessionKey,
    case_id: str,
    case_version: str,
    state: str,
    expected: int,
    pending: bool | None = None,
) -> SessionRecord:
    """Compare-and-set inside the caller's transaction; raises ConflictError.

    ``pending``: set the outbox flag to this value (``None``: keep it; 0 for a new row).
    """
    written = now()
    if expected == 0:
        # A stopped session leaves an empty row behind (see ``end_session``) so that a new
        # one continues its version numbers and no old button matches the new one.
        cursor = conn.execute(
            "INSERT INTO sessions (chat_id, thread_id, user_id, case_id, case_version, "
            "state, version, updated_at, reply_pending) VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?) "
            "ON CONFLICT (chat_id, thread_id, user_id) DO UPDATE SET "
            "case_id = excluded.case_id, case_version = excluded.case_version, "
            "state = excluded.state, version = sessions.version + 1, "
            "updated_at = excluded.updated_at, reply_pending = excluded.reply_pending "
            "WHERE sessions.state = '' "
            "RETURNING reply_pending, version",
            (
                key.chat_id,
                key.thread_id,
                key.user_id,
                case_id,
                case_version,
                state,
                ts(written),
                int(bool(pending)),
            ),
        )
    else:
        cursor = conn.execute(
            "UPDATE sessions SET case_id = ?, case_version = ?, state = ?, "
            "version = version + 1, updated_at = ?, "
            "reply_pending = COALESCE(?, reply_pending) "
            "WHERE chat_id = ? AND thread_id = ? AND user_id = ? AND version = ? "
            "RETURNING reply_pending, version",
            (
                case_id,
                case_version,
                state,
                ts(written),
                None if pending is None else int(pending),
                key.chat_id,
                key.thread_id,
                key.user_id,
                expected,
            ),
        )
    rows = cursor.fetchall()  # all of them: no statement left running at COMMIT
    if len(rows) != 1:
        raise ConflictError(f"session {key} moved past version {expected} before this write")
    pending_flag, version = rows[0]
    return SessionRecord(
        key, case_id, case_version, state, version, written, reply_pending=bool(pending_flag)
    )


def end_session(conn: sqlite3.Connection, key: SessionKey, expected: int, exists: bool) -> None:
    """End the session at version ``expected`` inside the caller's transaction.

    Ended, not deleted: the empty row keeps the version counting.
    """
    cursor = conn.execute(
        "UPDATE sessions SET case_id = '', case_version = '', state = '', "
        "version = version + 1, reply_pending = 0, updated_at = ? "
        "WHERE chat_id = ? AND thread_id = ? AND user_id = ? AND version = ?",
        (ts(), key.chat_id, key.thread_id, key.user_id, expected),
    )
    if exists and cursor.rowcount != 1:
        raise ConflictError(f"session {key} moved before it was deleted")


def set_reply_pending(
    conn: sqlite3.Connection, key: SessionKey, version: int, pending: bool
) -> bool:
    """Set the outbox flag alone if the session is at ``version``; whether it was.

    The version (and the buttons carrying it) stays.
    """
    cursor = conn.execute(
        "UPDATE sessions SET reply_pending = ? WHERE chat_id = ? AND thread_id = ? "
        "AND user_id = ? AND version = ?",
        (int(pending), key.chat_id, key.thread_id, key.user_id, version),
    )
    return cursor.rowcount == 1


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

    async def reply_sent(self, key: SessionKey, version: int) -> bool:
        return await self._db.run(set_reply_pending, key, version, False)
