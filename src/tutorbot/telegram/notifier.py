"""The application's :class:`~tutorbot.app.ports.Notifier` over Telegram: bulk sends.

Pushes, deadline reveals and reminders go to chats that did not just write to
the bot, so they are sent at bulk priority: they fill what the send budget
leaves after replies to learners who are waiting.
"""

from __future__ import annotations

from collections.abc import Sequence

from telegram import Bot

from tutorbot.app.ports import Delivery
from tutorbot.app.replies import Say
from tutorbot.telegram._render import render_say
from tutorbot.telegram._sender import Blocked, Sender


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
