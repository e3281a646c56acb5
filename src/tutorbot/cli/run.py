"""``tutorbot run``: start the Telegram bot, with long polling or a webhook."""

from __future__ import annotations

import argparse
import logging
import re
import secrets
import sys
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from tutorbot.cli.options import (
    Subcommands,
    add_cases_option,
    require_cases_folder,
    settings_from,
)
from tutorbot.errors import CommandError
from tutorbot.grading import LexiconError
from tutorbot.settings import SettingsError

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
    parser.add_argument(
        "--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"]
    )
    parser.set_defaults(func=run)


@dataclass(frozen=True)
class Webhook:
    """Where the webhook listens and the URL Telegram posts to."""

    url: str
    listen: str
    port: int
    secret: str

    def options(self) -> dict[str, Any]:
        """Keyword arguments for ``Application.run_webhook`` / ``Updater.start_webhook``."""
        from tutorbot.telegram import ALLOWED_UPDATES

        return {
            "listen": self.listen,
            "port": self.port,
            "url_path": urlsplit(self.url).path.lstrip("/"),
            "webhook_url": self.url,
            "secret_token": self.secret,
            "allowed_updates": ALLOWED_UPDATES,
        }


def webhook_from(url: str, listen: str, port: int, secret: str) -> Webhook:
    """Check the webhook options; a problem is one :class:`SettingsError` sentence."""
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
    return Webhook(url, listen, port, secret or secrets.token_urlsafe(32))


class ShortStartupFailure(logging.Filter):
    """PTB logs a start-up that cannot reach the Bot API with a whole traceback;
    ``run`` explains it in one sentence, so the traceback is kept for DEBUG only."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.startswith("telegram.ext") and str(record.msg).startswith(
            "Network Retry Loop"
        ):
            record.exc_info, record.exc_text = None, None
        return True


def configure_logging(level: str, token: str) -> None:
    """Log to stderr, with the token redacted from every line and httpx at WARNING."""
    from tutorbot.telegram import RedactingFilter, protect_token

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter())
    if level != "DEBUG":
        handler.addFilter(ShortStartupFailure())
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(level)
    protect_token(token)


def run(args: argparse.Namespace) -> int:
    """Start the bot and run until interrupted."""
    from telegram.error import InvalidToken, NetworkError

    from tutorbot.storage import StoreError
    from tutorbot.telegram import ALLOWED_UPDATES, build_application, protect_token

    settings = settings_from(args)
    token = settings.require_token()
    webhook = (
        webhook_from(args.webhook, args.listen, args.port, settings.webhook_secret)
        if args.webhook
        else None
    )
    require_cases_folder(settings)
    configure_logging(args.log_level, token)
    if webhook is not None:
        protect_token(webhook.secret)  # setWebhook carries it; DEBUG logs show the call
    try:
        app = build_application(settings)
    except LexiconError as error:
        raise CommandError(str(error)) from None
    try:
        if webhook is None:
            app.run_polling(allowed_updates=ALLOWED_UPDATES)
        else:
            if webhook.port not in WEBHOOK_PORTS:
                logging.getLogger(__name__).info(
                    "listening on port %d: put a reverse proxy on 443/80/88/8443 in front",
                    webhook.port,
                )
            app.run_webhook(**webhook.options())
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
