"""Tokens in PostgreSQL: payloads too long for Telegram's 64-byte callback data."""

from __future__ import annotations

from tutorbot.storage.errors import StoreError
from tutorbot.storage.interfaces import Tokens
from tutorbot.storage.postgres.connection import Connection, Database, now


async def _put(conn: Connection, token: str, payload: str) -> None:
    await conn.execute(
        "INSERT INTO tokens (token, payload, created_at) VALUES ($1, $2, $3) "
        "ON CONFLICT (token) DO NOTHING",
        token,
        payload,
        now(),
    )
    if await _get(conn, token) != payload:
        raise StoreError(f"the token {token} already stands for another payload.")


async def _get(conn: Connection, token: str) -> str | None:
    payload = await conn.fetchval("SELECT payload FROM tokens WHERE token = $1", token)
    return None if payload is None else str(payload)


class PostgresTokens(Tokens):
    """:class:`Tokens` in the ``tokens`` table."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def put(self, payload: str) -> str:
        token = self.token_for(payload)
        await self._db.run(_put, token, payload)
        return token

    async def get(self, token: str) -> str | None:
        return await self._db.run(_get, token)
