"""Running the schema's migrations (:mod:`tutorbot.storage.migrations`) on SQLite.

Every pending migration runs in one ``BEGIN IMMEDIATE`` transaction: SQLite's
write lock makes a second process starting at the same moment wait, then find
nothing left to do; a migration that fails rolls all of them back.
"""

from __future__ import annotations

import sqlite3

from tutorbot.storage import migrations as schema
from tutorbot.storage.errors import StoreError


def migrate(conn: sqlite3.Connection, path: str, *, upgrade: bool = True) -> int:
    """Bring the database up to the latest schema, in one transaction; how many
    migrations ran.

    With ``upgrade=False`` nothing is changed, and a database behind this
    tutorbot's schema is refused (``tutorbot db migrate`` upgrades it).
    """
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        current = schema_version(conn)
        schema.check_version(current, path, upgrade=upgrade)
        for migration in schema.MIGRATIONS[current:]:
            try:
                for statement in migration.sqlite.split(";"):
                    if statement.strip():
                        conn.execute(statement)
            except sqlite3.Error as error:
                raise StoreError(schema.failed(migration, path, current, error)) from error
            conn.execute("INSERT INTO schema_version (version) VALUES (?)", (migration.number,))
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return len(schema.MIGRATIONS) - current


def schema_version(conn: sqlite3.Connection) -> int:
    """How many migrations the database has had."""
    row = conn.execute("SELECT MAX(version) FROM schema_version").fetchone()
    return int(row[0] or 0)
