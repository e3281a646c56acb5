"""Tokens in SQLite: payloads too long for Telegram's 64-byte callback data."""

from __future__ import annotations

import sqlite3

from tutorbot.storage.errors import StoreError
from tutorbot.storage.interfaces import Tokens
from tutorbot.storage.sqlite.connection import Database, ts


def _put(conn: sqlite3.Connection, token: str, payload: str) -> None:
    conn.execute(
        "INSERT INTO tokens (token, payload, created_at) VALUES (?, ?, ?) "
        "ON CONFLICT (token) DO NOTHING",
        (token, payload, ts()),
    )
    if _get(conn, token) != payload:
        raise StoreError(f"the token {token} already stands for another payload.")


def _get(conn: sqlite3.Connection, token: str) -> str | None:
    row = conn.execute("SELECT payload FROM tokens WHERE token = ?", (token,)).fetchone()
    return None if row is None else str(row[0])


class SQLiteTokens(Tokens):
    """:class:`Tokens` in the ``tokens`` table."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def put(self, payload: str) -> str:
        token = self.token_for(payload)
        await self._db.run(_put, token, payload)
        return token

    async def get(self, token: str) -> str | None:
        return await self._db.run(_get, token)
