"""Load benchmark: N simulated learners play the seed case through the real Application.

Run from the repository root::

    .venv/bin/python bench/bot_load.py              # 1000 learners
    .venv/bin/python bench/bot_load.py --users 200  # a quick run

Everything runs in one process and one event loop: the Bot API emulator of
the tests (``tests/auxil/botapi.py``, over real HTTP on loopback, no rate
limits: it models Telegram, not our cost), the tutor bot from
``build_application`` on a fresh SQLite file, and the learners. Each learner
plays the whole seed case (8 updates: deep link, five buttons, a wrong and a
right answer) and waits for each reply before the next step. A minimal
python-telegram-bot echo bot then serves the same number of users sending the
same number of updates on the same emulator: the floor for any bot on this
library. Printed per bot: updates/s, Bot API calls/s and per update, p50/p99
handling time per update, peak and retained traced memory.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from telegram import Update  # noqa: E402
from telegram.ext import (  # noqa: E402
    Application,
    BaseUpdateProcessor,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from auxil.botapi import BotApiEmulator, SentMessage  # noqa: E402
from tutorbot.settings import Settings  # noqa: E402
from tutorbot.telegram import ChatOrderedProcessor, build_application  # noqa: E402

SEED = "extramedullary-hematopoiesis"
STEPS = 8


class Timed(BaseUpdateProcessor):
    """Wraps another processor and records how long each update's handling takes."""

    def __init__(self, inner: BaseUpdateProcessor) -> None:
        super().__init__(max_concurrent_updates=1_000_000)
        self.inner = inner
        self.times: list[float] = []

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        async def timed() -> None:
            start = time.perf_counter()
            await coroutine
            self.times.append(time.perf_counter() - start)

        await self.inner.do_process_update(update, timed())

    async def initialize(self) -> None:
        await self.inner.initialize()

    async def shutdown(self) -> None:
        await self.inner.shutdown()


class Inbox:
    """Messages the bot sent, per chat, as they are recorded by the emulator."""

    def __init__(self, botapi: BotApiEmulator) -> None:
        self.queues: dict[int, asyncio.Queue[SentMessage]] = defaultdict(asyncio.Queue)
        record = botapi._record

        def recording(method: str, message: Any, params: Any) -> SentMessage:
            sent = record(method, message, params)
            self.queues[sent.chat_id].put_nowait(sent)
            return sent

        botapi._record = recording  # type: ignore[method-assign]

    async def until(self, chat_id: int, want: Callable[[SentMessage], bool]) -> SentMessage:
        queue = self.queues[chat_id]
        while True:
            message = await asyncio.wait_for(queue.get(), 60)
            if want(message):
                return message


def button(label: str) -> Callable[[SentMessage], bool]:
    return lambda m: any(b.get("text") == label for b in m.buttons)


def force_reply(m: SentMessage) -> bool:
    markup = m.params.get("reply_markup") or {}
    return isinstance(markup, dict) and bool(markup.get("force_reply"))


async def learner(botapi: BotApiEmulator, inbox: Inbox) -> None:
    user = botapi.user("Learner")
    me = user.id
    botapi.send_text(user, None, f"/start {SEED}")
    message = await inbox.until(me, button("Images ▶"))
    for label, nxt in (
        ("Images ▶", "Findings ▶"),
        ("Findings ▶", "Next stage ▶"),
        ("Next stage ▶", "Findings ▶"),
        ("Findings ▶", "Diagnosis ▶"),
    ):
        botapi.press_button(message, label)
        message = await inbox.until(me, button(nxt))
    botapi.press_button(message, "Diagnosis ▶")
    question = await inbox.until(me, force_reply)
    botapi.reply_to(question, "lymphoma")
    wrong = await inbox.until(me, force_reply)
    botapi.reply_to(wrong, "extramedullary haematopoiesis")
    await inbox.until(me, button("Next case ▶"))


async def echo_user(botapi: BotApiEmulator, inbox: Inbox) -> None:
    user = botapi.user("Echo")
    for step in range(STEPS):
        botapi.send_text(user, None, f"hello {step}")
        await inbox.until(user.id, lambda m, s=step: m.content == f"hello {s}")


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The floor: one sendMessage per update."""
    assert update.effective_message is not None and update.effective_message.text
    await update.effective_message.reply_text(update.effective_message.text)


async def ignore(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Callback queries are not sent to the echo bot."""


@dataclass
class Result:
    name: str
    users: int
    updates: int
    calls: int
    seconds: float
    times: list[float]
    peak_mb: float
    retained_mb: float

    def lines(self) -> list[str]:
        times = sorted(self.times)
        p50 = statistics.median(times) * 1000 if times else 0.0
        p99 = times[min(len(times) - 1, int(len(times) * 0.99))] * 1000 if times else 0.0
        return [
            f"{self.name}: {self.users} users, {self.updates} updates in {self.seconds:.1f} s",
            f"  updates/s          {self.updates / self.seconds:8.1f}",
            f"  Bot API calls/s    {self.calls / self.seconds:8.1f}",
            f"  calls per update   {self.calls / max(1, self.updates):8.2f}",
            f"  handling p50/p99   {p50:8.1f} / {p99:.1f} ms",
            f"  peak traced memory {self.peak_mb:8.1f} MB",
            f"  retained after run {self.retained_mb:8.2f} MB "
            f"({self.retained_mb * 1024 / max(1, self.users):.2f} KB per user)",
        ]


async def measure(
    name: str,
    botapi: BotApiEmulator,
    app: Application[Any, Any, Any, Any, Any, Any],
    timed: Timed,
    users: int,
    play: Callable[[BotApiEmulator, Inbox], Awaitable[None]],
    trace: bool,
) -> Result:
    inbox = Inbox(botapi)
    async with botapi.polling(app, timeout=1):
        if trace:
            tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0] if trace else 0
        calls_before = sum(1 for m, _ in botapi.calls() if m != "getUpdates")
        start = time.perf_counter()
        await asyncio.gather(*(play(botapi, inbox) for _ in range(users)))
        seconds = time.perf_counter() - start
        calls = sum(1 for m, _ in botapi.calls() if m != "getUpdates") - calls_before
        peak = retained = 0.0
        if trace:
            current, top = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            peak, retained = (top - before) / 2**20, (current - before) / 2**20
    return Result(name, users, len(timed.times), calls, seconds, timed.times, peak, retained)


async def main(users: int, trace: bool) -> None:
    botapi = BotApiEmulator(schema=None)  # the api.json checks are the tests' job
    await botapi.start()
    try:
        with tempfile.TemporaryDirectory() as folder:
            settings = Settings(
                cases=ROOT / "cases",
                database=f"sqlite:///{Path(folder) / 'bench.db'}",
                api_url=botapi.base_url,
                token=botapi.token,
            )
            timed = Timed(ChatOrderedProcessor(256))
            app = build_application(settings, processor=timed)
            tutor = await measure("tutorbot", botapi, app, timed, users, learner, trace)

        timed_echo = Timed(ChatOrderedProcessor(256))
        echo_app = botapi.application_builder().concurrent_updates(timed_echo).build()
        echo_app.add_handler(MessageHandler(filters.TEXT, echo))
        echo_app.add_handler(CallbackQueryHandler(ignore))
        floor = await measure("echo bot", botapi, echo_app, timed_echo, users, echo_user, trace)
    finally:
        await botapi.stop()
    for line in (*tutor.lines(), *floor.lines()):
        print(line)
    ratio = (tutor.calls / tutor.seconds) / (floor.calls / floor.seconds)
    print(f"tutorbot Bot API calls/s = {ratio:.0%} of the echo bot's")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=1000, help="simulated learners (1000)")
    parser.add_argument(
        "--no-tracemalloc", action="store_true", help="skip memory tracing (faster)"
    )
    options = parser.parse_args()
    asyncio.run(main(options.users, not options.no_tracemalloc))
