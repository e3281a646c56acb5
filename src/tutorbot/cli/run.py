"""``tutorbot run``: start the Telegram bot, with long polling or a webhook.

The cases are loaded here, before the bot starts: a broken case is left out
and logged in one line (``tutorbot cases validate`` lists all its problems),
the others are served. A broken ``lexicon.yaml`` stops the start, in one
sentence, since every case's grading depends on it. A failed poll of Telegram
is one log line with a count of the failures in a row, never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import re
import secrets
import signal
import time
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from tutorbot.cases.image_files import ImageCache
from tutorbot.cases.library import Library, load_library
from tutorbot.cli.cases import lexicon_problems
from tutorbot.cli.logs import LOG_FORMATS, configure_logging
from tutorbot.cli.options import (
    Subcommands,
    add_attempts_option,
    add_cases_option,
    require_cases_folder,
    settings_from,
)
from tutorbot.errors import CommandError
from tutorbot.settings import Settings, SettingsError

if TYPE_CHECKING:
    from telegram.ext import Application

# The Telegram adapter and storage are imported where `tutorbot run` needs them: with
# python-telegram-bot they take close to a second to load, which no other command needs.

# https://core.telegram.org/bots/api#setwebhook: secret_token is 1-256 characters of A-Z a-z 0-9 _ -.
SECRET_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
# https://core.telegram.org/bots/api#setwebhook: ports 443, 80, 88 and 8443 are supported.
WEBHOOK_PORTS = (443, 80, 88, 8443)


def register(subcommands: Subcommands) -> None:
    """Add ``tutorbot run`` to the CLI."""
    parser = subcommands.add_parser(
        "run",
        help="run the Telegram bot (long polling, or --webhook URL)",
        description=(
            "Run the Telegram bot. The token comes from TELEGRAM_BOT_TOKEN (or the file named "
            "by TELEGRAM_BOT_TOKEN_FILE), never from the command line. See docs/telegram.md."
        ),
    )
    parser.add_argument(
        "--webhook",
        metavar="URL",
        help="receive updates at this public HTTPS URL instead of long polling "
        "(secret token from TUTORBOT_WEBHOOK_SECRET)",
    )
    parser.add_argument(
        "--listen", default="127.0.0.1", metavar="ADDR", help="webhook listen address"
    )
    parser.add_argument(
        "--port", type=int, default=8443, metavar="N", help="webhook listen port (default 8443)"
    )
    add_cases_option(parser)
    add_attempts_option(parser)
    parser.add_argument(
        "--no-migrate",
        action="store_true",
        help="do not migrate the database at start-up; refuse one behind the schema "
        "(run `tutorbot db migrate` first; default: $TUTORBOT_MIGRATE or 1)",
    )
    parser.add_argument(
        "--metrics-port",
        type=int,
        metavar="N",
        help="serve /livez, /readyz and /metrics (Prometheus) on this port (default: not served)",
    )
    parser.add_argument(
        "--metrics-listen",
        default="127.0.0.1",
        metavar="ADDR",
        help="address of the --metrics-port endpoints (default 127.0.0.1)",
    )
    parser.add_argument(
        "--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"]
    )
    parser.add_argument(
        "--log-format",
        default="text",
        choices=LOG_FORMATS,
        help="text lines (default) or one JSON object per line",
    )
    parser.set_defaults(func=run)


@dataclass(frozen=True)
class Webhook:
    """Where the webhook listens and the URL Telegram posts to."""

    url: str
    listen: str
    port: int
    secret: str

    @property
    def path(self) -> str:
        """The URL's path, which the process serves too (a proxy passes it on unchanged)."""
        return urlsplit(self.url).path.lstrip("/")

    def options(self) -> dict[str, Any]:
        """Keyword arguments for PTB's ``Updater.start_webhook`` (tests compare with it)."""
        from tutorbot.telegram import ALLOWED_UPDATES

        return {
            "listen": self.listen,
            "port": self.port,
            "url_path": self.path,
            "webhook_url": self.url,
            "secret_token": self.secret,
            "allowed_updates": ALLOWED_UPDATES,
        }


def webhook_from(url: str, listen: str, port: int, secret: str, token: str = "") -> Webhook:
    """Check the webhook options; a problem is one :class:`SettingsError` sentence.

    Without a secret, every process of the bot derives the same one from the token
    (:func:`tutorbot.telegram.webhook_secret_for`)."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise SettingsError(
            f"--webhook must be a full URL such as https://bot.example.org/tg, not {url!r}."
        )
    if not 0 < port < 65536:
        raise SettingsError(f"--port must be between 1 and 65535, not {port}.")
    if secret and not SECRET_PATTERN.match(secret):
        raise SettingsError(
            "TUTORBOT_WEBHOOK_SECRET may hold only letters, digits, _ and - (at most 256)."
        )
    if not secret:
        from tutorbot.telegram import webhook_secret_for

        secret = webhook_secret_for(token) if token else secrets.token_urlsafe(32)
    return Webhook(url, listen, port, secret)


log = logging.getLogger("tutorbot.run")
#: What ``tutorbot run`` keeps beside a SQLite database: what was read of the case images.
IMAGE_CACHE = "image-cache.json"


def image_cache_file(settings: Settings) -> Path | None:
    """Where the image cache is kept: beside the SQLite database file (the one folder
    the bot may write to), or nowhere for an in-memory database."""
    from tutorbot.storage import StoreError, sqlite_path

    try:
        path = sqlite_path(settings.database)
    except StoreError:  # not SQLite: the cache lives for this run only
        return None
    return None if path == ":memory:" else Path(path).parent / IMAGE_CACHE


def load_cases(settings: Settings) -> Library:
    """The cases to serve, each broken one logged in one line; a broken lexicon is a
    :class:`CommandError`."""
    cases = require_cases_folder(settings)
    lexicon = [p for p in lexicon_problems(cases) if p.severity == "error"]
    if lexicon:
        raise CommandError(f"{lexicon[0]}; the bot grades with it, so it does not start")
    library = load_library([cases], images=ImageCache(image_cache_file(settings)))
    for line in library.broken():
        log.warning("%s", line)
    log.info(
        "%d cases loaded, %d published, %d left out",
        len(library.cases),
        len(library.published()),
        len(library.broken()),
    )
    return library


@dataclass
class PollFailures:
    """Failed polls of Telegram, each logged in one line with how many failed in a row.

    PTB hands a failed ``getUpdates`` to the application's error handlers, which log
    a traceback each time (90 lines, every few seconds while Telegram is out of
    reach); a timed-out one it logs only at DEBUG. The request for ``getUpdates``
    reports here instead: every failure (timeouts included) and the first success
    after failures.
    """

    in_a_row: int = 0
    since: float = field(default_factory=time.monotonic)

    def failed(self, error: Exception) -> None:
        if self.in_a_row == 0:
            self.since = time.monotonic()
        self.in_a_row += 1
        times = "once" if self.in_a_row == 1 else f"{self.in_a_row} times in a row"
        log.warning("Polling Telegram failed %s: %s; retrying", times, _reason(error))

    def succeeded(self) -> None:
        if self.in_a_row:
            log.warning(
                "Polling Telegram works again, after %d failed polls in %.0f s",
                self.in_a_row,
                time.monotonic() - self.since,
            )
            self.in_a_row = 0


def _reason(error: Exception) -> str:
    text = str(getattr(error, "message", "") or error) or type(error).__name__
    return text.splitlines()[0]


def watched_get_updates(failures: PollFailures) -> Any:
    """The request for ``getUpdates`` (one connection, as for PTB's own), telling ``failures`` how each call went: a network error or timeout,
    or an answer other than 200 (``post``, which turns those into exceptions, is final)."""
    from telegram.error import TelegramError

    from tutorbot.telegram import CountingRequest

    class WatchedRequest(CountingRequest):
        def observe(
            self, api_method: str, code: int | None, payload: bytes, error: TelegramError | None
        ) -> None:
            super().observe(api_method, code, payload, error)
            if error is not None:
                failures.failed(error)
            elif code == HTTPStatus.OK:
                failures.succeeded()
            elif code is not None:
                failures.failed(RuntimeError(_description(code, payload)))

    return WatchedRequest(1)


def _description(code: int, payload: bytes) -> str:
    """What the Bot API said with an error status (its ``description``), else the status."""
    try:
        description = json.loads(payload).get("description")
    except (ValueError, AttributeError):
        description = None
    if isinstance(description, str) and description:
        return description
    try:
        return f"HTTP {code} {HTTPStatus(code).phrase}"
    except ValueError:
        return f"HTTP {code}"


async def poll(
    app: Application[Any, Any, Any, Any, Any, Any],
    allowed: list[str],
    metrics: tuple[str, int | None] = ("127.0.0.1", None),
) -> None:
    """``Application.run_polling`` in its documented parts, to pass the Updater an
    ``error_callback``: with none, PTB hands each failed poll to the error handlers
    (https://docs.python-telegram-bot.org/en/stable/telegram.ext.updater.html#telegram.ext.Updater.start_polling).
    Runs until SIGINT, SIGTERM or SIGABRT, as ``run_polling`` does."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGABRT):
        loop.add_signal_handler(signum, stop.set)
    updater = app.updater
    if updater is None:  # build_application always gives one
        raise RuntimeError("the application has no Updater")
    from tutorbot.telegram import operations, runtime_of

    async with app, operations(runtime_of(app), *metrics):  # initialize() ... shutdown()
        # The request for getUpdates logs each failure (PollFailures); nothing more to do.
        await updater.start_polling(allowed_updates=allowed, error_callback=lambda _: None)
        await app.start()
        try:
            await stop.wait()
        finally:
            if updater.running:
                await updater.stop()
            if app.running:
                await app.stop()


async def serve(
    app: Application[Any, Any, Any, Any, Any, Any],
    webhook: Webhook,
    metrics: tuple[str, int | None] = ("127.0.0.1", None),
) -> None:
    """Serve the webhook until SIGINT or SIGTERM (see ``serve_webhook``: updates in hand
    are finished, the webhook stays registered for the other processes)."""
    from tutorbot.telegram import ALLOWED_UPDATES, WebhookOptions, serve_webhook

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    options = WebhookOptions(
        webhook.url,
        webhook.path,
        webhook.listen,
        webhook.port,
        webhook.secret,
        ALLOWED_UPDATES,
        metrics_listen=metrics[0],
        metrics_port=metrics[1],
    )
    counts = await serve_webhook(app, options, stop)
    log.info(
        "Stopped: %d updates kept, %d refused without the secret, %d malformed",
        counts.kept,
        counts.forbidden,
        counts.malformed,
    )


def run(args: argparse.Namespace) -> int:
    """Start the bot and run until interrupted."""
    from telegram.error import InvalidToken, NetworkError

    from tutorbot.grading import LexiconError
    from tutorbot.storage import StoreError
    from tutorbot.telegram import ALLOWED_UPDATES, build_application, protect_token

    settings = settings_from(args, migrate=False if args.no_migrate else None)
    token = settings.require_token()
    webhook = (
        webhook_from(args.webhook, args.listen, args.port, settings.webhook_secret, token)
        if args.webhook
        else None
    )
    if args.metrics_port is not None and not 0 < args.metrics_port < 65536:
        raise SettingsError(f"--metrics-port must be between 1 and 65535, not {args.metrics_port}.")
    require_cases_folder(settings)
    configure_logging(args.log_level, token, args.log_format)
    if webhook is not None:
        protect_token(webhook.secret)  # setWebhook carries it; DEBUG logs show the call
    library = load_cases(settings)
    try:
        app = build_application(
            settings,
            library=library,
            get_updates_request=watched_get_updates(PollFailures()),
            # Several processes may serve one webhook: they share one send budget.
            shared_budget=webhook is not None,
        )
    except LexiconError as error:
        raise CommandError(str(error)) from None
    try:
        if webhook is None:
            asyncio.run(poll(app, ALLOWED_UPDATES, (args.metrics_listen, args.metrics_port)))
        else:
            if webhook.port not in WEBHOOK_PORTS:
                logging.getLogger(__name__).info(
                    "listening on port %d: put a reverse proxy on 443/80/88/8443 in front",
                    webhook.port,
                )
            asyncio.run(serve(app, webhook, (args.metrics_listen, args.metrics_port)))
    except InvalidToken:
        raise CommandError(
            "Telegram rejected TELEGRAM_BOT_TOKEN; check it with @BotFather (/token)."
        ) from None
    except StoreError as error:
        raise CommandError(str(error).rstrip(".")) from None
    except NetworkError as error:
        # Start-up could not reach the Bot API (after PTB's own retries).
        raise CommandError(
            f"cannot reach the Telegram Bot API at {settings.api_url} ({error.message}); "
            "check the network or TUTORBOT_API_URL"
        ) from None
    return 0
