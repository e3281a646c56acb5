"""The last resort: a handler failed. Log it with its context; tell the user one friendly line."""

from __future__ import annotations

import logging
from typing import Any

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import Application, ContextTypes

from tutorbot.telegram._render import Line, Text
from tutorbot.telegram._runtime import Runtime, session_key
from tutorbot.telegram._sender import Blocked

log = logging.getLogger(__name__)

FRIENDLY_ERROR = "Sorry, something went wrong on my side. Please try again in a moment."


def register(app: Application[Any, Any, Any, Any, Any, Any], runtime: Runtime) -> None:
    """PTB's error handler."""

    async def failed(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        where = "no update"
        key = session_key(update) if isinstance(update, Update) else None
        if isinstance(update, Update):
            kind = "button" if update.callback_query else "message"
            where = f"update {update.update_id} ({kind}, key {key})"
        log.error("Handling %s failed", where, exc_info=context.error)
        if key is None:
            return
        sorry = Text((Line.text(FRIENDLY_ERROR),))
        try:
            await runtime.sender.send(context.bot, key.chat_id, key.thread_id, [sorry])
        except (TelegramError, Blocked) as error:
            log.warning("Could not tell chat %s about the failure: %s", key.chat_id, error)

    app.add_error_handler(failed)
