"""Rendered messages → Bot API calls: the send budget, retries, RetryAfter, blocked users,
the media cache."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import warnings
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

from telegram import (
    Bot,
    ForceReply,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    InputMediaPhoto,
    Message,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter

from tutorbot.metrics import METRICS
from tutorbot.storage import Store
from tutorbot.telegram._parts import Part, PhotoPart, TextPart, plan
from tutorbot.telegram._placeholder import present
from tutorbot.telegram._render import Button, Out, Photo, rows
from tutorbot.telegram.budget import Priority, SendBudget, shared_wait

T = TypeVar("T")
log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]
#: Called with a chat's id when Telegram answers 403 for it (e.g. to mark it inactive).
OnBlocked = Callable[[int], Awaitable[None]]
#: Told after each part of a send: its number (from 1), how many there are, its button ids.
OnSent = Callable[[int, int, tuple[int, ...]], Awaitable[None]]
ReplyMarkup = InlineKeyboardMarkup | ForceReply | None

# Words in Telegram's 400 descriptions when a file_id is not (or no longer) usable,
# e.g. "Bad Request: wrong file identifier/HTTP URL specified".
FILE_ID_ERRORS = ("file identifier", "file_id", "wrong remote file", "file reference")


class Blocked(Exception):
    """The user blocked the bot or deleted their account (403 Forbidden): stop writing to them."""


class Sender:
    """Sends rendered messages to a chat within the send budget, retrying what is worth retrying.

    Every message call (send, edit) draws from ``budget`` first, at the priority
    given ("reply" to a learner who just wrote, "bulk" otherwise); with None
    nothing is paced. NetworkError, TimedOut and 5xx (PTB
    raises them as NetworkError) are retried with exponential backoff;
    RetryAfter pauses the chat in the budget and waits as long as Telegram asks
    (https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this);
    403 calls ``on_blocked`` with the chat's id and raises :class:`Blocked`;
    other 400s propagate.
    """

    def __init__(
        self,
        store: Store | None,
        *,
        budget: SendBudget | None = None,
        on_blocked: OnBlocked | None = None,
        sleep: Sleep = asyncio.sleep,
        attempts: int = 5,
        backoff: float = 0.5,
    ) -> None:
        self.store = store
        self.budget = budget
        #: Also reserve each message send in the store's send slots, so that every process
        #: of the bot together keeps one bot's limits (several processes on one webhook).
        self.shared = False
        self.on_blocked = on_blocked
        self.sleep = sleep
        self.attempts = attempts
        self.backoff = backoff
        self._digests: dict[Path, tuple[float, str]] = {}
        self._file_ids: dict[tuple[int, str], str] = {}
        self.calls = 0

    @property
    def db(self) -> Store:
        if self.store is None:
            raise RuntimeError("the sender has no store yet")
        return self.store

    # -- the retry loop ---------------------------------------------------------------

    async def call(self, make: Callable[[], Awaitable[T]]) -> T:
        """Run one Bot API call that sends no message (answerCallbackQuery) with retries,
        outside the send budget; raises :class:`Blocked` on 403."""
        return await self._attempts(make, None, "reply")

    async def message(
        self,
        chat_id: int,
        make: Callable[[], Awaitable[T]],
        *,
        priority: Priority = "reply",
        weight: int = 1,
    ) -> T:
        """Run one Bot API call that sends or edits a message in ``chat_id``: within the
        send budget (``weight``: the messages it makes, an album's photos), with retries;
        raises :class:`Blocked` on 403."""
        return await self._attempts(make, chat_id, priority, weight)

    async def _attempts(
        self,
        make: Callable[[], Awaitable[T]],
        chat_id: int | None,
        priority: Priority,
        weight: int = 1,
    ) -> T:
        delay = self.backoff
        for attempt in range(1, self.attempts + 1):
            try:
                self.calls += 1
                return await self._once(make, chat_id, priority, weight)
            except RetryAfter as error:
                if attempt == self.attempts:
                    raise
                METRICS.inc("tutorbot_bot_api_retries_total", reason="retry_after")
                await self.sleep(_seconds(error))
            except Forbidden as error:
                if chat_id is not None and self.on_blocked is not None:
                    await self.on_blocked(chat_id)
                raise Blocked(str(error)) from None
            except BadRequest:
                raise
            except NetworkError as error:
                if attempt == self.attempts:
                    raise
                METRICS.inc("tutorbot_bot_api_retries_total", reason="network")
                log.warning("Bot API call failed (%s); retrying in %.1f s", error, delay)
                await self.sleep(delay)
                delay *= 2
        raise AssertionError("unreachable")  # pragma: no cover

    async def _once(
        self, make: Callable[[], Awaitable[T]], chat_id: int | None, priority: Priority, weight: int
    ) -> T:
        if self.budget is None or chat_id is None:
            return await make()
        async with self.budget.slot(chat_id, priority=priority, weight=weight):
            if self.shared and self.store is not None:
                await shared_wait(self.db.pacing, chat_id, self.budget, weight, self.sleep)
            try:
                return await make()
            except RetryAfter as error:
                # Paused before the slot is given back, so that no waiting send slips out.
                self.budget.pause(chat_id, _seconds(error))
                raise

    # -- messages ---------------------------------------------------------------------

    async def send(
        self,
        bot: Bot,
        chat_id: int,
        thread_id: int,
        outs: Sequence[Out],
        *,
        priority: Priority = "reply",
        skip: int = 0,
        on_sent: OnSent | None = None,
    ) -> None:
        """Send the messages in order, each call within the send budget at ``priority``.

        The calls are the send's parts (:mod:`tutorbot.telegram._parts`), always the
        same for the same messages: ``skip`` leaves out the first ones (sent before);
        ``on_sent(number, total, buttons)`` is awaited after each with its number (from
        1), how many there are, and the ids of the messages it sent that carry buttons.
        """
        parts = plan(outs)
        for number, part in enumerate(parts[skip:], skip + 1):
            sent = await self.send_part(bot, chat_id, thread_id, part, priority=priority)
            if on_sent is not None:
                buttons = tuple(m.message_id for m in sent) if part.buttons else ()
                await on_sent(number, len(parts), buttons)

    async def send_part(
        self, bot: Bot, chat_id: int, thread_id: int, part: Part, *, priority: Priority = "reply"
    ) -> list[Message]:
        """One part of a send (see :func:`~tutorbot.telegram._parts.plan`); the messages it made."""
        if isinstance(part, TextPart):
            markup = _markup(part)
            return [await self.text(bot, chat_id, thread_id, part.html, markup, priority=priority)]
        return await self._photos(bot, chat_id, thread_id, part, priority)

    async def text(
        self,
        bot: Bot,
        chat_id: int,
        thread_id: int,
        html_text: str,
        markup: ReplyMarkup = None,
        *,
        priority: Priority = "reply",
    ) -> Message:
        """One HTML message (at most 4096 visible characters)."""
        return await self.message(
            chat_id,
            lambda: bot.send_message(
                chat_id,
                html_text,
                parse_mode=ParseMode.HTML,
                reply_markup=markup,
                message_thread_id=thread_id or None,
            ),
            priority=priority,
        )

    async def edit_text(
        self,
        bot: Bot,
        chat_id: int,
        message_id: int,
        html_text: str,
        buttons: Sequence[Button] = (),
        *,
        priority: Priority = "reply",
    ) -> None:
        """Edit a text message in place (an edit counts toward a group's limit, so it goes
        through the budget); an edit that changes nothing is no error."""
        try:
            await self.message(
                chat_id,
                lambda: bot.edit_message_text(
                    html_text,
                    chat_id=chat_id,
                    message_id=message_id,
                    parse_mode=ParseMode.HTML,
                    reply_markup=_keyboard(buttons),
                ),
                priority=priority,
            )
        except BadRequest as error:
            if "not modified" not in str(error).lower():
                raise

    async def _photos(
        self, bot: Bot, chat_id: int, thread_id: int, part: PhotoPart, priority: Priority
    ) -> list[Message]:
        """One photo or one album (one call), by stored file_id, or uploaded if Telegram
        rejects the id."""
        photos, captions = part.photos, part.captions
        for upload in (False, True):
            inputs = [await self._input(bot, Path(photo.path), upload) for photo in photos]
            try:
                if len(photos) == 1:
                    sent = [
                        await self.message(
                            chat_id,
                            lambda: bot.send_photo(
                                chat_id,
                                inputs[0][0],  # noqa: B023 (awaited within this iteration)
                                caption=captions[0] or None,
                                parse_mode=ParseMode.HTML,
                                reply_markup=_keyboard(part.buttons),
                                message_thread_id=thread_id or None,
                            ),
                            priority=priority,
                        )
                    ]
                else:
                    media = [
                        InputMediaPhoto(item, caption=caption or None, parse_mode=ParseMode.HTML)
                        for (item, _), caption in zip(inputs, captions, strict=True)
                    ]
                    sent = list(
                        await self.message(
                            chat_id,
                            lambda: bot.send_media_group(
                                chat_id,
                                media,  # noqa: B023 (awaited within this iteration)
                                message_thread_id=thread_id or None,
                            ),
                            priority=priority,
                            weight=len(media),
                        )
                    )
            except BadRequest as error:
                reused = [digest for _, digest in inputs if digest]
                if upload or not reused or not _about_file_id(error):
                    raise
                log.info("Telegram rejected a stored file_id (%s); uploading again", error)
                for digest in reused:
                    await self._forget(bot.id, digest)
                continue
            await self._remember(bot.id, photos, sent)
            return sent
        raise AssertionError("unreachable")  # pragma: no cover

    # -- the media cache --------------------------------------------------------------

    def _digest(self, path: Path) -> str:
        mtime = path.stat().st_mtime
        known = self._digests.get(path)
        if known is not None and known[0] == mtime:
            return known[1]
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        self._digests[path] = (mtime, digest)
        return digest

    async def _input(self, bot: Bot, path: Path, upload: bool) -> tuple[str | InputFile, str]:
        """A stored file_id and "" (nothing to remember), or the file to upload and its hash."""
        path = present(path)  # a file gone since start-up: the placeholder picture
        digest = self._digest(path)
        if not upload:
            file_id = self._file_ids.get((bot.id, digest))
            if file_id is None:
                file_id = await self.db.media.get(bot.id, digest)
                if file_id is not None:
                    self._file_ids[(bot.id, digest)] = file_id
            if file_id is not None:
                return file_id, digest
        return InputFile(path.read_bytes(), filename=path.name, attach=True), digest

    async def _remember(self, bot_id: int, photos: Sequence[Photo], sent: Sequence[Any]) -> None:
        for photo, message in zip(photos, sent, strict=False):
            sizes = getattr(message, "photo", ())
            if not sizes:
                continue
            digest = self._digest(present(Path(photo.path)))
            file_id = sizes[-1].file_id
            if self._file_ids.get((bot_id, digest)) != file_id:
                self._file_ids[(bot_id, digest)] = file_id
                await self.db.media.put(bot_id, digest, file_id)

    async def _forget(self, bot_id: int, digest: str) -> None:
        self._file_ids.pop((bot_id, digest), None)
        await self.db.media.forget(bot_id, digest)


def _seconds(error: RetryAfter) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wait = error.retry_after
    return wait.total_seconds() if isinstance(wait, timedelta) else float(wait)


def _about_file_id(error: BadRequest) -> bool:
    message = str(error).lower()
    return any(words in message for words in FILE_ID_ERRORS)


def _keyboard(buttons: Sequence[Button]) -> InlineKeyboardMarkup | None:
    if not buttons:
        return None
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(b.label, url=b.url)
                if b.url
                else InlineKeyboardButton(b.label, callback_data=b.data)
                for b in row
            ]
            for row in rows(buttons)
        ]
    )


def _markup(out: TextPart) -> ReplyMarkup:
    if out.force_reply is not None:
        # ForceReply makes the client open a reply to this message: the answer
        # then reaches the bot in groups with privacy mode on, too
        # (https://core.telegram.org/bots/api#forcereply).
        return ForceReply(input_field_placeholder=out.force_reply[:64])
    return _keyboard(out.buttons)
