"""The Telegram adapter: updates → tutor events, tutor actions → Bot API calls.

PTB stays in this package; the engine and the store never see an ``Update``.
"""

from tutorbot.telegram._app import ALLOWED_UPDATES, COMMANDS, build_application, runtime_of
from tutorbot.telegram._logging import RedactingFilter, protect_token, redact
from tutorbot.telegram._ops import CountingRequest, operations
from tutorbot.telegram._processor import ChatOrderedProcessor
from tutorbot.telegram._request import AiohttpRequest
from tutorbot.telegram._webhook import WebhookOptions, serve_webhook
from tutorbot.telegram._webhook import secret_for as webhook_secret_for

__all__ = [
    "ALLOWED_UPDATES",
    "COMMANDS",
    "AiohttpRequest",
    "ChatOrderedProcessor",
    "CountingRequest",
    "RedactingFilter",
    "WebhookOptions",
    "build_application",
    "operations",
    "protect_token",
    "redact",
    "runtime_of",
    "serve_webhook",
    "webhook_secret_for",
]
