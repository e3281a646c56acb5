"""The webhook server: an update is answered 200 only once it is kept in the store.

python-telegram-bot's own webhook server answers Telegram as soon as an update
is in the in-memory queue (telegram/ext/_utils/webhookhandler.py), so a process
killed in between loses it: Telegram never sends an acknowledged update again.
Here the POST's answer waits for :class:`DurableQueue.put`, which commits the
update to the store's inbox before queueing it; a process that dies before
that answers nothing, and Telegram tries again (on another process, behind a
load balancer). What it had kept and not handled is taken over by a live
process (:func:`take_over_loop`).

The answer also waits, up to :data:`HANDLED_WAIT`, until the update is handled:
Telegram sends a chat's next update only once the previous one is answered, so
with several processes behind one URL a chat's updates are handled in the order
Telegram sent them (a quick answer would let the next one be handled by another
process first). An update still in hand after that wait is answered anyway: it
is kept, so nothing is lost, only that chat's order is no longer waited for.

Answers: 200 kept; 403 without the secret header or with a wrong one; 400 for
a body that is no update (logged in one line); 503 while stopping or when the
store cannot keep it (Telegram tries again later). tornado serves it: it comes
with ``python-telegram-bot[webhooks]``, which we depend on already.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from telegram import Bot, Update
from telegram.ext import Application
from tornado.httpserver import HTTPServer
from tornado.web import Application as TornadoApplication
from tornado.web import RequestHandler

from tutorbot.metrics import METRICS
from tutorbot.storage import Store
from tutorbot.telegram._app import runtime_of
from tutorbot.telegram._inbox import DurableQueue, owner_gone
from tutorbot.telegram._ops import operations
from tutorbot.telegram._runtime import Runtime

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
#: Telegram's default for concurrent webhook connections (https://core.telegram.org/bots/api#setwebhook).
MAX_CONNECTIONS = 40
#: How often a running process looks for updates kept by a process that died.
TAKE_OVER_EVERY = 5.0
#: How long a POST's answer waits for its update to be handled (see the module's doc).
HANDLED_WAIT = 10.0
#: A body larger than this is no update (Telegram's are a few kB; a long text is 4096 chars).
MAX_BODY = 1024 * 1024


def secret_for(token: str) -> str:
    """The webhook secret every process of one bot derives from its token when none is set:
    the same in each process (a random one per process would make the others answer 403),
    and no one without the token can compute it. HMAC-SHA256, base64url (43 characters)."""
    digest = hmac.new(token.encode(), b"tutorbot webhook secret", hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


#: The HTTP status of each outcome of a webhook POST.
ANSWERS = {
    "kept": HTTPStatus.OK,
    "forbidden": HTTPStatus.FORBIDDEN,
    "malformed": HTTPStatus.BAD_REQUEST,
    "unavailable": HTTPStatus.SERVICE_UNAVAILABLE,
}


@dataclass
class Counts:
    """What the receiver answered, by reason (for the metrics and the tests)."""

    kept: int = 0
    forbidden: int = 0
    malformed: int = 0
    unavailable: int = 0


class WebhookReceiver:
    """Turns one webhook POST into an HTTP status, keeping the update first."""

    def __init__(
        self, queue: DurableQueue, bot: Bot, secret: str, handled_wait: float = HANDLED_WAIT
    ) -> None:
        self._queue = queue
        self._bot = bot
        self._secret = secret.encode()
        self.counts = Counts()
        self._in_flight = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self.closing = False
        self.handled_wait = handled_wait

    async def receive(self, secret: str | None, body: bytes) -> int:
        """Keep the update in ``body`` and queue it; the status to answer."""
        if self.closing:
            return self._answer("unavailable")
        if secret is None or not hmac.compare_digest(secret.encode(), self._secret):
            return self._answer("forbidden")
        update = self._parse(body)
        if update is None:
            return self._answer("malformed")
        self._in_flight += 1
        self._idle.clear()
        handled = self._queue.waiter(update.update_id)
        try:
            await self._queue.put(update)
        except Exception as error:
            self._queue.forget_waiter(update.update_id, handled)
            log.warning(
                "Update %s could not be kept (%s); not acknowledged, Telegram sends it again",
                update.update_id,
                error,
            )
            return self._answer("unavailable")
        else:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(handled, self.handled_wait)
            self._queue.forget_waiter(update.update_id, handled)
        finally:
            self._in_flight -= 1
            if not self._in_flight:
                self._idle.set()
        return self._answer("kept")

    def _answer(self, outcome: str) -> int:
        """Count the outcome (here and in the metrics) and give its HTTP status."""
        setattr(self.counts, outcome, getattr(self.counts, outcome) + 1)
        METRICS.inc("tutorbot_webhook_requests_total", outcome=outcome)
        return ANSWERS[outcome]

    def _parse(self, body: bytes) -> Update | None:
        try:
            data = json.loads(body)
            if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
                raise ValueError("not an object with an integer update_id")
            update = Update.de_json(data, self._bot)
        except Exception as error:
            reason = str(error).splitlines()[0] if str(error) else type(error).__name__
            log.warning("Webhook body refused (%d bytes): %s", len(body), reason[:200])
            return None
        return update

    async def drain(self) -> None:
        """Refuse new updates (503) and wait until those being kept are handled (or waited
        for as long as :data:`HANDLED_WAIT`)."""
        self.closing = True
        await self._idle.wait()


class _UpdateHandler(RequestHandler):
    """tornado's side of :class:`WebhookReceiver`: POST only, nothing in the answer body."""

    def initialize(self, receiver: WebhookReceiver) -> None:
        self.receiver = receiver

    async def post(self) -> None:
        status = await self.receiver.receive(
            self.request.headers.get(SECRET_HEADER), self.request.body
        )
        self.set_status(status)
        await self.finish()


class WebhookServer:
    """The HTTP server of one process: ``path`` takes updates, anything else is 404."""

    def __init__(self, receiver: WebhookReceiver, path: str, listen: str, port: int) -> None:
        self.receiver = receiver
        route = "/" + path.strip("/")
        self._app = TornadoApplication(
            [(route, _UpdateHandler, {"receiver": receiver})], log_function=_no_access_log
        )
        self._listen = listen
        self._port = port
        self._server: HTTPServer | None = None

    @property
    def port(self) -> int:
        """The port listened on (the one asked for, or the one given for port 0)."""
        if self._server is None:
            return self._port
        sockets = list(self._server._sockets.values())
        return int(sockets[0].getsockname()[1]) if sockets else self._port

    async def start(self) -> None:
        self._server = HTTPServer(self._app, xheaders=True, max_body_size=MAX_BODY)
        self._server.listen(self._port, address=self._listen)

    async def stop(self) -> None:
        """Stop listening, answer 503 to requests already connected, and wait until the
        updates being kept are queued (then the application finishes handling them)."""
        server, self._server = self._server, None
        if server is not None:
            server.stop()
        await self.receiver.drain()
        if server is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(server.close_all_connections(), timeout=5)


def _no_access_log(handler: RequestHandler) -> None:
    """Requests are counted, not logged: one line per update would drown the log."""


async def ensure_webhook(
    bot: Bot,
    store: Store,
    url: str,
    secret: str,
    allowed_updates: Sequence[str],
    max_connections: int = MAX_CONNECTIONS,
) -> bool:
    """Register the webhook unless this very setting is registered already; whether this
    process called ``setWebhook``.

    Every process of a bot starts with the same setting, and the first to start
    registers it: the store keeps a digest of it (the secret itself is never
    stored), so the others see it is done. Two processes that start in the same
    instant may both register it, with the same parameters, which Telegram takes
    as one setting. Pending updates are never dropped, and no process ever deletes
    the webhook (a process that stops must not stop the others' updates).
    """
    setting = json.dumps([url, secret, sorted(allowed_updates), max_connections])
    marker = "webhook-set:" + hashlib.sha256(setting.encode()).hexdigest()
    info = await bot.get_webhook_info()
    known = await store.tokens.get(store.tokens.token_for(marker)) is not None
    if known and info.url == url:
        return False
    await bot.set_webhook(
        url,
        secret_token=secret,
        allowed_updates=list(allowed_updates),
        max_connections=max_connections,
        drop_pending_updates=False,
    )
    await store.tokens.put(marker)
    log.info("Webhook registered at %s", url)
    return True


async def take_over_loop(
    queue: DurableQueue, bot: Bot, runtime: Runtime, every: float = TAKE_OVER_EVERY
) -> None:
    """Now and then, take over what a process that died left: the updates it had kept and
    not handled (queued here: Telegram will not send them again, they were acknowledged)
    and the replies it was sending (released, so the outbox's pump sends them now rather
    than when their lease runs out)."""
    while True:
        await asyncio.sleep(every)
        try:
            await queue.requeue(bot)
            released = await runtime.deliveries.release_owners(
                lambda owner: owner_gone(owner, runtime.owner)
            )
            if released:
                log.info("Took over %d kept reply(ies) of a process that died", released)
        except Exception as error:  # the store away for a while: try again next time
            log.warning("Could not take over what a stopped process left: %s", error)


@dataclass(frozen=True)
class WebhookOptions:
    """Where a process listens, and the public URL Telegram posts to."""

    url: str
    path: str
    listen: str
    port: int
    secret: str
    allowed_updates: Sequence[str]
    max_connections: int = MAX_CONNECTIONS
    #: Where /livez, /readyz and /metrics are served (no port: not served).
    metrics_listen: str = "127.0.0.1"
    metrics_port: int | None = None
    #: How long a POST's answer waits for its update to be handled.
    handled_wait: float = HANDLED_WAIT


async def serve_webhook(
    app: Application[Any, Any, Any, Any, Any, Any],
    options: WebhookOptions,
    stop: asyncio.Event,
    *,
    started: asyncio.Event | None = None,
    take_over_every: float = TAKE_OVER_EVERY,
) -> Counts:
    """Run ``app`` on a webhook until ``stop`` is set; what the receiver answered.

    Start-up: the application (the store opened, updates a dead process left
    queued again), then the server, then the webhook registered if it is not.
    Stop: no new updates (the listening socket closed, requests already
    connected answered 503 so Telegram sends them elsewhere), the updates in
    hand handled, the leases given up (``Application.stop``). The webhook stays
    registered and pending updates stay pending: the other processes go on.
    """
    queue = app.update_queue
    if not isinstance(queue, DurableQueue):
        raise TypeError("serve_webhook needs the application from build_application")
    receiver = WebhookReceiver(queue, app.bot, options.secret, options.handled_wait)
    server = WebhookServer(receiver, options.path, options.listen, options.port)
    async with (
        app,
        operations(runtime_of(app), options.metrics_listen, options.metrics_port) as health,
    ):  # initialize() ... shutdown()
        await app.start()
        await server.start()
        taking_over = asyncio.create_task(
            take_over_loop(queue, app.bot, runtime_of(app), take_over_every)
        )
        try:
            await ensure_webhook(
                app.bot,
                runtime_of(app).store,
                options.url,
                options.secret,
                options.allowed_updates,
                options.max_connections,
            )
            log.info("Taking updates at %s:%d/%s", options.listen, server.port, options.path)
            if started is not None:
                started.set()
            await stop.wait()
        finally:
            log.info("Stopping: no new updates; finishing those in hand")
            health.stopping = True
            taking_over.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await taking_over
            await server.stop()
            if app.running:
                await app.stop()
    return receiver.counts
