"""Group chats: rounds of a case played together (see :mod:`tutorbot.app.rounds`).

With privacy mode on the bot sees only commands, replies to its own messages and
button presses here, so everything a round needs comes that way: ``/case``, ``/dx``,
a reply to the round's status message, ``/reveal``, ``/leaderboard``,
``/groupsettings`` and the round's buttons. An anonymous admin writes as the group
itself (``sender_chat`` is the chat) and counts as an admin.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import Bot, Message, Update, User
from telegram.constants import ChatMemberStatus
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from tutorbot.app.rounds import Actor, Where
from tutorbot.telegram import callbacks
from tutorbot.telegram._runtime import Runtime
from tutorbot.telegram.menu import GROUP_HELP

Context = ContextTypes.DEFAULT_TYPE
log = logging.getLogger(__name__)
ADMINS = (ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR)


async def is_admin(bot: Bot, chat_id: int, user: User | None, message: Message | None) -> bool:
    """An admin of the chat: an anonymous admin (writing as the group), or a member whose
    status says so (getChatMember)."""
    if message is not None and message.sender_chat is not None:
        return message.sender_chat.id == chat_id
    if user is None:
        return False
    try:
        member = await bot.get_chat_member(chat_id, user.id)
    except TelegramError as error:
        log.info("Could not check whether %s is an admin of %s: %s", user.id, chat_id, error)
        return False
    return member.status in ADMINS


def where_of(update: Update) -> Where | None:
    chat, message = update.effective_chat, update.effective_message
    if chat is None:
        return None
    thread = message.message_thread_id if message is not None and message.is_topic_message else 0
    return Where(chat.id, thread or 0, chat.title or "")


async def actor_of(update: Update, bot: Bot) -> Actor | None:
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        return None
    message = update.effective_message if update.callback_query is None else None
    admin = await is_admin(bot, chat.id, user, message)
    return Actor(user.id, user.first_name, admin)


class Group:
    """The handlers; each turns an update into one round use case."""

    def __init__(self, runtime: Runtime) -> None:
        self.rt = runtime

    async def _who(self, update: Update, context: Context) -> tuple[Where, Actor] | None:
        where, actor = where_of(update), await actor_of(update, context.bot)
        return None if where is None or actor is None else (where, actor)

    async def case(self, update: Update, context: Context) -> None:
        """/case, /case <id>, /case <id> 24h, /case next."""
        found = await self._who(update, context)
        if found is not None:
            await self.rt.rounds.start(*found, list(context.args or ()))

    async def dx(self, update: Update, context: Context) -> None:
        """/dx <answer>: kept, acknowledged privately, deleted when the bot may."""
        found, message = await self._who(update, context), update.effective_message
        if found is None or message is None:
            return
        text = (message.text or "").partition(" ")[2]
        await self.rt.rounds.answer_in_group(*found, text, update.update_id, message.message_id)

    async def reply(self, update: Update, context: Context) -> None:
        """A reply to the round's status message is an answer; other replies are talk."""
        found, message = await self._who(update, context), update.effective_message
        if found is None or message is None or message.reply_to_message is None:
            return
        where, actor = found
        rnd = await self.rt.store.rounds.open_in(where.chat_id, where.thread_id)
        replied = message.reply_to_message.message_id
        if rnd is None or replied not in (rnd.status_message, rnd.question_message):
            return  # the discussion after a reveal, or a reply to something else
        await self.rt.rounds.answer_in_group(
            where, actor, message.text or "", update.update_id, message.message_id
        )

    async def reveal(self, update: Update, context: Context) -> None:
        """/reveal."""
        found = await self._who(update, context)
        if found is not None:
            await self.rt.rounds.reveal_now(*found)

    async def leaderboard(self, update: Update, context: Context) -> None:
        """/leaderboard."""
        where = where_of(update)
        if where is not None:
            await self.rt.rounds.leaderboard(where)

    async def settings(self, update: Update, context: Context) -> None:
        """/groupsettings [setting value]."""
        found = await self._who(update, context)
        if found is not None:
            await self.rt.rounds.settings(*found, list(context.args or ()))

    async def help(self, update: Update, context: Context) -> None:
        """/help in a group."""
        where = where_of(update)
        if where is not None:
            await self.rt.rounds.out.line(where, "\n".join(GROUP_HELP))

    async def button(self, update: Update, context: Context) -> None:
        """Next ▶ on a round's status, or a case offered by /case."""
        query = update.callback_query
        found = await self._who(update, context)
        pressed = callbacks.decode_round(query.data if query else None)
        if query is None or found is None or pressed is None:
            return
        where, actor = found
        toast = None
        if pressed.kind == "next":
            toast = await self.rt.rounds.next(where, actor, pressed.round_id, pressed.version)
        else:
            case_id = await self.rt.store.tokens.get(pressed.token)
            await self.rt.answer_quietly(query)
            await self.rt.rounds.start(where, actor, [case_id or "?"])
            return
        await self.rt.answer_quietly(query, toast)

    async def migrated(self, update: Update, context: Context) -> None:
        """A basic group became a supergroup: its rounds, settings and board move along."""
        message = update.effective_message
        if message is None:
            return
        if message.migrate_to_chat_id:
            await self.rt.rounds.migrated(message.chat.id, message.migrate_to_chat_id)
        elif message.migrate_from_chat_id:
            await self.rt.rounds.migrated(message.migrate_from_chat_id, message.chat.id)

    async def membership(self, update: Update, context: Context) -> None:
        """The bot removed from a group: its rounds end."""
        change = update.my_chat_member
        if change is None or change.chat.type not in ("group", "supergroup"):
            return
        if change.new_chat_member.status in (ChatMemberStatus.LEFT, ChatMemberStatus.BANNED):
            await self.rt.rounds.ended(change.chat.id)


def register(app: Application[Any, Any, Any, Any, Any, Any], runtime: Runtime) -> None:
    """Group commands, replies to the round's question, the rounds' buttons, migration
    and the bot's removal."""
    group = Group(runtime)
    groups = filters.ChatType.GROUPS & filters.UpdateType.MESSAGE
    commands = {
        "case": group.case,
        "dx": group.dx,
        "reveal": group.reveal,
        "leaderboard": group.leaderboard,
        "groupsettings": group.settings,
        "help": group.help,
    }
    for name, callback in commands.items():
        app.add_handler(CommandHandler(name, callback, filters=groups))
    replies = groups & filters.REPLY & filters.TEXT & ~filters.COMMAND
    app.add_handler(MessageHandler(replies, group.reply))
    app.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, group.migrated))
    app.add_handler(CallbackQueryHandler(group.button, pattern=callbacks.ROUND_PATTERN))
    # A handler group of its own: the learners' membership handler sees these updates too.
    app.add_handler(ChatMemberHandler(group.membership, ChatMemberHandler.MY_CHAT_MEMBER), 1)
