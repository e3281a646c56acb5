"""Helpers for the bot tests: settings for the emulator, running the real Application."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

from tests.auxil.botapi import BotApiEmulator, FakeUser, SentMessage
from tutorbot.settings import Settings
from tutorbot.telegram import build_application
from tutorbot.telegram.budget import SendBudget

ROOT = Path(__file__).resolve().parents[2]
CASES = ROOT / "cases"
SEED = "extramedullary-hematopoiesis"


def settings_for(botapi: BotApiEmulator, database: Path, cases: Path = CASES) -> Settings:
    return Settings(
        cases=cases,
        database=f"sqlite:///{database}",
        api_url=botapi.base_url,
        token=botapi.token,
    )


class Waits:
    """Records retry waits instead of sleeping (the waits asked for are what we check)."""

    def __init__(self) -> None:
        self.asked: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.asked.append(seconds)
        await asyncio.sleep(0)


@contextlib.asynccontextmanager
async def running(botapi: BotApiEmulator, settings: Settings, **kwargs: Any) -> AsyncIterator[Any]:
    """The real Application from build_application, long polling the emulator.

    Unless a test passes its own ``budget``, private chats are not spaced a second
    apart: these tests are about what the learner sees, and the emulator does not
    model flood limits unless asked (tests/telegram/test_send_budget.py does).
    """
    kwargs.setdefault("budget", SendBudget(private_interval=0.0))
    app = build_application(settings, **kwargs)
    async with botapi.polling(app, timeout=0):
        yield app


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float = 5.0) -> None:
    """Wait until an async condition holds (for state outside the emulator: the store)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await check():
        if loop.time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.005)


def to(user: FakeUser, also: Callable[[SentMessage], bool]) -> Callable[[SentMessage], bool]:
    """A message to ``user``'s private chat for which ``also`` holds."""
    return lambda m: m.chat_id == user.id and also(m)


def with_button(label: str) -> Callable[[SentMessage], bool]:
    return lambda m: any(b.get("text") == label for b in m.buttons)


def asks_reply(m: SentMessage) -> bool:
    markup = m.params.get("reply_markup") or {}
    return bool(isinstance(markup, dict) and markup.get("force_reply"))


async def open_seed_stage_one(botapi: BotApiEmulator, learner: FakeUser) -> SentMessage:
    """Deep-link the seed case and go on to its first stage; the stage's message."""
    botapi.send_text(learner, None, f"/start {SEED}")
    history = await botapi.wait_for(with_button("Images ▶"))
    botapi.press_button(history, "Images ▶")
    return await botapi.wait_for(with_button("Findings ▶"))
