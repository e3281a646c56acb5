"""Membership: people and groups coming into classes by link, and leaving; the bot's own.

* A join link (``/start J_…`` in a private chat) offers the class, saying what its
  instructors will see; Join makes the student a member. An invite (``/start I_…``)
  offers instructorship; Accept makes them an instructor.
* A group link (``?startgroup=G_…``: Telegram adds the bot to the chosen group and
  sends ``/start G_…`` there) joins the group to the class once an admin of the group
  confirms: at once when an admin opened it (an anonymous admin writes as the group
  itself), else with a Confirm button only admins may press (getChatMember says who).
* Students' Leave, Mute and Unmute buttons (from /classes).
* The bot removed from a group (it no longer counts in its classes), a group that
  became a supergroup (its classes follow it), a learner blocking the bot.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import Bot, Message, Update, User
from telegram.constants import ChatMemberStatus, ChatType
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

from tutorbot.app.classes import LINK_MALFORMED, WRONG_PLACE
from tutorbot.app.instructors import Refusal
from tutorbot.app.links import PREFIXES, kind_of
from tutorbot.app.pushes import card, current_push
from tutorbot.storage import SessionKey
from tutorbot.telegram import callbacks
from tutorbot.telegram._render import Button, Line, Text
from tutorbot.telegram._runtime import Runtime
from tutorbot.telegram._sender import Blocked
from tutorbot.telegram.menu import set_instructor_menus

log = logging.getLogger(__name__)
Context = ContextTypes.DEFAULT_TYPE

NOT_NOW = "All right, nothing changed. The link still works if you change your mind."
ADMINS_ONLY = "Only an admin of this group can confirm."
NO_CLASSES = "You are in no class yet: your instructor gives you a link to join one."
ADMIN_STATUSES = (ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR)
#: ``/start <payload>`` with a class link's prefix (other features have prefixes of their
#: own, such as a push card's, and their own handlers).
LINK_START = rf"^/start(@\w+)?\s+({'|'.join(PREFIXES.values())})"


def lines(*texts: str) -> tuple[Line, ...]:
    return tuple(Line.text(text) for text in texts)


def display_name(user: User) -> str:
    return " ".join(part for part in (user.first_name, user.last_name) if part) or str(user.id)


async def student_classes(rt: Runtime, user_id: int, *, quiet: bool = False) -> Text | None:
    """The classes ``user_id`` is in, with Leave and Mute buttons; ``None`` when there are
    none and ``quiet`` (an instructor's /classes says enough already)."""
    taking = await rt.classroom.my_classes(user_id)
    if not taking:
        return None if quiet else Text(lines(NO_CLASSES))
    shown = [Line.bold("Classes you are in:")]
    buttons = []
    for cls, member in taking:
        shown.append(Line.text(f"• {cls.name}" + (" (muted)" if member.muted else "")))
        mute = ("Unmute", "unmute") if member.muted else ("Mute", "mute")
        buttons += [
            Button(f"Leave {cls.name}", callbacks.encode_class("leave", cls.id), f"c{cls.id}"),
            Button(f"{mute[0]} {cls.name}", callbacks.encode_class(mute[1], cls.id), f"c{cls.id}"),
        ]
    shown += [Line.blank(), Line.text("Muted classes send you no case of the week.")]
    return Text(tuple(shown), buttons=tuple(buttons))


class Membership:
    """The handlers; each turns an update into one use-case call and sends what it says."""

    def __init__(self, runtime: Runtime) -> None:
        self.rt = runtime

    async def private_link(self, update: Update, context: Context) -> None:
        """``/start <payload>`` of one of our links in a private chat: offer what it is for."""
        user, payload = update.effective_user, (context.args or [""])[0]
        if user is None:
            return
        room = self.rt.classroom
        try:
            kind = kind_of(payload)
            if kind == "join":
                opened = await room.open_link(payload, "join")
                assert opened.cls is not None
                said = await self._join_offer(user.id, opened.cls.id, opened.cls.name, payload)
            elif kind == "invite":
                opened = await room.offer_invite(payload, user.id)
                said = await self._invite_offer(user.id, opened.cls, payload)
            else:
                raise Refusal(WRONG_PLACE["group"] if kind == "group" else LINK_MALFORMED)
        except Refusal as refusal:
            said = Text(lines(str(refusal)))
        await self.rt.sender.send(context.bot, user.id, 0, [said])

    async def group_link(self, update: Update, context: Context) -> None:
        """``/start <payload>`` in a group: a group link joins the group to its class."""
        message, chat, user = update.effective_message, update.effective_chat, update.effective_user
        payload = (context.args or [""])[0]
        if message is None or chat is None or user is None:
            return
        thread = (message.message_thread_id if message.is_topic_message else 0) or 0
        anonymous = message.sender_chat is not None and message.sender_chat.id == chat.id
        by = chat.id if anonymous else user.id
        try:
            kind = kind_of(payload)
            if kind != "group":
                raise Refusal(WRONG_PLACE[kind] if kind else LINK_MALFORMED)
            admin = anonymous or await self._is_admin(context.bot, chat.id, user.id)
            title = chat.title or str(chat.id)
            joined = await self.rt.classroom.group_start(payload, chat.id, title, by, admin=admin)
        except Refusal as refusal:
            await self.rt.sender.send(context.bot, chat.id, thread, [Text(lines(str(refusal)))])
            return
        if joined.confirmed:
            said = Text(lines(self._joined_line(joined.cls.name)))
        else:
            said = Text(
                lines(
                    f"This group was added to the class “{joined.cls.name}”. "
                    "An admin of this group confirms:"
                ),
                buttons=(Button("Confirm", callbacks.encode_class("confirm", joined.cls.id)),),
            )
        await self.rt.sender.send(context.bot, chat.id, thread, [said])

    async def button(self, update: Update, context: Context) -> None:
        """Join / Accept / Not now under an offer; Leave / Mute / Unmute; a group's Confirm."""
        query, user = update.callback_query, update.effective_user
        pressed = callbacks.decode_class(query.data if query else None)
        if query is None or user is None or pressed is None:
            return
        chat_id = query.message.chat.id if query.message else user.id
        thread = 0
        if isinstance(query.message, Message) and query.message.is_topic_message:
            thread = query.message.message_thread_id or 0
        try:
            said = await self._pressed(context.bot, user, chat_id, pressed)
        except Refusal as refusal:
            await self.rt.answer_quietly(query, str(refusal))
            return
        await self.rt.answer_quietly(query)
        await self.rt.sender.send(context.bot, chat_id, thread, [said])
        if isinstance(pressed, callbacks.LinkPress) and pressed.action == "join":
            await self._offer_current_case(context.bot, user.id, pressed.payload)

    async def _offer_current_case(self, bot: Bot, user_id: int, payload: str) -> None:
        """A student who just joined gets the class's current case of the week, if there is
        one: the same card a push sends, kept in their outbox like any reply."""
        link = await self.rt.store.links.get(payload)
        if link is None or link.class_id is None:
            return
        published = [case.id for case in self.rt.library.published()]
        push = await current_push(self.rt.store, published, link.class_id)
        if push is None:
            return
        key = SessionKey(user_id, 0, user_id)
        result = await self.rt.play.tell(key, None, card(push))
        await self.rt.respond(bot, key, result)

    async def migrated(self, update: Update, context: Context) -> None:
        """A basic group became a supergroup: both chats say so; either moves its classes."""
        message = update.effective_message
        if message is None:
            return
        if message.migrate_to_chat_id:
            old, new = message.chat_id, message.migrate_to_chat_id
        elif message.migrate_from_chat_id:
            old, new = message.migrate_from_chat_id, message.chat_id
        else:
            return
        moved = await self.rt.classroom.migrated(old, new)
        if moved:
            log.info("Group %s became supergroup %s: %d class(es) follow it", old, new, moved)

    async def member(self, update: Update, context: Context) -> None:
        """The bot's own membership changed: a learner blocked or unblocked it, or it was
        removed from a group (the group no longer counts in its classes)."""
        change = update.my_chat_member
        if change is None:
            return
        status = change.new_chat_member.status
        gone = status in (ChatMemberStatus.BANNED, ChatMemberStatus.LEFT)
        if change.chat.type == ChatType.PRIVATE:
            await self.rt.play.set_reachable(change.from_user.id, not gone)
        elif gone:
            await self.rt.classroom.bot_removed(change.chat.id)

    # -- what the buttons do ------------------------------------------------------------------

    async def _pressed(
        self,
        bot: Bot,
        user: User,
        chat_id: int,
        pressed: callbacks.ClassPress | callbacks.LinkPress,
    ) -> Text:
        room = self.rt.classroom
        if isinstance(pressed, callbacks.LinkPress):
            if pressed.action == "no":
                return Text(lines(NOT_NOW))
            if pressed.action == "join":
                cls, _ = await room.join(pressed.payload, user.id, display_name(user))
                return Text(
                    lines(
                        f"You joined “{cls.name}”. Its cases of the week will come here.",
                        "/classes shows your classes; you can leave or mute one there.",
                    )
                )
            return await self._accepted(bot, user, pressed.payload)
        action, class_id = pressed.action, pressed.class_id
        if action == "confirm":
            if chat_id > 0 or not await self._is_admin(bot, chat_id, user.id):
                raise Refusal(ADMINS_ONLY)
            joined = await room.confirm_group(class_id, chat_id, user.id)
            return Text(lines(self._joined_line(joined.cls.name)))
        if action == "leave":
            cls = await room.leave(user.id, class_id)
            return Text(lines(f"You left “{cls.name}”: its cases no longer come to you."))
        cls = await room.mute(user.id, class_id, action == "mute")
        if action == "mute":
            return Text(lines(f"“{cls.name}” is muted: its cases of the week no longer come."))
        return Text(lines(f"“{cls.name}” is unmuted: its cases of the week come to you again."))

    async def _accepted(self, bot: Bot, user: User, payload: str) -> Text:
        opened = await self.rt.classroom.accept_invite(payload, user.id)
        await set_instructor_menus(bot, [user.id])
        what = f" of “{opened.cls.name}”" if opened.cls else ""
        try:  # the owner who invited them is told; they may have blocked the bot since
            note = Text(lines(f"{display_name(user)} accepted your invite: an instructor{what}."))
            await self.rt.sender.send(bot, opened.link.created_by, 0, [note], priority="bulk")
        except (TelegramError, Blocked) as error:
            log.info(
                "Could not tell %s about an accepted invite: %s", opened.link.created_by, error
            )
        return Text(
            lines(
                f"You are an instructor{what} now. /newclass <name> creates a class; "
                "/classes shows yours."
            )
        )

    async def _join_offer(self, user_id: int, class_id: int, name: str, payload: str) -> Text:
        member = await self.rt.store.members.get(class_id, user_id)
        if member is not None and member.current:
            return Text(lines(f"You are in “{name}” already. /classes shows your classes."))
        return Text(
            lines(
                f"Join the class “{name}”?",
                "Its instructors will see your answers to the class's cases (not to other "
                "cases). You can leave or mute the class any time with /classes.",
            ),
            buttons=(
                Button("Join", callbacks.encode_link("join", payload), "offer"),
                Button("Not now", callbacks.encode_link("no", payload), "offer"),
            ),
        )

    async def _invite_offer(self, user_id: int, cls: Any, payload: str) -> Text:
        roster = self.rt.classroom.roster
        if cls is None and await roster.is_instructor(user_id):
            return Text(lines("You are an instructor already."))
        what = f"an instructor of “{cls.name}”" if cls is not None else "an instructor"
        return Text(
            lines(
                f"Become {what}? Instructors create classes, bring students in by link, "
                "and see their answers to their classes' cases.",
            ),
            buttons=(
                Button("Accept", callbacks.encode_link("accept", payload), "offer"),
                Button("Not now", callbacks.encode_link("no", payload), "offer"),
            ),
        )

    async def _is_admin(self, bot: Bot, chat_id: int, user_id: int) -> bool:
        """Whether ``user_id`` is an admin of the group (Telegram's getChatMember)."""
        try:
            member = await self.rt.sender.call(lambda: bot.get_chat_member(chat_id, user_id))
        except (TelegramError, Blocked) as error:
            log.info("getChatMember(%s, %s) failed: %s", chat_id, user_id, error)
            return False
        return member.status in ADMIN_STATUSES

    @staticmethod
    def _joined_line(name: str) -> str:
        return (
            f"This group is now part of the class “{name}”: its cases of the week will come here."
        )


def register(app: Application[Any, Any, Any, Any, Any, Any], runtime: Runtime) -> None:
    """Links opened, class buttons of students and admins, group events, the bot's status."""
    membership = Membership(runtime)
    private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
    groups = filters.ChatType.GROUPS & filters.UpdateType.MESSAGE
    ours = filters.Regex(LINK_START)
    app.add_handler(CommandHandler("start", membership.private_link, filters=private & ours))
    app.add_handler(CommandHandler("start", membership.group_link, filters=groups & ours))
    pattern = (
        rf"^{callbacks.VERSION}:({callbacks.CLASS_KIND}:({'|'.join(callbacks.MEMBER_ACTIONS)})"
        rf"|{callbacks.LINK_KIND}:\w+):"
    )
    app.add_handler(CallbackQueryHandler(membership.button, pattern=pattern))
    # Handler groups of their own: the group router's handlers see these updates too.
    app.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, membership.migrated), 2)
    app.add_handler(ChatMemberHandler(membership.member, ChatMemberHandler.MY_CHAT_MEMBER))
