"""Instructors in their private chat: /newclass, /invite, /classes and the class card's buttons.

Every handler is one use-case call (:class:`~tutorbot.app.classes.Classroom`); the use
case refuses anyone who may not (one polite line, nothing changed), so a student, a
removed instructor or a forged button gets that line here too. In a group these
commands get one line pointing to the private chat.
"""

from __future__ import annotations

import re
from typing import Any

from telegram import Bot, Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from tutorbot.app.classes import ClassSummary
from tutorbot.app.instructors import Refusal
from tutorbot.app.links import group_link, start_link
from tutorbot.storage import ClassRecord, Link, LinkKind
from tutorbot.telegram import callbacks
from tutorbot.telegram._render import Button, Line, Text
from tutorbot.telegram._runtime import Runtime
from tutorbot.telegram.menu import INSTRUCTOR_COMMANDS, MEMBER_COMMANDS, set_instructor_menus
from tutorbot.telegram.routers.membership import student_classes

Context = ContextTypes.DEFAULT_TYPE

IN_PRIVATE = "That works in a private chat with me: tap my name, then Start."
RENAME_PROMPT = "Rename “{name}” (class {id}): reply to this message with the new name."
RENAME_PATTERN = re.compile(r"^Rename .* \(class (\d+)\): reply to this message")
#: Members listed in one message; ``tutorbot classes show`` lists everyone.
MEMBERS_SHOWN = 100


def count(number: int, noun: str) -> str:
    """``1 member``, ``2 members``."""
    return f"{number} {noun}{'' if number == 1 else 's'}"


def lines(*texts: str) -> tuple[Line, ...]:
    return tuple(Line.text(text) for text in texts)


class Instructor:
    """The handlers; each turns an update into one use-case call and sends what it says."""

    def __init__(self, runtime: Runtime) -> None:
        self.rt = runtime

    async def newclass(self, update: Update, context: Context) -> None:
        """/newclass <name>."""
        user, chat = update.effective_user, update.effective_chat
        if user is None or chat is None:
            return
        name = " ".join(context.args or ())
        room = self.rt.classroom
        try:
            opened = await room.create(user.id, name, origin=f"update:{update.update_id}")
            assert opened.cls is not None
            join, group = await room.links(user.id, opened.cls.id)
        except Refusal as refusal:
            await self._refused(context.bot, chat.id, user.id, refusal)
            return
        username = context.bot.username
        text = Text(
            (
                Line.bold(f"Class “{opened.cls.name}” is ready."),
                Line.blank(),
                *lines("Students join with this link (send it to them):"),
                *self._link_lines(username, join),
                Line.blank(),
                *lines("To add a group chat, open this link and pick the group; an admin there"),
                *lines("confirms:"),
                *self._link_lines(username, group),
                Line.blank(),
                *lines("/classes shows your classes, their members and links."),
            ),
            buttons=(Button("Open the class", callbacks.encode_class("card", opened.cls.id)),),
        )
        await self.rt.sender.send(context.bot, chat.id, 0, [text])

    async def invite(self, update: Update, context: Context) -> None:
        """/invite: an owner's one-time link for a co-instructor."""
        user, chat = update.effective_user, update.effective_chat
        if user is None or chat is None:
            return
        try:
            link = await self.rt.classroom.roster.invite(user.id)
        except Refusal as refusal:
            await self._refused(context.bot, chat.id, user.id, refusal)
            return
        text = Text(
            lines(
                "Send this link to the person you want as a co-instructor. It works once; "
                "they confirm in their chat with me:",
                start_link(context.bot.username, link.token),
            )
        )
        await self.rt.sender.send(context.bot, chat.id, 0, [text])

    async def classes(self, update: Update, context: Context) -> None:
        """/classes: an instructor's classes (buttons open each), then the classes the
        user is in as a student (Leave, Mute)."""
        user, chat = update.effective_user, update.effective_chat
        if user is None or chat is None:
            return
        outs: list[Text] = []
        if await self.rt.classroom.roster.is_instructor(user.id):
            outs.append(self._overview(await self.rt.classroom.overview(user.id)))
        taking = await student_classes(self.rt, user.id, quiet=bool(outs))
        if taking is not None:
            outs.append(taking)
        await self.rt.sender.send(context.bot, chat.id, 0, outs)

    async def rename(self, update: Update, context: Context) -> None:
        """A reply to the rename prompt: the class's new name."""
        message, user = update.effective_message, update.effective_user
        prompt = message.reply_to_message if message else None
        if message is None or user is None or prompt is None or not prompt.text:
            return
        found = RENAME_PATTERN.match(prompt.text)
        if found is None:
            return
        try:
            cls = await self.rt.classroom.rename(user.id, int(found[1]), message.text or "")
            said = Text(lines(f"Renamed: “{cls.name}”."))
        except Refusal as refusal:
            said = Text(lines(str(refusal)))
        await self.rt.sender.send(context.bot, message.chat_id, 0, [said])

    async def button(self, update: Update, context: Context) -> None:
        """A class card's button."""
        query, user = update.callback_query, update.effective_user
        pressed = callbacks.decode_class(query.data if query else None)
        if query is None or user is None or not isinstance(pressed, callbacks.ClassPress):
            return
        try:
            said = await self._act(context.bot, user.id, pressed)
        except Refusal as refusal:
            await self.rt.answer_quietly(query, str(refusal))
            return
        await self.rt.answer_quietly(query)
        await self.rt.sender.send(context.bot, user.id, 0, [said])

    async def elsewhere(self, update: Update, context: Context) -> None:
        """An instructor's (or /classes) command in a group: one line, nothing done."""
        chat = update.effective_chat
        message = update.effective_message
        if chat is None:
            return
        thread = message.message_thread_id if message and message.is_topic_message else 0
        await self.rt.sender.send(context.bot, chat.id, thread or 0, [Text(lines(IN_PRIVATE))])

    # -- what the buttons do ------------------------------------------------------------------

    async def _act(self, bot: Bot, user: int, pressed: callbacks.ClassPress) -> Text:
        room, class_id, action = self.rt.classroom, pressed.class_id, pressed.action
        if action == "card":
            return self._card(await room.summary(user, class_id), bot.username, user)
        if action in ("newjoin", "newgroup"):
            kind: LinkKind = "join" if action == "newjoin" else "group"
            link = await room.new_link(user, class_id, kind)
            cls = await room.mine(user, class_id)
            what = "join link" if kind == "join" else "group link"
            return Text(
                (
                    *lines(f"New {what} for “{cls.name}” (the old one no longer works):"),
                    *self._link_lines(bot.username, link),
                )
            )
        if action == "revoke":
            await room.revoke(user, class_id, "join")
            cls = await room.mine(user, class_id)
            return Text(
                lines(f"The join link of “{cls.name}” is turned off; who joined stays."),
                buttons=(Button("New join link", callbacks.encode_class("newjoin", class_id)),),
            )
        if action == "rename":
            cls = await room.mine(user, class_id)
            prompt = RENAME_PROMPT.format(name=cls.name, id=cls.id)
            return Text(lines(prompt), force_reply="New name")
        if action in ("archive", "unarchive"):
            cls = await room.archive(user, class_id, action == "archive")
            return self._archived(cls)
        if action == "members":
            return await self._members(user, class_id)
        cls = await room.mine(user, class_id)  # "invite": a co-instructor for this class
        link = await room.roster.invite(user, cls.id)
        return Text(
            lines(
                f"Send this link to the person you want to teach “{cls.name}” with you. "
                "It works once:",
                start_link(bot.username, link.token),
            )
        )

    async def _members(self, user: int, class_id: int) -> Text:
        cls = await self.rt.classroom.mine(user, class_id)
        members = await self.rt.classroom.members(user, class_id)
        if not members:
            return Text(lines(f"No one has joined “{cls.name}” yet."))
        shown = [
            f"• {m.name} – joined {m.joined_at:%d %b %Y}"
            + (" (muted)" if m.muted else "")
            + ("" if m.reachable else " (blocked me)")
            for m in members[:MEMBERS_SHOWN]
        ]
        if len(members) > MEMBERS_SHOWN:
            more = len(members) - MEMBERS_SHOWN
            shown.append(f"… and {more} more (tutorbot classes show {cls.id} lists everyone).")
        return Text((Line.bold(f"{cls.name}: {count(len(members), 'member')}"), *lines(*shown)))

    # -- rendering ---------------------------------------------------------------------------

    def _overview(self, summaries: list[ClassSummary]) -> Text:
        if not summaries:
            return Text(lines("You have no classes yet. /newclass <name> creates one."))
        shown = [Line.bold("Your classes (as instructor):")]
        buttons = []
        for summary in summaries:
            cls = summary.cls
            flag = " (archived)" if cls.archived else ""
            shown.append(
                Line.text(
                    f"• {cls.name}{flag} – {count(summary.members, 'member')}, "
                    f"{count(summary.groups, 'group')}"
                )
            )
            buttons.append(Button(f"{cls.name}{flag}", callbacks.encode_class("card", cls.id)))
        shown += [Line.blank(), Line.text("Tap a class for its links and settings.")]
        return Text(tuple(shown), buttons=tuple(buttons))

    def _card(self, summary: ClassSummary, username: str, viewer: int) -> Text:
        cls = summary.cls
        muted = f", {summary.muted} muted" if summary.muted else ""
        blocked = f", {summary.unreachable} blocked me" if summary.unreachable else ""
        waiting = (
            f" ({summary.waiting_groups} waiting for an admin)" if summary.waiting_groups else ""
        )
        shown = [
            Line.bold(cls.name + (" (archived)" if cls.archived else "")),
            Line.text(f"Members: {summary.members}{muted}{blocked}"),
            Line.text(f"Groups: {summary.groups}{waiting}"),
            Line.text(f"Instructors: {len(cls.instructors)}"),
        ]
        if cls.archived:
            return Text(tuple(shown), buttons=self._archived(cls).buttons)
        shown += [Line.text("Join link:"), *self._link_lines(username, summary.join)]
        shown += [Line.text("Group link:"), *self._link_lines(username, summary.group)]

        def button(label: str, action: str, row: str) -> Button:
            return Button(label, callbacks.encode_class(action, cls.id), row)

        buttons = (
            button("New join link", "newjoin", "links"),
            button("Revoke join link", "revoke", "links"),
            button("New group link", "newgroup", "group"),
            button("Members", "members", "group"),
            button("Rename", "rename", "manage"),
            button("Archive", "archive", "manage"),
            *(
                (button("Invite a co-instructor", "invite", "invite"),)
                if self.rt.classroom.roster.is_owner(viewer)
                else ()
            ),
        )
        return Text(tuple(shown), buttons=buttons)

    def _archived(self, cls: ClassRecord) -> Text:
        if not cls.archived:
            return Text(
                lines(f"“{cls.name}” is back: /classes shows it with new links."),
                buttons=(Button("Open the class", callbacks.encode_class("card", cls.id)),),
            )
        return Text(
            lines(
                f"“{cls.name}” is archived: its links no longer work; its members and groups stay."
            ),
            buttons=(Button("Unarchive", callbacks.encode_class("unarchive", cls.id)),),
        )

    @staticmethod
    def _link_lines(username: str, link: Link | None) -> tuple[Line, ...]:
        if link is None:
            return lines("none (New … link makes one)")
        maker = group_link if link.kind == "group" else start_link
        return lines(maker(username, link.token))

    async def _refused(self, bot: Bot, chat_id: int, user_id: int, refusal: Refusal) -> None:
        """One line; and someone who is no instructor (any more) loses the instructor menu."""
        await self.rt.sender.send(bot, chat_id, 0, [Text(lines(str(refusal)))])
        if not await self.rt.classroom.roster.is_instructor(user_id):
            await set_instructor_menus(bot, [user_id], on=False)


def register(app: Application[Any, Any, Any, Any, Any, Any], runtime: Runtime) -> None:
    """Instructor commands and class buttons (before the learner's catch-alls)."""
    instructor = Instructor(runtime)
    private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
    groups = filters.ChatType.GROUPS & filters.UpdateType.MESSAGE
    app.add_handler(CommandHandler("newclass", instructor.newclass, filters=private))
    app.add_handler(CommandHandler("invite", instructor.invite, filters=private))
    app.add_handler(CommandHandler("classes", instructor.classes, filters=private))
    names = [c.name for c in (*INSTRUCTOR_COMMANDS, *MEMBER_COMMANDS)]
    app.add_handler(CommandHandler(names, instructor.elsewhere, filters=groups))
    replies = private & filters.REPLY & filters.TEXT & ~filters.COMMAND
    app.add_handler(MessageHandler(replies & _RenameReply(), instructor.rename))
    pattern = (
        rf"^{callbacks.VERSION}:{callbacks.CLASS_KIND}:({'|'.join(callbacks.INSTRUCTOR_ACTIONS)}):"
    )
    app.add_handler(CallbackQueryHandler(instructor.button, pattern=pattern))


class _RenameReply(filters.MessageFilter):
    """A reply to the bot's rename prompt."""

    def filter(self, message: Any) -> bool:
        prompt = message.reply_to_message
        return bool(
            prompt is not None
            and prompt.from_user is not None
            and prompt.from_user.is_bot
            and prompt.text
            and RENAME_PATTERN.match(prompt.text)
        )
