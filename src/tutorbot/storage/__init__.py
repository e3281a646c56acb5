"""Storage: sessions, answers, progress, users and the media cache, behind one async interface.

``store = await open_store(settings.database)`` picks the backend from the URL:
``sqlite:///path/to/file.db`` (or ``sqlite:///:memory:``); ``postgresql://`` is
planned. See :class:`Store` for the operations, :meth:`Store.apply` above all.
"""

from __future__ import annotations

from tutorbot.storage._base import (
    AnswerRecord,
    Applied,
    ApplyFn,
    CaseOutcome,
    Change,
    ConflictError,
    FinishedCase,
    SessionKey,
    SessionRecord,
    Stats,
    Store,
    StoreError,
    UnsupportedDatabase,
)
from tutorbot.storage._sqlite import SQLiteStore

__all__ = [
    "AnswerRecord",
    "Applied",
    "ApplyFn",
    "CaseOutcome",
    "Change",
    "ConflictError",
    "FinishedCase",
    "SQLiteStore",
    "SessionKey",
    "SessionRecord",
    "Stats",
    "Store",
    "StoreError",
    "UnsupportedDatabase",
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
