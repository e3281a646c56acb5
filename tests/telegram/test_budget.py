"""The send budget on a fake clock: spacing per private chat, the group window, the overall
rate, replies before bulk sends, pauses after a 429, and forgetting idle chats."""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import pytest

from tutorbot.telegram.budget import Priority, SendBudget


class FakeTime:
    """A clock that moves only when the test says; ``sleep`` wakes when it has moved far enough."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps = 0
        self._timers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps += 1
        future = asyncio.get_running_loop().create_future()
        heapq.heappush(self._timers, (self.now + max(seconds, 0.0), next(self._order), future))
        await future

    async def advance(self, seconds: float) -> None:
        """Move time on by ``seconds``, waking each sleeper at its own moment."""
        end = self.now + seconds
        await settle()
        while self._timers and self._timers[0][0] <= end:
            at, _, future = heapq.heappop(self._timers)
            if future.done():  # the sleeper was cancelled
                continue
            self.now = max(self.now, at)
            future.set_result(None)
            await settle()
        self.now = end
        await settle()


async def settle() -> None:
    """Let every task that can run, run (a few hops each: grant, record, release, acquire)."""
    for _ in range(20):
        await asyncio.sleep(0)


@dataclass(frozen=True)
class Sent:
    at: float
    chat_id: int
    priority: Priority
    label: str


class Harness:
    """Tasks that send through one budget on fake time and log when each send went."""

    def __init__(self, *, per_second: int = 30) -> None:
        self.time = FakeTime()
        self.budget = SendBudget(
            per_second=per_second, clock=self.time.clock, sleep=self.time.sleep
        )
        self.log: list[Sent] = []
        self.tasks: list[asyncio.Task[None]] = []

    def send(
        self,
        chat_id: int,
        count: int = 1,
        *,
        priority: Priority = "reply",
        label: str = "",
        takes: float = 0.0,
    ) -> None:
        """Start a task that sends ``count`` messages to a chat one after the other."""

        async def run() -> None:
            for _ in range(count):
                async with self.budget.slot(chat_id, priority=priority):
                    self.log.append(Sent(self.time.now, chat_id, priority, label))
                    if takes:
                        await self.time.sleep(takes)

        self.tasks.append(asyncio.create_task(run()))

    def times(self, chat_id: int | None = None, label: str | None = None) -> list[float]:
        return [
            s.at
            for s in self.log
            if (chat_id is None or s.chat_id == chat_id) and (label is None or s.label == label)
        ]

    async def finish(self, within: float) -> None:
        await self.time.advance(within)
        assert all(task.done() for task in self.tasks), "sends still waiting"
        for task in self.tasks:
            task.result()


def most_in_window(times: Sequence[float], window: float) -> int:
    """The most sends in any half-open window [t, t + window)."""
    ordered = sorted(times)
    return max(
        (sum(1 for u in ordered if t <= u < t + window) for t in ordered),
        default=0,
    )


async def test_a_private_chat_gets_one_send_per_interval_without_a_burst() -> None:
    h = Harness()
    h.send(1, 4)
    h.send(1, 2, label="second task")  # a second sender to the same chat queues behind
    h.send(2, 1)
    await h.finish(10)
    assert h.times(1) == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]
    assert h.times(2) == [0.0]  # another chat is not held up


async def test_the_private_interval_counts_from_when_the_call_returned() -> None:
    h = Harness()
    h.send(1, 3, takes=0.25)  # each call takes a quarter of a second
    await h.finish(10)
    assert h.times(1) == [0.0, 1.25, 2.5]


async def test_a_group_gets_at_most_twenty_sends_in_any_minute() -> None:
    h = Harness()
    h.send(-100, 45)
    await h.finish(200)
    times = h.times(-100)
    assert len(times) == 45
    assert times[:20] == [0.0] * 20
    assert times[20] == 60.0
    assert most_in_window(times, 60.0) == 20


async def test_an_album_counts_once_per_photo_in_a_group() -> None:
    time = FakeTime()
    budget = SendBudget(clock=time.clock, sleep=time.sleep)
    went: list[tuple[float, int]] = []

    async def send(weight: int) -> None:
        async with budget.slot(-100, weight=weight):
            went.append((time.now, weight))

    tasks = [asyncio.create_task(send(w)) for w in (10, 8, 3, 1)]
    await time.advance(200)
    assert all(task.done() for task in tasks)
    # 10 + 8 fit the minute; the album of 3 waits for the first album's photos to
    # expire; the single message slots into what is left (2 fit after the 18).
    assert went == [(0.0, 10), (0.0, 8), (0.0, 1), (60.0, 3)]
    assert budget.tracked_chats <= 1


async def test_at_most_thirty_sends_go_in_any_second() -> None:
    h = Harness()
    for chat_id in range(1, 101):
        h.send(chat_id)
    await h.finish(10)
    times = h.times()
    assert len(times) == 100
    assert times.count(0.0) == 30  # replies may burst up to the limit
    assert most_in_window(times, 1.0) == 30
    assert max(times) == 3.0


async def test_bulk_sends_are_spaced_and_first_come_first_served() -> None:
    h = Harness()
    for chat_id in range(1, 61):
        h.send(chat_id, priority="bulk", label=str(chat_id))
    await h.finish(10)
    order = [int(s.label) for s in h.log]
    assert order == list(range(1, 61))
    gaps = [b - a for a, b in itertools.pairwise(h.times())]
    assert min(gaps) == pytest.approx(1 / 30)
    assert most_in_window(h.times(), 1.0) == 30


async def test_a_reply_overtakes_every_waiting_bulk_send() -> None:
    h = Harness(per_second=2)
    for chat_id in range(1, 11):
        h.send(chat_id, priority="bulk")
    await h.time.advance(1.2)  # bulk sends are going, two a second, eight still waiting
    h.send(50, label="reply")
    h.send(9, label="reply to a chat a bulk send waits for")
    await h.finish(10)
    reply_at = h.times(label="reply")[0]
    bulk_after = [s.at for s in h.log if s.priority == "bulk" and s.at >= 1.2]
    assert reply_at <= min(bulk_after)
    assert h.times(label="reply to a chat a bulk send waits for")[0] <= min(bulk_after)
    assert most_in_window(h.times(), 1.0) == 2


async def test_a_bulk_send_to_a_waiting_chat_holds_up_nobody() -> None:
    h = Harness()
    h.send(1, 2, priority="bulk", label="A")  # A's second send must wait until 1.0
    await h.time.advance(0.5)
    h.send(2, priority="bulk", label="C")  # behind A's in the queue, but C may send now
    h.send(3, label="reply to B")
    await h.finish(10)
    assert h.times(label="A") == [0.0, 1.0]
    assert h.times(label="C") == [0.5]
    assert h.times(label="reply to B") == [0.5]


async def test_a_pause_holds_the_chat_and_bulk_sends_not_other_replies() -> None:
    h = Harness()
    h.send(1, 1)
    await h.time.advance(1.0)
    h.budget.pause(1, 3.0)  # a 429 for chat 1, retry after 3 s
    h.send(1, 1, label="retry")
    h.send(2, 1, priority="bulk", label="bulk")
    h.send(3, 1, label="other reply")
    await h.finish(10)
    assert h.times(label="retry") == [4.0]
    assert h.times(label="bulk") == [4.0]
    assert h.times(label="other reply") == [1.0]


async def test_a_paused_group_waits_for_the_later_of_its_window_and_the_pause() -> None:
    h = Harness()
    h.send(-100, 20)
    await h.time.advance(1.0)
    h.budget.pause(-100, 90.0)
    h.send(-100, 1, label="21st")
    await h.finish(100)
    assert h.times(label="21st") == [91.0]


async def test_a_pause_of_the_whole_bot_holds_everything() -> None:
    h = Harness()
    h.budget.pause(None, 2.0)
    h.send(1, label="reply")
    h.send(-100, priority="bulk", label="bulk")
    await h.finish(10)
    assert h.times(label="reply") == [2.0]
    assert h.times(label="bulk") == [2.0]


async def test_a_caller_that_gives_up_waiting_leaves_nothing_behind() -> None:
    h = Harness()
    h.send(1, 1, takes=5.0)  # in flight for five seconds
    await settle()
    gave_up = asyncio.create_task(h.budget.acquire(1))
    await settle()
    gave_up.cancel()
    h.send(1, 1, label="after")
    await h.finish(10)
    assert h.times(label="after") == [6.0]
    h.send(1, 1, label="later")
    await h.finish(2)  # the cancelled waiter took no slot
    assert h.times(label="later") == [h.time.now - 2]


async def test_idle_chats_are_forgotten_and_waiting_does_not_poll() -> None:
    h = Harness()
    for chat_id in range(1, 1001):
        h.send(chat_id, priority="bulk")
        h.send(-chat_id)
    await h.finish(120)
    assert len(h.log) == 2000
    # One timer per wait, not a loop of little sleeps: about one per bulk send here.
    assert h.time.sleeps <= 1100
    await h.time.advance(61)
    h.send(1, 1)
    await h.finish(1)
    assert h.budget.tracked_chats <= 2
