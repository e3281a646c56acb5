"""The PostgreSQL backend: every storage concern in one database, for several bot processes.

Selected by ``TUTORBOT_DATABASE=postgresql://user@host/db``. Each concern's
SQL lives in its own module, as in :mod:`tutorbot.storage.sqlite`;
:mod:`~tutorbot.storage.postgres.unit_of_work` writes an update across them
under a per-chat advisory lock; :mod:`~tutorbot.storage.postgres.connection`
says why asyncpg.
"""

from __future__ import annotations

from typing import Self, TypeVar

from tutorbot.storage.interfaces import Store
from tutorbot.storage.postgres.class_members import PostgresClassGroups, PostgresMembers
from tutorbot.storage.postgres.classes import PostgresClasses, PostgresInstructors
from tutorbot.storage.postgres.connection import Database
from tutorbot.storage.postgres.inbox import PostgresInbox
from tutorbot.storage.postgres.jobs import PostgresJobs
from tutorbot.storage.postgres.links import PostgresLinks
from tutorbot.storage.postgres.media import PostgresMedia
from tutorbot.storage.postgres.migrations import migrate, schema_version
from tutorbot.storage.postgres.outbox import PostgresOutbox
from tutorbot.storage.postgres.pacing import PostgresPacing
from tutorbot.storage.postgres.personal import rows_about
from tutorbot.storage.postgres.progress import PostgresAnswers, PostgresProgress
from tutorbot.storage.postgres.pushes import PostgresPushDeliveries, PostgresPushes
from tutorbot.storage.postgres.rounds import PostgresRounds
from tutorbot.storage.postgres.schedules import PostgresSchedules
from tutorbot.storage.postgres.sessions import PostgresSessions
from tutorbot.storage.postgres.tokens import PostgresTokens
from tutorbot.storage.postgres.unit_of_work import apply_update
from tutorbot.storage.postgres.updates import PostgresProcessedUpdates
from tutorbot.storage.postgres.users import PostgresUsers
from tutorbot.storage.records import Applied, ApplyFn, SessionKey, check_key

R = TypeVar("R")

__all__ = ["PostgresStore"]


class PostgresStore(Store):
    """A :class:`Store` in one PostgreSQL database, shared by any number of processes.

    Updates of one chat are applied one at a time across processes (an advisory
    lock per chat in :meth:`apply`'s transaction); jobs are claimed with ``FOR
    UPDATE SKIP LOCKED``; outbox entries under a lease per session.
    """

    def __init__(self, url: str, *, migrate: bool = True, max_connections: int = 10) -> None:
        self.url = url
        self._migrate = migrate
        self._db = Database(url, max_size=max_connections)
        self.sessions = PostgresSessions(self._db)
        self.answers = PostgresAnswers(self._db)
        self.progress = PostgresProgress(self._db)
        self.users = PostgresUsers(self._db)
        self.media = PostgresMedia(self._db)
        self.updates = PostgresProcessedUpdates(self._db)
        self.tokens = PostgresTokens(self._db)
        self.jobs = PostgresJobs(self._db)
        self.outbox = PostgresOutbox(self._db)
        self.inbox = PostgresInbox(self._db)
        self.instructors = PostgresInstructors(self._db)
        self.classes = PostgresClasses(self._db)
        self.members = PostgresMembers(self._db)
        self.groups = PostgresClassGroups(self._db)
        self.links = PostgresLinks(self._db)
        self.rounds = PostgresRounds(self._db)
        self.pushes = PostgresPushes(self._db)
        self.deliveries = PostgresPushDeliveries(self._db)
        self.schedules = PostgresSchedules(self._db)
        self.pacing = PostgresPacing(self._db)

    async def open(self) -> Self:
        """Connect the pool and run pending migrations (with ``migrate=False``: refuse a
        database whose schema is behind); returns ``self``."""
        await self._db.open()
        try:
            self.migrations_run = await self._db.run(migrate, self._db.where, upgrade=self._migrate)
        except BaseException:
            await self._db.close()
            raise
        return self

    async def apply(
        self, update_id: int | None, key: SessionKey, fn: ApplyFn[R], *, attempts: int = 5
    ) -> Applied[R]:
        check_key(key)
        return await apply_update(self._db, update_id, key, fn, attempts)

    async def rows_about(self, user_id: int) -> dict[str, list[dict[str, object]]]:
        return await self._db.run(rows_about, user_id)

    async def schema_version(self) -> int:
        return await self._db.run(schema_version)

    async def close(self) -> None:
        await self._db.close()
