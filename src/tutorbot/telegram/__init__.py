"""The Telegram adapter: updates → tutor events, tutor actions → Bot API calls.

PTB stays in this package; the engine and the store never see an ``Update``.
"""

from tutorbot.telegram._app import ALLOWED_UPDATES, COMMANDS, build_application, runtime_of
from tutorbot.telegram._logging import RedactingFilter, protect_token, redact
from tutorbot.telegram._processor import ChatOrderedProcessor

__all__ = [
    "ALLOWED_UPDATES",
    "COMMANDS",
    "ChatOrderedProcessor",
    "RedactingFilter",
    "build_application",
    "protect_token",
    "redact",
    "runtime_of",
]
