"""A learner in a private chat: commands, typed words and answers, buttons, other messages."""

from __future__ import annotations

import html
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from tutorbot.app.play import STALE, Result
from tutorbot.app.privacy import ASK, CONFIRM
from tutorbot.app.replies import Say
from tutorbot.app.rounds import LINK_PREFIX as ROUND_LINK
from tutorbot.app.rounds import Actor
from tutorbot.limits import TEXT_LIMIT
from tutorbot.storage import SessionKey
from tutorbot.telegram._runtime import Runtime, session_key
from tutorbot.telegram.callbacks import FORGET_DATA
from tutorbot.telegram.menu import HANDLED, HELP
from tutorbot.tutor import events
from tutorbot.tutor.words import command_event

Context = ContextTypes.DEFAULT_TYPE
#: A use case called for one update: the learner's session key and the update id.
UseCase = Callable[[SessionKey, int], Awaitable[Result]]
MAX_ANSWER = TEXT_LIMIT  # a message holds no more: every answer is kept in full
UNKNOWN_COMMAND = Say(
    "unknown_command", ("I do not know that command. /help lists what I can do.",)
)


class Learner:
    """The handlers; each turns an update into one use-case call and sends its reply."""

    def __init__(self, runtime: Runtime) -> None:
        self.rt = runtime

    async def start(self, update: Update, context: Context) -> None:
        """/start, and /start <case-id> from a deep link."""
        payload = context.args[0] if context.args else ""
        if payload.startswith(ROUND_LINK):  # Answer privately, from a group round
            actor = actor_in_private(update)
            if actor is not None:
                await self.rt.rounds.open_link(actor, payload)
            return
        if payload:  # a first visit is welcomed first, then the case opens
            await self._run(
                update,
                context,
                lambda key, uid: self.rt.play.open(key, uid, payload, from_link=True, welcome=HELP),
            )
        else:
            await self._run(update, context, lambda key, uid: self.rt.play.greet(key, uid, HELP))

    async def case(self, update: Update, context: Context) -> None:
        """/case, /case <id>, /case <tag>."""
        wanted = " ".join(context.args or ()).strip()
        await self._run(update, context, lambda key, uid: self.rt.play.open(key, uid, wanted))

    async def cases(self, update: Update, context: Context) -> None:
        """/cases, /cases <tag>: the list, a page at a time."""
        tag = " ".join(context.args or ()).strip()
        await self._run(update, context, lambda key, uid: self.rt.play.cases(key, uid, tag))

    async def hint(self, update: Update, context: Context) -> None:
        """/hint."""
        await self._event(update, context, events.Hint())

    async def skip(self, update: Update, context: Context) -> None:
        """/skip."""
        await self._event(update, context, events.Skip())

    async def reveal(self, update: Update, context: Context) -> None:
        """/reveal: give up."""
        await self._event(update, context, events.Reveal())

    async def restart(self, update: Update, context: Context) -> None:
        """/restart."""
        await self._event(update, context, events.Restart())

    async def stop(self, update: Update, context: Context) -> None:
        """/stop: end the case without an outcome (answers stay)."""
        await self._run(update, context, self.rt.play.stop)

    async def stats(self, update: Update, context: Context) -> None:
        """/stats."""
        await self._run(update, context, self.rt.play.stats)

    async def anonymous(self, update: Update, context: Context) -> None:
        """/anonymous [on|off]: how group rounds name the learner."""
        actor = actor_in_private(update)
        if actor is not None:
            await self.rt.rounds.anonymous(actor, " ".join(context.args or ()))

    async def help(self, update: Update, context: Context) -> None:
        """/help."""
        said = Say("help", HELP)
        await self._run(update, context, lambda key, uid: self.rt.play.tell(key, uid, said))

    async def unknown(self, update: Update, context: Context) -> None:
        """A command we do not have (``/next`` is the typed word ``next``)."""
        message = update.effective_message
        event = command_event(message.text or "") if message else None
        if event is not None:
            await self._event(update, context, event)
            return
        await self._run(
            update, context, lambda key, uid: self.rt.play.tell(key, uid, UNKNOWN_COMMAND)
        )

    async def answer(self, update: Update, context: Context) -> None:
        """Free text: a command word (``hint``, ``next`` ...: never an answer, so it costs no
        attempt), a diagnosis, or an observation at a stage's question."""
        message = update.effective_message
        if message is None or not message.text:
            return
        word, actor = command_event(message.text), actor_in_private(update)
        # A chat bound to a group round takes the next diagnosis as the round's answer;
        # a command word (next, hint ...) still drives the learner's own case.
        if (
            word is None
            and actor is not None
            and await self.rt.rounds.answer_privately(actor, message.text, update.update_id)
        ):
            return
        event = word or events.Answer(message.text[:MAX_ANSWER])
        idle = "Send /case to start a case."
        user = update.effective_user
        name = user.full_name if user else ""
        await self._run(
            update,
            context,
            lambda key, uid: self.rt.play.step(key, uid, event, idle=idle, name=name),
        )

    async def myanswers(self, update: Update, context: Context) -> None:
        """/myanswers: the learner's own answers."""
        user = update.effective_user
        if user is None:
            return
        said = Say("my_answers", tuple(await self.rt.privacy.my_answers(user.id)))
        await self._run(update, context, lambda key, uid: self.rt.play.tell(key, uid, said))

    async def forget_me(self, update: Update, context: Context) -> None:
        """/forget_me: asks first; only the button deletes."""
        chat = update.effective_chat
        if chat is None:
            return
        button = InlineKeyboardButton(CONFIRM, callback_data=FORGET_DATA)
        await self.rt.sender.text(
            context.bot, chat.id, 0, html.escape(ASK), InlineKeyboardMarkup([[button]])
        )

    async def forget_confirmed(self, update: Update, context: Context) -> None:
        """The confirming button of /forget_me."""
        query, key = update.callback_query, session_key(update)
        if query is None or key is None:
            return
        await self.rt.answer_quietly(query)
        removed = await self.rt.privacy.forget(key)
        line = f"Done: {removed} answers and your progress are deleted."
        await self.rt.sender.text(context.bot, key.chat_id, 0, html.escape(line))

    async def other(self, update: Update, context: Context) -> None:
        """A photo, sticker, voice message, file, location ...: one line on what I read."""
        await self._run(update, context, self.rt.play.unreadable)

    async def button(self, update: Update, context: Context) -> None:
        """An inline button (see :mod:`tutorbot.telegram.callbacks`); stale ones get a toast."""
        query = update.callback_query
        key = session_key(update)
        if query is None or key is None:
            return
        pressed = await self.rt.pressed(query.data)
        if pressed is None or query.message is None:
            await self.rt.answer_quietly(query, STALE)
            return
        result = await self.rt.play.press(key, update.update_id, pressed.press, pressed.version)
        await self.rt.respond(context.bot, key, result, query)

    async def _event(self, update: Update, context: Context, event: events.Event) -> None:
        await self._run(update, context, lambda key, uid: self.rt.play.step(key, uid, event))

    async def _run(self, update: Update, context: Context, use_case: UseCase) -> None:
        key = session_key(update)
        if key is None:
            return
        result = await use_case(key, update.update_id)
        await self.rt.respond(context.bot, key, result)


def actor_in_private(update: Update) -> Actor | None:
    user = update.effective_user
    return None if user is None else Actor(user.id, user.first_name)


def register(app: Application[Any, Any, Any, Any, Any, Any], runtime: Runtime) -> None:
    """Private chats: the menu's commands, other commands, typed answers, buttons."""
    learner = Learner(runtime)
    private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
    commands = {
        "start": learner.start,
        "case": learner.case,
        "cases": learner.cases,
        "hint": learner.hint,
        "skip": learner.skip,
        "reveal": learner.reveal,
        "restart": learner.restart,
        "stop": learner.stop,
        "stats": learner.stats,
        "myanswers": learner.myanswers,
        "forget_me": learner.forget_me,
        "anonymous": learner.anonymous,
        "help": learner.help,
    }
    if tuple(commands) != HANDLED:  # the menu and /help must list what is handled
        raise RuntimeError(f"handled commands {tuple(commands)} differ from the menu's {HANDLED}")
    for name, callback in commands.items():
        app.add_handler(CommandHandler(name, callback, filters=private))
    app.add_handler(MessageHandler(private & filters.COMMAND, learner.unknown))
    app.add_handler(MessageHandler(private & filters.TEXT & ~filters.COMMAND, learner.answer))
    # Anything else a person sends (not service messages such as a pinned message).
    others = private & ~filters.TEXT & ~filters.StatusUpdate.ALL
    app.add_handler(MessageHandler(others, learner.other))
    app.add_handler(CallbackQueryHandler(learner.forget_confirmed, pattern=f"^{FORGET_DATA}$"))
    app.add_handler(CallbackQueryHandler(learner.button))
