"""Pushes: /push, /schedule and /schedules for instructors; push cards' Start and Not now
buttons and deep link for students; the report's Who button."""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes, filters

from tutorbot.app.classes import Classroom
from tutorbot.app.instructors import Refusal, Roster
from tutorbot.app.play import STALE, say
from tutorbot.app.pushes import LATER, TOKEN_PREFIX, PushCards, PushDesk, Toast, token_of_payload
from tutorbot.app.replies import NotNow, PushFlow, PushWho, Say, ScheduleAction, StartPush
from tutorbot.app.schedules import Scheduler, listing
from tutorbot.telegram import callbacks
from tutorbot.telegram._runtime import Runtime, session_key
from tutorbot.telegram._sender import Blocked

Context = ContextTypes.DEFAULT_TYPE
#: The callback data of push cards and reports (see :mod:`tutorbot.telegram.callbacks`).
PATTERN = rf"^{callbacks.VERSION}:(push|later|who|pf|sa):"


class PushButtons:
    """The handlers; each turns an update into one :class:`PushCards` call."""

    def __init__(self, runtime: Runtime) -> None:
        self.rt = runtime

    @property
    def cards(self) -> PushCards:
        return PushCards(self.rt.store, self.rt.play, self.rt.clock)

    @property
    def classroom(self) -> Classroom:
        return Classroom(self.rt.store, Roster(self.rt.store, self.rt.owners, self.rt.clock))

    @property
    def desk(self) -> PushDesk:
        return PushDesk(self.rt.store, self.classroom, self.rt.play, self.rt.clock)

    @property
    def scheduler(self) -> Scheduler:
        return Scheduler(
            self.rt.store,
            self.classroom,
            self.rt.library,
            self.rt.clock,
            title=self.rt.play.learner_title,
        )

    async def push(self, update: Update, context: Context) -> None:
        """/push, /push <case-id>."""
        wanted = " ".join(context.args or ()).strip()
        await self._say(update, context, lambda user: self.desk.begin(user, wanted))

    async def schedule(self, update: Update, context: Context) -> None:
        """/schedule [class number] <weekday time zone | date time zone> <case-id> ..."""
        words = list(context.args or ())

        async def create(user: int) -> Say:
            record, _ = await self.scheduler.create_typed(user, words)
            listed = await self.scheduler.of_instructor(user)
            mine = [item for item in listed if item.schedule.id == record.id]
            return Say("schedule_added", ("Scheduled.", *listing(mine).lines))

        await self._say(update, context, create)

    async def schedules(self, update: Update, context: Context) -> None:
        """/schedules: each with its next run, Pause/Resume, Skip next, Delete."""
        await self._say(update, context, self._listing)

    async def _listing(self, user: int) -> Say:
        await self.classroom.roster.require(user)
        return listing(await self.scheduler.of_instructor(user))

    async def _act(self, user: int, action: str, schedule_id: int) -> Say:
        scheduler = self.scheduler
        act = {
            "pause": scheduler.pause,
            "resume": scheduler.resume,
            "skip": scheduler.skip_next,
            "delete": scheduler.delete,
        }[action]
        await act(user, schedule_id)
        return await self._listing(user)

    async def _say(
        self, update: Update, context: Context, make: Callable[[int], Awaitable[Say]]
    ) -> None:
        """Reply with what ``make`` says for the user, or the one line it refused with."""
        key = session_key(update)
        if key is None:
            return
        try:
            message = await make(key.user_id)
        except Refusal as refusal:
            message = say("refused", str(refusal))
        result = await self.rt.play.tell(key, update.update_id, message)
        await self.rt.respond(context.bot, key, result, update.callback_query)

    async def button(self, update: Update, context: Context) -> None:
        """Start, Not now (a card) and Who (a report)."""
        query, key = update.callback_query, session_key(update)
        if query is None or key is None:
            return
        pressed = callbacks.decode(query.data)
        match pressed.press if pressed else None:
            case StartPush(token=token):
                outcome = await self.cards.start(key, update.update_id, token)
            case PushWho(token=token):
                outcome = await self.cards.not_reached(key, update.update_id, token)
            case PushFlow(step=step, token=token):
                await self._say(update, context, lambda user: self.desk.press(user, step, token))
                return
            case ScheduleAction(action=action, schedule_id=schedule_id):
                await self._say(update, context, lambda user: self._act(user, action, schedule_id))
                return
            case NotNow():
                outcome = Toast(LATER)
                if query.message is not None:  # the card's buttons come off; its text stays
                    await self._take_buttons_off(context, key.chat_id, query.message.message_id)
            case _:
                outcome = Toast(STALE)
        if isinstance(outcome, Toast):
            await self.rt.answer_quietly(query, outcome.text)
            return
        await self.rt.respond(context.bot, key, outcome, query)

    async def _take_buttons_off(self, context: Context, chat_id: int, message_id: int) -> None:
        with contextlib.suppress(TelegramError, Blocked):  # an old card: the toast says enough
            await self.rt.sender.message(
                chat_id,
                lambda: context.bot.edit_message_reply_markup(
                    chat_id, message_id, reply_markup=None
                ),
            )

    async def start_link(self, update: Update, context: Context) -> None:
        """/start P_<token>: a push card's deep link (from a class group) opens its case."""
        key = session_key(update)
        token = token_of_payload(context.args[0]) if context.args else None
        if key is None or token is None:
            return
        outcome = await self.cards.start(key, update.update_id, token)
        if isinstance(outcome, Toast):
            outcome = await self.rt.play.tell(key, update.update_id, say("push_gone", outcome.text))
        await self.rt.respond(context.bot, key, outcome)


def register(app: Application[Any, Any, Any, Any, Any, Any], runtime: Runtime) -> None:
    """Before the learner's handlers: push buttons, and /start with a push's payload."""
    handlers = PushButtons(runtime)
    app.add_handler(CallbackQueryHandler(handlers.button, pattern=PATTERN))
    private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
    link = filters.Regex(rf"^/start(@\w+)?\s+{TOKEN_PREFIX}")
    app.add_handler(CommandHandler("start", handlers.start_link, filters=private & link))
    for name, callback in (
        ("push", handlers.push),
        ("schedule", handlers.schedule),
        ("schedules", handlers.schedules),
    ):
        app.add_handler(CommandHandler(name, callback, filters=private))
