"""Push cards: their Start and Not now buttons, their deep link, and the report's Who button."""

from __future__ import annotations

import contextlib
from typing import Any

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes, filters

from tutorbot.app.play import STALE, say
from tutorbot.app.pushes import LATER, TOKEN_PREFIX, PushCards, Toast, token_of_payload
from tutorbot.app.replies import NotNow, PushWho, StartPush
from tutorbot.telegram import callbacks
from tutorbot.telegram._runtime import Runtime, session_key
from tutorbot.telegram._sender import Blocked

Context = ContextTypes.DEFAULT_TYPE
#: The callback data of push cards and reports (see :mod:`tutorbot.telegram.callbacks`).
PATTERN = rf"^{callbacks.VERSION}:(push|later|who):"


class PushButtons:
    """The handlers; each turns an update into one :class:`PushCards` call."""

    def __init__(self, runtime: Runtime) -> None:
        self.rt = runtime

    @property
    def cards(self) -> PushCards:
        return PushCards(self.rt.store, self.rt.play, self.rt.clock)

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
