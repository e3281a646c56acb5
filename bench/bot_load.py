"""Load benchmark: N simulated learners play the seed case through the real Application.

Run from the repository root::

    .venv/bin/python bench/bot_load.py              # 400 learners, 3 repetitions
    .venv/bin/python bench/bot_load.py --users 1000 --think 5 --reps 3 --idle 0
    .venv/bin/python bench/bot_load.py --users 200 --reps 1   # a quick run

Two processes. The Bot API emulator of the tests (``tests/auxil/botapi.py``,
real HTTP on loopback, no rate limits and no api.json checks: it models
Telegram, not our cost) runs in a child process together with the simulated
users, so its work (photos, albums, message records) is not charged to the
bot. The parent process runs the bot under test: tutorbot from
``build_application`` on a fresh SQLite file, or a minimal python-telegram-bot
echo bot (one ``sendMessage`` per update, the same per-chat processor): the
floor for any bot on this library.

Each repetition measures both bots, one after the other (alternating which
goes first), with the same number of users sending the same number of
updates: a tutorbot learner plays the whole seed case (8 updates: deep link,
five buttons, a wrong and a right answer) and waits for each reply before the
next step; an echo user sends 8 texts, each after the previous echo. Printed:
the Bot API calls of each step of the flow, then per bot the medians over the
repetitions of updates/s, Bot API calls/s and per update, the bot process's
CPU time per update, the time from an update being queued by the emulator to
the bot's first call about it (p50/p99, measured in the emulator process),
p50/p99 handling time per update, and the ratios tutorbot/echo (each the
median of the per-repetition ratios); then the memory per idle session
(``--idle`` sessions opened, then left idle: traced Python memory and RSS of
the bot process before and after).

``--think S``: each user waits S seconds on average (uniformly 0 to 2S) before
each step, as a learner reads, so 1,000 learners make an open load rather than
a race. ``--profile``: tutorbot's first repetition under cProfile, its top
frames printed. ``--httpx``: tutorbot on python-telegram-bot's own
``HTTPXRequest``, as before issue 15 (the echo bot always is).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import io
import multiprocessing
import os
import pstats
import random
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # for tests.auxil.botapi, the emulator

from telegram import Update  # noqa: E402
from telegram.ext import (  # noqa: E402
    Application,
    ApplicationBuilder,
    BaseUpdateProcessor,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)
from telegram.request import HTTPXRequest  # noqa: E402
from tests.auxil.botapi import BotApiEmulator, ChatFeed, SentMessage  # noqa: E402

from tutorbot.settings import Settings  # noqa: E402
from tutorbot.telegram import ChatOrderedProcessor, build_application  # noqa: E402
from tutorbot.telegram._app import WORKERS as DEFAULT_WORKERS  # noqa: E402
from tutorbot.telegram._app import file_url  # noqa: E402
from tutorbot.telegram.budget import SendBudget  # noqa: E402

SEED = "extramedullary-hematopoiesis"
STEPS = 8  # updates per user in the throughput runs
WARM_UP = 20  # sessions opened before memory is measured
THINK = 0.0  # mean seconds a user waits before each step (set per run by the bot process)
PROFILE = False  # profile tutorbot's first repetition (--profile)
HTTPX = False  # tutorbot on PTB's own HTTPXRequest instead of its aiohttp request (--httpx)

App = Application[Any, Any, Any, Any, Any, Any]

# -- the emulator process: Telegram and the users ---------------------------------------------


class FirstCalls(list[Any]):
    """The emulator's record of calls, which also times each update to the bot's first call
    about it: the first call for the update's chat (or its callback query) after it."""

    def __init__(self) -> None:
        super().__init__()
        self.waiting: dict[int, float] = {}  # chat id -> when its update was queued
        self.queries: dict[str, int] = {}  # callback query id -> chat id
        self.latencies: list[float] = []

    def append(self, call: Any) -> None:
        super().append(call)
        params = call.params
        chat = params.get("chat_id")
        if chat is None and "callback_query_id" in params:
            chat = self.queries.pop(str(params["callback_query_id"]), None)
        if isinstance(chat, int) and chat in self.waiting:
            self.latencies.append(time.perf_counter() - self.waiting.pop(chat))


class Inbox(ChatFeed):
    """Messages the bot sent, per chat, as the emulator records them; and the first calls."""

    def __init__(self, botapi: BotApiEmulator) -> None:
        super().__init__(botapi, timeout=300)
        self.first_calls = FirstCalls()
        botapi._calls = self.first_calls


def button(label: str) -> Callable[[SentMessage], bool]:
    return lambda m: any(b.get("text") == label for b in m.buttons)


def force_reply(m: SentMessage) -> bool:
    markup = m.params.get("reply_markup") or {}
    return isinstance(markup, dict) and bool(markup.get("force_reply"))


Steps = list[tuple[str, list[str]]]


class User:
    """One simulated user: sends an update, waits for the reply it expects."""

    def __init__(self, botapi: BotApiEmulator, inbox: Inbox, steps: Steps | None) -> None:
        self.botapi, self.inbox, self.steps = botapi, inbox, steps
        self.user = botapi.user("Learner")

    async def step(
        self, label: str, send: Callable[[], object], want: Callable[[SentMessage], bool]
    ) -> SentMessage:
        if THINK:  # a learner reads before acting: THINK seconds on average
            await asyncio.sleep(random.uniform(0, 2 * THINK))
        before = len(self.botapi.calls()) if self.steps is not None else 0
        first_calls = self.inbox.first_calls
        first_calls.waiting[self.user.id] = time.perf_counter()
        update = send()
        query = update.get("callback_query") if isinstance(update, dict) else None
        if isinstance(query, dict):
            first_calls.queries[str(query["id"])] = self.user.id
        message = await self.inbox.until(self.user.id, want)
        if self.steps is not None:
            calls = [m for m, _ in self.botapi.calls()[before:] if m != "getUpdates"]
            self.steps.append((label, calls))
        return message


async def learner(botapi: BotApiEmulator, inbox: Inbox, steps: Steps | None = None) -> int:
    """The whole seed case: 8 updates."""
    u = User(botapi, inbox, steps)
    me = u.user
    message = await u.step(
        "/start <case> (deep link)",
        lambda: botapi.send_text(me, None, f"/start {SEED}"),
        button("Images ▶"),
    )
    for label, nxt, title in (
        ("Images ▶", "Findings ▶", "Images ▶ (stage 1)"),
        ("Findings ▶", "Next stage ▶", "Findings ▶ (stage 1)"),
        ("Next stage ▶", "Findings ▶", "Next stage ▶ (stage 2)"),
        ("Findings ▶", "Diagnosis ▶", "Findings ▶ (stage 2)"),
    ):
        message = await u.step(
            title,
            lambda label=label, m=message: botapi.press_button(m, label),  # type: ignore[misc]
            button(nxt),
        )
    question = await u.step(
        "Diagnosis ▶", lambda: botapi.press_button(message, "Diagnosis ▶"), force_reply
    )
    wrong = await u.step("wrong answer", lambda: botapi.reply_to(question, "lymphoma"), force_reply)
    await u.step(
        "right answer",
        lambda: botapi.reply_to(wrong, "extramedullary haematopoiesis"),
        button("Next case ▶"),
    )
    return STEPS


async def opener(botapi: BotApiEmulator, inbox: Inbox, steps: Steps | None = None) -> int:
    """Open the seed case and leave it: one update, one idle session."""
    u = User(botapi, inbox, steps)
    await u.step(
        "/start", lambda: botapi.send_text(u.user, None, f"/start {SEED}"), button("Images ▶")
    )
    return 1


async def echo_user(botapi: BotApiEmulator, inbox: Inbox, steps: Steps | None = None) -> int:
    u = User(botapi, inbox, steps)
    for n in range(STEPS):
        await u.step(
            "text",
            lambda n=n: botapi.send_text(u.user, None, f"hello {n}"),  # type: ignore[misc]
            lambda m, n=n: m.content == f"hello {n}",  # type: ignore[misc]
        )
    return STEPS


SCENARIOS: dict[str, Callable[[BotApiEmulator, Inbox, Steps | None], Awaitable[int]]] = {
    "learner": learner,
    "opener": opener,
    "echo": echo_user,
}


@dataclass
class Played:
    """What the emulator process saw of one run."""

    seconds: float
    updates: int
    calls: dict[str, int]
    steps: Steps = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)  # update -> first call, seconds


def emulator_process(conn: Connection) -> None:
    """The child: serve the emulator and play the scenarios the parent asks for."""
    asyncio.run(serve(conn))


async def serve(conn: Connection) -> None:
    botapi = BotApiEmulator(schema=None)  # the api.json checks are the tests' job
    await botapi.start()
    inbox = Inbox(botapi)
    conn.send((botapi.token, botapi.base_url))
    loop = asyncio.get_running_loop()
    global THINK
    try:
        while True:
            command, users, trace, THINK = await loop.run_in_executor(None, conn.recv)
            if command == "stop":
                break
            botapi.forget_history()
            inbox.first_calls.latencies = []
            play = SCENARIOS[command]
            steps: Steps | None = [] if trace else None
            start = time.perf_counter()
            updates = sum(await asyncio.gather(*(play(botapi, inbox, steps) for _ in range(users))))
            seconds = time.perf_counter() - start
            calls = Counter(m for m, _ in botapi.calls() if m != "getUpdates")
            inbox.queues.clear()
            latencies = inbox.first_calls.latencies
            conn.send(Played(seconds, updates, dict(calls), steps or [], latencies))
    finally:
        await botapi.stop()


# -- the bot process ---------------------------------------------------------------------------


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


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The floor: one sendMessage per update."""
    assert update.effective_message is not None and update.effective_message.text
    await update.effective_message.reply_text(update.effective_message.text)


async def ignore(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Callback queries are not sent to the echo bot."""


@dataclass
class Result:
    name: str
    updates: int
    calls: int
    seconds: float
    p50_ms: float
    p99_ms: float
    cpu: float  # the bot process's CPU time over wall time (1.0 = one core busy)
    cpu_ms: float  # the bot process's CPU time per update
    first_p50_ms: float  # update queued -> the bot's first call about it
    first_p99_ms: float

    @property
    def updates_per_s(self) -> float:
        return self.updates / self.seconds

    @property
    def calls_per_s(self) -> float:
        return self.calls / self.seconds

    @property
    def calls_per_update(self) -> float:
        return self.calls / max(1, self.updates)


class Remote:
    """The emulator process, seen from the bot process."""

    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")
        self.conn, child = context.Pipe()
        self.process = context.Process(target=emulator_process, args=(child,), daemon=True)
        self.process.start()
        self.token, self.base_url = self.conn.recv()

    async def play(
        self, scenario: str, users: int, trace: bool = False, think: float = 0.0
    ) -> Played:
        self.conn.send((scenario, users, trace, think))
        played: Played = await asyncio.get_running_loop().run_in_executor(None, self.conn.recv)
        return played

    def close(self) -> None:
        self.conn.send(("stop", 0, False, 0.0))
        self.process.join(10)
        if self.process.is_alive():
            self.process.kill()


WORKERS = DEFAULT_WORKERS  # chats handled at once (and connections), the same for both bots


def tutor_app(remote: Remote, database: Path, processor: BaseUpdateProcessor) -> App:
    settings = Settings(
        cases=ROOT / "cases",
        database=f"sqlite:///{database}",
        api_url=remote.base_url,
        token=remote.token,
    )
    # The emulator models Telegram, not its flood limits, and this measures the bot's own
    # cost: a budget that never makes a send wait, but whose bookkeeping is still paid.
    unpaced = SendBudget(per_second=10**9, private_interval=0.0, group_per_minute=10**9)
    if HTTPX:  # as build_application set PTB's request up before issue 15
        return build_application(
            settings,
            processor=processor,
            workers=WORKERS,
            budget=unpaced,
            request=HTTPXRequest(connection_pool_size=WORKERS + 8, pool_timeout=10.0),
            get_updates_request=HTTPXRequest(connection_pool_size=1),
        )
    return build_application(settings, processor=processor, workers=WORKERS, budget=unpaced)


def echo_app(remote: Remote, processor: BaseUpdateProcessor) -> App:
    app = (
        ApplicationBuilder()
        .token(remote.token)
        .base_url(remote.base_url)
        .base_file_url(file_url(remote.base_url))
        .concurrent_updates(processor)
        .connection_pool_size(WORKERS + 8)
        .pool_timeout(10.0)
        .build()
    )
    app.add_handler(MessageHandler(filters.TEXT, echo))
    app.add_handler(CallbackQueryHandler(ignore))
    return app


async def started(app: App) -> None:
    await app.initialize()
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0, timeout=1)


async def stopped(app: App) -> None:
    assert app.updater is not None
    await app.updater.stop()
    await app.stop()
    await app.shutdown()


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))] if ordered else 0.0


async def measure(
    name: str, remote: Remote, folder: Path, users: int, rep: int, think: float
) -> Result:
    timed = Timed(ChatOrderedProcessor(WORKERS))
    if name == "tutorbot":
        app = tutor_app(remote, folder / f"bench-{rep}.db", timed)
        scenario = "learner"
    else:
        app = echo_app(remote, timed)
        scenario = "echo"
    await started(app)
    profile = cProfile.Profile() if PROFILE and name == "tutorbot" and rep == 0 else None
    cpu_before = time.process_time()
    if profile is not None:
        profile.enable()
    try:
        played = await remote.play(scenario, users, think=think)
    finally:
        cpu_seconds = time.process_time() - cpu_before
        if profile is not None:
            profile.disable()
        await stopped(app)
    if profile is not None:
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats("tottime").print_stats(30)
        print(out.getvalue())
    return Result(
        name,
        played.updates,
        sum(played.calls.values()),
        played.seconds,
        percentile(timed.times, 0.5) * 1000,
        percentile(timed.times, 0.99) * 1000,
        cpu_seconds / played.seconds,
        cpu_seconds * 1000 / max(1, played.updates),
        percentile(played.latencies, 0.5) * 1000,
        percentile(played.latencies, 0.99) * 1000,
    )


def rss_mb() -> float:
    """Resident set size of this process (Linux), in MB."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:
        return float("nan")


async def idle_memory(remote: Remote, folder: Path, sessions: int) -> tuple[float, float, float]:
    """Traced KB and RSS KB per idle session, and the traced peak (MB) while opening them."""
    app = tutor_app(remote, folder / "idle.db", ChatOrderedProcessor(WORKERS))
    await started(app)
    try:
        await remote.play("opener", WARM_UP)  # caches (file_ids, connections) filled
        gc.collect()
        tracemalloc.start()
        traced_before, rss_before = tracemalloc.get_traced_memory()[0], rss_mb()
        await remote.play("opener", sessions)
        await asyncio.sleep(0.2)  # let the last replies' bookkeeping finish
        gc.collect()
        traced_after, peak = tracemalloc.get_traced_memory()
        rss_after = rss_mb()
        tracemalloc.stop()
    finally:
        await stopped(app)
    per_traced = (traced_after - traced_before) / 1024 / sessions
    per_rss = (rss_after - rss_before) * 1024 / sessions
    return per_traced, per_rss, (peak - traced_before) / 2**20


def median_result(results: list[Result]) -> Result:
    return Result(
        results[0].name,
        int(statistics.median(r.updates for r in results)),
        int(statistics.median(r.calls for r in results)),
        statistics.median(r.seconds for r in results),
        statistics.median(r.p50_ms for r in results),
        statistics.median(r.p99_ms for r in results),
        statistics.median(r.cpu for r in results),
        statistics.median(r.cpu_ms for r in results),
        statistics.median(r.first_p50_ms for r in results),
        statistics.median(r.first_p99_ms for r in results),
    )


async def main(users: int, reps: int, idle: int, think: float) -> None:
    start = time.perf_counter()
    remote = Remote()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            # One learner alone, to show the calls each step of the flow makes.
            app = tutor_app(remote, folder / "trace.db", ChatOrderedProcessor(WORKERS))
            await started(app)
            try:
                traced = await remote.play("learner", 1, trace=True)
            finally:
                await stopped(app)
            print("Bot API calls per step of the seed case (one learner):")
            for label, calls in traced.steps:
                print(f"  {label:28} {len(calls)}  {', '.join(calls)}")
            total = sum(len(calls) for _, calls in traced.steps)
            print(f"  {'total':28} {total} for {len(traced.steps)} updates\n")

            runs: dict[str, list[Result]] = {"tutorbot": [], "echo bot": []}
            for rep in range(reps):
                order = ["tutorbot", "echo bot"] if rep % 2 == 0 else ["echo bot", "tutorbot"]
                for name in order:
                    result = await measure(name, remote, folder, users, rep, think)
                    runs[name].append(result)
                    print(
                        f"  rep {rep + 1} {name:9} {result.updates} updates in "
                        f"{result.seconds:5.1f} s: {result.calls_per_s:6.1f} calls/s, "
                        f"CPU {result.cpu:.2f} cores, {result.cpu_ms:.2f} ms/update, "
                        f"first call p50 {result.first_p50_ms:.1f} ms "
                        f"p99 {result.first_p99_ms:.1f} ms",
                        flush=True,
                    )
            memory = await idle_memory(remote, folder, idle) if idle else None
    finally:
        remote.close()

    tutor, floor = median_result(runs["tutorbot"]), median_result(runs["echo bot"])
    ratios = [
        t.calls_per_s / e.calls_per_s
        for t, e in zip(runs["tutorbot"], runs["echo bot"], strict=True)
    ]
    thinking = f", {think:g} s think time" if think else ", no think time"
    print(f"\n{users} users x {STEPS} updates per bot{thinking}, median of {reps} repetition(s):\n")
    print(f"| {'':24} | {'tutorbot':>10} | {'echo bot':>10} | {'ratio':>6} |")
    print(f"|{'-' * 26}|{'-' * 12}|{'-' * 12}|{'-' * 8}|")
    rows = [
        ("updates/s", tutor.updates_per_s, floor.updates_per_s, ".1f"),
        ("Bot API calls/s", tutor.calls_per_s, floor.calls_per_s, ".1f"),
        ("calls per update", tutor.calls_per_update, floor.calls_per_update, ".2f"),
        ("CPU per update (ms)", tutor.cpu_ms, floor.cpu_ms, ".2f"),
        ("update→first call p50 (ms)", tutor.first_p50_ms, floor.first_p50_ms, ".1f"),
        ("update→first call p99 (ms)", tutor.first_p99_ms, floor.first_p99_ms, ".1f"),
        ("handling p50 (ms)", tutor.p50_ms, floor.p50_ms, ".1f"),
        ("handling p99 (ms)", tutor.p99_ms, floor.p99_ms, ".1f"),
        ("bot process CPU (cores)", tutor.cpu, floor.cpu, ".2f"),
    ]
    for label, a, b, fmt in rows:
        print(f"| {label:24} | {a:>10{fmt}} | {b:>10{fmt}} | {a / b:>6.2f} |")
    print(
        f"\ntutorbot Bot API calls/s = {statistics.median(ratios):.0%} of the echo bot's "
        f"(median of the per-repetition ratios {', '.join(f'{r:.0%}' for r in ratios)}; "
        "target 80%)"
    )
    figures: tuple[tuple[str, Callable[[Result], float], str], ...] = (
        ("CPU per update", lambda r: r.cpu_ms, "target 1.00"),
        ("update→first call p99", lambda r: r.first_p99_ms, "target 2.50"),
    )
    for label, value, target in figures:
        pairs = [
            value(t) / max(1e-9, value(e))
            for t, e in zip(runs["tutorbot"], runs["echo bot"], strict=True)
        ]
        print(
            f"tutorbot/echo {label}: {statistics.median(pairs):.2f} (median of the "
            f"per-repetition ratios {', '.join(f'{r:.2f}' for r in pairs)}; {target})"
        )
    if memory is not None:
        per_traced, per_rss, peak = memory
        print(
            f"memory per idle session ({idle} sessions opened, then idle): "
            f"{per_traced:.2f} KB traced, {per_rss:.2f} KB RSS "
            f"(traced peak while opening them {peak:.1f} MB)"
        )
    print(f"total time {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=400, help="simulated users per bot (400)")
    parser.add_argument("--reps", type=int, default=3, help="repetitions (3); medians are shown")
    parser.add_argument(
        "--idle", type=int, default=1000, help="idle sessions for the memory figure (1000; 0: skip)"
    )
    parser.add_argument(
        "--workers", type=int, default=WORKERS, help=f"chats handled at once ({WORKERS})"
    )
    parser.add_argument(
        "--think", type=float, default=0.0, help="mean seconds a user waits before a step (0)"
    )
    parser.add_argument(
        "--profile", action="store_true", help="profile tutorbot's first repetition"
    )
    parser.add_argument(
        "--httpx", action="store_true", help="tutorbot on PTB's HTTPXRequest (before issue 15)"
    )
    options = parser.parse_args()
    WORKERS, PROFILE, HTTPX = options.workers, options.profile, options.httpx
    asyncio.run(main(options.users, options.reps, options.idle, options.think))
