"""Storage: one repository per concern behind one unit of work, one async interface.

``store = await open_store(settings.database)`` picks the backend from the URL:
``sqlite:///path/to/file.db`` (or ``sqlite:///:memory:``); ``postgresql://`` is
planned. :meth:`Store.apply` writes an update in one transaction; the concerns
are ``store.sessions``, ``.answers``, ``.progress``, ``.users``, ``.media``,
``.updates``, ``.tokens``, ``.jobs``, ``.outbox`` and ``.inbox`` (see
:mod:`tutorbot.storage.interfaces`), and for classes ``.instructors``,
``.classes``, ``.members``, ``.groups`` and ``.links`` (see
:mod:`tutorbot.storage.classes`).
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
from tutorbot.storage.errors import ConflictError, StoreError, UnsupportedDatabase
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
    SessionKey,
    SessionRecord,
)
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
    "Outbox",
    "OutboxEntry",
    "ProcessedUpdates",
    "Progress",
    "SQLiteStore",
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


async def open_store(database_url: str) -> Store:
    """Open (creating and migrating as needed) the store the URL names."""
    scheme = database_url.split(":", 1)[0].lower()
    if scheme == "sqlite":
        return await SQLiteStore(sqlite_path(database_url)).open()
    if scheme in {"postgres", "postgresql"} or scheme.startswith("postgresql+"):
        raise UnsupportedDatabase(
            "PostgreSQL is not yet supported by this tutorbot; use sqlite:///tutorbot.db for now."
        )
    raise UnsupportedDatabase(
        f"TUTORBOT_DATABASE must start with sqlite:/// (got {database_url!r})."
    )
