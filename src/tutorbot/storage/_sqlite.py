"""The SQLite store: stdlib ``sqlite3`` called on the event loop's own thread, WAL mode.

Why not a worker thread (or aiosqlite, which is one): the statements here are
small and local (a primary-key read, a compare-and-set write, a commit that
WAL with ``synchronous = NORMAL`` does not fsync), so they take microseconds,
while handing work to a thread and back costs more than that and, worse, makes
the thread fight the event loop for the GIL: under load the bot handled a
quarter fewer updates per second that way (docs/performance.md). What could
block for long is waiting for another process's write lock, so SQLite's own
busy handler (which sleeps in the calling thread) is off after start-up:
:meth:`SQLiteStore._run` retries a busy statement after an ``asyncio.sleep``,
up to ``busy_timeout_ms``. A statement never spans an ``await``, so the
transactions of concurrent updates in one process never interleave.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from tutorbot.storage._base import (
    AnswerRecord,
    Applied,
    ApplyFn,
    ConflictError,
    SessionKey,
    SessionRecord,
    Stats,
    Store,
    StoreError,
    check_key,
)

T = TypeVar("T")
R = TypeVar("R")

#: Numbered migrations; each runs once, in order, in one transaction. Never edit
#: a released one: append a new one.
MIGRATIONS: tuple[str, ...] = (
    # 1: sessions, processed updates, answers, finished cases, users, media cache.
    """
    CREATE TABLE sessions (
        chat_id      INTEGER NOT NULL,
        thread_id    INTEGER NOT NULL DEFAULT 0,
        user_id      INTEGER NOT NULL,
        case_id      TEXT    NOT NULL,
        case_version TEXT    NOT NULL,
        state        TEXT    NOT NULL,
        version      INTEGER NOT NULL,
        updated_at   TEXT    NOT NULL,
        PRIMARY KEY (chat_id, thread_id, user_id)
    );
    CREATE TABLE processed_updates (
        update_id    INTEGER PRIMARY KEY,
        processed_at TEXT    NOT NULL
    );
    CREATE INDEX processed_updates_at ON processed_updates (processed_at);
    CREATE TABLE answers (
        id           INTEGER PRIMARY KEY AUTOINCREMENT,
        chat_id      INTEGER NOT NULL,
        user_id      INTEGER NOT NULL,
        case_id      TEXT    NOT NULL,
        case_version TEXT    NOT NULL,
        answer       TEXT    NOT NULL,
        verdict      TEXT    NOT NULL,
        score        REAL    NOT NULL,
        matched      TEXT,
        at           TEXT    NOT NULL
    );
    CREATE INDEX answers_user ON answers (user_id);
    CREATE INDEX answers_case ON answers (case_id);
    CREATE TABLE finished_cases (
        id           INTEGER PRIMARY KEY AUTOINCREMENT,
        user_id      INTEGER NOT NULL,
        case_id      TEXT    NOT NULL,
        case_version TEXT    NOT NULL,
        outcome      TEXT    NOT NULL,
        at           TEXT    NOT NULL
    );
    CREATE INDEX finished_cases_user ON finished_cases (user_id, id);
    CREATE TABLE users (
        user_id      INTEGER PRIMARY KEY,
        active       INTEGER NOT NULL DEFAULT 1,
        first_seen   TEXT    NOT NULL,
        last_seen    TEXT    NOT NULL
    );
    CREATE TABLE media_cache (
        bot_id       INTEGER NOT NULL,
        sha256       TEXT    NOT NULL,
        file_id      TEXT    NOT NULL,
        stored_at    TEXT    NOT NULL,
        PRIMARY KEY (bot_id, sha256)
    );
    """,
    # 2: the outbox flag: a committed change whose reply is not known to be sent.
    """
    ALTER TABLE sessions ADD COLUMN reply_pending INTEGER NOT NULL DEFAULT 0;
    """,
)


def _now() -> datetime:
    return datetime.now(UTC)


def _ts(moment: datetime | None = None) -> str:
    return (moment or _now()).isoformat(timespec="microseconds")


class SQLiteStore(Store):
    """A :class:`Store` in one SQLite file (or ``:memory:``), safe for several processes.

    Several processes may open the same file: writes take SQLite's write lock
    (``BEGIN IMMEDIATE``; a busy database is retried without blocking the event
    loop, for up to ``busy_timeout_ms``), and sessions are written with
    compare-and-set on their version.
    """

    def __init__(self, path: str, *, busy_timeout_ms: int = 5000) -> None:
        self.path = path
        self._busy_timeout_ms = busy_timeout_ms
        self._conn: sqlite3.Connection | None = None
        self._closed = False

    # -- plumbing -----------------------------------------------------------------

    async def _run(self, fn: Callable[..., T], *args: Any) -> T:
        """``fn(*args)`` now; while another process holds the lock, again after a pause."""
        if self._closed:
            raise StoreError("the store is closed")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._busy_timeout_ms / 1000
        pause = 0.001
        while True:
            try:
                return fn(*args)
            except sqlite3.OperationalError as error:
                if not _busy(error) or loop.time() >= deadline:
                    raise
            await asyncio.sleep(pause)
            pause = min(pause * 2, 0.05)

    async def open(self) -> SQLiteStore:
        """Connect, set WAL mode and run pending migrations; returns ``self``.

        Start-up may wait (blocking) up to ``busy_timeout_ms`` for another
        process's lock; afterwards waits are :meth:`_run`'s, off the loop.
        """
        if self._closed:
            raise StoreError("the store is closed")
        self._open_sync()
        return self

    def _open_sync(self) -> None:
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        try:
            conn = sqlite3.connect(
                self.path, isolation_level=None, check_same_thread=False, timeout=30
            )
        except sqlite3.Error as error:
            raise StoreError(f"cannot open the database {self.path}: {error}.") from None
        conn.execute(f"PRAGMA busy_timeout = {int(self._busy_timeout_ms)}")
        try:
            if self.path != ":memory:":
                # WAL: readers do not block the writer, and commits are cheap with NORMAL sync.
                conn.execute("PRAGMA journal_mode = WAL")
                conn.execute("PRAGMA synchronous = NORMAL")
            self._conn = conn
            self._migrate()
        except BaseException:
            conn.close()
            self._conn = None
            raise
        # From now on a busy database raises at once and _run waits asynchronously.
        conn.execute("PRAGMA busy_timeout = 0")

    def _migrate(self) -> None:
        conn = self._db
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            row = conn.execute("SELECT MAX(version) FROM schema_version").fetchone()
            current = int(row[0] or 0)
            if current > len(MIGRATIONS):
                raise StoreError(
                    f"the database {self.path} has schema version {current}, newer than this "
                    f"tutorbot knows ({len(MIGRATIONS)}); upgrade tutorbot."
                )
            for number, script in enumerate(MIGRATIONS[current:], current + 1):
                for statement in script.split(";"):
                    if statement.strip():
                        conn.execute(statement)
                conn.execute("INSERT INTO schema_version (version) VALUES (?)", (number,))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    @property
    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            raise StoreError("the store is not open")
        return self._conn

    async def schema_version(self) -> int:
        """The schema version of the open database."""

        def read() -> int:
            row = self._db.execute("SELECT MAX(version) FROM schema_version").fetchone()
            return int(row[0] or 0)

        return await self._run(read)

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    # -- sessions -------------------------------------------------------------------

    def _read_session(self, key: SessionKey) -> SessionRecord | None:
        row = self._db.execute(
            "SELECT case_id, case_version, state, version, updated_at, reply_pending "
            "FROM sessions WHERE chat_id = ? AND thread_id = ? AND user_id = ?",
            (key.chat_id, key.thread_id, key.user_id),
        ).fetchone()
        if row is None or row[2] == "":  # no session, or an ended one (see apply)
            return None
        return SessionRecord(
            key, row[0], row[1], row[2], row[3], datetime.fromisoformat(row[4]), bool(row[5])
        )

    def _cas_write(
        self,
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
        now = _now()
        if expected == 0:
            # A stopped session leaves an empty row behind (see ``_end``) so that a new
            # one continues its version numbers and no old button matches the new one.
            cursor = self._db.execute(
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
                    _ts(now),
                    int(bool(pending)),
                ),
            )
        else:
            cursor = self._db.execute(
                "UPDATE sessions SET case_id = ?, case_version = ?, state = ?, "
                "version = version + 1, updated_at = ?, "
                "reply_pending = COALESCE(?, reply_pending) "
                "WHERE chat_id = ? AND thread_id = ? AND user_id = ? AND version = ? "
                "RETURNING reply_pending, version",
                (
                    case_id,
                    case_version,
                    state,
                    _ts(now),
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
            key, case_id, case_version, state, version, now, reply_pending=bool(pending_flag)
        )

    async def reply_sent(self, key: SessionKey, version: int) -> bool:
        def clear() -> bool:
            cursor = self._db.execute(
                "UPDATE sessions SET reply_pending = 0 WHERE chat_id = ? AND thread_id = ? "
                "AND user_id = ? AND version = ?",
                (key.chat_id, key.thread_id, key.user_id, version),
            )
            return cursor.rowcount == 1

        return await self._run(clear)

    async def get_session(self, key: SessionKey) -> SessionRecord | None:
        return await self._run(self._read_session, key)

    async def write_session(
        self,
        key: SessionKey,
        *,
        case_id: str,
        case_version: str,
        state: str,
        expected_version: int,
    ) -> SessionRecord:
        check_key(key)

        def write() -> SessionRecord:
            with self._transaction():
                return self._cas_write(key, case_id, case_version, state, expected_version)

        return await self._run(write)

    def _transaction(self) -> _Tx:
        return _Tx(self._db)

    async def apply(
        self, update_id: int | None, key: SessionKey, fn: ApplyFn[R], *, attempts: int = 5
    ) -> Applied[R]:
        check_key(key)
        return await self._run(self._apply_sync, update_id, key, fn, attempts)

    def _apply_sync(
        self, update_id: int | None, key: SessionKey, fn: ApplyFn[R], attempts: int
    ) -> Applied[R]:
        db = self._db
        for _ in range(max(1, attempts)):
            if update_id is not None and self._processed_sync(update_id):
                return Applied(duplicate=True, session=self._read_session(key))
            # Read outside the write lock and run the engine; the write below
            # checks the version, so a concurrent writer makes us go round again.
            current = self._read_session(key)
            change = fn(current)
            try:
                with self._transaction():
                    now = _ts()
                    if update_id is not None:
                        cursor = db.execute(
                            "INSERT INTO processed_updates (update_id, processed_at) "
                            "VALUES (?, ?) ON CONFLICT (update_id) DO NOTHING",
                            (update_id, now),
                        )
                        if cursor.rowcount != 1:
                            raise _Duplicate
                    session = current
                    expected = current.version if current else 0
                    if change.delete:
                        # Ended, not deleted: the empty row keeps the version counting.
                        cursor = db.execute(
                            "UPDATE sessions SET case_id = '', case_version = '', state = '', "
                            "version = version + 1, reply_pending = 0, updated_at = ? "
                            "WHERE chat_id = ? AND thread_id = ? AND user_id = ? AND version = ?",
                            (_ts(_now()), key.chat_id, key.thread_id, key.user_id, expected),
                        )
                        if current is not None and cursor.rowcount != 1:
                            raise ConflictError(f"session {key} moved before it was deleted")
                        session = None
                    elif change.state is not None:
                        case_id = change.case_id or (current.case_id if current else None)
                        case_version = change.case_version
                        if case_version is None:
                            case_version = current.case_version if current else ""
                        if case_id is None:
                            raise ValueError("a new session needs a case_id")
                        session = self._cas_write(
                            key,
                            case_id,
                            case_version,
                            change.state,
                            expected,
                            True if change.reply_pending else None,
                        )
                    elif change.reply_pending and current is not None and not current.reply_pending:
                        # The flag alone: the version (and the buttons carrying it) stays.
                        cursor = db.execute(
                            "UPDATE sessions SET reply_pending = 1 WHERE chat_id = ? "
                            "AND thread_id = ? AND user_id = ? AND version = ?",
                            (key.chat_id, key.thread_id, key.user_id, expected),
                        )
                        if cursor.rowcount != 1:
                            raise ConflictError(f"session {key} moved before its reply was marked")
                        session = replace(current, reply_pending=True)
                    db.executemany(
                        "INSERT INTO answers (chat_id, user_id, case_id, case_version, answer, "
                        "verdict, score, matched, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        [
                            (
                                a.chat_id,
                                a.user_id,
                                a.case_id,
                                a.case_version,
                                a.answer,
                                a.verdict,
                                a.score,
                                a.matched,
                                _ts(a.at) if a.at else now,
                            )
                            for a in change.answers
                        ],
                    )
                    db.executemany(
                        "INSERT INTO finished_cases (user_id, case_id, case_version, outcome, at) "
                        "VALUES (?, ?, ?, ?, ?)",
                        [
                            (
                                f.user_id,
                                f.case_id,
                                f.case_version,
                                f.outcome,
                                _ts(f.at) if f.at else now,
                            )
                            for f in change.finished
                        ],
                    )
                    db.execute(
                        "INSERT INTO users (user_id, active, first_seen, last_seen) "
                        "VALUES (?, 1, ?, ?) ON CONFLICT (user_id) "
                        "DO UPDATE SET active = 1, last_seen = excluded.last_seen",
                        (key.user_id, now, now),
                    )
            except _Duplicate:
                return Applied(duplicate=True, session=self._read_session(key))
            except ConflictError:
                continue
            return Applied(duplicate=False, result=change.result, session=session)
        raise ConflictError(f"session {key} kept changing; gave up after {attempts} attempts")

    # -- processed updates ---------------------------------------------------------------

    def _processed_sync(self, update_id: int) -> bool:
        row = self._db.execute(
            "SELECT 1 FROM processed_updates WHERE update_id = ?", (update_id,)
        ).fetchone()
        return row is not None

    async def is_processed(self, update_id: int) -> bool:
        return await self._run(self._processed_sync, update_id)

    async def prune_processed(self, older_than: datetime) -> int:
        def prune() -> int:
            cursor = self._db.execute(
                "DELETE FROM processed_updates WHERE processed_at < ?", (_ts(older_than),)
            )
            return cursor.rowcount

        return await self._run(prune)

    # -- answers and progress --------------------------------------------------------------

    async def answers(
        self, *, user_id: int | None = None, case_id: str | None = None
    ) -> list[AnswerRecord]:
        def read() -> list[AnswerRecord]:
            sql = (
                "SELECT chat_id, user_id, case_id, case_version, answer, verdict, score, "
                "matched, at FROM answers WHERE (? IS NULL OR user_id = ?) "
                "AND (? IS NULL OR case_id = ?) ORDER BY id"
            )
            rows = self._db.execute(sql, (user_id, user_id, case_id, case_id)).fetchall()
            return [
                AnswerRecord(
                    r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], datetime.fromisoformat(r[8])
                )
                for r in rows
            ]

        return await self._run(read)

    async def stats(self, user_id: int) -> Stats:
        def read() -> Stats:
            rows = self._db.execute(
                "SELECT case_id, outcome FROM finished_cases WHERE user_id = ? ORDER BY id",
                (user_id,),
            ).fetchall()
            # A case counts once, as it went the first time: replaying a case after
            # seeing its answer must not lift accuracy or a streak.
            first: dict[str, str] = {}
            for case_id, outcome in rows:
                first.setdefault(str(case_id), str(outcome))
            outcomes = list(first.values())
            correct = outcomes.count("correct")
            streak = 0
            for outcome in reversed(outcomes):
                if outcome != "correct":
                    break
                streak += 1
            finished = tuple(first)
            done = len(outcomes)
            return Stats(done, correct, correct / done if done else 0.0, streak, finished)

        return await self._run(read)

    # -- users -------------------------------------------------------------------------------

    async def set_user_active(self, user_id: int, active: bool) -> None:
        def write() -> None:
            now = _ts()
            self._db.execute(
                "INSERT INTO users (user_id, active, first_seen, last_seen) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (user_id) DO UPDATE SET active = excluded.active",
                (user_id, int(active), now, now),
            )

        await self._run(write)

    async def user_active(self, user_id: int) -> bool | None:
        def read() -> bool | None:
            row = self._db.execute(
                "SELECT active FROM users WHERE user_id = ?", (user_id,)
            ).fetchone()
            return None if row is None else bool(row[0])

        return await self._run(read)

    # -- media cache ---------------------------------------------------------------------

    async def get_file_id(self, bot_id: int, sha256: str) -> str | None:
        def read() -> str | None:
            row = self._db.execute(
                "SELECT file_id FROM media_cache WHERE bot_id = ? AND sha256 = ?",
                (bot_id, sha256),
            ).fetchone()
            return None if row is None else str(row[0])

        return await self._run(read)

    async def put_file_id(self, bot_id: int, sha256: str, file_id: str) -> None:
        def write() -> None:
            self._db.execute(
                "INSERT INTO media_cache (bot_id, sha256, file_id, stored_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (bot_id, sha256) DO UPDATE SET file_id = excluded.file_id, "
                "stored_at = excluded.stored_at",
                (bot_id, sha256, file_id, _ts()),
            )

        await self._run(write)

    async def forget_file_id(self, bot_id: int, sha256: str) -> None:
        def write() -> None:
            self._db.execute(
                "DELETE FROM media_cache WHERE bot_id = ? AND sha256 = ?", (bot_id, sha256)
            )

        await self._run(write)


def _busy(error: sqlite3.OperationalError) -> bool:
    """Whether SQLite refused because another connection holds a lock (SQLITE_BUSY/LOCKED)."""
    code = getattr(error, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
    return "locked" in str(error) or "busy" in str(error)


class _Duplicate(Exception):
    """The update id was recorded by someone else between our check and our write."""


class _Tx:
    """``BEGIN IMMEDIATE`` … ``COMMIT``, rolled back on any exception."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def __enter__(self) -> None:
        self._conn.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: type[BaseException] | None, *rest: object) -> None:
        if exc_type is None:
            try:
                self._conn.execute("COMMIT")
                return
            except BaseException:
                # Never leave the transaction open: the next BEGIN would fail.
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                raise
        if self._conn.in_transaction:
            self._conn.execute("ROLLBACK")
