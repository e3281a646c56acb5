"""Backing up and restoring a SQLite database with SQLite's online backup API.

A backup copies the database page by page while the bot runs (the backup API
reads a consistent snapshot; writers carry on in between steps) into a new
file, private to this user, that is only given its name once complete. A
restore first checks the file in full (a SQLite database, intact, written by
tutorbot, with a schema this tutorbot knows) and refuses it before anything
is touched; then it saves the current database beside itself and copies the
backup into it, again with the backup API, under SQLite's write lock, so a
bot that is running sees either the old database or the restored one.
"""

from __future__ import annotations

import os
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from tutorbot.storage.errors import StoreError
from tutorbot.storage.migrations import latest
from tutorbot.storage.sqlite.connection import FILE_MODE, private_files

#: Every SQLite database file starts with these 16 bytes (https://www.sqlite.org/fileformat.html).
HEADER = b"SQLite format 3\x00"
#: Tables every tutorbot database has had since its first schema.
CORE_TABLES = frozenset({"schema_version", "sessions", "processed_updates", "answers", "users"})


def backup(database: Path, target: Path) -> int:
    """Copy ``database`` into the new file ``target``; its schema version.

    Refuses a ``target`` that exists (nothing is overwritten) and a
    ``database`` that is missing or not tutorbot's.
    """
    if not database.is_file():
        raise StoreError(f"there is no database at {database}.")
    if target.exists():
        raise StoreError(f"{target} exists already; choose a new file name for the backup.")
    version = check(database)
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)
    os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
    try:
        _copy(database, partial)
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return version


def restore(source: Path, database: Path) -> tuple[int, Path | None]:
    """Replace ``database``'s contents with the backup ``source``.

    ``source`` is checked first, in full; a corrupt, foreign or too-new file is
    refused with :class:`StoreError` and nothing changes. The current database,
    if there is one, is saved first as ``<database>.before-restore-<UTC time>``.
    Returns the backup's schema version (the bot migrates it at its next start
    if it is older) and where the old database was saved.
    """
    version = check(source)
    saved = None
    if database.is_file():
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        saved = database.with_name(f"{database.name}.before-restore-{stamp}")
        backup(database, saved)
    else:
        private_files(database)
    _copy(source, database)
    return version, saved


def check(path: Path) -> int:
    """The schema version of the tutorbot database at ``path``; :class:`StoreError` if it
    is not one (not SQLite, damaged, another program's, or newer than this tutorbot)."""
    try:
        with path.open("rb") as file:
            header = file.read(len(HEADER))
    except OSError as error:
        raise StoreError(f"cannot read {path}: {error.strerror or error}.") from None
    if header != HEADER:
        raise StoreError(f"{path} is not a SQLite database; nothing was changed.")
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as error:
        raise StoreError(f"cannot open {path}: {error}; nothing was changed.") from None
    try:
        problems = [row[0] for row in conn.execute("PRAGMA integrity_check")]
        if problems != ["ok"]:
            raise StoreError(f"{path} is damaged ({problems[0]}); nothing was changed.")
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
        if not tables >= CORE_TABLES:
            raise StoreError(f"{path} is not a tutorbot database; nothing was changed.")
        version = int(conn.execute("SELECT MAX(version) FROM schema_version").fetchone()[0] or 0)
    except sqlite3.DatabaseError as error:
        raise StoreError(f"{path} is damaged ({error}); nothing was changed.") from None
    finally:
        conn.close()
    if version > latest():
        raise StoreError(
            f"{path} has schema version {version}, newer than this tutorbot knows "
            f"({latest()}); upgrade tutorbot first. Nothing was changed."
        )
    return version


def _copy(source: Path, target: Path) -> None:
    """The backup API from ``source`` into ``target``, in steps (the bot writes in between)."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(target, timeout=30)
    try:
        src.backup(dst, pages=256)
    finally:
        dst.close()
        src.close()
