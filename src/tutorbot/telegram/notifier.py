"""The application's :class:`~tutorbot.app.ports.Notifier` over Telegram: bulk sends.

Pushes, deadline reveals and reminders go to chats that did not just write to
the bot, so they are sent at bulk priority: they fill what the send budget
leaves after replies to learners who are waiting.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from telegram import Bot
from telegram.constants import ParseMode
from telegram.error import BadRequest

from tutorbot.app.ports import Delivery
from tutorbot.app.replies import Say
from tutorbot.telegram._parts import TextPart, plan
from tutorbot.telegram._render import render_say
from tutorbot.telegram._sender import Blocked, Sender

log = logging.getLogger(__name__)


class TelegramNotifier:
    """Sends :class:`Say` messages to any chat, paced as bulk.

    A chat that blocked the bot is marked inactive by the sender's ``on_blocked`` hook.
    """

    def __init__(self, bot: Bot, sender: Sender) -> None:
        self.bot = bot
        self.sender = sender

    async def notify(self, chat_id: int, thread_id: int, says: Sequence[Say]) -> Delivery:
        # Version 0: a message nobody asked for belongs to no step of a session; its
        # buttons (a later issue's push cards) carry their own tokens.
        outs = [render_say(message, 0) for message in says]
        try:
            await self.sender.send(self.bot, chat_id, thread_id, outs, priority="bulk")
        except Blocked:  # the sender's on_blocked hook has marked the chat
            return "blocked"
        return "sent"

    async def post(self, chat_id: int, message: Say) -> int | None:
        # A status message (a broadcast's progress): one text without buttons, to edit later.
        part = _one_text(message)
        try:
            sent = await self.sender.text(self.bot, chat_id, 0, part.html, priority="bulk")
        except Blocked:
            return None
        return sent.message_id

    async def edit(self, chat_id: int, message_id: int, message: Say) -> bool:
        part = _one_text(message)
        try:
            await self.sender.message(
                chat_id,
                lambda: self.bot.edit_message_text(
                    part.html, chat_id=chat_id, message_id=message_id, parse_mode=ParseMode.HTML
                ),
                priority="bulk",
            )
        except Blocked:
            return False
        except BadRequest as error:
            # The same text again is "message is not modified": nothing to change.
            if "not modified" in str(error).lower():
                return True
            log.info("could not edit message %s in chat %s: %s", message_id, chat_id, error)
            return False
        return True


def _one_text(message: Say) -> TextPart:
    """The single text call a short status message takes."""
    parts = plan([render_say(message, 0)])
    first = parts[0]
    if len(parts) != 1 or not isinstance(first, TextPart):
        raise ValueError(f"a status message must fit one text message: {message.code}")
    return first
