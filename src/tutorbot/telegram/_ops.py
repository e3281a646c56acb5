"""Operations: ``/livez``, ``/readyz`` and ``/metrics`` on a port of their own.

* ``GET /livez``: 200 while the process's event loop answers (a hung process does not).
* ``GET /readyz``: 200 when the database answers and its schema is the one this
  process migrated it to at start; 503 with one line saying why otherwise (not
  started yet, stopping, the database unreachable, the schema changed under us).
  Telegram is deliberately not asked: a Telegram outage would make every
  instance look dead at once, and restarting them would not help.
* ``GET /metrics``: :data:`tutorbot.metrics.METRICS` in Prometheus text format,
  with the gauges read from the database (jobs due/running/failed, sessions
  active in the last hour) refreshed first.

A port of its own (``--metrics-port``) so that the proxy that faces the internet
never routes to it. Also here: the Bot API request that counts every call by
method and result.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

from telegram.error import TelegramError
from telegram.request import RequestData
from tornado.httpserver import HTTPServer
from tornado.web import Application as TornadoApplication
from tornado.web import RequestHandler

from tutorbot.metrics import METRICS, Metrics
from tutorbot.telegram._request import AiohttpRequest
from tutorbot.telegram._runtime import Runtime

log = logging.getLogger(__name__)

#: A session changed within this long counts as active.
ACTIVE_WITHIN = timedelta(hours=1)
#: The longest a readiness or metrics read of the database may take.
DATABASE_TIMEOUT = 3.0
PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8"


class Health:
    """What ``/readyz`` answers, from the runtime's store."""

    def __init__(self, runtime: Runtime, metrics: Metrics = METRICS) -> None:
        self.runtime = runtime
        self.metrics = metrics
        #: The schema version the store had once open (and migrated) at start-up.
        self.schema: int | None = None
        self.stopping = False

    async def started(self) -> None:
        """The store is open: remember its schema version."""
        self.schema = await self.runtime.store.schema_version()

    async def ready(self) -> tuple[bool, str]:
        if self.stopping:
            return False, "stopping"
        if self.schema is None or self.runtime._store is None:
            return False, "starting"
        try:
            version = await asyncio.wait_for(self.runtime.store.schema_version(), DATABASE_TIMEOUT)
        except Exception as error:
            return False, f"database unreachable: {_first_line(error)}"
        if version != self.schema:
            return False, f"database schema is {version}, this process runs {self.schema}"
        return True, "ready"

    async def refresh(self) -> None:
        """Read the gauges that live in the database (skipped when it does not answer)."""
        if self.runtime._store is None:
            return
        store, now = self.runtime.store, self.runtime.clock.now()
        try:
            counts = await asyncio.wait_for(store.jobs.counts(now), DATABASE_TIMEOUT)
            active = await asyncio.wait_for(
                store.sessions.active(now - ACTIVE_WITHIN), DATABASE_TIMEOUT
            )
        except Exception as error:
            log.warning("Metrics: could not read the database: %s", _first_line(error))
            return
        for state, count in counts.items():
            self.metrics.set("tutorbot_jobs", count, state=state)
        self.metrics.set("tutorbot_active_sessions", active)


def _first_line(error: BaseException) -> str:
    return (str(error) or type(error).__name__).splitlines()[0][:200]


class _Live(RequestHandler):
    def get(self) -> None:
        self.set_header("Content-Type", "text/plain")
        self.finish("alive\n")


class _Ready(RequestHandler):
    def initialize(self, health: Health) -> None:
        self.health = health

    async def get(self) -> None:
        ok, reason = await self.health.ready()
        self.set_status(200 if ok else 503)
        self.set_header("Content-Type", "text/plain")
        await self.finish(reason + "\n")


class _Metrics(RequestHandler):
    def initialize(self, health: Health) -> None:
        self.health = health

    async def get(self) -> None:
        await self.health.refresh()
        self.set_header("Content-Type", PROMETHEUS_TEXT)
        await self.finish(self.health.metrics.exposition())


class OpsServer:
    """The operations endpoints on ``listen:port``."""

    def __init__(self, health: Health, listen: str, port: int) -> None:
        self.health = health
        self._app = TornadoApplication(
            [
                ("/livez", _Live),
                ("/readyz", _Ready, {"health": health}),
                ("/metrics", _Metrics, {"health": health}),
            ],
            log_function=lambda handler: None,
        )
        self._listen, self._port = listen, port
        self._server: HTTPServer | None = None

    async def start(self) -> None:
        self._server = HTTPServer(self._app)
        self._server.listen(self._port, address=self._listen)

    async def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.stop()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(server.close_all_connections(), timeout=5)


@contextlib.asynccontextmanager
async def operations(runtime: Runtime, listen: str, port: int | None) -> AsyncIterator[Health]:
    """Serve the operations endpoints on ``listen:port`` (none without a port) while the
    block runs; the store must be open. Set ``health.stopping`` when the process begins
    to stop: readiness fails from then on, so the balancer sends no more."""
    health = Health(runtime)
    await health.started()
    server = OpsServer(health, listen, port) if port is not None else None
    if server is not None:
        await server.start()
        log.info("Operations endpoints on %s:%d (/livez, /readyz, /metrics)", listen, port)
    try:
        yield health
    finally:
        health.stopping = True
        if server is not None:
            await server.stop()


class CountingRequest(AiohttpRequest):
    """PTB's HTTP request, counting each Bot API call by method and result in the metrics:
    ``ok``, the HTTP status of an error answer, or ``network`` (no answer). Subclasses
    see each call's outcome too (:meth:`observe`)."""

    def observe(
        self, api_method: str, code: int | None, payload: bytes, error: TelegramError | None
    ) -> None:
        """One call ended: with an HTTP ``code`` and ``payload``, or without an answer."""
        result = "network" if code is None else "ok" if code == 200 else str(code)
        METRICS.inc("tutorbot_bot_api_calls_total", method=api_method, result=result)

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = AiohttpRequest.DEFAULT_NONE,
        write_timeout: Any = AiohttpRequest.DEFAULT_NONE,
        connect_timeout: Any = AiohttpRequest.DEFAULT_NONE,
        pool_timeout: Any = AiohttpRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        api_method = url.rsplit("/", 1)[-1]
        try:
            code, payload = await super().do_request(
                url,
                method,
                request_data,
                read_timeout,
                write_timeout,
                connect_timeout,
                pool_timeout,
            )
        except TelegramError as error:
            self.observe(api_method, None, b"", error)
            raise
        self.observe(api_method, code, payload, None)
        return code, payload
