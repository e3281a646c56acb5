"""Storage: one repository per concern behind one unit of work, one async interface.

``store = await open_store(settings.database)`` picks the backend from the URL:
``sqlite:///path/to/file.db`` (or ``sqlite:///:memory:``) or
``postgresql://user@host/db``. :meth:`Store.apply` writes an update in one transaction; the concerns
are ``store.sessions``, ``.answers``, ``.progress``, ``.users``, ``.media``,
``.updates``, ``.tokens``, ``.jobs``, ``.outbox`` and ``.inbox`` (see
:mod:`tutorbot.storage.interfaces`), and for classes ``.instructors``,
``.classes``, ``.members``, ``.groups`` and ``.links`` (see
:mod:`tutorbot.storage.classes`), and for group rounds ``.rounds`` (see
:mod:`tutorbot.storage.rounds`), and for pushes ``.pushes`` and ``.deliveries``
(see :mod:`tutorbot.storage.pushes`), and ``.schedules`` (see
:mod:`tutorbot.storage.schedules`).
"""

from __future__ import annotations

from tutorbot.storage.classes import (
    LINK_KINDS,
    Classes,
    ClassGroup,
    ClassGroups,
    ClassRecord,
    Instructor,
    Instructors,
    Link,
    LinkKind,
    Links,
    Member,
    Members,
)
from tutorbot.storage.errors import (
    ConflictError,
    DatabaseUnavailable,
    StoreError,
    UnsupportedDatabase,
)
from tutorbot.storage.interfaces import (
    Answers,
    Inbox,
    Jobs,
    Media,
    Outbox,
    ProcessedUpdates,
    Progress,
    Sessions,
    Store,
    Tokens,
    Users,
)
from tutorbot.storage.pushes import (
    Delivery,
    DeliveryCounts,
    DeliveryStatus,
    NewPush,
    PushDeliveries,
    Pushes,
    PushRecord,
    PushStatus,
    Recipient,
)
from tutorbot.storage.records import (
    AnswerRecord,
    Applied,
    ApplyFn,
    Change,
    FinishedCase,
    InboxEntry,
    Job,
    JobStatus,
    LiveButtons,
    NewJob,
    OutboxEntry,
    OutcomeRegrade,
    Regrade,
    SessionKey,
    SessionRecord,
)
from tutorbot.storage.rounds import NewRound, Rounds
from tutorbot.storage.schedules import NewSchedule, ScheduleRecord, Schedules, ScheduleStatus
from tutorbot.storage.sqlite import SQLiteStore

__all__ = [
    "LINK_KINDS",
    "AnswerRecord",
    "Answers",
    "Applied",
    "ApplyFn",
    "Change",
    "ClassGroup",
    "ClassGroups",
    "ClassRecord",
    "Classes",
    "ConflictError",
    "DatabaseUnavailable",
    "Delivery",
    "DeliveryCounts",
    "DeliveryStatus",
    "FinishedCase",
    "Inbox",
    "InboxEntry",
    "Instructor",
    "Instructors",
    "Job",
    "JobStatus",
    "Jobs",
    "Link",
    "LinkKind",
    "Links",
    "LiveButtons",
    "Media",
    "Member",
    "Members",
    "NewJob",
    "NewPush",
    "NewRound",
    "NewSchedule",
    "Outbox",
    "OutboxEntry",
    "OutcomeRegrade",
    "ProcessedUpdates",
    "Progress",
    "PushDeliveries",
    "PushRecord",
    "PushStatus",
    "Pushes",
    "Recipient",
    "Regrade",
    "Rounds",
    "SQLiteStore",
    "ScheduleRecord",
    "ScheduleStatus",
    "Schedules",
    "SessionKey",
    "SessionRecord",
    "Sessions",
    "Store",
    "StoreError",
    "Tokens",
    "UnsupportedDatabase",
    "Users",
    "open_store",
    "sqlite_path",
]


def sqlite_path(database_url: str) -> str:
    """The file path in a ``sqlite:///`` URL (``:memory:`` stays as it is).

    ``sqlite:///tutorbot.db`` is relative to the working directory and
    ``sqlite:////var/lib/tutorbot/tutorbot.db`` absolute, as in SQLAlchemy.
    """
    prefix = "sqlite:///"
    if not database_url.startswith(prefix) or database_url == prefix:
        raise UnsupportedDatabase(
            f"TUTORBOT_DATABASE {database_url!r} is not a SQLite URL like sqlite:///tutorbot.db."
        )
    return database_url[len(prefix) :]


async def open_store(database_url: str, *, migrate: bool = True) -> Store:
    """Open the store the URL names, creating and migrating its schema as needed.

    With ``migrate=False`` the schema is left alone and a database behind this
    tutorbot's is refused with a :class:`StoreError` (``tutorbot db migrate``).
    """
    scheme = database_url.split(":", 1)[0].lower()
    if scheme == "sqlite":
        return await SQLiteStore(sqlite_path(database_url), migrate=migrate).open()
    if scheme in {"postgres", "postgresql"}:
        # Imported here: a SQLite-only run never loads the PostgreSQL driver.
        from tutorbot.storage.postgres import PostgresStore

        return await PostgresStore(database_url, migrate=migrate).open()
    raise UnsupportedDatabase(
        "TUTORBOT_DATABASE must start with sqlite:/// or postgresql:// "
        f"(got {_without_password(database_url)!r})."
    )


def _without_password(url: str) -> str:
    """``url`` with any password in it replaced, for messages."""
    head, sep, tail = url.rpartition("@")
    if not sep or ":" not in head.split("//", 1)[-1]:
        return url
    scheme, _, user = head.partition("//")
    return f"{scheme}//{user.split(':', 1)[0]}:***@{tail}"
