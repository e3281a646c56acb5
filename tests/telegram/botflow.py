"""Helpers for the bot tests: settings for the emulator, running the real Application."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

from tests.auxil.botapi import BotApiEmulator, FakeUser, SentMessage, tiny_png
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


def child_env(botapi: BotApiEmulator, database: Path, **extra: str) -> dict[str, str]:
    """The environment of ``tutorbot run`` in a child process against the emulator (settings
    from the environment only, as in production), with ``extra`` variables."""
    return {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": botapi.token,
        "TUTORBOT_API_URL": botapi.base_url,
        "TUTORBOT_DATABASE": f"sqlite:///{database}",
        "TUTORBOT_CASES": str(CASES),
        "PYTHONPATH": os.pathsep.join(
            [str(ROOT / "src"), str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]
        ),
        **extra,
    }


async def start_child(env: dict[str, str], log: Path, *args: str) -> asyncio.subprocess.Process:
    """``tutorbot run ARGS`` in a child process (private chats unpaced, as in the in-process
    bot tests: tests/telegram/unpaced_bot.py), its output appended to ``log``."""
    with log.open("ab") as out:
        return await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tests.telegram.unpaced_bot",
            "run",
            *args,
            stdout=out,
            stderr=out,
            env=env,
            cwd=ROOT,
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


async def play_the_seed_case(botapi: BotApiEmulator, alice: FakeUser) -> None:
    """The whole seed case as a learner plays it, from the deep link to the teaching
    points (one wrong answer, then the right one), checking each step on the way."""
    botapi.send_text(alice, None, f"/start {SEED}")
    history = await botapi.wait_for(with_button("Images ▶"))
    assert "Thalassaemic adult" in history.content and "Clinical history" in history.content

    botapi.press_button(history, "Images ▶")
    stage1 = await botapi.wait_for(with_button("Findings ▶"))
    assert stage1.photo and "Stage 1 of 2" in stage1.content

    botapi.press_button(stage1, "Findings ▶")
    findings1 = await botapi.wait_for(with_button("Next stage ▶"))
    assert findings1.photo and "anterior ribs" in findings1.content

    mark = botapi.mark()
    botapi.press_button(findings1, "Next stage ▶")
    stage2 = await botapi.wait_for(with_button("Findings ▶"), since=mark)
    album = [m for m in botapi.sent(alice)[mark:] if m.media_group_id]
    assert len(album) == 2

    botapi.press_button(stage2, "Findings ▶")
    findings2 = await botapi.wait_for(with_button("Diagnosis ▶"))
    botapi.press_button(findings2, "Diagnosis ▶")
    question = await botapi.wait_for(asks_reply)
    assert "What is your diagnosis?" in question.content

    mark = botapi.mark()
    botapi.reply_to(question, "lymphoma")
    wrong = await botapi.wait_for(asks_reply, since=mark)
    assert wrong.content.startswith("❌")
    assert "Hint 1 of 3" in wrong.content

    mark = botapi.mark()
    botapi.reply_to(wrong, "extramedullary haematopoiesis")
    right = await botapi.wait_for(with_button("Next case ▶"), since=mark)
    assert right.content.startswith("✅")
    assert "Teaching points" in right.content


async def open_seed_stage_one(botapi: BotApiEmulator, learner: FakeUser) -> SentMessage:
    """Deep-link the seed case and go on to its first stage; the stage's message."""
    botapi.send_text(learner, None, f"/start {SEED}")
    history = await botapi.wait_for(with_button("Images ▶"))
    botapi.press_button(history, "Images ▶")
    return await botapi.wait_for(with_button("Findings ▶"))


NUMBERED_CASE = """\
format: 1
id: {id}
title: Case {n:02} <&>
status: published
source:
  contributor: Test
tags:
  modality: [{modality}]
  system: [{system}]
history:
  - A history line.
stages:
  - images:
      - file: images/a.png
        caption: An image
        annotated: images/a.png
    findings:
      - A finding.
  - images:
      - file: images/a.png
        caption: Another image
    findings:
      - A second finding.
hints:
  - First hint.
  - Second hint.
diagnosis:
  answer: Pneumothorax
  explanation: Air in the pleural space.
teaching_points:
  - Point one.
  - Point two.
"""


def write_numbered_cases(
    root: Path, count: int, *, system: Callable[[int], str] = lambda n: "chest"
) -> list[str]:
    """``count`` published two-stage cases ``case-00`` ... titled ``Case 00 <&>`` ...
    (every third tagged CT, the others MRI; ``system`` names each one's second tag),
    all with the diagnosis pneumothorax; their ids in library order."""
    ids = []
    for n in range(count):
        case_id = f"case-{n:02}"
        folder = root / case_id
        (folder / "images").mkdir(parents=True)
        (folder / "images" / "a.png").write_bytes(tiny_png(32, 32))
        modality = "CT" if n % 3 == 0 else "MRI"
        text = NUMBERED_CASE.format(id=case_id, n=n, modality=modality, system=system(n))
        (folder / "case.yaml").write_text(text, encoding="utf-8")
        ids.append(case_id)
    return ids


async def says(botapi: BotApiEmulator, user: FakeUser, text: str) -> SentMessage:
    """``user`` sends ``text`` in their private chat; the bot's first message after it."""
    mark = botapi.mark()
    botapi.send_text(user, None, text)
    return await botapi.wait_for(to(user, lambda m: True), since=mark)


@contextlib.asynccontextmanager
async def learner_with_numbered_cases(
    botapi: BotApiEmulator, tmp_path: Path, count: int, **kwargs: Callable[[int], str]
) -> AsyncIterator[FakeUser]:
    """The bot running on ``count`` numbered cases (see :func:`write_numbered_cases`, which
    takes ``kwargs``) and a learner, Alice, to talk to it."""
    cases = tmp_path / "cases"
    write_numbered_cases(cases, count, **kwargs)
    async with running(botapi, settings_for(botapi, tmp_path / "bot.db", cases)):
        yield botapi.user("Alice")
