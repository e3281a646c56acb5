"""The SQLite backend: every storage concern in one SQLite file, safe for several processes.

See :mod:`tutorbot.storage.sqlite.connection` for why statements run on the
event loop's own thread; each concern's SQL lives in its own module, and
:mod:`~tutorbot.storage.sqlite.unit_of_work` writes an update across them.
"""

from __future__ import annotations

import sqlite3
from typing import Self, TypeVar

from tutorbot.storage.interfaces import Store
from tutorbot.storage.records import Applied, ApplyFn, SessionKey, check_key
from tutorbot.storage.sqlite.classes import (
    SQLiteClasses,
    SQLiteClassGroups,
    SQLiteInstructors,
    SQLiteMembers,
)
from tutorbot.storage.sqlite.connection import Database
from tutorbot.storage.sqlite.inbox import SQLiteInbox
from tutorbot.storage.sqlite.jobs import SQLiteJobs
from tutorbot.storage.sqlite.links import SQLiteLinks
from tutorbot.storage.sqlite.media import SQLiteMedia
from tutorbot.storage.sqlite.migrations import migrate, schema_version
from tutorbot.storage.sqlite.outbox import SQLiteOutbox
from tutorbot.storage.sqlite.pacing import SQLitePacing
from tutorbot.storage.sqlite.personal import rows_about
from tutorbot.storage.sqlite.progress import SQLiteAnswers, SQLiteProgress
from tutorbot.storage.sqlite.pushes import SQLitePushDeliveries, SQLitePushes
from tutorbot.storage.sqlite.rounds import SQLiteRounds
from tutorbot.storage.sqlite.schedules import SQLiteSchedules
from tutorbot.storage.sqlite.sessions import SQLiteSessions
from tutorbot.storage.sqlite.tokens import SQLiteTokens
from tutorbot.storage.sqlite.unit_of_work import apply_update
from tutorbot.storage.sqlite.updates import SQLiteProcessedUpdates
from tutorbot.storage.sqlite.users import SQLiteUsers

R = TypeVar("R")

__all__ = ["SQLiteStore"]


class SQLiteStore(Store):
    """A :class:`Store` in one SQLite file (or ``:memory:``), safe for several processes.

    Several processes may open the same file: writes take SQLite's write lock
    (``BEGIN IMMEDIATE``; a busy database is retried without blocking the event
    loop, for up to ``busy_timeout_ms``), and sessions are written with
    compare-and-set on their version.
    """

    def __init__(self, path: str, *, busy_timeout_ms: int = 5000, migrate: bool = True) -> None:
        self.path = path
        self._migrate = migrate
        self._db = Database(path, busy_timeout_ms=busy_timeout_ms)
        self.sessions = SQLiteSessions(self._db)
        self.answers = SQLiteAnswers(self._db)
        self.progress = SQLiteProgress(self._db)
        self.users = SQLiteUsers(self._db)
        self.media = SQLiteMedia(self._db)
        self.updates = SQLiteProcessedUpdates(self._db)
        self.tokens = SQLiteTokens(self._db)
        self.jobs = SQLiteJobs(self._db)
        self.outbox = SQLiteOutbox(self._db)
        self.inbox = SQLiteInbox(self._db)
        self.rounds = SQLiteRounds(self._db)
        self.instructors = SQLiteInstructors(self._db)
        self.classes = SQLiteClasses(self._db)
        self.members = SQLiteMembers(self._db)
        self.groups = SQLiteClassGroups(self._db)
        self.links = SQLiteLinks(self._db)
        self.pushes = SQLitePushes(self._db)
        self.deliveries = SQLitePushDeliveries(self._db)
        self.schedules = SQLiteSchedules(self._db)
        self.pacing = SQLitePacing(self._db)

    async def open(self) -> Self:
        """Connect, set WAL mode and run pending migrations (with ``migrate=False``:
        refuse a database whose schema is behind); returns ``self``.

        Start-up may wait (blocking) up to ``busy_timeout_ms`` for another
        process's lock; afterwards waits are asynchronous, off the loop.
        """

        def migrating(conn: sqlite3.Connection, path: str) -> None:
            self.migrations_run = migrate(conn, path, upgrade=self._migrate)

        self._db.open(migrating)
        return self

    async def apply(
        self, update_id: int | None, key: SessionKey, fn: ApplyFn[R], *, attempts: int = 5
    ) -> Applied[R]:
        check_key(key)
        return await self._db.run(apply_update, update_id, key, fn, attempts)

    async def rows_about(self, user_id: int) -> dict[str, list[dict[str, object]]]:
        return await self._db.run(rows_about, user_id)

    async def schema_version(self) -> int:
        return await self._db.run(schema_version)

    async def close(self) -> None:
        self._db.close()
