"""9: processed update ids pruned by id against watermarks (ProcessedUpdates.prune), not
by a time kept per id: each row is its id alone, with no second index to keep up."""

from tutorbot.storage.migrations.migration import Migration

MIGRATION = Migration(
    number=9,
    about="processed update ids without their time; the watermarks they are pruned by",
    sqlite="""
    DROP INDEX processed_updates_at;
    ALTER TABLE processed_updates DROP COLUMN processed_at;
    CREATE TABLE update_watermarks (
        noted_at     TEXT    PRIMARY KEY,
        update_id    INTEGER NOT NULL
    );
    """,
    postgres="""
    DROP INDEX processed_updates_at;
    ALTER TABLE processed_updates DROP COLUMN processed_at;
    CREATE TABLE update_watermarks (
        noted_at     timestamptz      PRIMARY KEY,
        update_id    bigint           NOT NULL
    );
    """,
)
