"""The SQLite schema: numbered migrations, run once each, in order, at start-up."""

from __future__ import annotations

import sqlite3

from tutorbot.storage.errors import StoreError

#: Numbered migrations; each runs once, in order, in one transaction. Never edit
#: a released one: append a new one.
MIGRATIONS: tuple[str, ...] = (
    # 1: sessions, processed updates, answers, finished cases, users, media cache.
    """
    CREATE TABLE sessions (
        chat_id      INTEGER NOT NULL,
        thread_id    INTEGER NOT NULL DEFAULT 0,
        user_id      INTEGER NOT NULL,
        case_id      TEXT    NOT NULL,
        case_version TEXT    NOT NULL,
        state        TEXT    NOT NULL,
        version      INTEGER NOT NULL,
        updated_at   TEXT    NOT NULL,
        PRIMARY KEY (chat_id, thread_id, user_id)
    );
    CREATE TABLE processed_updates (
        update_id    INTEGER PRIMARY KEY,
        processed_at TEXT    NOT NULL
    );
    CREATE INDEX processed_updates_at ON processed_updates (processed_at);
    CREATE TABLE answers (
        id           INTEGER PRIMARY KEY AUTOINCREMENT,
        chat_id      INTEGER NOT NULL,
        user_id      INTEGER NOT NULL,
        case_id      TEXT    NOT NULL,
        case_version TEXT    NOT NULL,
        answer       TEXT    NOT NULL,
        verdict      TEXT    NOT NULL,
        score        REAL    NOT NULL,
        matched      TEXT,
        at           TEXT    NOT NULL
    );
    CREATE INDEX answers_user ON answers (user_id);
    CREATE INDEX answers_case ON answers (case_id);
    CREATE TABLE finished_cases (
        id           INTEGER PRIMARY KEY AUTOINCREMENT,
        user_id      INTEGER NOT NULL,
        case_id      TEXT    NOT NULL,
        case_version TEXT    NOT NULL,
        outcome      TEXT    NOT NULL,
        at           TEXT    NOT NULL
    );
    CREATE INDEX finished_cases_user ON finished_cases (user_id, id);
    CREATE TABLE users (
        user_id      INTEGER PRIMARY KEY,
        active       INTEGER NOT NULL DEFAULT 1,
        first_seen   TEXT    NOT NULL,
        last_seen    TEXT    NOT NULL
    );
    CREATE TABLE media_cache (
        bot_id       INTEGER NOT NULL,
        sha256       TEXT    NOT NULL,
        file_id      TEXT    NOT NULL,
        stored_at    TEXT    NOT NULL,
        PRIMARY KEY (bot_id, sha256)
    );
    """,
    # 2: the outbox flag: a committed change whose reply is not known to be sent.
    """
    ALTER TABLE sessions ADD COLUMN reply_pending INTEGER NOT NULL DEFAULT 0;
    """,
    # 3: durable jobs (claimed under a lease) and tokens for long callback data.
    # A key is unique among live jobs only (see Jobs.add), hence the partial index.
    """
    CREATE TABLE jobs (
        id           INTEGER PRIMARY KEY AUTOINCREMENT,
        kind         TEXT    NOT NULL,
        payload      TEXT    NOT NULL,
        due          TEXT    NOT NULL,
        status       TEXT    NOT NULL DEFAULT 'pending',
        attempts     INTEGER NOT NULL DEFAULT 0,
        lease_owner  TEXT,
        lease_until  TEXT,
        last_error   TEXT,
        key          TEXT,
        created_at   TEXT    NOT NULL
    );
    CREATE INDEX jobs_claim ON jobs (status, due);
    CREATE UNIQUE INDEX jobs_live_key ON jobs (key)
        WHERE key IS NOT NULL AND status IN ('pending', 'running');
    CREATE TABLE tokens (
        token        TEXT    PRIMARY KEY,
        payload      TEXT    NOT NULL,
        created_at   TEXT    NOT NULL
    );
    """,
    # 4: the outbox keeps each reply itself until it is sent (not only a flag), the
    # messages whose inline buttons are live, and the inbox of updates received but
    # not yet handled. A reply the previous release left pending becomes an entry
    # that shows the step the session was at, in the format tutorbot.app.outbox
    # reads (its "step" body), and the flag is cleared.
    """
    CREATE TABLE outbox (
        id           INTEGER PRIMARY KEY AUTOINCREMENT,
        chat_id      INTEGER NOT NULL,
        thread_id    INTEGER NOT NULL,
        user_id      INTEGER NOT NULL,
        version      INTEGER NOT NULL,
        body         TEXT    NOT NULL,
        sent_parts   INTEGER NOT NULL DEFAULT 0,
        attempts     INTEGER NOT NULL DEFAULT 0,
        due          TEXT    NOT NULL,
        lease_owner  TEXT,
        lease_until  TEXT,
        last_error   TEXT,
        created_at   TEXT    NOT NULL
    );
    CREATE INDEX outbox_key ON outbox (chat_id, thread_id, user_id, id);
    CREATE INDEX outbox_due ON outbox (due);
    CREATE TABLE live_buttons (
        chat_id      INTEGER NOT NULL,
        thread_id    INTEGER NOT NULL,
        user_id      INTEGER NOT NULL,
        message_id   INTEGER NOT NULL,
        version      INTEGER NOT NULL,
        outbox_id    INTEGER NOT NULL,
        PRIMARY KEY (chat_id, thread_id, user_id, message_id)
    );
    CREATE TABLE inbox (
        update_id    INTEGER PRIMARY KEY,
        body         TEXT    NOT NULL,
        owner        TEXT    NOT NULL,
        received_at  TEXT    NOT NULL,
        deliveries   INTEGER NOT NULL DEFAULT 1
    );
    INSERT INTO outbox (chat_id, thread_id, user_id, version, body, due, created_at)
        SELECT chat_id, thread_id, user_id, version,
               json_object('v', 1, 'step', json_object('case_id', case_id, 'state', state)),
               updated_at, updated_at
        FROM sessions WHERE reply_pending = 1 AND state != ''
        ORDER BY updated_at;
    UPDATE sessions SET reply_pending = 0 WHERE reply_pending = 1;
    """,
    # 5: instructors, classes, their members and groups, and the links that bring them in.
    # A class's origin (the request that made it) is unique, so a request handled twice
    # makes one class.
    """
    CREATE TABLE instructors (
        user_id      INTEGER PRIMARY KEY,
        added_by     INTEGER NOT NULL,
        added_at     TEXT    NOT NULL
    );
    CREATE TABLE classes (
        id           INTEGER PRIMARY KEY AUTOINCREMENT,
        name         TEXT    NOT NULL,
        archived     INTEGER NOT NULL DEFAULT 0,
        created_at   TEXT    NOT NULL,
        origin       TEXT    UNIQUE
    );
    CREATE TABLE class_instructors (
        class_id     INTEGER NOT NULL,
        user_id      INTEGER NOT NULL,
        added_at     TEXT    NOT NULL,
        PRIMARY KEY (class_id, user_id)
    );
    CREATE INDEX class_instructors_user ON class_instructors (user_id);
    CREATE TABLE class_members (
        class_id     INTEGER NOT NULL,
        user_id      INTEGER NOT NULL,
        name         TEXT    NOT NULL,
        joined_at    TEXT    NOT NULL,
        left_at      TEXT,
        muted        INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (class_id, user_id)
    );
    CREATE INDEX class_members_user ON class_members (user_id);
    CREATE TABLE class_groups (
        class_id      INTEGER NOT NULL,
        chat_id       INTEGER NOT NULL,
        title         TEXT    NOT NULL,
        added_by      INTEGER NOT NULL,
        added_at      TEXT    NOT NULL,
        confirmed_by  INTEGER,
        removed       INTEGER NOT NULL DEFAULT 0,
        migrated_from INTEGER,
        PRIMARY KEY (class_id, chat_id)
    );
    CREATE INDEX class_groups_chat ON class_groups (chat_id);
    CREATE TABLE links (
        token        TEXT    PRIMARY KEY,
        kind         TEXT    NOT NULL,
        class_id     INTEGER,
        created_by   INTEGER NOT NULL,
        created_at   TEXT    NOT NULL,
        one_time     INTEGER NOT NULL DEFAULT 0,
        revoked_at   TEXT,
        used_by      INTEGER,
        used_at      TEXT
    );
    CREATE INDEX links_class ON links (class_id, kind);
    """,
)


def migrate(conn: sqlite3.Connection, path: str) -> None:
    """Bring the database up to the latest schema, in one transaction."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        current = schema_version(conn)
        if current > len(MIGRATIONS):
            raise StoreError(
                f"the database {path} has schema version {current}, newer than this "
                f"tutorbot knows ({len(MIGRATIONS)}); upgrade tutorbot."
            )
        for number, script in enumerate(MIGRATIONS[current:], current + 1):
            for statement in script.split(";"):
                if statement.strip():
                    conn.execute(statement)
            conn.execute("INSERT INTO schema_version (version) VALUES (?)", (number,))
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def schema_version(conn: sqlite3.Connection) -> int:
    """How many migrations the database has had."""
    row = conn.execute("SELECT MAX(version) FROM schema_version").fetchone()
    return int(row[0] or 0)
