"""Running the schema's migrations (:mod:`tutorbot.storage.migrations`) on PostgreSQL.

Under a transaction-level advisory lock: N processes starting together queue
on it, the first runs what is pending and commits, the others then find the
schema current and do nothing. Every pending migration runs in that one
transaction (PostgreSQL's DDL is transactional), so one that fails half-way
leaves the database exactly as it was.
"""

from __future__ import annotations

import asyncpg

from tutorbot.storage import migrations as schema
from tutorbot.storage.errors import StoreError
from tutorbot.storage.postgres.connection import Connection, lock_id

#: The advisory lock held while migrating (one per database).
MIGRATION_LOCK = lock_id("tutorbot:migrate")


async def migrate(conn: Connection, where: str, *, upgrade: bool = True) -> int:
    """Bring the database up to the latest schema; how many migrations ran.

    With ``upgrade=False`` nothing is changed, and a database behind this
    tutorbot's schema is refused (``tutorbot db migrate`` upgrades it).
    """
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock($1)", MIGRATION_LOCK)
        await conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version integer NOT NULL)")
        current = await schema_version(conn)
        schema.check_version(current, where, upgrade=upgrade)
        for migration in schema.MIGRATIONS[current:]:
            try:
                async with conn.transaction():  # a savepoint: the error names this migration
                    await conn.execute(migration.postgres)
            except asyncpg.PostgresError as error:
                raise StoreError(schema.failed(migration, where, current, error)) from error
            await conn.execute("INSERT INTO schema_version (version) VALUES ($1)", migration.number)
        return len(schema.MIGRATIONS) - current


async def schema_version(conn: Connection) -> int:
    """How many migrations the database has had (0 for an empty one)."""
    exists = await conn.fetchval("SELECT to_regclass('schema_version') IS NOT NULL")
    if not exists:
        return 0
    return int(await conn.fetchval("SELECT COALESCE(MAX(version), 0) FROM schema_version"))
