"""What the handlers share, and the one path every reply takes: kept, rendered, sent, recorded."""

from __future__ import annotations

import logging
from dataclasses import replace

from telegram import Bot, CallbackQuery, Update
from telegram.error import TelegramError

from tutorbot.app.classes import Classroom
from tutorbot.app.instructors import Roster
from tutorbot.app.outbox import Deliveries
from tutorbot.app.play import Play, Result
from tutorbot.app.ports import Clock, SystemClock
from tutorbot.app.privacy import Privacy
from tutorbot.app.rounds import Rounds
from tutorbot.cases import Library
from tutorbot.storage import SessionKey, Store, StoreError
from tutorbot.telegram import callbacks
from tutorbot.telegram._delivery import Courier
from tutorbot.telegram._render import Button, Out, Photos, Text
from tutorbot.telegram._rounds import STATUS_EVERY, TelegramRounds
from tutorbot.telegram._sender import Sender
from tutorbot.tutor import Grader

log = logging.getLogger(__name__)


class Runtime:
    """The store (opened at start-up), the library, the use cases, the sender and the courier.

    ``owner`` names this process in the outbox's and the jobs' leases.
    """

    def __init__(
        self,
        library: Library,
        grader: Grader,
        attempts: int,
        store: Store | None,
        sender: Sender,
        *,
        clock: Clock | None = None,
        owner: str = "tutorbot",
        owners: frozenset[int] = frozenset(),
    ) -> None:
        self.library = library
        self.grader = grader
        self.attempts = attempts
        self.sender = sender
        self.clock = clock or SystemClock()
        self.owner = owner
        self.courier = Courier(self)
        #: The instructors named in the settings (TUTORBOT_INSTRUCTORS).
        self.owners = owners
        #: The group rounds' port, once the application's bot exists (see attach).
        self.round_port: TelegramRounds | None = None
        self._rounds: Rounds | None = None
        self._store: Store | None = None
        self._play: Play | None = None
        self._deliveries: Deliveries | None = None
        self._classroom: Classroom | None = None
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
        self._deliveries = Deliveries(store, self._play.lost_step, self.clock, self.owner)
        self._classroom = Classroom(store, Roster(store, self.owners, self.clock))

    def attach(self, bot: Bot, *, status_every: float = STATUS_EVERY) -> None:
        """Give the group rounds the application's bot to post with (``status_every``:
        the least seconds between two edits of a round's status)."""
        self.round_port = TelegramRounds(
            bot, self.sender, lambda: self.store, status_every=status_every
        )

    @property
    def rounds(self) -> Rounds:
        """The group rounds' use cases over the open store."""
        if self._rounds is None or self._rounds.store is not self.store:
            port = self.round_port
            if port is None:
                raise StoreError("the rounds have no bot yet")
            self._rounds = Rounds(
                self.store,
                self.library,
                self.grader,
                self.clock,
                port,
                bot_username=lambda: port.bot.username,
                is_instructor=self.teaches_in,
            )
        return self._rounds

    async def teaches_in(self, user_id: int, chat_id: int) -> bool:
        """Whether ``user_id`` is an instructor of a class the group ``chat_id`` is in."""
        classroom = Classroom(self.store, Roster(self.store, self.owners, self.clock))
        for group in await self.store.groups.of_chat(chat_id):
            if await classroom.teaches(user_id, group.class_id):
                return True
        return False

    @property
    def privacy(self) -> Privacy:
        """The learner's own-data use cases over the open store."""
        return Privacy(self.store, self.library, self.grader)

    @property
    def play(self) -> Play:
        """The learner's use cases over the open store."""
        if self._play is None:
            raise StoreError("the store is not open yet")
        return self._play

    @property
    def classroom(self) -> Classroom:
        """The class use cases over the open store (``classroom.roster``: the instructors)."""
        if self._classroom is None:
            raise StoreError("the store is not open yet")
        return self._classroom

    @property
    def deliveries(self) -> Deliveries:
        """The outbox's use cases over the open store."""
        if self._deliveries is None:
            raise StoreError("the store is not open yet")
        return self._deliveries

    async def respond(
        self, bot: Bot, key: SessionKey, result: Result, query: CallbackQuery | None = None
    ) -> None:
        """Answer the button (if any), then send the session's kept replies, this one last.

        A reply that cannot go now (Telegram unreachable) stays in the outbox and is
        sent later; nothing is raised for it. A reply not kept (a test's, or a toast
        alone) is sent after the kept ones.
        """
        reply = result.reply
        if query is not None:  # stops the button's spinner, with the toast if there is one
            await self.answer_quietly(query, reply.toast if reply else None)
        await self.courier.deliver(bot, key, result)
        if reply is not None and result.entry is None and (reply.says or reply.actions):
            await self.courier.send_unkept(bot, key, reply, result.version)

    async def chat_blocked(self, chat_id: int) -> None:
        """The sender met a 403 in ``chat_id``: a private chat's user blocked the bot, or the
        bot was removed from a group."""
        if chat_id > 0:  # a private chat's id is its user's id
            log.info("User %s blocked the bot; marked inactive", chat_id)
            await self.play.set_reachable(chat_id, False)
        elif await self.classroom.bot_removed(chat_id):
            log.info("The bot is no longer in group %s; it left its classes", chat_id)

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

    async def fitted(self, out: Out) -> Out:
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
            if not button.url and not callbacks.fits(button.data):
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
