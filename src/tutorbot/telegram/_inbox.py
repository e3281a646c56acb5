"""Updates kept from receipt until handled, so that a crash in between loses none.

python-telegram-bot confirms the updates it fetched on its next ``getUpdates``
(and answers a webhook's POST) as soon as they are queued, before any is
handled (telegram/ext/_updater.py: ``_last_update_id = updates[-1].update_id + 1``):
a process killed in between would lose them, and Telegram would not send them
again. So the update queue keeps each update in the store's inbox before it
is queued; an update is forgotten once handled, and what is left after a crash
is queued again at the next start. :meth:`Store.apply` recognises an update
applied before, so handling one again changes nothing and only sends what is
still waiting in the outbox.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import secrets
import socket
import time
from datetime import timedelta
from typing import TYPE_CHECKING

from telegram import Bot, Update

if TYPE_CHECKING:
    from tutorbot.telegram._runtime import Runtime

log = logging.getLogger(__name__)

#: An update kept by a process that may still be alive (on another host) is taken over
#: once it has waited this long: a live process handles an update in seconds.
TAKE_OVER_AFTER = timedelta(minutes=10)
#: An update handed over this many times without being handled is dropped: handling it
#: may be what kills the process.
MAX_DELIVERIES = 3


def new_owner() -> str:
    """A name for this process in leases: ``host:pid:nonce`` (see :func:`owner_gone`)."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


def owner_gone(owner: str, me: str) -> bool:
    """Whether the process that named itself ``owner`` is dead: it ran on this host and
    its pid is not running (or is ours, reused after a restart: a container's pid 1).
    An owner on another host is never known to be gone (its leases run out instead)."""
    host, _, rest = owner.partition(":")
    pid, _, _ = rest.partition(":")
    if owner == me or host != me.partition(":")[0] or not pid.isdigit():
        return False
    if int(pid) == os.getpid():
        return True
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, another user's
        return False
    return False


class DurableQueue(asyncio.Queue[object]):
    """PTB's update queue: an update is kept in the inbox before it is queued.

    An update Telegram sends again while the first is in hand is queued again
    too (it is kept once): handled in turn, it is recognised as handled before.
    """

    def __init__(self, runtime: Runtime) -> None:
        super().__init__()
        self._rt = runtime
        #: When each update queued and not yet handled arrived (monotonic), for the metrics.
        self.arrived: dict[int, float] = {}
        #: Who waits for each update to be handled (a webhook's POST, see :meth:`waiter`).
        self._waiters: dict[int, list[asyncio.Future[None]]] = {}

    def waiter(self, update_id: int) -> asyncio.Future[None]:
        """A future done once ``update_id`` is handled (or given up on) in this process.
        Ask before :meth:`put`: a queued update may be handled at once."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.setdefault(update_id, []).append(future)
        return future

    def forget_waiter(self, update_id: int, future: asyncio.Future[None]) -> None:
        """Nobody waits on ``future`` any more (the update could not be kept)."""
        waiting = self._waiters.get(update_id, [])
        if future in waiting:
            waiting.remove(future)
        if not waiting:
            self._waiters.pop(update_id, None)

    def handled(self, update_id: int) -> None:
        """``update_id`` was handled: wake whoever waits for it."""
        for future in self._waiters.pop(update_id, []):
            if not future.done():
                future.set_result(None)

    async def put(self, item: object) -> None:
        if isinstance(item, Update):
            self.arrived[item.update_id] = time.monotonic()
            await self._rt.store.inbox.add(
                item.update_id, item.to_json(), self._rt.owner, self._rt.clock.now()
            )
        await super().put(item)

    async def requeue(self, bot: Bot) -> int:
        """Queue again the updates left by a process that died before handling them (at
        start-up, before polling); how many."""
        inbox, me, now = self._rt.store.inbox, self._rt.owner, self._rt.clock.now()
        queued = 0
        for entry in await inbox.waiting():
            if not (owner_gone(entry.owner, me) or now - entry.received_at >= TAKE_OVER_AFTER):
                continue
            taken = await inbox.take(entry.update_id, me)
            if taken is None:
                continue
            if taken.deliveries > MAX_DELIVERIES:
                log.error(
                    "Update %s was taken over %d times and never handled; dropped",
                    taken.update_id,
                    taken.deliveries - 1,
                )
                await inbox.done(taken.update_id)
                continue
            update = Update.de_json(json.loads(taken.body), bot)
            self.arrived[update.update_id] = time.monotonic()
            await super().put(update)
            queued += 1
        if queued:
            log.info("Queued %d update(s) received before a restart and not handled", queued)
        return queued
