"""A person's rows in SQLite (see :mod:`tutorbot.storage.personal`)."""

from __future__ import annotations

import sqlite3

from tutorbot.storage.personal import PERSONAL_DATA


def rows_about(conn: sqlite3.Connection, user_id: int) -> dict[str, list[dict[str, object]]]:
    found: dict[str, list[dict[str, object]]] = {}
    for table, column in PERSONAL_DATA:  # our own names, never input
        cursor = conn.execute(
            f"SELECT * FROM {table} WHERE {column} = ? ORDER BY rowid", (user_id,)
        )
        names = [d[0] for d in cursor.description]
        found[f"{table}.{column}"] = [dict(zip(names, row, strict=True)) for row in cursor]
    return found
