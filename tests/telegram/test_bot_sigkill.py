"""Real crashes: ``tutorbot run`` killed with SIGKILL at every moment of a learner's flow,
then started again on the same database; no verdict is lost.

The bot runs as a child process on tutorbot's command line, configured only
through the environment (as in production; private chats not spaced a second
apart, as in the in-process bot tests), long polling the Bot API emulator that
runs in the test process. Learners play the seed case (a wrong answer, then the
right one). The moments of a learner's flow:

* every Bot API call the bot makes for them (20 in this flow: sends, answers to
  presses, edits that take stale buttons off), each held by the emulator
  *before* Telegram did it (the change is committed, its reply not sent: the
  kill falls between commit and send) and *after* (Telegram did it, the bot
  never heard back: the call was in flight): 40 moments;
* the learner's update received while the database is locked (not kept, not
  committed, not confirmed): 4 moments.

The learners go step by step together; in each step the bot is killed once,
with every learner that has a moment in that step held at it, and started
again. Nobody acts again: each only waits for the reply to what it did. Every
learner must then see exactly what the calm learner (no moment of its own) sees,
except that the messages of a call in flight at a kill may arrive a second time
(Telegram has no idempotency key); the database must hold each answer once.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sqlite3
import sys
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.auxil.botapi import BotApiEmulator, FakeUser, Hold, JSONDict, SentMessage
from tests.telegram.botflow import SEED, asks_reply, child_env, start_child, to, with_button
from tutorbot.storage import SessionKey, Store, open_store

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")

START_TIMEOUT = 20.0  # a cold interpreter imports PTB, loads the cases and the lexicon
WAIT = 20.0  # for a reply, across a kill and a start


@dataclass(frozen=True)
class Step:
    """What the learner does (given the message the last step brought), and the message
    that answers it."""

    act: Callable[[BotApiEmulator, FakeUser, SentMessage | None], JSONDict]
    answered: Callable[[SentMessage], bool]


def press(label: str) -> Callable[[BotApiEmulator, FakeUser, SentMessage | None], JSONDict]:
    def act(botapi: BotApiEmulator, user: FakeUser, last: SentMessage | None) -> JSONDict:
        assert last is not None
        return botapi.press_button(last, label)

    return act


def reply(text: str) -> Callable[[BotApiEmulator, FakeUser, SentMessage | None], JSONDict]:
    def act(botapi: BotApiEmulator, user: FakeUser, last: SentMessage | None) -> JSONDict:
        assert last is not None
        return botapi.reply_to(last, text)

    return act


FLOW = (
    Step(lambda b, u, _: b.send_text(u, None, f"/start {SEED}"), with_button("Images ▶")),
    Step(press("Images ▶"), lambda m: with_button("Findings ▶")(m) and "Stage 1" in m.content),
    Step(press("Findings ▶"), with_button("Next stage ▶")),
    Step(press("Next stage ▶"), lambda m: with_button("Findings ▶")(m) and "Stage 2" in m.content),
    Step(press("Findings ▶"), with_button("Diagnosis ▶")),
    Step(press("Diagnosis ▶"), lambda m: asks_reply(m) and "attempt 1" in m.content),
    Step(reply("pneumonia"), lambda m: m.content.startswith("❌")),
    Step(reply("EMH"), with_button("Next case ▶")),
)


def view(botapi: BotApiEmulator, user: FakeUser) -> list[tuple[str, str]]:
    """What the learner sees: each message's kind and content, in order."""
    return [(m.method, m.content) for m in botapi.sent(user)]


class Bot:
    """``tutorbot run`` in a process of its own against the emulator, started and killed by
    the test (private chats unpaced, as in the in-process bot tests: tests/telegram/unpaced_bot.py)."""

    def __init__(self, botapi: BotApiEmulator, database: Path, log: Path) -> None:
        self.botapi = botapi
        self.log = log
        self.env = child_env(botapi, database)
        self.process: asyncio.subprocess.Process | None = None
        self.starts = 0

    async def start(self) -> None:
        since = len(self.botapi.calls())
        self.process = await start_child(self.env, self.log)
        self.starts += 1
        # Started once it polls; updates sent before it polls wait for it.
        await self.botapi.wait_for_call("getUpdates", timeout=START_TIMEOUT, since=since)

    async def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        assert await asyncio.wait_for(self.process.wait(), 10) == -signal.SIGKILL

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.kill()
            await asyncio.wait_for(self.process.wait(), 10)


@contextlib.asynccontextmanager
async def bot_process(botapi: BotApiEmulator, database: Path, log: Path) -> AsyncIterator[Bot]:
    bot = Bot(botapi, database, log)
    try:
        yield bot
    except BaseException:
        print(log.read_text(errors="replace")[-6000:])
        raise
    finally:
        await bot.stop()


#: The Bot API calls the bot makes for a learner in each step of FLOW (the reply's sends,
#: the answer to a press, the edit that takes the stale buttons off): one moment each,
#: held before and after Telegram did it. The calm learner's count is checked.
CALLS = (1, 3, 3, 4, 4, 3, 1, 1)
#: The steps whose update arrives while the database is locked (received, not kept), and
#: the learner (by number) it arrives from.
LOCKED = {0: 2, 3: 8, 6: 3, 7: 4}


@dataclass
class Learner:
    """A learner, the moments the bot dies at in its flow, and how far it got."""

    user: FakeUser
    held: dict[int, tuple[int, bool]] = field(default_factory=dict)  # step: (call, after)
    locked: set[int] = field(default_factory=set)  # steps whose update meets a locked database
    holds: list[Hold] = field(default_factory=list)
    last: SentMessage | None = None

    def moments(self) -> list[str]:
        held = [
            f"step {step} call {call} {'in flight' if after else 'not yet sent'}"
            for step, (call, after) in self.held.items()
        ]
        return held + [f"step {step}'s update not kept" for step in self.locked]

    def in_flight(self) -> list[list[tuple[str, str]]]:
        """The messages of each call held after Telegram did it: each may arrive twice."""
        return [[(m.method, m.content) for m in hold.sent] for hold in self.holds if hold.after]


async def test_sigkill_at_every_moment_of_a_learners_flow_loses_no_verdict(
    botapi: BotApiEmulator, tmp_path: Path
) -> None:
    database, log = tmp_path / "bot.db", tmp_path / "bot.log"
    calm = Learner(botapi.user("Calm"))
    learners = [Learner(botapi.user(f"Learner{n}")) for n in range(9)]
    for step, calls in enumerate(CALLS):
        moments = [(call, after) for call in range(1, calls + 1) for after in (False, True)]
        for learner, moment in zip(learners, moments, strict=False):
            learner.held[step] = moment
    for step, number in LOCKED.items():
        assert step not in learners[number].held
        learners[number].locked.add(step)
    everyone = [calm, *learners]
    counter = botapi.hold(calm.user, nth=10**6)  # never reached: it counts calm's calls
    async with bot_process(botapi, database, log) as bot:
        await bot.start()
        store = await open_store(f"sqlite:///{database}")
        try:
            for number in range(len(FLOW)):
                await _settled(botapi)  # the last step's calls are all made: holds count anew
                locked = [learner for learner in everyone if number in learner.locked]
                if locked:
                    await _locked_round(botapi, bot, store, database, number, locked)
                await _held_round(
                    botapi, bot, store, number, [x for x in everyone if x not in locked]
                )
            await _settled(botapi)
        finally:
            await store.close()

    count = sum(len(learner.held) + len(learner.locked) for learner in learners)
    assert count == 2 * sum(CALLS) + len(LOCKED) >= 40
    assert counter.seen == sum(CALLS) and bot.starts == 1 + len(FLOW) + len(LOCKED)
    reference = view(botapi, calm.user)
    assert [m for m, _ in reference].count("sendMediaGroup") == 4 and len(reference) == 12
    twice = 0
    for learner in learners:
        seen = view(botapi, learner.user)
        assert _same_but_for(seen, reference, learner.in_flight()), (
            f"{learner.moments()}: saw\n" + "\n".join(f"{m} {c[:50]!r}" for m, c in seen)
        )
        twice += len(seen) - len(reference)
    # The moments did happen: each send in flight arrived twice (ten sends, an album being
    # two messages), and a process that died left updates and replies to the next one.
    in_flight = [block for learner in learners for block in learner.in_flight() if block]
    assert len(in_flight) == 10 and twice == sum(len(block) for block in in_flight) == 12
    logged = log.read_text(errors="replace")
    assert "Traceback" not in logged
    assert "received before a restart" in logged and "Took over" in logged
    store = await open_store(f"sqlite:///{database}")
    try:
        for learner in everyone:
            answers = await store.answers.list(user_id=learner.user.id)
            assert [(a.answer, a.verdict) for a in answers] == [
                ("pneumonia", "wrong"),
                ("EMH", "correct"),
            ], learner.moments()
            assert len(await store.progress.finished(learner.user.id)) == 1, learner.moments()
            assert await store.outbox.pending(key_of(learner)) == [], learner.moments()
        assert await store.inbox.waiting() == []
    finally:
        await store.close()


def key_of(learner: Learner) -> SessionKey:
    return SessionKey(learner.user.id, 0, learner.user.id)


async def _locked_round(
    botapi: BotApiEmulator,
    bot: Bot,
    store: Store,
    database: Path,
    number: int,
    locked: list[Learner],
) -> None:
    """The ``locked`` learners do step ``number`` while the database is locked; the bot
    is killed once it has received their updates (it cannot keep or confirm them)."""
    mark = botapi.mark()
    with contextlib.closing(sqlite3.connect(database, isolation_level=None)) as lock:
        lock.execute("BEGIN IMMEDIATE")
        sent = [FLOW[number].act(botapi, learner.user, learner.last) for learner in locked]
        await asyncio.wait_for(_fetched(botapi, sent), WAIT)
        await bot.kill()
        lock.execute("ROLLBACK")
    await bot.start()
    await _answered(botapi, store, number, locked, mark)


async def _held_round(
    botapi: BotApiEmulator, bot: Bot, store: Store, number: int, learners: list[Learner]
) -> None:
    """``learners`` do step ``number``, some of them with a call held; once every held call
    is caught and the others' answers are sent (and recorded so), the bot is killed and
    started again; the held learners then get their answer without acting again."""
    held = [learner for learner in learners if number in learner.held]
    for learner in held:
        call, after = learner.held[number]
        learner.holds.append(botapi.hold(learner.user, call, after=after))
    mark = botapi.mark()
    for learner in learners:
        FLOW[number].act(botapi, learner.user, learner.last)
    free = [learner for learner in learners if learner not in held]
    await _answered(botapi, store, number, free, mark)
    await asyncio.wait_for(
        asyncio.gather(*(learner.holds[-1].caught.wait() for learner in held)), WAIT
    )
    # What the free learners' replies make the bot do next (taking their stale buttons
    # off) is done too, so that the kill falls only on the held learners' moments.
    await _settled(botapi)
    await bot.kill()
    for learner in held:
        learner.holds[-1].release()
    await bot.start()
    await _answered(botapi, store, number, held, mark)


async def _answered(
    botapi: BotApiEmulator, store: Store, number: int, learners: list[Learner], since: int
) -> None:
    """Wait until each learner has the answer to step ``number`` (sent after ``since``) and
    the bot has recorded it sent."""
    answers = await asyncio.gather(
        *(
            botapi.wait_for(to(learner.user, FLOW[number].answered), timeout=WAIT, since=since)
            for learner in learners
        )
    )
    for learner, answer in zip(learners, answers, strict=True):
        learner.last = answer
        await asyncio.wait_for(_sent_all(store, learner), WAIT)


async def _sent_all(store: Store, learner: Learner) -> None:
    while await store.outbox.pending(key_of(learner)):
        await asyncio.sleep(0.01)


async def _settled(botapi: BotApiEmulator, quiet: float = 0.3) -> None:
    """Wait until the bot (another process: not tracked) has made no call but polling for
    ``quiet`` seconds: what it does after the last reply (taking buttons off) is done."""
    made = -1
    while True:
        now = len([name for name, _ in botapi.calls() if name != "getUpdates"])
        if now == made:
            return
        made = now
        await asyncio.sleep(quiet)


async def _fetched(botapi: BotApiEmulator, updates: list[JSONDict]) -> None:
    """Wait until the bot has received ``updates`` (it cannot keep or confirm them)."""
    while not all(botapi.fetched(update) for update in updates):
        await asyncio.sleep(0.01)


def _same_but_for(
    seen: list[tuple[str, str]],
    reference: list[tuple[str, str]],
    in_flight: list[list[tuple[str, str]]],
) -> bool:
    """``seen`` is ``reference``, but that the messages of a call in flight at a kill may
    arrive a second time, right after the first (sent again first thing after the start)."""
    seen = list(seen)
    for block in in_flight:
        size = len(block)
        for i in range(len(seen) - 2 * size + 1):
            if size and seen[i : i + size] == block == seen[i + size : i + 2 * size]:
                del seen[i + size : i + 2 * size]
                break
    return seen == reference
