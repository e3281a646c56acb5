"""The PostgreSQL connection pool, and what every repository module shares.

asyncpg (https://magicstack.github.io/asyncpg/): an asyncio driver that
speaks PostgreSQL's binary protocol itself (no libpq to install; wheels for
the usual platforms), with a connection pool built in and prepared
statements cached per connection.

Each repository keeps its SQL in plain async functions that take a
connection first: :meth:`Database.run` calls one on a pooled connection for
a repository's own method, and the unit of work calls several inside one
transaction on one connection.

Query parameters in the URL other than libpq's own are passed to the server
as settings (asyncpg does this): ``?search_path=tutorbot`` keeps the tables
in a schema of their own, as the tests do.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, Concatenate, ParamSpec, TypeAlias, TypeVar
from urllib.parse import urlsplit

import asyncpg

from tutorbot.storage.errors import DatabaseUnavailable, StoreError

T = TypeVar("T")
P = ParamSpec("P")

#: A pooled connection, as the repository functions take it.
Connection: TypeAlias = "asyncpg.pool.PoolConnectionProxy[asyncpg.Record]"


def now() -> datetime:
    """The time a row is written, for the columns that record it."""
    return datetime.now(UTC)


def aware(moment: datetime, name: str) -> datetime:
    """``moment``, refused when naive: the SQLite backend refuses it too, and a naive time
    would be read as the server's zone."""
    if moment.tzinfo is None:
        raise ValueError(f"{name} must be timezone-aware, not {moment}")
    return moment


def lock_id(text: str) -> int:
    """A stable signed 64-bit number for ``text``: the key of a PostgreSQL advisory lock.

    Computed here rather than with PostgreSQL's ``hashtext``, which is internal
    and may change between major versions (two versions in one deploy would then
    lock different keys for one chat).
    """
    digest = hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def where(url: str) -> str:
    """The server and database of ``url`` for messages: never its password."""
    parts = urlsplit(url)
    host = parts.hostname or "the local socket"
    port = f":{parts.port}" if parts.port else ""
    return f"{host}{port}{parts.path or '/'}"


class Database:
    """A pool of connections to one PostgreSQL database."""

    def __init__(self, url: str, *, min_size: int = 1, max_size: int = 10) -> None:
        self.url = url
        self.where = where(url)
        self._min_size = min_size
        self._max_size = max_size
        self._pool: asyncpg.Pool[asyncpg.Record] | None = None
        self._closed = False

    async def open(self) -> None:
        """Connect the pool; a server that cannot be reached raises :class:`StoreError`."""
        if self._closed:
            raise StoreError("the store is closed")
        try:
            self._pool = await asyncpg.create_pool(
                self.url, min_size=self._min_size, max_size=self._max_size
            )
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
            raise DatabaseUnavailable(
                f"cannot connect to PostgreSQL at {self.where}: {_reason(error)}."
            ) from None

    @property
    def pool(self) -> asyncpg.Pool[asyncpg.Record]:
        if self._closed:
            raise StoreError("the store is closed")
        if self._pool is None:
            raise StoreError("the store is not open")
        return self._pool

    async def run(
        self,
        fn: Callable[Concatenate[Connection, P], Awaitable[T]],
        *args: P.args,
        **kw: P.kwargs,
    ) -> T:
        """``fn(connection, ...)`` on a pooled connection (each statement commits alone)."""
        with self.connection_lost():
            async with self.pool.acquire() as conn:
                return await fn(conn, *args, **kw)

    @contextmanager
    def connection_lost(self) -> Iterator[None]:
        """Turn a server gone away (or a connection cut) into :class:`DatabaseUnavailable`.

        The pool replaces a broken connection at its next use, so the store works
        again as soon as the server is back.
        """
        try:
            yield
        except (OSError, asyncpg.InterfaceError, *_SERVER_GONE) as error:
            raise DatabaseUnavailable(
                f"lost the connection to PostgreSQL at {self.where}: {_reason(error)}."
            ) from error

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._pool is not None:
            pool, self._pool = self._pool, None
            await pool.close()


#: What the server says when it shuts down, ends our session or is not ready yet, and
#: what asyncpg raises for a connection the server ended in the middle of a step
#: (InternalClientError "cannot switch to state ...", seen here under load).
_SERVER_GONE = (
    asyncpg.exceptions.InternalClientError,
    asyncpg.PostgresConnectionError,
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.CrashShutdownError,
    asyncpg.exceptions.CannotConnectNowError,
)


def _reason(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def rows_changed(status: str) -> int:
    """How many rows a statement changed, from its status (``UPDATE 3``, ``DELETE 0``)."""
    tail = status.rsplit(" ", 1)[-1]
    return int(tail) if tail.isdigit() else 0


def one(rows: list[Any]) -> Any:
    """The single row a statement returned."""
    if len(rows) != 1:
        raise StoreError(f"expected one row, got {len(rows)}")
    return rows[0]
