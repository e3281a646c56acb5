"""The bot's own membership: a learner blocking or unblocking it."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.ext import Application, ChatMemberHandler, ContextTypes

from tutorbot.telegram._runtime import Runtime


def register(app: Application[Any, Any, Any, Any, Any, Any], runtime: Runtime) -> None:
    """my_chat_member updates of private chats mark the learner reachable or not."""

    async def member(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        change = update.my_chat_member
        # In a group this is the bot being added or removed by an admin, not a learner
        # blocking it: only a private chat's status says whether we may write to the user.
        if change is None or change.chat.type != ChatType.PRIVATE:
            return
        status = change.new_chat_member.status
        gone = status in (ChatMemberStatus.BANNED, ChatMemberStatus.LEFT)
        await runtime.play.set_reachable(change.from_user.id, not gone)

    app.add_handler(ChatMemberHandler(member, ChatMemberHandler.MY_CHAT_MEMBER))
