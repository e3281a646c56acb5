"""``tutorbot db``: the database's schema (and, for SQLite, backups), by hand."""

from __future__ import annotations

import argparse
import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tutorbot.cli.options import Subcommands
from tutorbot.errors import CommandError
from tutorbot.settings import Settings


def register(subcommands: Subcommands) -> None:
    """Add ``tutorbot db ACTION`` to the CLI."""
    parser = subcommands.add_parser(
        "db",
        help="migrate, back up or restore the database ($TUTORBOT_DATABASE)",
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
    backup = actions.add_parser(
        "backup",
        help="copy the SQLite database into a new FILE while the bot runs",
        description=(
            "Copy the SQLite database (TUTORBOT_DATABASE) into FILE with SQLite's online "
            "backup API: safe while the bot runs. FILE must not exist; it is readable by "
            "this user only. For PostgreSQL use pg_dump (docs/storage.md)."
        ),
    )
    backup.add_argument("file", type=Path, metavar="FILE")
    backup.set_defaults(func=backup_command)
    restore = actions.add_parser(
        "restore",
        help="replace the SQLite database with a backup FILE (checked first)",
        description=(
            "Replace the SQLite database's contents with the backup FILE. FILE is checked "
            "first (a SQLite file, intact, tutorbot's, not newer than this version) and "
            "refused before anything changes; the current database is saved beside itself "
            "as <name>.before-restore-<time>. For PostgreSQL use pg_restore (docs/storage.md)."
        ),
    )
    restore.add_argument("file", type=Path, metavar="FILE")
    restore.set_defaults(func=restore_command)
    export = actions.add_parser(
        "export-learner",
        help="print everything stored about one person, as JSON",
        description=(
            "Print, as JSON, every stored row that names the Telegram user USER_ID (their "
            "sessions, answers, finished cases, replies not yet sent, classes...) and the "
            "updates from them not yet handled: what a subject access request asks for."
        ),
    )
    export.add_argument("user_id", type=int, metavar="USER_ID")
    export.set_defaults(func=export_command)


def migrate_command(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    ran, version = asyncio.run(_migrate(settings.database))
    if ran:
        print(f"migrated the database to schema version {version} ({ran} migration(s) run)")
    else:
        print(f"the database is at schema version {version}, the latest: nothing to do")
    return 0


def sqlite_file(settings: Settings, action: str) -> Path:
    """The SQLite database file ``action`` works on, or one sentence saying why not."""
    from tutorbot.storage import StoreError, sqlite_path

    try:
        path = sqlite_path(settings.database)
    except StoreError:
        raise CommandError(
            f"`tutorbot db {action}` is for a SQLite database; for PostgreSQL use "
            "pg_dump and pg_restore (docs/storage.md)"
        ) from None
    if path == ":memory:":
        raise CommandError(f"an in-memory database has nothing to {action}")
    return Path(path)


def backup_command(args: argparse.Namespace) -> int:
    from tutorbot.storage import StoreError
    from tutorbot.storage.sqlite.backup import backup

    database = sqlite_file(Settings.from_env(), "backup")
    try:
        version = backup(database, args.file)
    except StoreError as error:
        raise CommandError(str(error).rstrip(".")) from None
    print(f"backed up {database} (schema version {version}) to {args.file}")
    return 0


def restore_command(args: argparse.Namespace) -> int:
    from tutorbot.storage import StoreError
    from tutorbot.storage.sqlite.backup import restore

    database = sqlite_file(Settings.from_env(), "restore")
    try:
        version, saved = restore(args.file, database)
    except StoreError as error:
        raise CommandError(str(error).rstrip(".")) from None
    if saved is not None:
        print(f"saved the database as it was to {saved}")
    print(f"restored {database} from {args.file} (schema version {version})")
    return 0


def export_command(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    found = asyncio.run(_export(settings.database, args.user_id))
    print(json.dumps(found, indent=2, ensure_ascii=False, sort_keys=True))
    return 0


async def _export(url: str, user_id: int) -> dict[str, Any]:
    from tutorbot.app.privacy import export_learner
    from tutorbot.storage import StoreError, open_store

    try:
        store = await open_store(url, migrate=False)
    except StoreError as error:
        raise CommandError(str(error).rstrip(".")) from None
    try:
        return await export_learner(store, user_id, datetime.now(UTC))
    finally:
        await store.close()


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
