"""What the handlers share, and the one path every reply takes: render, send, confirm."""

from __future__ import annotations

import logging
from dataclasses import replace

from telegram import Bot, CallbackQuery, Update
from telegram.error import TelegramError

from tutorbot.app.play import Play, Result
from tutorbot.cases import Library
from tutorbot.storage import SessionKey, Store, StoreError
from tutorbot.telegram import callbacks
from tutorbot.telegram._render import Button, Out, Photos, Text, render_reply
from tutorbot.telegram._sender import Blocked, Sender
from tutorbot.tutor import Grader

log = logging.getLogger(__name__)


class Runtime:
    """The store (opened at start-up), the library, the use cases and the sender."""

    def __init__(
        self, library: Library, grader: Grader, attempts: int, store: Store | None, sender: Sender
    ) -> None:
        self.library = library
        self.grader = grader
        self.attempts = attempts
        self.sender = sender
        self._store: Store | None = None
        self._play: Play | None = None
        if store is not None:
            self.store = store

    @property
    def store(self) -> Store:
        if self._store is None:
            raise StoreError("the store is not open yet")
        return self._store

    @store.setter
    def store(self, store: Store) -> None:
        self._store = store
        self.sender.store = store
        self._play = Play(store, self.library, self.grader, self.attempts)

    @property
    def play(self) -> Play:
        """The learner's use cases over the open store."""
        if self._play is None:
            raise StoreError("the store is not open yet")
        return self._play

    async def respond(
        self, bot: Bot, key: SessionKey, result: Result, query: CallbackQuery | None = None
    ) -> None:
        """Send a use case's reply to the chat, then confirm it so the outbox forgets it."""
        reply = result.reply
        if reply is None:
            if query is not None:  # stop the button's spinner all the same
                await self.answer_quietly(query)
            return
        outs = [await self._fitted(out) for out in render_reply(reply, result.version)]
        try:
            if query is not None:
                await self.answer_quietly(query, reply.toast)
            await self.sender.send(bot, key.chat_id, key.thread_id, outs)
        except Blocked:  # marked by chat_blocked, which the sender calls
            return
        if result.pending:
            await self.play.reply_sent(key, result.version)

    async def chat_blocked(self, chat_id: int) -> None:
        """The sender met a 403 in ``chat_id``: a private chat's user blocked the bot."""
        if chat_id > 0:  # a private chat's id is its user's id
            log.info("User %s blocked the bot; marked inactive", chat_id)
            await self.play.set_reachable(chat_id, False)

    async def pressed(self, data: str | None) -> callbacks.Pressed | None:
        """The button behind callback ``data``, looking stored data up by its token."""
        token = callbacks.stored_token(data)
        if token is not None:
            data = await self.store.tokens.get(token)
        return callbacks.decode(data)

    async def answer_quietly(self, query: CallbackQuery, toast: str | None = None) -> None:
        """Answer a button press; a press Telegram delivered again may be too old to answer."""
        try:
            await self.sender.call(lambda: query.answer(toast))
        except TelegramError as error:
            log.info("Could not answer button press %s: %s", query.id, error)

    async def _fitted(self, out: Out) -> Out:
        """``out`` with callback data over Telegram's 64 bytes swapped for stored tokens."""
        if isinstance(out, Text):
            return await self._fitted_text(out)
        after = None if out.after is None else await self._fitted_text(out.after)
        return Photos(out.photos, after, await self._fitted_buttons(out.buttons))

    async def _fitted_text(self, text: Text) -> Text:
        return replace(text, buttons=await self._fitted_buttons(text.buttons))

    async def _fitted_buttons(self, buttons: tuple[Button, ...]) -> tuple[Button, ...]:
        fitted = []
        for button in buttons:
            if not callbacks.fits(button.data):
                token = await self.store.tokens.put(button.data)
                button = Button(button.label, callbacks.token_data(token), button.row)
            fitted.append(button)
        return tuple(fitted)


def session_key(update: Update) -> SessionKey | None:
    """Chat, forum topic (0 when none) and user of an update."""
    message = update.effective_message
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None:
        return None
    thread = message.message_thread_id if message and message.is_topic_message else None
    return SessionKey(chat.id, thread or 0, user.id)
