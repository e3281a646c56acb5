"""Group chats: cases are played in a private chat for now, so our commands get one pointer."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters

from tutorbot.telegram._render import Line, Text
from tutorbot.telegram._runtime import Runtime, session_key
from tutorbot.telegram.menu import HANDLED

GROUPS_LATER = (
    "Cases are played in a private chat for now: tap my name, then Start. "
    "Playing together in groups is coming."
)


def register(app: Application[Any, Any, Any, Any, Any, Any], runtime: Runtime) -> None:
    """One line in reply to our commands in a group; everything else there is not for us."""

    async def pointer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        key = session_key(update)
        if key is not None:
            message = Text((Line.text(GROUPS_LATER),))
            await runtime.sender.send(context.bot, key.chat_id, key.thread_id, [message])

    ours = filters.Regex(rf"^/({'|'.join(HANDLED)})(@\w+)?(\s|$)")
    groups = filters.ChatType.GROUPS & filters.UpdateType.MESSAGE & ours
    app.add_handler(MessageHandler(groups, pointer))
