"""One send budget for the bot: Telegram's flood limits, with replies before bulk sends.

Telegram asks a bot to stay under about 30 messages per second overall, about one
message per second in a private chat and 20 messages per minute in a group, and
answers more with 429 and ``retry_after``
(https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this).
Every message send draws from one :class:`SendBudget` before its Bot API call::

    async with budget.slot(chat_id, priority="bulk"):
        await bot.send_message(chat_id, ...)

A send counts against a limit from the moment it is let go until its call has
returned plus the limit's window: Telegram counts a message when it arrives,
which is after it was let go and before its call returned, so however long the
network takes, no window at Telegram's end ever sees more than the limit.

Pure asyncio: no Telegram library here, and the clock and sleep are injectable. With
several processes, :func:`shared_wait` also reserves each send in the store's pacing.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Literal

from tutorbot.limits import GROUP_SENDS_PER_MINUTE, PRIVATE_CHAT_INTERVAL, SENDS_PER_SECOND
from tutorbot.storage.pacing import Pacing

#: "reply": to a learner who just wrote; "bulk": to a chat that did not (pushes, reveals).
Priority = Literal["reply", "bulk"]
Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]

#: Telegram's numbers (see the FAQ linked above), defined once in tutorbot.limits.
PER_SECOND = SENDS_PER_SECOND
PRIVATE_INTERVAL = PRIVATE_CHAT_INTERVAL
GROUP_PER_MINUTE = GROUP_SENDS_PER_MINUTE
GROUP_WINDOW = 60.0
#: The window of the overall limit, in seconds.
SECOND = 1.0
#: Chats remembered before the first sweep of idle ones (then twice the chats still active).
SWEEP_FLOOR = 64


@dataclass
class _Chat:
    """What the budget remembers of one chat; an idle one equals a fresh one and is dropped."""

    in_flight: int = 0
    #: Private chats: the earliest start of the next send.
    next_at: float = 0.0
    #: After a 429 for this chat.
    paused_until: float = 0.0
    #: Groups: when each finished send stops counting (ascending).
    expiries: deque[float] = field(default_factory=deque)


@dataclass(eq=False)
class _Waiter:
    chat_id: int
    future: asyncio.Future[None]
    #: Messages the send counts for in a group (an album: one per photo).
    weight: int = 1


class Permit:
    """One send let go by the budget; :meth:`release` it when its call has returned."""

    __slots__ = ("_budget", "_released", "chat_id", "weight")

    def __init__(self, budget: SendBudget, chat_id: int, weight: int = 1) -> None:
        self._budget = budget
        self.chat_id = chat_id
        self.weight = weight
        self._released = False

    def release(self) -> None:
        """The call returned (or failed): its send stops counting after each limit's window."""
        if not self._released:
            self._released = True
            self._budget._release(self.chat_id, self.weight)


class SendBudget:
    """Paces message sends under Telegram's limits; replies first, bulk sends fill the rest.

    * overall at most ``per_second`` sends in any second;
    * a private chat (``chat_id > 0``) one send at a time, the next at least
      ``private_interval`` after the previous call returned (no bursts);
    * a group, supergroup or channel (``chat_id < 0``) at most
      ``group_per_minute`` sends in any ``group_window`` seconds;
    * a waiting reply gets the next free slot before any waiting bulk send, and
      bulk sends are spaced ``1 / per_second`` apart, so a reply waits at most
      that long behind a bulk send; a bulk send whose chat must wait holds up
      no other send; bulk sends go first come, first served;
    * :meth:`pause` after a 429 holds the chat (or the whole bot).

    Waiting is on futures woken by releases and one timer: no polling. Chats whose
    limits have all expired are forgotten, so memory follows the chats of the last
    ``group_window`` seconds, not every chat ever seen.
    """

    def __init__(
        self,
        *,
        per_second: int = PER_SECOND,
        private_interval: float = PRIVATE_INTERVAL,
        group_per_minute: int = GROUP_PER_MINUTE,
        group_window: float = GROUP_WINDOW,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        if per_second < 1 or group_per_minute < 1:
            raise ValueError("per_second and group_per_minute must be at least 1")
        self.per_second = per_second
        self.private_interval = private_interval
        self.group_per_minute = group_per_minute
        self.group_window = group_window
        self._clock = clock
        self._sleep = sleep
        self._chats: dict[int, _Chat] = {}
        self._replies: deque[_Waiter] = deque()
        self._bulk: deque[_Waiter] = deque()
        self._in_flight = 0
        self._expiries: deque[float] = deque()  # overall: when finished sends stop counting
        self._paused_until = 0.0  # the whole bot, after pause(None, ...)
        self._bulk_from = 0.0  # bulk spacing, and the hold after a 429
        # Idle chats are swept when the chats double, and at least once a window.
        self._sweep_above = SWEEP_FLOOR
        self._swept_at = 0.0
        self._timer: asyncio.Task[None] | None = None
        self._timer_at = 0.0

    @property
    def tracked_chats(self) -> int:
        """How many chats the budget remembers (idle ones are forgotten as it goes)."""
        return len(self._chats)

    async def acquire(
        self, chat_id: int, *, priority: Priority = "reply", weight: int = 1
    ) -> Permit:
        """Wait until a send to ``chat_id`` fits every limit; the caller then sends and releases.

        ``weight``: how many messages the send is in a group's count (an album of
        three photos is three, https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this);
        at most ``group_per_minute``."""
        weight = max(1, min(weight, self.group_per_minute)) if chat_id < 0 else 1
        waiter = _Waiter(chat_id, asyncio.get_running_loop().create_future(), weight)
        (self._replies if priority == "reply" else self._bulk).append(waiter)
        self._dispatch()
        try:
            await waiter.future
        except asyncio.CancelledError:
            if waiter.future.done() and not waiter.future.cancelled():
                self._release(chat_id, weight)  # let go just as the caller gave up: hand it back
            raise
        return Permit(self, chat_id, weight)

    @contextlib.asynccontextmanager
    async def slot(
        self, chat_id: int, *, priority: Priority = "reply", weight: int = 1
    ) -> AsyncIterator[None]:
        """``acquire`` on entry, ``release`` on exit (whatever the call raised)."""
        permit = await self.acquire(chat_id, priority=priority, weight=weight)
        try:
            yield
        finally:
            permit.release()

    def pause(self, chat_id: int | None, seconds: float) -> None:
        """Telegram answered 429 with ``retry_after=seconds``: hold that chat (None: the bot).

        A flood of the whole bot and one of a chat look alike from here, so bulk
        sends are held too; replies to other chats go on.
        """
        until = self._clock() + seconds
        if chat_id is None:
            self._paused_until = max(self._paused_until, until)
        else:
            chat = self._chat(chat_id)
            chat.paused_until = max(chat.paused_until, until)
            self._bulk_from = max(self._bulk_from, until)
        self._dispatch()

    # -- bookkeeping -------------------------------------------------------------------

    def _chat(self, chat_id: int) -> _Chat:
        chat = self._chats.get(chat_id)
        if chat is None:
            chat = self._chats[chat_id] = _Chat()
        return chat

    def _release(self, chat_id: int, weight: int = 1) -> None:
        now = self._clock()
        self._in_flight -= 1
        self._expiries.append(now + SECOND)
        chat = self._chat(chat_id)
        chat.in_flight -= weight
        if chat_id > 0:
            chat.next_at = max(chat.next_at, now + self.private_interval)
        else:
            chat.expiries.extend([now + self.group_window] * weight)
        if self._idle(chat_id, now):  # nothing to remember: a fresh chat is the same
            del self._chats[chat_id]
        self._dispatch()

    def _ready_at(self, chat_id: int, now: float, weight: int = 1) -> float:
        """When the chat's own limits let a send of ``weight`` messages go (``inf``: when a
        call in flight returns)."""
        chat = self._chats.get(chat_id)
        if chat is None:
            return now
        if chat_id > 0:
            return float("inf") if chat.in_flight else max(chat.next_at, chat.paused_until)
        _expire(chat.expiries, now)
        over = chat.in_flight + len(chat.expiries) + weight - self.group_per_minute
        if over <= 0:
            return chat.paused_until
        if over > len(chat.expiries):
            return float("inf")
        return max(chat.expiries[over - 1], chat.paused_until)

    def _grant(self, waiter: _Waiter, queue: deque[_Waiter], now: float) -> None:
        queue.remove(waiter)
        self._in_flight += 1
        self._chat(waiter.chat_id).in_flight += waiter.weight
        if queue is self._bulk:
            self._bulk_from = max(self._bulk_from, now + SECOND / self.per_second)
        waiter.future.set_result(None)

    # -- scheduling --------------------------------------------------------------------

    def _dispatch(self) -> None:
        """Let go every waiter that fits now, replies first; set the timer for the rest."""
        now = self._clock()
        wake = float("inf")
        while self._replies or self._bulk:
            _expire(self._expiries, now)
            if now < self._paused_until:
                wake = self._paused_until
                break
            if self._in_flight + len(self._expiries) >= self.per_second:
                wake = self._expiries[0] if self._expiries else wake  # else: at a release
                break
            waiter, wake = self._first_ready(self._replies, now, wake)
            queue = self._replies
            if waiter is None and self._bulk:
                if now < self._bulk_from:
                    wake = min(wake, self._bulk_from)
                    break
                waiter, wake = self._first_ready(self._bulk, now, wake)
                queue = self._bulk
            if waiter is None:
                break
            self._grant(waiter, queue, now)
            wake = float("inf")
        if len(self._chats) > self._sweep_above or now >= self._swept_at + self.group_window:
            self._forget_idle(now)
        if wake != float("inf"):
            self._wake_at(wake, now)
        elif self._timer is not None:  # nothing left to wait for but releases
            self._timer.cancel()
            self._timer = None

    def _first_ready(
        self, queue: deque[_Waiter], now: float, wake: float
    ) -> tuple[_Waiter | None, float]:
        """The oldest waiter whose chat may send now, else the earliest time one may."""
        for waiter in list(queue):
            if waiter.future.done():  # its caller gave up
                queue.remove(waiter)
                continue
            ready = self._ready_at(waiter.chat_id, now, waiter.weight)
            if ready <= now:
                return waiter, wake
            wake = min(wake, ready)
        return None, wake

    def _wake_at(self, at: float, now: float) -> None:
        if self._timer is not None and not self._timer.done():
            if self._timer_at <= at:
                return  # it will dispatch sooner, and set the timer again
            self._timer.cancel()
        self._timer_at = at
        self._timer = asyncio.get_running_loop().create_task(self._wake(at - now))

    async def _wake(self, delay: float) -> None:
        await self._sleep(delay)
        self._timer = None
        self._dispatch()

    def _forget_idle(self, now: float) -> None:
        for chat_id in [c for c in self._chats if self._idle(c, now)]:
            del self._chats[chat_id]
        self._sweep_above = max(SWEEP_FLOOR, 2 * len(self._chats))
        self._swept_at = now

    def _idle(self, chat_id: int, now: float) -> bool:
        chat = self._chats[chat_id]
        _expire(chat.expiries, now)
        return (
            not chat.in_flight
            and not chat.expiries
            and chat.next_at <= now
            and chat.paused_until <= now
        )


def _expire(expiries: deque[float], now: float) -> None:
    while expiries and expiries[0] <= now:
        expiries.popleft()


#: How much later than another a send's call may reach Telegram (see shared_wait).
SHARED_TRAVEL = 0.25


async def shared_wait(
    pacing: Pacing, chat_id: int, budget: SendBudget, weight: int, sleep: Sleep
) -> None:
    """Reserve a send in the store's pacing, shared by every process of the bot, and wait
    for the moment it gives: the chat's bucket, then the bot's from that moment on (an
    album: one per photo, as Telegram counts it). The bot's sends are spaced over a
    second and ``SHARED_TRAVEL``: a moment is given before the sends ahead of it have
    reached Telegram, some of them late."""
    moment = datetime.now(UTC)
    for _ in range(max(1, weight)):
        if chat_id > 0 and budget.private_interval > 0:
            interval = timedelta(seconds=budget.private_interval)
            moment = await pacing.reserve(f"chat:{chat_id}", moment, interval)
        elif chat_id < 0:
            interval = timedelta(seconds=budget.group_window / budget.group_per_minute)
            moment = await pacing.reserve(f"chat:{chat_id}", moment, interval)
        interval = timedelta(seconds=(SECOND + SHARED_TRAVEL) / budget.per_second)
        moment = await pacing.reserve("bot", moment, interval)
    wait = (moment - datetime.now(UTC)).total_seconds()
    if wait > 0:
        await sleep(wait)
