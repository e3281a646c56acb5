"""Shared pytest fixtures.

``tests/`` is put on ``sys.path`` so that test modules can ``from auxil.botapi import ...``
(pytest's default ``prepend`` import mode does this already for this rootdir conftest; the
explicit insert keeps it working under ``--import-mode=importlib`` too).
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio

_TESTS = str(Path(__file__).resolve().parent)
if _TESTS not in sys.path:
    sys.path.insert(0, _TESTS)

from auxil.botapi import BotApiEmulator  # noqa: E402


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
