"""``tutorbot db``: the database's schema (and, for SQLite, backups), by hand."""

from __future__ import annotations

import argparse
import asyncio

from tutorbot.cli.options import Subcommands
from tutorbot.errors import CommandError
from tutorbot.settings import Settings


def register(subcommands: Subcommands) -> None:
    """Add ``tutorbot db ACTION`` to the CLI."""
    parser = subcommands.add_parser(
        "db",
        help="migrate the database ($TUTORBOT_DATABASE)",
        description="Work on the database named by TUTORBOT_DATABASE (SQLite or PostgreSQL).",
    )
    actions = parser.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    migrate = actions.add_parser(
        "migrate",
        help="bring the schema up to this tutorbot's (safe to run from several hosts at once)",
        description=(
            "Run the pending schema migrations, all in one transaction, under a lock: "
            "processes starting at the same moment wait and find nothing left to do. "
            "`tutorbot run` does this itself unless --no-migrate or TUTORBOT_MIGRATE=0."
        ),
    )
    migrate.set_defaults(func=migrate_command)


def migrate_command(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    ran, version = asyncio.run(_migrate(settings.database))
    if ran:
        print(f"migrated the database to schema version {version} ({ran} migration(s) run)")
    else:
        print(f"the database is at schema version {version}, the latest: nothing to do")
    return 0


async def _migrate(url: str) -> tuple[int, int]:
    from tutorbot.storage import StoreError, open_store

    try:
        store = await open_store(url)
    except StoreError as error:
        raise CommandError(str(error).rstrip(".")) from None
    try:
        return store.migrations_run, await store.schema_version()
    finally:
        await store.close()
