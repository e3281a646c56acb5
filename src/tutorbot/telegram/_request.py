"""The HTTP client of the Bot API calls: python-telegram-bot's ``BaseRequest`` on aiohttp.

PTB's default, ``HTTPXRequest``, spends most of the bot's CPU time per call in
httpx and httpcore (whose pool walks every connection on every request);
aiohttp does the same call for a fraction of it (docs/performance.md, issue
15). PTB takes any ``BaseRequest``
(https://docs.python-telegram-bot.org/en/stable/telegram.request.baserequest.html),
so this is the client of every call, ``getUpdates`` included.

What PTB's request offers is kept: the same four timeouts (an argument of a
call wins over the default given here; ``None`` waits forever); proxies from
the environment (``HTTPS_PROXY``, ``HTTP_PROXY``, ``NO_PROXY``, as httpx reads
them) or given here; a timeout raises ``telegram.error.TimedOut`` and any other
failure ``telegram.error.NetworkError``, which PTB's callers retry or report.
aiohttp has no timeout for writing the request alone: the write timeout bounds
the whole exchange instead, together with the others (connect, pool, read).
"""

from __future__ import annotations

import urllib.request
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

#: PTB's defaults for its own request (telegram.request.HTTPXRequest).
DEFAULT_TIMEOUT = 5.0
DEFAULT_POOL_TIMEOUT = 1.0
MEDIA_WRITE_TIMEOUT = 20.0


class AiohttpRequest(BaseRequest):
    """Bot API calls over one aiohttp session of at most ``connection_pool_size`` connections."""

    __slots__ = ("_env_proxies", "_limit", "_proxy", "_session", "_timeouts")

    def __init__(
        self,
        connection_pool_size: int = 1,
        *,
        read_timeout: float | None = DEFAULT_TIMEOUT,
        write_timeout: float | None = DEFAULT_TIMEOUT,
        connect_timeout: float | None = DEFAULT_TIMEOUT,
        pool_timeout: float | None = DEFAULT_POOL_TIMEOUT,
        media_write_timeout: float | None = MEDIA_WRITE_TIMEOUT,
        proxy: str | None = None,
    ) -> None:
        self._limit = connection_pool_size
        self._timeouts = {
            "read": read_timeout,
            "write": write_timeout,
            "connect": connect_timeout,
            "pool": pool_timeout,
            "media_write": media_write_timeout,
        }
        self._proxy = proxy
        self._env_proxies: dict[tuple[str, str], str | None] = {}  # (scheme, host) -> proxy
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._timeouts["read"]

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._limit),
                headers={"User-Agent": self.USER_AGENT},
                timeout=aiohttp.ClientTimeout(total=None),
            )

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        session = self._session
        if session is None or session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        files = request_data is not None and request_data.contains_files
        read = self._given(read_timeout, "read")
        write = self._given(write_timeout, "media_write" if files else "write")
        connect = self._given(connect_timeout, "connect")
        pool = self._given(pool_timeout, "pool")
        parts = (read, write, connect, pool)
        timeout = aiohttp.ClientTimeout(
            total=None if None in parts else sum(p for p in parts if p is not None),
            connect=None if pool is None or connect is None else pool + connect,
            sock_connect=connect,
            sock_read=read,
        )
        try:
            async with session.request(
                method,
                url,
                data=_body(request_data),
                timeout=timeout,
                proxy=self._proxy or self._proxy_from_env(url),
            ) as response:
                return response.status, await response.read()
        except TimeoutError as error:  # aiohttp's timeouts (asyncio.TimeoutError is this one)
            raise TimedOut from error
        except aiohttp.ClientError as error:
            raise NetworkError(f"aiohttp.{type(error).__name__}: {error}") from error

    def _proxy_from_env(self, url: str) -> str | None:
        """The proxy the environment names for ``url``'s host, as httpx (PTB's default
        client) reads it; looked up once per host (aiohttp's ``trust_env`` would read the
        environment, and ~/.netrc, on every call)."""
        parts = urlsplit(url)
        key = (parts.scheme, parts.hostname or "")
        if key not in self._env_proxies:
            proxies = urllib.request.getproxies()
            bypass = bool(key[1]) and urllib.request.proxy_bypass(key[1])
            self._env_proxies[key] = None if bypass else proxies.get(key[0]) or proxies.get("all")
        return self._env_proxies[key]

    def _given(self, value: Any, name: str) -> float | None:
        """A call's timeout, or this request's default when the call gave none."""
        if isinstance(value, type(BaseRequest.DEFAULT_NONE)):
            return self._timeouts[name]
        return None if value is None else float(value)


def _body(request_data: RequestData | None) -> aiohttp.FormData | dict[str, str] | None:
    """The call's parameters: form fields, or a multipart form when it uploads files."""
    if request_data is None:
        return None
    fields = request_data.json_parameters
    if not request_data.contains_files:
        return fields
    form = aiohttp.FormData()
    for name, value in fields.items():
        form.add_field(name, value)
    for name, (filename, content, mimetype) in request_data.multipart_data.items():
        form.add_field(name, content, filename=filename, content_type=mimetype)
    return form
