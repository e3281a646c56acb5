"""2: the first outbox, a flag per session (migration 4 replaced it with the outbox table)."""

from tutorbot.storage.migrations.migration import Migration

MIGRATION = Migration(
    number=2,
    about="the outbox flag: a committed change whose reply is not known to be sent",
    sqlite="""
    ALTER TABLE sessions ADD COLUMN reply_pending INTEGER NOT NULL DEFAULT 0;
    """,
    postgres="""
    ALTER TABLE sessions ADD COLUMN reply_pending boolean NOT NULL DEFAULT false;
    """,
)
