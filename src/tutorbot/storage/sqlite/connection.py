"""The SQLite connection: stdlib ``sqlite3`` called on the event loop's own thread, WAL mode.

Why not a worker thread (or aiosqlite, which is one): the statements here are
small and local (a primary-key read, a compare-and-set write, a commit that
WAL with ``synchronous = NORMAL`` does not fsync), so they take microseconds,
while handing work to a thread and back costs more than that and, worse, makes
the thread fight the event loop for the GIL: under load the bot handled a
quarter fewer updates per second that way (docs/performance.md). What could
block for long is waiting for another process's write lock, so SQLite's own
busy handler (which sleeps in the calling thread) is off after start-up:
:meth:`Database.run` retries a busy statement after an ``asyncio.sleep``,
up to ``busy_timeout_ms``. A statement never spans an ``await``, so the
transactions of concurrent updates in one process never interleave.

Each repository module keeps its SQL in plain functions that take the
connection first: :meth:`Database.run` calls one of them for a repository's
own method, and the unit of work calls several inside one transaction.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Concatenate, ParamSpec, TypeVar

from tutorbot.storage.errors import StoreError

T = TypeVar("T")
P = ParamSpec("P")


def now() -> datetime:
    """The time a row is written, for the columns that record it."""
    return datetime.now(UTC)


def ts(moment: datetime | None = None) -> str:
    """``moment`` (default: now) as stored: ISO text in UTC, so text order is time order."""
    moment = moment or now()
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.isoformat(timespec="microseconds")


def from_ts(text: str) -> datetime:
    """A stored time back as a ``datetime``."""
    return datetime.fromisoformat(text)


class Database:
    """One connection to one SQLite file (or ``:memory:``), used from the event loop's thread."""

    def __init__(self, path: str, *, busy_timeout_ms: int = 5000) -> None:
        self.path = path
        self._busy_timeout_ms = busy_timeout_ms
        self._conn: sqlite3.Connection | None = None
        self._closed = False

    async def run(
        self, fn: Callable[Concatenate[sqlite3.Connection, P], T], *args: P.args, **kw: P.kwargs
    ) -> T:
        """``fn(connection, ...)`` now; while another process holds the lock, again after a pause."""
        if self._closed:
            raise StoreError("the store is closed")
        conn = self.conn
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._busy_timeout_ms / 1000
        pause = 0.001
        while True:
            try:
                return fn(conn, *args, **kw)
            except sqlite3.OperationalError as error:
                if not _busy(error) or loop.time() >= deadline:
                    raise
            await asyncio.sleep(pause)
            pause = min(pause * 2, 0.05)

    def open(self, migrate: Callable[[sqlite3.Connection, str], None]) -> None:
        """Connect, set WAL mode and ``migrate``.

        Start-up may wait (blocking) up to ``busy_timeout_ms`` for another
        process's lock; afterwards waits are :meth:`run`'s, off the loop.
        """
        if self._closed:
            raise StoreError("the store is closed")
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
            migrate(conn, self.path)
        except BaseException:
            conn.close()
            raise
        self._conn = conn
        # From now on a busy database raises at once and run() waits asynchronously.
        conn.execute("PRAGMA busy_timeout = 0")

    @property
    def conn(self) -> sqlite3.Connection:
        if self._conn is None:
            raise StoreError("the store is not open")
        return self._conn

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._conn is not None:
            self._conn.close()
            self._conn = None


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[None]:
    """``BEGIN IMMEDIATE`` … ``COMMIT``, rolled back on any exception.

    IMMEDIATE takes the write lock at the start, so a transaction that read
    something never finds at its first write that another process wrote first.
    """
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    try:
        conn.execute("COMMIT")
    except BaseException:
        # Never leave the transaction open: the next BEGIN would fail.
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


def _busy(error: sqlite3.OperationalError) -> bool:
    """Whether SQLite refused because another connection holds a lock (SQLITE_BUSY/LOCKED)."""
    code = getattr(error, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
    return "locked" in str(error) or "busy" in str(error)
