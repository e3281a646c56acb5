"""The schema: one numbered list of migrations, each with its SQLite and PostgreSQL text.

Each migration lives in a module of its own (``m0001_core.py`` …) holding one
:class:`Migration` with both texts side by side, so a change to the schema is
written once per backend in one place and a reviewer sees both. The list
below is the order they run in: number ``n`` is ``MIGRATIONS[n - 1]``. Each
backend records how many it ran (its ``schema_version`` table) and runs the
rest at start-up (or with ``tutorbot db migrate``), in one transaction.

Never edit a migration that has been released: append a new one. How to add
one is in docs/architecture.md ("Adding a table or a column").
"""

from __future__ import annotations

from tutorbot.storage.errors import StoreError
from tutorbot.storage.migrations import (
    m0001_core,
    m0002_reply_pending,
    m0003_jobs_tokens,
    m0004_outbox_inbox,
    m0005_classes,
    m0006_rounds,
    m0007_pushes,
    m0008_pacing,
    m0009_update_watermarks,
    m0010_attempts,
)
from tutorbot.storage.migrations.migration import Migration

__all__ = ["MIGRATIONS", "Migration", "check_version", "failed", "latest"]

MIGRATIONS: tuple[Migration, ...] = (
    m0001_core.MIGRATION,
    m0002_reply_pending.MIGRATION,
    m0003_jobs_tokens.MIGRATION,
    m0004_outbox_inbox.MIGRATION,
    m0005_classes.MIGRATION,
    m0006_rounds.MIGRATION,
    m0007_pushes.MIGRATION,
    m0008_pacing.MIGRATION,
    m0009_update_watermarks.MIGRATION,
    m0010_attempts.MIGRATION,
)

for _number, _migration in enumerate(MIGRATIONS, 1):
    # A misnumbered list (two branches that both added number n) fails at import.
    if _migration.number != _number:
        raise RuntimeError(
            f"storage migration {_migration.number} ({_migration.about}) is at place {_number} "
            "of MIGRATIONS: number it to its place."
        )


def latest() -> int:
    """The schema version this tutorbot writes (the number of the last migration).

    The runners read ``MIGRATIONS`` through this module when they run, so a test
    can append a migration of its own.
    """
    return len(MIGRATIONS)


def check_version(current: int, where: str, *, upgrade: bool) -> None:
    """Refuse a database this tutorbot cannot serve: newer than it knows, or behind it
    when it may not upgrade (``upgrade=False``)."""
    if current > latest():
        raise StoreError(
            f"the database {where} has schema version {current}, newer than this "
            f"tutorbot knows ({latest()}); upgrade tutorbot."
        )
    if current < latest() and not upgrade:
        raise StoreError(
            f"the database {where} has schema version {current} and this tutorbot needs "
            f"{latest()}: run `tutorbot db migrate` (migrating at start-up is off)."
        )


def failed(migration: Migration, where: str, current: int, error: BaseException) -> str:
    """The one line said when ``migration`` failed (everything it did was rolled back)."""
    reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return (
        f"migration {migration.number} ({migration.about}) failed on the database {where}: "
        f"{reason}; nothing was changed, the schema stays at version {current}."
    )
