"""8: the send pacing shared by every process (storage/pacing.py): one time per bucket."""

from tutorbot.storage.migrations.migration import Migration

MIGRATION = Migration(
    number=8,
    about="send pacing shared by every process, one time per bucket",
    sqlite="""
    CREATE TABLE pacing (
        bucket       TEXT    PRIMARY KEY,
        tat          TEXT    NOT NULL
    );
    CREATE INDEX pacing_tat ON pacing (tat);
    """,
    postgres="""
    CREATE TABLE pacing (
        bucket       text        PRIMARY KEY,
        tat          timestamptz NOT NULL
    );
    CREATE INDEX pacing_tat ON pacing (tat);
    """,
)
