"""A person's rows in PostgreSQL (see :mod:`tutorbot.storage.personal`)."""

from __future__ import annotations

from datetime import datetime

from tutorbot.storage.personal import PERSONAL_DATA
from tutorbot.storage.postgres.connection import Connection


async def rows_about(conn: Connection, user_id: int) -> dict[str, list[dict[str, object]]]:
    found: dict[str, list[dict[str, object]]] = {}
    for table, column in PERSONAL_DATA:  # our own names, never input
        rows = await conn.fetch(f"SELECT * FROM {table} WHERE {column} = $1", user_id)
        found[f"{table}.{column}"] = [
            {name: _plain(value) for name, value in row.items()} for row in rows
        ]
    return found


def _plain(value: object) -> object:
    return value.isoformat() if isinstance(value, datetime) else value
