"""/results for instructors in a private chat: choose a class, then a case; figures and a chart.

Only a class's instructors see its results (owners see every class, and
everyone's); anybody else gets one polite line. Buttons carry the class id or
a stored token (:func:`tutorbot.telegram.callbacks.results_data`); each press
is checked again, so an old or forwarded button shows nothing it should not.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes, filters

from tutorbot.app.instructors import INSTRUCTORS_ONLY, Roster
from tutorbot.app.results import Results, ResultsRefused, lines
from tutorbot.limits import TEXT_LIMIT
from tutorbot.telegram._runtime import Runtime
from tutorbot.telegram._sender import Blocked
from tutorbot.telegram.callbacks import RESULTS_PREFIX, decode_results, results_data

Context = ContextTypes.DEFAULT_TYPE
GONE = "That button is out of date: send /results again."


class ResultsRouter:
    """The handlers; each turns an update into one use-case call and sends its answer."""

    def __init__(self, runtime: Runtime) -> None:
        self.rt = runtime

    def _results(self) -> Results:
        store = self.rt.store
        return Results(store, self.rt.library, Roster(store, self.rt.owners))

    async def _say(self, update: Update, context: Context, text: str, markup: Any = None) -> None:
        chat = update.effective_chat
        if chat is None:
            return
        escaped = html.escape(text, quote=False)[:TEXT_LIMIT]
        with contextlib.suppress(Blocked):
            await self.rt.sender.text(context.bot, chat.id, 0, escaped, markup)

    async def command(self, update: Update, context: Context) -> None:
        """/results: the instructor's classes as buttons (owners: and everyone)."""
        user = update.effective_user
        if user is None:
            return
        results = self._results()
        if not await results.roster.is_instructor(user.id):
            await self._say(update, context, INSTRUCTORS_ONLY)
            return
        classes = await results.classes_of(user.id)
        rows = [
            [InlineKeyboardButton(c.name[:60], callback_data=results_data("c", str(c.id)))]
            for c in classes
        ]
        if results.roster.is_owner(user.id):
            rows.append([InlineKeyboardButton("Everyone", callback_data=results_data("c", "0"))])
        if not rows:
            await self._say(update, context, "You have no classes yet: /newclass makes one.")
            return
        await self._say(update, context, "Results of which class?", InlineKeyboardMarkup(rows))

    async def button(self, update: Update, context: Context) -> None:
        """A class or a case chosen."""
        query, user = update.callback_query, update.effective_user
        pressed = decode_results(query.data if query else None)
        if query is None or user is None or pressed is None:
            return
        await self.rt.answer_quietly(query)
        step, argument = pressed
        results = self._results()
        if step == "c":
            class_id = int(argument) if argument.isdigit() else -1
            if class_id < 0 or not await results.allowed(user.id, class_id or None):
                await self._say(update, context, GONE)
                return
            await self._cases(update, context, class_id)
            return
        payload = await self.rt.store.tokens.get(argument)
        class_part, _, case_id = (payload or "").partition(":")
        if not class_part.isdigit() or not case_id:
            await self._say(update, context, GONE)
            return
        await self._show(update, context, results, int(class_part) or None, case_id)

    async def _cases(self, update: Update, context: Context, class_id: int) -> None:
        rows = []
        for case in self.rt.library.published():
            token = await self.rt.store.tokens.put(f"{class_id}:{case.id}")
            rows.append(
                [InlineKeyboardButton(case.title[:60], callback_data=results_data("t", token))]
            )
        if not rows:
            await self._say(update, context, "There are no published cases yet.")
            return
        await self._say(update, context, "Which case?", InlineKeyboardMarkup(rows))

    async def _show(
        self, update: Update, context: Context, results: Results, class_id: int | None, case_id: str
    ) -> None:
        user, chat = update.effective_user, update.effective_chat
        if user is None or chat is None:
            return
        try:
            found = await results.of_case(user.id, case_id, class_id)
        except ResultsRefused as refused:
            await self._say(update, context, str(refused))
            return
        await self._say(update, context, "\n".join(lines(found)))
        if found.empty:
            return
        from tutorbot.app.charts import chart_png  # matplotlib only when a chart is drawn

        png = await asyncio.to_thread(chart_png, found)  # drawing takes a while: off the loop
        bot = context.bot
        with contextlib.suppress(Blocked):
            await self.rt.sender.message(
                chat.id,
                lambda: bot.send_photo(
                    chat.id,
                    png,
                    caption=html.escape(f"Answers to {found.title}"[:900], quote=False),
                    parse_mode=ParseMode.HTML,
                ),
            )


def register(app: Application[Any, Any, Any, Any, Any, Any], runtime: Runtime) -> None:
    """/results in private chats and its buttons (before the learner's catch-all buttons)."""
    router = ResultsRouter(runtime)
    app.add_handler(CommandHandler("results", router.command, filters=filters.ChatType.PRIVATE))
    app.add_handler(CallbackQueryHandler(router.button, pattern=f"^{RESULTS_PREFIX}"))
