"""The application's :class:`~tutorbot.app.ports.Notifier` over Telegram: bulk sends.

Pushes, deadline reveals and reminders go to chats that did not just write to
the bot, so they are sent at bulk priority: they fill what the send budget
leaves after replies to learners who are waiting.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from telegram import Bot

from tutorbot.app.ports import Delivery
from tutorbot.app.replies import Say
from tutorbot.storage import Store
from tutorbot.telegram._render import render_say
from tutorbot.telegram._sender import Blocked, Sender

log = logging.getLogger(__name__)


class TelegramNotifier:
    """Sends :class:`Say` messages to any chat, paced as bulk; a blocked chat is marked."""

    def __init__(self, bot: Bot, sender: Sender, store: Store) -> None:
        self.bot = bot
        self.sender = sender
        self.store = store

    async def notify(self, chat_id: int, thread_id: int, says: Sequence[Say]) -> Delivery:
        # Version 0: a message nobody asked for belongs to no step of a session; its
        # buttons (a later issue's push cards) carry their own tokens.
        outs = [render_say(message, 0) for message in says]
        try:
            await self.sender.send(self.bot, chat_id, thread_id, outs, priority="bulk")
        except Blocked:
            log.info("Chat %s blocked the bot; marked inactive", chat_id)
            if chat_id > 0:  # a private chat's id is its user's id
                await self.store.users.set_active(chat_id, False)
            return "blocked"
        return "sent"
