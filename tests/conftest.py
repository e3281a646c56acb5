"""Shared pytest fixtures.

``tests`` is a package (every folder has an ``__init__.py``), so every test module has
one unambiguous name (``tests.telegram.test_bot_behaviour``) for pytest and mypy alike,
and shared helpers are imported by their full name: ``from tests.auxil.botapi import ...``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio

from tests.auxil.botapi import BotApiEmulator


@pytest_asyncio.fixture
async def botapi() -> AsyncIterator[BotApiEmulator]:
    """A Telegram Bot API emulator on ``127.0.0.1:<ephemeral port>`` (see auxil/botapi.py).

    Fails the test at teardown if any call contradicted the official api.json or crashed
    the emulator; tests that provoke violations on purpose must clear ``botapi.violations``.
    """
    emulator = BotApiEmulator()
    await emulator.start()
    try:
        yield emulator
    finally:
        await emulator.stop()
    problems = emulator.violations + emulator.errors
    assert not problems, "Bot API emulator recorded problems:\n" + "\n".join(problems)
