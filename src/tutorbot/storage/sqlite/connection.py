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

The database holds every learner's answers and ids, so only the bot's user
may read it: the file is created 0600 before SQLite opens it (SQLite creates
the -wal and -shm files with the database file's permissions,
https://www.sqlite.org/src/file?name=src/os_unix.c, ``findCreateFileMode``),
the process umask is 077 while SQLite connects, and a folder the bot creates
for it is 0700. An existing database file that others may read is narrowed
to 0600, with a warning; an existing folder is the operator's and is left
alone, with a warning when others may read it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sqlite3
import stat
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Concatenate, ParamSpec, TypeVar

from tutorbot.storage.errors import StoreError

T = TypeVar("T")
P = ParamSpec("P")

log = logging.getLogger(__name__)
#: Database, WAL and shared-memory files: read and written by the bot's user only.
FILE_MODE = 0o600
#: A folder the bot creates for its database.
FOLDER_MODE = 0o700


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
            private_files(Path(self.path))
        # SQLite may create the -wal and -shm files in any statement from here on.
        previous_umask = os.umask(0o077)
        try:
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
        finally:
            os.umask(previous_umask)
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


def private_files(database: Path) -> None:
    """Make ``database`` and its folder private to this user before SQLite opens it.

    A missing folder is created 0700 (its missing parents as the umask says); an
    existing one is left alone, with a warning when others may read it. The file
    is created 0600 if missing; an existing one (or its -wal/-shm) that group or
    others may use is narrowed to 0600, with a warning.
    """
    folder = database.parent
    if folder.is_dir():
        mode = stat.S_IMODE(folder.stat().st_mode)
        if mode & stat.S_IRWXO:
            log.warning(
                "others may read the database folder %s (mode %o): consider chmod 700",
                folder,
                mode,
            )
    else:
        folder.parent.mkdir(parents=True, exist_ok=True)
        folder.mkdir(mode=FOLDER_MODE, exist_ok=True)
        os.chmod(folder, FOLDER_MODE)  # mkdir's mode is masked by the umask
    with contextlib.suppress(FileExistsError):
        os.close(os.open(database, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
    for path in (database, Path(f"{database}-wal"), Path(f"{database}-shm")):
        try:
            mode = stat.S_IMODE(path.stat().st_mode)
        except FileNotFoundError:
            continue
        if mode & ~FILE_MODE:
            os.chmod(path, FILE_MODE)
            log.warning("%s was readable by others (mode %o); it is now 600", path, mode)


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
