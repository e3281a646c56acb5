"""A real crash: ``python -m tutorbot run`` killed with SIGKILL mid-case, then started again.

The bot runs as a child process configured only through the environment (as in
production), long polling the Bot API emulator that runs in the test process.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.auxil.botapi import BotApiEmulator
from tests.telegram.botflow import CASES, ROOT, SEED, asks_reply, with_button
from tutorbot.storage import open_store
from tutorbot.tutor.progress import stats_from

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")

START_TIMEOUT = 20.0  # a cold interpreter imports PTB, loads the cases and the lexicon


@contextlib.asynccontextmanager
async def bot_process(
    botapi: BotApiEmulator, database: Path, log: Path
) -> AsyncIterator[asyncio.subprocess.Process]:
    """``python -m tutorbot run`` against the emulator; always killed on the way out."""
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": botapi.token,
        "TUTORBOT_API_URL": botapi.base_url,
        "TUTORBOT_DATABASE": f"sqlite:///{database}",
        "TUTORBOT_CASES": str(CASES),
        "PYTHONPATH": os.pathsep.join(
            [str(ROOT / "src"), *filter(None, [os.environ.get("PYTHONPATH")])]
        ),
    }
    since = len(botapi.calls())
    with log.open("ab") as out:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tutorbot", "run", stdout=out, stderr=out, env=env, cwd=ROOT
        )
    try:
        # Started once it registers its commands; updates sent before it polls wait for it.
        await botapi.wait_for_call("setMyCommands", timeout=START_TIMEOUT, since=since)
        yield process
    except BaseException:
        print(log.read_text(errors="replace")[-4000:])
        raise
    finally:
        if process.returncode is None:
            process.kill()
        await asyncio.wait_for(process.wait(), 10)


async def test_sigkill_mid_case_then_continue_in_a_new_process(
    botapi: BotApiEmulator, tmp_path: Path
) -> None:
    database, log = tmp_path / "bot.db", tmp_path / "bot.log"
    alice = botapi.user("Alice")

    async with bot_process(botapi, database, log) as first:
        botapi.send_text(alice, None, f"/start {SEED}")
        history = await botapi.wait_for(with_button("Images ▶"), timeout=10)
        botapi.press_button(history, "Images ▶")
        stage1 = await botapi.wait_for(with_button("Findings ▶"), timeout=10)
        assert stage1.photo
        botapi.press_button(stage1, "Findings ▶")
        findings1 = await botapi.wait_for(with_button("Next stage ▶"), timeout=10)
        os.kill(first.pid, signal.SIGKILL)
        assert await asyncio.wait_for(first.wait(), 10) == -signal.SIGKILL

    mark = botapi.mark()
    async with bot_process(botapi, database, log):
        botapi.press_button(findings1, "Next stage ▶")  # the latest button before the kill
        stage2 = await botapi.wait_for(with_button("Findings ▶"), timeout=10, since=mark)
        assert "Stage 2 of 2" in stage2.content
        botapi.press_button(stage2, "Findings ▶")
        findings2 = await botapi.wait_for(with_button("Diagnosis ▶"), timeout=10, since=mark)
        botapi.press_button(findings2, "Diagnosis ▶")
        question = await botapi.wait_for(asks_reply, timeout=10, since=mark)
        botapi.reply_to(question, "EMH")
        done = await botapi.wait_for(with_button("Next case ▶"), timeout=10, since=mark)
        assert done.content.startswith("✅")
        assert "Teaching points" in done.content

    assert "Traceback" not in log.read_text(errors="replace")
    store = await open_store(f"sqlite:///{database}")
    try:
        answers = await store.answers.list(user_id=alice.id)
        assert [(a.answer, a.verdict, a.case_id) for a in answers] == [("EMH", "correct", SEED)]
        assert answers[0].case_version
        stats = stats_from((f.case_id, f.outcome) for f in await store.progress.finished(alice.id))
        assert (stats.cases_done, stats.correct, stats.finished) == (1, 1, (SEED,))
    finally:
        await store.close()
