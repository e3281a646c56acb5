"""Sessions in PostgreSQL: reads, the compare-and-set write and the ended row (as in SQLite)."""

from __future__ import annotations

from datetime import datetime

from tutorbot.storage.errors import ConflictError
from tutorbot.storage.interfaces import Sessions
from tutorbot.storage.postgres.connection import Connection, Database, now, rows_changed
from tutorbot.storage.records import SessionKey, SessionRecord, check_key


async def read_session(conn: Connection, key: SessionKey) -> SessionRecord | None:
    row = await conn.fetchrow(
        "SELECT case_id, case_version, state, version, updated_at "
        "FROM sessions WHERE chat_id = $1 AND thread_id = $2 AND user_id = $3",
        key.chat_id,
        key.thread_id,
        key.user_id,
    )
    if row is None or row[2] == "":  # no session, or an ended one (see end_session)
        return None
    return SessionRecord(key, row[0], row[1], row[2], row[3], row[4])


async def cas_write(
    conn: Connection,
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
        version = await conn.fetchval(
            "INSERT INTO sessions (chat_id, thread_id, user_id, case_id, case_version, "
            "state, version, updated_at) VALUES ($1, $2, $3, $4, $5, $6, 1, $7) "
            "ON CONFLICT (chat_id, thread_id, user_id) DO UPDATE SET "
            "case_id = excluded.case_id, case_version = excluded.case_version, "
            "state = excluded.state, version = sessions.version + 1, "
            "updated_at = excluded.updated_at "
            "WHERE sessions.state = '' "
            "RETURNING version",
            key.chat_id,
            key.thread_id,
            key.user_id,
            case_id,
            case_version,
            state,
            written,
        )
    else:
        version = await conn.fetchval(
            "UPDATE sessions SET case_id = $1, case_version = $2, state = $3, "
            "version = version + 1, updated_at = $4 "
            "WHERE chat_id = $5 AND thread_id = $6 AND user_id = $7 AND version = $8 "
            "RETURNING version",
            case_id,
            case_version,
            state,
            written,
            key.chat_id,
            key.thread_id,
            key.user_id,
            expected,
        )
    if version is None:
        raise ConflictError(f"session {key} moved past version {expected} before this write")
    return SessionRecord(key, case_id, case_version, state, version, written)


async def end_session(conn: Connection, key: SessionKey, expected: int, exists: bool) -> None:
    """End the session at version ``expected`` inside the caller's transaction.

    Ended, not deleted: the empty row keeps the version counting.
    """
    status = await conn.execute(
        "UPDATE sessions SET case_id = '', case_version = '', state = '', "
        "version = version + 1, updated_at = $1 "
        "WHERE chat_id = $2 AND thread_id = $3 AND user_id = $4 AND version = $5",
        now(),
        key.chat_id,
        key.thread_id,
        key.user_id,
        expected,
    )
    if exists and rows_changed(status) != 1:
        raise ConflictError(f"session {key} moved before it was deleted")


class PostgresSessions(Sessions):
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
        # The bare compare-and-set: no chat lock (Store.apply takes that), one statement.
        check_key(key)
        return await self._db.run(cas_write, key, case_id, case_version, state, expected_version)

    async def active(self, since: datetime) -> int:
        return await self._db.run(_active, since)


async def _active(conn: Connection, since: datetime) -> int:
    count = await conn.fetchval(
        "SELECT count(*) FROM sessions WHERE state != '' AND updated_at >= $1", since
    )
    return int(count)
