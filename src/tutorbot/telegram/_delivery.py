"""Kept replies → Telegram: one session at a time, oldest first, each message recorded as sent.

Every reply goes out from the outbox (:mod:`tutorbot.app.outbox`): a handler
delivers its own session's replies right after the change is committed, and
a pump delivers the ones due again (at start-up after a crash; after an
outage, with backoff). Each Bot API call of a reply is recorded once it
returned, so a retry goes on after the messages that went out and never sends
one of them again. Telegram has no idempotency key: only a call in flight
when the process dies (sent, but not yet recorded) may arrive twice.

After a reply went out, the buttons it made stale are taken off their
messages (``editMessageReplyMarkup``), so that only the live step has buttons.
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import suppress
from typing import Literal, Protocol

from telegram import Bot
from telegram.error import BadRequest, TelegramError

from tutorbot.app.outbox import Deliveries, Parcel
from tutorbot.app.play import Result
from tutorbot.app.replies import Reply
from tutorbot.storage import SessionKey
from tutorbot.telegram._locks import KeyedLocks
from tutorbot.telegram._render import Out, render_reply
from tutorbot.telegram._sender import Blocked, Sender

log = logging.getLogger(__name__)

#: How many sessions one pass of the pump delivers at most (they go concurrently).
PUMP_BATCH = 32
#: Claims one delivery makes at most (the rest waits for the pump): a bound, whatever happens.
ROUNDS = 8

Outcome = Literal["sent", "again", "stop"]


def refused(error: BaseException) -> bool:
    """Whether sending again cannot help: Telegram refused the request (400), a file is
    missing, or a bug. Everything else (the network, 5xx, 429, storage) is an outage."""
    if isinstance(error, BadRequest):
        return True
    if isinstance(error, TelegramError | ConnectionError | TimeoutError):
        return False
    return isinstance(error, OSError | ValueError | TypeError | LookupError | AssertionError)


class Wiring(Protocol):
    """What the courier uses (the runtime has it): the sender, the outbox's use cases, and
    the fitting of callback data into Telegram's 64 bytes."""

    @property
    def sender(self) -> Sender: ...

    @property
    def deliveries(self) -> Deliveries: ...

    async def fitted(self, out: Out) -> Out: ...


class Courier:
    """Delivers kept replies for the runtime's sender; at most one delivery per session at
    a time in this process (the outbox's lease keeps other processes out)."""

    def __init__(self, runtime: Wiring) -> None:
        self.rt = runtime
        self._sessions: KeyedLocks[SessionKey] = KeyedLocks()
        self._stopping = asyncio.Event()

    async def deliver(self, bot: Bot, key: SessionKey, fresh: Result | None = None) -> None:
        """Send every reply kept for ``key``, oldest first (``fresh``: the one just made,
        in hand); then take the stale buttons off. A reply that cannot go now stays kept."""
        known: list[tuple[int, Reply]] = []
        if fresh is not None and fresh.entry is not None and fresh.reply is not None:
            known.append((fresh.entry, fresh.reply))
        async with self._sessions.hold(key):  # one delivery per session at a time
            latest = await self._send_kept(bot, key, known)
            if latest is not None:
                await self._clear_stale(bot, key, latest)

    async def send_unkept(self, bot: Bot, key: SessionKey, reply: Reply, version: int) -> None:
        """Send a reply that was not kept in the outbox (nothing records it)."""
        outs = [await self.rt.fitted(out) for out in render_reply(reply, version)]
        try:
            await self.rt.sender.send(bot, key.chat_id, key.thread_id, outs)
        except Blocked:  # marked by chat_blocked, which the sender calls
            return

    async def pump(self, bot: Bot, poll: float) -> None:
        """Deliver every session with kept replies once (at start-up: due or not, for the
        learners who wrote before a crash or an outage wait), then the sessions whose
        replies are due, every ``poll`` seconds, until stopped."""
        tried: set[SessionKey] = set()
        while not self._stopping.is_set():
            try:
                kept = await self.rt.deliveries.kept(PUMP_BATCH, skip=tried)
            except Exception:
                log.exception("Could not look for replies to send")
                break
            if not kept:
                break
            tried.update(kept)
            await asyncio.gather(*(self._deliver_logged(bot, key) for key in kept))
        while not self._stopping.is_set():
            due: list[SessionKey] = []
            try:
                due = await self.rt.deliveries.due(PUMP_BATCH)
                await asyncio.gather(*(self._deliver_logged(bot, key) for key in due))
            except Exception:
                log.exception("Could not look for replies to send")
            if len(due) < PUMP_BATCH:
                with suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), poll)

    def stop(self) -> None:
        """Stop :meth:`pump` after its current pass."""
        self._stopping.set()

    async def _deliver_logged(self, bot: Bot, key: SessionKey) -> None:
        try:
            await self.deliver(bot, key)
        except Exception:
            log.exception("Could not deliver the kept replies of %s", key)

    async def _send_kept(
        self, bot: Bot, key: SessionKey, known: list[tuple[int, Reply]]
    ) -> Parcel | None:
        latest = None
        for _ in range(ROUNDS):
            parcels = await self.rt.deliveries.claim(key, known)
            if not parcels:
                break
            outcome: Outcome = "sent"
            for parcel in parcels:
                outcome = await self._send(bot, key, parcel)
                if outcome != "sent":
                    break
                latest = parcel
            if outcome == "stop":
                break
            # Claim again: a notice took a refused reply's place (so the reply in hand is
            # no longer what is kept), or a reply was kept meanwhile.
            known = []
        return latest

    async def _send(self, bot: Bot, key: SessionKey, parcel: Parcel) -> Outcome:
        deliveries = self.rt.deliveries
        outs = [
            await self.rt.fitted(out) for out in render_reply(parcel.reply, parcel.entry.version)
        ]
        last: tuple[int, ...] = ()

        async def on_sent(number: int, total: int, buttons: tuple[int, ...]) -> None:
            nonlocal last
            if number < total:
                await deliveries.progress(parcel, number, buttons)
            else:
                last = buttons

        try:
            await self.rt.sender.send(
                bot, key.chat_id, key.thread_id, outs, skip=parcel.entry.sent_parts, on_sent=on_sent
            )
        except Blocked:  # marked by chat_blocked, which the sender calls
            await deliveries.unreachable(key)
            return "stop"
        except Exception as error:
            hopeless = refused(error)
            if hopeless:  # a bug, a missing file, a bad request: the traceback says which
                log.error("Could not send reply %d to %s", parcel.entry.id, key, exc_info=error)
            else:
                log.warning(
                    "Could not send reply %d to %s (%s: %s); it stays in the outbox",
                    parcel.entry.id,
                    key,
                    type(error).__name__,
                    error,
                )
            await deliveries.failed(parcel, f"{type(error).__name__}: {error}", refused=hopeless)
            return "again" if hopeless else "stop"
        if not await deliveries.delivered(parcel, last):
            # Its lease passed to another sender, which goes on from here.
            log.warning("Reply %d to %s went out after its lease passed", parcel.entry.id, key)
            return "stop"
        if parcel.entry.attempts or parcel.entry.sent_parts:
            log.info(
                "Reply %d to %s went out on try %d", parcel.entry.id, key, parcel.entry.attempts + 1
            )
        return "sent"

    async def _clear_stale(self, bot: Bot, key: SessionKey, latest: Parcel) -> None:
        """Take the buttons off the messages ``latest`` made stale (only the live step keeps
        them). An edit draws from the send budget like any message."""
        removed = []
        for message_id in await self.rt.deliveries.stale_buttons(key, latest):
            try:
                await self.rt.sender.message(
                    key.chat_id,
                    lambda: bot.edit_message_reply_markup(
                        chat_id=key.chat_id,
                        message_id=message_id,  # noqa: B023 (awaited within this iteration)
                    ),
                )
            except BadRequest as error:
                # "message is not modified" (done before a crash), "message to edit not
                # found" (deleted): either way no button is left on it.
                log.info("Buttons of message %d in %s: %s", message_id, key, error)
            except Blocked:
                await self.rt.deliveries.unreachable(key)
                return
            except TelegramError as error:
                log.info("Could not take the buttons off message %d (%s); later", message_id, error)
                continue
            removed.append(message_id)
        if removed:
            await self.rt.deliveries.buttons_removed(key, removed)
