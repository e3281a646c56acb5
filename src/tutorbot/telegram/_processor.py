"""Per-chat ordering, cross-chat concurrency: a custom update processor keyed by chat."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from tutorbot.telegram._locks import KeyedLocks


def chat_key(update: object) -> int | None:
    """The chat an update belongs to (``None``: no chat, no ordering needed)."""
    if isinstance(update, Update):
        if update.effective_chat is not None:
            return update.effective_chat.id
        if update.effective_user is not None:
            return update.effective_user.id
    return None


class ChatOrderedProcessor(BaseUpdateProcessor):
    """Handles each chat's updates one at a time, in arrival order; chats run concurrently.

    PTB's ``concurrent_updates`` alone gives no per-chat ordering
    (https://docs.python-telegram-bot.org/en/stable/telegram.ext.baseupdateprocessor.html).
    The base class's semaphore is sized far above ``workers`` so it never makes
    an update wait (a waiting semaphore need not wake tasks in order); ``workers``
    bounds how many chats are handled at once, and is taken only after the
    chat's lock, so a busy chat never holds slots other chats could use.
    Locks are dropped when their chat is idle: no memory per idle chat.
    """

    def __init__(self, workers: int = 256) -> None:
        super().__init__(max_concurrent_updates=1_000_000)
        self._workers = asyncio.BoundedSemaphore(workers)
        self._locks: KeyedLocks[int] = KeyedLocks()

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Wait for the chat's earlier updates, then for a worker, then handle this one."""
        key = chat_key(update)
        if key is None:
            async with self._workers:
                await coroutine
            return
        # The chat's lock is taken synchronously, so a chat's updates queue for it
        # in the order PTB created them.
        async with self._locks.hold(key), self._workers:
            await coroutine

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""
